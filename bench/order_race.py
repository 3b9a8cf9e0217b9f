"""Figure: 200 buyers race for the last units of one SKU through the platform API (issue: orders). Target: orders
accepted = units available, in every run; no deadlock, no 5xx.

On a fresh database of its own (``sc_bench_order_race``): ``migrate_schemas --shared``, the platform's sites, a store
(site US) whose "orders without stock" setting is *reject*, two warehouses, a platform API token. Then
``gunicorn sellercenter.wsgi --workers 2 --threads 4`` (DJANGO_DEBUG=0) on 127.0.0.1.

Each of ``--runs`` (5) runs makes a new SKU with a few units in each warehouse (5 to 20 in all, drawn from a seeded
generator), then ``--buyers`` (200) client threads, each with its own connection, wait at a barrier and POST one
order for one unit of that SKU at once. Counted per run: answers by status (every one must be 201), orders accepted
(``rejected`` false) and refused (cancelled, out of stock); then on the database: the SKU's stock rows (reserved must
equal on hand: every unit sold, none twice), the reserved movements, and the orders' lines holding units.

    .venv/bin/python bench/order_race.py [--runs 5] [--buyers 200]
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import benchenv

DB = "sc_bench_order_race"
HANDLE = "bench-race"
PATH = f"/api/platform/v1/stores/{HANDLE}/orders"


def seed() -> dict[str, Any]:
    from django.core.management import call_command
    from django_tenants.utils import schema_context

    from accounts.models import User
    from catalog.services.inventory import warehouse_create
    from stores import services
    from stores.models import Marketplace, Store
    from stores.platform_data import marketplaces_ensure
    from stores.platform_tokens import platform_token_create

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    marketplaces_ensure()
    owner = User.objects.create_user(email="bench-owner@example.com", password="bench-pass-2026", full_name="Bench")
    store = services.store_open(actor=owner, name="Bench race", handle=HANDLE, home_country="CN",
                                base_currency="CNY", default_language="en", timezone_name="Asia/Shanghai",
                                marketplaces=Marketplace.objects.filter(code="US"))
    Store.objects.filter(pk=store.pk).update(orders_without_stock=Store.WithoutStock.REJECT)
    with schema_context(store.schema_name):
        warehouses = [warehouse_create(actor=owner, data={"code": code, "name": code, "kind": kind,
                                                          "address_line1": "1 Road", "city": "Shenzhen",
                                                          "country": "CN"})
                      for code, kind in (("a-first", "own"), ("b-second", "third_party"))]
    _token, secret = platform_token_create(actor=None, store=store, name="Bench race")
    return {"store": Store.objects.get(pk=store.pk), "owner": owner, "warehouses": warehouses, "token": secret}


def stock_sku(seeded: dict[str, Any], run: int, rng: random.Random) -> tuple[str, int]:
    """A new SKU with a few units in each warehouse; returns the SKU and the units available."""
    from django_tenants.utils import schema_context
    from djmoney.money import Money

    from catalog.models import Product, Variant
    from catalog.services.inventory import stock_change

    with schema_context(seeded["store"].schema_name):
        product = Product.objects.create(code=f"RACE{run}", brand="Bench")
        variant = Variant.objects.create(product=product, sku=f"RACE-{run}", base_price=Money("10.00", "CNY"))
        units = 0
        for warehouse in seeded["warehouses"]:
            count = rng.randint(2, 10)
            stock_change(variant=variant, warehouse=warehouse, reason="received", actor=seeded["owner"],
                         on_hand_change=count)
            units += count
    return variant.sku, units


def race(port: int, token: str, sku: str, run: int, buyers: int) -> tuple[float, list[tuple[int, Any]]]:
    """``buyers`` threads released together, one order each; (wall s, [(status, body)])."""
    barrier = threading.Barrier(buyers)
    answers: list[tuple[int, Any]] = []
    lock = threading.Lock()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def buyer(number: int) -> None:
        body = json.dumps({
            "marketplace": "US", "marketplace_order_id": f"RACE{run}-{number:03d}",
            "placed_at": "2026-11-27T09:30:00Z", "paid_at": "2026-11-27T09:31:00Z", "currency": "USD",
            "buyer": {"name": f"Buyer {number}"},
            "shipping_address": {"name": f"Buyer {number}", "line1": "1 Main St", "city": "Seattle",
                                 "region": "WA", "postal_code": "98109", "country": "US"},
            "lines": [{"sku": sku, "quantity": 1, "unit_price": "9.99"}],
        })
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.connect()
        barrier.wait()
        try:
            connection.request("POST", PATH, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            answer = (response.status, json.loads(data) if data.startswith(b"{") else data[:200])
        except (OSError, http.client.HTTPException) as error:
            answer = (0, repr(error))
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=buyer, args=(number,)) for number in range(buyers)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, answers


def stock_state(seeded: dict[str, Any], sku: str) -> dict[str, Any]:
    from django.db.models import Sum
    from django_tenants.utils import schema_context

    from catalog.models import Stock, StockMovement
    from orders.models import Order, OrderLine

    with schema_context(seeded["store"].schema_name):
        rows = list(Stock.objects.filter(variant__sku=sku).values_list("on_hand", "reserved"))
        return {
            "on_hand": sum(on_hand for on_hand, _reserved in rows),
            "reserved": sum(reserved for _on_hand, reserved in rows),
            "rows_over_reserved": sum(reserved > on_hand for on_hand, reserved in rows),
            "reserved_movements": StockMovement.objects.filter(variant__sku=sku, reason="reserved").count(),
            "lines_holding": OrderLine.objects.filter(sku=sku).aggregate(units=Sum("quantity_reserved"))["units"] or 0,
            "orders_unshipped": Order.objects.filter(lines__sku=sku, status="unshipped").count(),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--buyers", type=int, default=200)
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="sc_bench_race_"))
    env = benchenv.use_env(DB, DJANGO_SETTINGS_MODULE="bench.bench_settings", BENCH_STATIC_ROOT=str(work / "static"),
                           MEDIA_ROOT=str(work / "media"), EMAIL_FILE_PATH=str(work / "mail"))
    import django

    django.setup()
    info = benchenv.print_header(f"{options.buyers} buyers race for the last units of one SKU "
                                 f"(gunicorn 2 workers x 4 threads)")
    benchenv.create_database(DB)
    server: subprocess.Popen[bytes] | None = None
    results = []
    failures = []
    try:
        seeded = seed()
        port = benchenv.free_port()
        log = work / "gunicorn.stderr"
        command = [str(Path(benchenv.PYTHON).parent / "gunicorn"), "sellercenter.wsgi", "--bind",
                   f"127.0.0.1:{port}", "--workers", "2", "--threads", "4", "--timeout", "120"]
        with log.open("wb") as stderr:
            server = subprocess.Popen(command, cwd=benchenv.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        benchenv.wait_until_up(port, server, log)
        print(f"server: {' '.join(command[1:])}  (pid {server.pid})", flush=True)
        rng = random.Random(20261127)
        print(f"{'run':>3}  {'units':>5}  {'accepted':>8}  {'refused':>7}  {'statuses':<12}  {'wall':>6}  "
              f"{'on hand/reserved':>16}  {'lines hold':>10}  verdict")
        for run in range(1, options.runs + 1):
            sku, units = stock_sku(seeded, run, rng)
            wall, answers = race(port, seeded["token"], sku, run, options.buyers)
            statuses = Counter(status for status, _body in answers)
            accepted = sum(1 for status, body in answers if status == 201 and not body["rejected"])
            refused = sum(1 for status, body in answers if status == 201 and body["rejected"])
            state = stock_state(seeded, sku)
            good = (statuses == Counter({201: options.buyers}) and accepted == units
                    and state["on_hand"] == state["reserved"] == state["lines_holding"] == units
                    and state["reserved_movements"] == units == state["orders_unshipped"]
                    and not state["rows_over_reserved"])
            if not good:
                failures.append(run)
            print(f"{run:>3}  {units:>5}  {accepted:>8}  {refused:>7}  {dict(statuses)!s:<12}  {wall:>5.2f}s  "
                  f"{state['on_hand']:>7}/{state['reserved']:<8}  {state['lines_holding']:>10}  "
                  f"{'ok' if good else 'WRONG'}", flush=True)
            results.append({"run": run, "units": units, "accepted": accepted, "refused": refused,
                            "statuses": dict(statuses), "wall_s": wall, "state": state, "ok": good})
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            print(f"(gunicorn {server.pid} stopped)")
        errors = (work / "gunicorn.stderr").read_text(errors="replace") if (work / "gunicorn.stderr").exists() else ""
        shutil.rmtree(work, ignore_errors=True)
    server_errors = [line for line in errors.splitlines() if "Traceback" in line or "deadlock" in line.lower()]
    print(f"server log: {len(server_errors)} tracebacks or deadlocks")
    print(f"verdict: {'every run sold exactly the units available' if not failures else f'runs {failures} WRONG'}")
    benchenv.save_results("order_race", {"machine": info, "buyers": options.buyers, "runs": results,
                                         "server_errors": server_errors})
    if failures or server_errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
