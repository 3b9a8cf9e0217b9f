"""What every benchmark script shares: its own throwaway database, the environment, the machine, percentiles.

Each script works in a database of its own named ``sc_bench_<figure>`` on the server given by ``BENCH_PG_URL``
(default ``postgres://postgres@127.0.0.1:5432``), creates it fresh, and drops it when it ends, also on Ctrl-C.
``DATABASE_URL`` from the caller's shell is deliberately ignored, so a benchmark can never drop a real database.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"  # git-ignored; each script leaves its raw numbers here as JSON
PYTHON = sys.executable

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")


def bench_env(db_name: str, **extra: str) -> dict[str, str]:
    """The environment of the production configuration, pointed at this benchmark's database."""
    assert db_name.startswith("sc_bench"), db_name
    env = {
        "DATABASE_URL": f"{PG_URL}/{db_name}",
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": f"{db_name}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-key-" + "x" * 42,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_SETTINGS_MODULE": "sellercenter.settings",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


def use_env(db_name: str, **extra: str) -> dict[str, str]:
    """Put the benchmark environment into this process (before ``django.setup()``) and return it."""
    env = bench_env(db_name, **extra)
    os.environ.update(env)
    return {**os.environ}


def _admin_connection() -> Any:
    import psycopg

    return psycopg.connect(f"{PG_URL}/postgres", autocommit=True)


def create_database(db_name: str) -> None:
    """Create the benchmark's database afresh (dropping a leftover of a crashed run) and drop it at exit."""
    assert db_name.startswith("sc_bench"), db_name
    with _admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{db_name}"')
    atexit.register(drop_database, db_name)
    # atexit does not run on SIGTERM; turn it into a normal exit so the database is dropped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))


def drop_database(db_name: str) -> None:
    assert db_name.startswith("sc_bench"), db_name
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # noqa: BLE001 - Django may not be set up at all
        pass
    with _admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    print(f"(dropped database {db_name})", flush=True)


def manage(*args: str, env: dict[str, str], quiet: bool = True) -> float:
    """Run ``manage.py`` in a child process with ``env``; return its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )
    return time.perf_counter() - started


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: Sequence[float], scale: float = 1.0) -> dict[str, float]:
    """n, mean, p50, p95, p99, max of ``values`` multiplied by ``scale`` (1000 turns seconds into ms)."""
    scaled = [v * scale for v in values]
    return {
        "n": len(scaled),
        "mean": sum(scaled) / len(scaled),
        "p50": percentile(scaled, 50),
        "p95": percentile(scaled, 95),
        "p99": percentile(scaled, 99),
        "max": max(scaled),
    }


def _run(command: Iterable[str]) -> str:
    try:
        return subprocess.run(list(command), capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "?"


def _revision() -> str:
    head = _run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    if not head or head == "?":
        return "?"
    dirty = _run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"])
    return head + (" + uncommitted changes" if dirty else "")


def machine() -> dict[str, str]:
    """The machine and software the numbers were taken on."""
    model = next(
        (line.split(":", 1)[1].strip() for line in _run(["lscpu"]).splitlines() if line.startswith("Model name")),
        "?",
    )
    mem_kb = next(
        (int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
         if line.startswith("MemTotal")),
        0,
    )
    info = {
        "date": _run(["date", "-u"]),
        "nproc": _run(["nproc"]),
        "cpu": model,
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "revision": os.environ.get("BENCH_REVISION") or _revision(),
        "load average": " ".join(f"{load:.2f}" for load in os.getloadavg()) + " (1, 5, 15 min, at start)",
    }
    try:
        from importlib.metadata import version

        import django
        import django_tenants  # noqa: F401

        info["django"] = django.get_version()
        info["django-tenants"] = version("django-tenants")
        with _admin_connection() as admin:
            info["postgresql"] = admin.execute("SHOW server_version").fetchone()[0]
            settings = ("fsync", "synchronous_commit", "shared_buffers", "autovacuum")
            info["postgresql settings"] = ", ".join(
                f"{name}={admin.execute(f'SHOW {name}').fetchone()[0]}" for name in settings
            )
    except Exception as error:  # noqa: BLE001 - the header must never stop a benchmark
        info["postgresql"] = f"? ({error})"
    return info


def speed_probe() -> str:
    """How fast this machine runs a fixed piece of work now, in seconds (lower is faster): a pure-Python loop timed
    in this process's CPU time, and a PostgreSQL query timed from here, each the median of five runs. The host's
    speed changes by a factor of two between days (and by a quarter within minutes), so figures taken on different
    days are compared through these, printed at the start and at the end of every run."""
    def python_work() -> float:
        started = time.process_time()
        table: dict[int, str] = {}
        total = 0
        for number in range(200_000):
            table[number & 1023] = str(number)
            total += len(table[number & 1023])
        return time.process_time() - started

    python_runs = sorted(python_work() for _ in range(5))
    text = f"python {python_runs[2]:.3f} s"
    try:
        with _admin_connection() as admin:
            pg_runs = []
            for _ in range(5):
                started = time.perf_counter()
                admin.execute("SELECT sum(n) FROM generate_series(1, 1000000) AS n").fetchone()
                pg_runs.append(time.perf_counter() - started)
        text += f", postgresql {sorted(pg_runs)[2]:.3f} s"
    except Exception as error:  # noqa: BLE001 - the probe must never stop a benchmark
        text += f", postgresql ? ({error})"
    return text + " (fixed work, lower is faster)"


def print_header(title: str) -> dict[str, str]:
    info = machine()
    info["speed probe"] = speed_probe()
    print(f"== {title}")
    for key, value in info.items():
        print(f"   {key:<20} {value}")
    print(flush=True)
    return info


def save_results(name: str, data: dict[str, Any]) -> Path:
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"load average at the end: {load} (1, 5, 15 min; other processes on the machine skew the figures)")
    data["load_average_at_end"] = load
    probe = speed_probe()
    print(f"speed probe at the end: {probe}")
    data["speed_probe_at_end"] = probe
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    print(f"(raw results in {path.relative_to(ROOT)})")
    return path


def fmt(stats: dict[str, float], unit: str = "ms", digits: int = 1) -> str:
    return "  ".join(
        f"{key} {stats[key]:.{digits}f}{unit}" for key in ("p50", "p95", "p99", "max", "mean") if key in stats
    ) + f"  (n={stats['n']})"


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on now, for a server a benchmark starts."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    """Wait (60 s at most) until the server started on ``port`` answers /healthz; its log tail if it does not."""
    import http.client

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer in 60 s:\n{log.read_text()[-3000:]}")


def run_together(worker: Callable[[], None], count: int) -> float:
    """Run ``worker`` on ``count`` threads at once; the seconds from the first start to the last end."""
    pool = [threading.Thread(target=worker) for _ in range(count)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.perf_counter() - started


def log_after(log: Path, offset: int) -> str:
    """What the server wrote to ``log`` after its first ``offset`` bytes."""
    with log.open("rb") as handle:
        handle.seek(offset)
        return handle.read().decode(errors="replace")
