"""Figure 4: the store dashboard (/store/<handle>/) under HTTP load on the production server configuration.

On a fresh database: ``manage.py migrate_schemas --shared``, ``manage.py seed_demo``, ``manage.py collectstatic``;
then ``gunicorn sellercenter.wsgi --workers 2 --threads 4`` with DJANGO_DEBUG=0 (the settings are the project's,
through bench/bench_settings.py only so that static files are collected into a temporary folder, not .data/).
The client logs in as the demo Owner the way a browser does (CSRF cookie from the login page, form POST with a
Referer), then ``--threads`` (8) client threads, each with its own keep-alive connection, request the dashboard
``--requests`` (2,000) times after ``--warmup`` (200) requests; then ``--serial`` (200) more one at a time, for
the server time without queueing. Every answer must be a 200 showing the store.

Reported: throughput, client-side latency (request sent to last byte read) and server-side time from the
application's own log line per request ("GET /store/x/ 200 3.2ms", logger sellercenter.request), parsed from
gunicorn's stderr. Client and server share the machine's cores, so the client's own CPU use is in the figures.

    .venv/bin/python bench/dashboard_load.py [--requests 2000] [--threads 8] [--warmup 200] [--serial 200]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import benchenv

DB = "sc_bench_dashboard"
HANDLE = "sz-electronics"
DASHBOARD = f"/store/{HANDLE}/"
EMAIL = "owner@sz-electronics.example"
PASSWORD = "demo-pass-2026"
SERVER_LINE = re.compile(r"sellercenter\.request .*?(GET|POST) (\S+) (\d{3}) ([\d.]+)ms")


class Browser:
    """One keep-alive connection with a cookie jar, enough for a Django log-in."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None) -> None:
        self.port = port
        self.cookies = dict(cookies or {})
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(value).items():
                self.cookies[key] = morsel.value
        return response.status, dict(response.headers), data


def log_in(port: int) -> dict[str, str]:
    browser = Browser(port)
    status, _, _ = browser.request("GET", "/accounts/login/")
    assert status == 200 and "csrftoken" in browser.cookies, (status, browser.cookies)
    form = urllib.parse.urlencode({"email": EMAIL, "password": PASSWORD,
                                   "csrfmiddlewaretoken": browser.cookies["csrftoken"]})
    status, headers, body = browser.request("POST", "/accounts/login/", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"http://127.0.0.1:{port}/accounts/login/",
    })
    assert status == 302 and "sessionid" in browser.cookies, (status, headers, body[:500])
    status, _, body = browser.request("GET", DASHBOARD)
    assert status == 200 and HANDLE.encode() in body, (status, body[:500])
    return browser.cookies


def drive(port: int, cookies: dict[str, str], total: int, threads: int) -> tuple[float, list[float], list[str]]:
    """``total`` dashboard requests over ``threads`` keep-alive connections; (wall s, latencies s, errors)."""
    remaining = [total]
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []

    def worker() -> None:
        browser = Browser(port, cookies)
        mine: list[float] = []
        while True:
            with lock:
                if remaining[0] == 0:
                    break
                remaining[0] -= 1
            started = time.perf_counter()
            try:
                status, _, body = browser.request("GET", DASHBOARD)
            except (OSError, http.client.HTTPException) as error:
                errors.append(repr(error))
                browser = Browser(port, cookies)
                continue
            mine.append(time.perf_counter() - started)
            if status != 200 or HANDLE.encode() not in body:
                errors.append(f"status {status}")
        with lock:
            latencies.extend(mine)

    return benchenv.run_together(worker, threads), latencies, errors


def server_times(log: Path, offset: int) -> list[float]:
    """Server-side milliseconds of the dashboard requests logged after ``offset`` bytes of the log."""
    text = benchenv.log_after(log, offset)
    return [float(m[4]) for m in SERVER_LINE.finditer(text) if m[1] == "GET" and m[2] == DASHBOARD and m[3] == "200"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--serial", type=int, default=200, help="then this many requests one at a time")
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="sc_bench_dashboard_"))
    env = benchenv.bench_env(DB, DJANGO_SETTINGS_MODULE="bench.bench_settings", BENCH_STATIC_ROOT=str(work / "static"),
                             MEDIA_ROOT=str(work / "media"), EMAIL_FILE_PATH=str(work / "mail"))
    env = {**os.environ, **env}
    info = benchenv.print_header("Figure 4: store dashboard under HTTP load (gunicorn, 2 workers x 4 threads)")
    benchenv.create_database(DB)
    server: subprocess.Popen[bytes] | None = None
    try:
        started = time.perf_counter()
        benchenv.manage("migrate_schemas", "--shared", "-v", "0", env=env)
        benchenv.manage("seed_demo", env=env)
        benchenv.manage("collectstatic", "--noinput", "-v", "0", env=env)
        print(f"database migrated, demo seeded, static files collected in {time.perf_counter() - started:.1f}s")
        translations = sorted(str(p.relative_to(benchenv.ROOT)) for p in (benchenv.ROOT / "locale").rglob("*.mo"))
        print(f"compiled translations: {', '.join(translations) or 'none (pages render in English)'}")

        port = benchenv.free_port()
        log = work / "gunicorn.stderr"
        command = [str(Path(benchenv.PYTHON).parent / "gunicorn"), "sellercenter.wsgi", "--bind", f"127.0.0.1:{port}",
                   "--workers", "2", "--threads", "4"]
        with log.open("wb") as stderr:
            server = subprocess.Popen(command, cwd=benchenv.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        benchenv.wait_until_up(port, server, log)
        print(f"server: {' '.join(command[1:])}  (pid {server.pid})")
        cookies = log_in(port)
        print(f"logged in as {EMAIL}; {DASHBOARD} answers 200")

        _, _, warm_errors = drive(port, cookies, options.warmup, options.threads)
        assert not warm_errors, warm_errors[:5]
        time.sleep(0.5)
        offset = log.stat().st_size
        cpu_before = os.times()
        wall, latencies, errors = drive(port, cookies, options.requests, options.threads)
        cpu_after = os.times()
        client_cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
        time.sleep(0.5)
        server_ms = server_times(log, offset)
        # The same page one request at a time: the server time without queueing for the GIL or the cores.
        offset = log.stat().st_size
        serial_wall, serial_latencies, serial_errors = drive(port, cookies, options.serial, 1)
        errors += serial_errors
        time.sleep(0.5)
        serial_server_ms = server_times(log, offset)
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)  # gunicorn's graceful stop of its workers
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            print(f"(gunicorn {server.pid} stopped)")
        gunicorn_log = (work / "gunicorn.stderr").read_bytes() if (work / "gunicorn.stderr").exists() else b""
        shutil.rmtree(work, ignore_errors=True)

    assert not errors, errors[:10]
    assert len(latencies) == options.requests
    client = benchenv.summary(latencies, 1000)
    server_stats = benchenv.summary(server_ms) if server_ms else {}
    serial_client = benchenv.summary(serial_latencies, 1000)
    serial_server = benchenv.summary(serial_server_ms) if serial_server_ms else {}
    throughput = options.requests / wall
    print()
    print(f"{options.requests} GET {DASHBOARD} over {options.threads} keep-alive connections "
          f"(after {options.warmup} warm-up requests), all 200:")
    print(f"  throughput    {throughput:.1f} requests/s  ({wall:.1f}s wall; client threads used {client_cpu:.1f}s CPU "
          f"= {client_cpu / wall * 100:.0f}% of one core)")
    print(f"  client        {benchenv.fmt(client, 'ms')}")
    if server_stats:
        print(f"  server        {benchenv.fmt(server_stats, 'ms')}  (sellercenter.request log lines)")
    print(f"{options.serial} more, one at a time over one connection ({options.serial / serial_wall:.1f} requests/s):")
    print(f"  client        {benchenv.fmt(serial_client, 'ms')}")
    if serial_server:
        print(f"  server        {benchenv.fmt(serial_server, 'ms')}")
    assert len(server_ms) == options.requests, (
        f"{len(server_ms)} server log lines for {options.requests} requests:\n{gunicorn_log[-2000:].decode()}")
    results = {"machine": info, "requests": options.requests, "threads": options.threads,
               "warmup": options.warmup, "server_command": " ".join(command[1:]), "wall_s": wall,
               "throughput_rps": throughput, "client_cpu_s": client_cpu, "client_ms": client,
               "server_ms": server_stats, "serial": {"requests": options.serial, "client_ms": serial_client,
                                                    "server_ms": serial_server, "wall_s": serial_wall},
               "translations": translations}
    benchenv.save_results("dashboard_load", results)


if __name__ == "__main__":
    main()
