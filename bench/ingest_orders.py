"""Figure: orders ingested per second through the platform API (issue: orders). Target: >= 300 orders/s.

On a fresh database of its own (``sc_bench_ingest``): ``migrate_schemas --shared``, the platform's sites, a store
opened with ``stores.services.store_open`` (sites US and JP) and, in its schema, ``--skus`` (3,000) SKUs (one product
each, an English title, a listing on US and JP) with stock in two warehouses (the first holds 0-40 units, the second
1,000, so about one SKU in eight is taken from the second), and a platform API token made with
``platform_token_create``.

Then ``gunicorn sellercenter.wsgi --workers 2 --threads 4`` (DJANGO_DEBUG=0) on 127.0.0.1 and ``--clients`` (8)
client threads, each on its own keep-alive connection, POST ``--orders`` (3,000) order-placed events (1 to 3 lines,
1 to 3 units each, SKUs picked at random, paid) to ``/api/platform/v1/stores/<handle>/orders``, after ``--warmup``
(100) other orders. Every answer must be a 201. Reported: orders/s over the measured orders, client latency (request
sent to last byte read), and the server time from the application's request log line. Client and server share the
machine's cores; the CPU time of the gunicorn processes, of the PostgreSQL backends serving them (read from /proc
while the run goes on) and of the client threads is printed with the figures: on a machine other work shares, the
CPU per order is the steadier figure, and two cores divided by it bound what an idle machine would reach.

Then the checks, on the database: as many orders as were sent; every order unshipped, none needing attention; for
every stock row, reserved == the units the order lines hold there, and the stock movements add up to on hand and
reserved; no stock negative.

    .venv/bin/python bench/ingest_orders.py [--orders 3000] [--skus 3000] [--clients 8] [--workers 2] [--threads 4]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import benchenv

DB = "sc_bench_ingest"
HANDLE = "bench-ingest"
TARGET = 300.0
PATH = f"/api/platform/v1/stores/{HANDLE}/orders"


def seed(skus: int) -> dict[str, Any]:
    """The bench store, its catalog and stock, and a platform token; returns the SKUs and the token."""
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import schema_context
    from djmoney.money import Money

    from accounts.models import User
    from catalog.models import Listing, Product, ProductContent, Variant
    from catalog.services.inventory import stock_set_counts, warehouse_create
    from stores import services
    from stores.models import Marketplace
    from stores.platform_data import marketplaces_ensure
    from stores.platform_tokens import platform_token_create

    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    marketplaces_ensure()
    owner = User.objects.create_user(email="bench-owner@example.com", password="bench-pass-2026", full_name="Bench")
    sites = {site.code: site for site in Marketplace.objects.filter(code__in=["US", "JP"])}
    store = services.store_open(actor=owner, name="Bench ingest", handle=HANDLE, home_country="CN",
                                base_currency="CNY", default_language="en", timezone_name="Asia/Shanghai",
                                marketplaces=list(sites.values()))
    rng = random.Random(20261127)
    with schema_context(store.schema_name):
        near = warehouse_create(actor=owner, data={"code": "a-near", "name": "Near", "kind": "own",
                                                   "address_line1": "1 Road", "city": "Shenzhen", "country": "CN"})
        far = warehouse_create(actor=owner, data={"code": "b-far", "name": "Far", "kind": "third_party",
                                                  "address_line1": "2 Road", "city": "Ontario", "country": "US"})
        products = Product.objects.bulk_create([Product(code=f"P{n:05d}", brand="Bench") for n in range(skus)])
        ProductContent.objects.bulk_create([ProductContent(product=product, language="en",
                                                           title=f"Bench product {n}", description="Bench.")
                                            for n, product in enumerate(products)])
        variants = Variant.objects.bulk_create([
            Variant(product=product, sku=f"SKU-{n:05d}", base_price=Money(Decimal(rng.randint(1000, 9000)) / 100,
                                                                          "CNY"))
            for n, product in enumerate(products)])
        Listing.objects.bulk_create([
            Listing(variant=variant, marketplace=sites[code], price=Money(price, sites[code].currency))
            for variant in variants
            for code, price in (("US", Decimal(rng.randint(199, 9999)) / 100), ("JP", Decimal(rng.randint(300, 9000))))
        ])
        stock_set_counts(counts=[(variant.pk, warehouse.pk, units) for variant in variants
                                 for warehouse, units in ((near, rng.randint(0, 40)), (far, 1000))],
                         reason="received", actor=owner, note="Bench stock")
        with connection.cursor() as cursor:
            for table in ("catalog_product", "catalog_variant", "catalog_listing", "catalog_stock",
                          "catalog_stockmovement", "catalog_warehouse"):
                cursor.execute(f'VACUUM ANALYZE "{store.schema_name}"."{table}"')
    _token, secret = platform_token_create(actor=None, store=store, name="Bench feed")
    print(f"seeded {skus:,} SKUs with stock in 2 warehouses in {time.perf_counter() - started:.1f}s", flush=True)
    return {"skus": [variant.sku for variant in variants], "token": secret, "store": store}


def bodies(count: int, skus: list[str], *, prefix: str, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    result = []
    for number in range(count):
        site, currency, price = rng.choice((("US", "USD", "12.50"), ("JP", "JPY", "1980")))
        lines = [{"line_id": str(index + 1), "sku": sku, "title": f"Item {sku}", "quantity": rng.randint(1, 3),
                  "unit_price": price, "tax": "0"} for index, sku in enumerate(rng.sample(skus, rng.randint(1, 3)))]
        body = {
            "marketplace": site, "marketplace_order_id": f"{prefix}-{number:06d}",
            "placed_at": "2026-11-27T09:30:00Z", "paid_at": "2026-11-27T09:31:00Z", "currency": currency,
            "ship_by": "2026-11-29T23:59:59Z",
            "buyer": {"name": "Jane Doe", "email": "jane@buyers.example", "phone": "+1 206 555 0100"},
            "shipping_address": {"name": "Jane Doe", "line1": "410 Terry Ave N", "city": "Seattle", "region": "WA",
                                 "postal_code": "98109", "country": "US"},
            "lines": lines, "shipping": "0",
        }
        result.append(json.dumps(body).encode())
    return result


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children (gunicorn's master and workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


class PostgresCpu:
    """CPU seconds used by the PostgreSQL backends serving the bench database (the app server's connections), read
    from /proc (PostgreSQL runs on this machine) every quarter second while a run goes on, so that backends the app
    server opens and closes meanwhile (it renews its connections every minute) are counted too."""

    def __init__(self) -> None:
        self.first: dict[int, float] = {}  # at the start, or 0 for a backend opened later
        self.last: dict[int, float] = {}
        self._started = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    @staticmethod
    def _backends() -> dict[int, float]:
        ticks = os.sysconf("SC_CLK_TCK")
        found = {}
        for entry in Path("/proc").glob("[0-9]*"):
            try:
                if f" {DB} ".encode() not in (entry / "cmdline").read_bytes().replace(b"\0", b" ") + b" ":
                    continue
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
        return found

    def _sample(self) -> None:
        for pid, used in self._backends().items():
            self.first.setdefault(pid, 0.0 if self._started else used)
            self.last[pid] = used
        self._started = True

    def _watch(self) -> None:
        while not self._stop.wait(0.25):
            self._sample()

    def __enter__(self) -> PostgresCpu:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    @property
    def seconds(self) -> float:
        return sum(used - self.first.get(pid, 0.0) for pid, used in self.last.items())


def drive(port: int, token: str, payloads: list[bytes], clients: int) -> tuple[float, list[float], list[str]]:
    """POST every payload over ``clients`` keep-alive connections; (wall s, latencies s, errors)."""
    queue = list(reversed(payloads))
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        while True:
            with lock:
                if not queue:
                    break
                body = queue.pop()
            started = time.perf_counter()
            try:
                connection.request("POST", PATH, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as error:
                errors.append(repr(error))
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            mine.append(time.perf_counter() - started)
            if response.status != 201:
                errors.append(f"{response.status} {data[:300]!r}")
        with lock:
            latencies.extend(mine)

    return benchenv.run_together(worker, clients), latencies, errors


def server_times(log: Path, offset: int) -> list[float]:
    """Server-side milliseconds of the order POSTs logged after ``offset`` bytes of the log."""
    text = benchenv.log_after(log, offset)
    return [float(match) for match in re.findall(rf"POST {re.escape(PATH)} 201 ([0-9.]+)ms", text)]


def check(store: Any, expected: int) -> dict[str, Any]:
    """The invariants after the run, on the database."""
    from django.db.models import Count, Sum
    from django_tenants.utils import schema_context

    from catalog.models import Stock, StockMovement
    from orders.models import Order, OrderLine

    with schema_context(store.schema_name):
        orders = Order.objects.count()
        statuses = dict(Order.objects.order_by().values_list("status").annotate(n=Count("id")))
        attention = Order.objects.needs_attention().count()
        held = {(row["variant_id"], row["warehouse_id"]): row["units"] for row in OrderLine.objects.filter(
            quantity_reserved__gt=0).values("variant_id", "warehouse_id").annotate(units=Sum("quantity_reserved"))}
        moved = {(row["variant_id"], row["warehouse_id"]): (row["on_hand"], row["reserved"])
                 for row in StockMovement.objects.values("variant_id", "warehouse_id").annotate(
                     on_hand=Sum("on_hand_change"), reserved=Sum("reserved_change"))}
        mismatched = negative = 0
        reserved_total = 0
        for variant_id, warehouse_id, on_hand, reserved in Stock.objects.values_list(
                "variant_id", "warehouse_id", "on_hand", "reserved"):
            key = (variant_id, warehouse_id)
            reserved_total += reserved
            negative += on_hand < 0 or reserved < 0 or reserved > on_hand
            mismatched += reserved != held.get(key, 0) or moved.get(key, (0, 0)) != (on_hand, reserved)
        units = OrderLine.objects.aggregate(units=Sum("quantity"))["units"]
    result = {"orders": orders, "statuses": statuses, "needs_attention": attention, "units_ordered": units,
              "units_reserved": reserved_total, "stock_rows_mismatched": mismatched, "stock_rows_negative": negative}
    assert orders == expected, result
    assert mismatched == 0 and negative == 0 and attention == 0 and units == reserved_total, result
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--skus", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=100)
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="sc_bench_ingest_"))
    env = benchenv.use_env(DB, DJANGO_SETTINGS_MODULE="bench.bench_settings", BENCH_STATIC_ROOT=str(work / "static"),
                           MEDIA_ROOT=str(work / "media"), EMAIL_FILE_PATH=str(work / "mail"))
    import django

    django.setup()
    command = [str(Path(benchenv.PYTHON).parent / "gunicorn"), "sellercenter.wsgi", "--workers",
               str(options.workers), "--threads", str(options.threads)]
    info = benchenv.print_header(f"Orders ingested through the platform API (gunicorn {options.workers} workers x "
                                 f"{options.threads} threads, {options.clients} client connections)")
    benchenv.create_database(DB)
    server: subprocess.Popen[bytes] | None = None
    try:
        seeded = seed(options.skus)
        warm = bodies(options.warmup, seeded["skus"], prefix="WARM", seed=1)
        measured = bodies(options.orders, seeded["skus"], prefix="BENCH", seed=2)
        port = benchenv.free_port()
        log = work / "gunicorn.stderr"
        command[2:2] = ["--bind", f"127.0.0.1:{port}"]
        with log.open("wb") as stderr:
            server = subprocess.Popen(command, cwd=benchenv.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        benchenv.wait_until_up(port, server, log)
        print(f"server: {' '.join(command[1:])}  (pid {server.pid})", flush=True)
        _wall, _lat, warm_errors = drive(port, seeded["token"], warm, options.clients)
        assert not warm_errors, warm_errors[:5]
        time.sleep(0.5)
        offset = log.stat().st_size
        cpu_before, server_cpu_before = os.times(), tree_cpu(server.pid)
        with PostgresCpu() as postgres:
            wall, latencies, errors = drive(port, seeded["token"], measured, options.clients)
        cpu_after, server_cpu = os.times(), tree_cpu(server.pid) - server_cpu_before
        pg_cpu = postgres.seconds
        client_cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
        time.sleep(0.5)
        server_ms = server_times(log, offset)
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            print(f"(gunicorn {server.pid} stopped)")
        gunicorn_log = (work / "gunicorn.stderr").read_bytes() if (work / "gunicorn.stderr").exists() else b""
        shutil.rmtree(work, ignore_errors=True)

    assert not errors, errors[:10]
    throughput = options.orders / wall
    client = benchenv.summary(latencies, 1000)
    server_stats = benchenv.summary(server_ms) if server_ms else {}
    lines = sum(len(json.loads(body)["lines"]) for body in measured)
    print()
    print(f"{options.orders} orders ({lines} lines) POSTed over {options.clients} keep-alive connections "
          f"(after {options.warmup} warm-up orders), all 201:")
    print(f"  throughput    {throughput:.1f} orders/s  ({wall:.1f}s wall; client threads used {client_cpu:.1f}s CPU "
          f"= {client_cpu / wall * 100:.0f}% of one core)  target >= {TARGET:.0f}: "
          f"{'met' if throughput >= TARGET else 'NOT met'}")
    print(f"  client        {benchenv.fmt(client, 'ms')}")
    print(f"  server CPU    {server_cpu / options.orders * 1000:.1f} ms per order in the gunicorn processes "
          f"({server_cpu:.1f}s in all), {pg_cpu / options.orders * 1000:.1f} ms in PostgreSQL's backends "
          f"({pg_cpu:.1f}s), {client_cpu / options.orders * 1000:.1f} ms in the client: "
          f"{(server_cpu + pg_cpu + client_cpu) / options.orders * 1000:.1f} ms of CPU per order; two idle cores "
          f"would give at most {2 * options.orders / (server_cpu + pg_cpu + client_cpu):.0f} orders/s")
    if server_stats:
        print(f"  server        {benchenv.fmt(server_stats, 'ms')}  (sellercenter.request log lines)")
    else:
        print(f"  (no server log lines found:\n{gunicorn_log[-1500:].decode(errors='replace')})")
    checked = check(seeded["store"], options.orders + options.warmup)
    print(f"checks: {checked['orders']} orders, statuses {checked['statuses']}, "
          f"{checked['units_reserved']} units reserved == {checked['units_ordered']} units on the lines, "
          f"stock rows matching their movements and lines, none negative")
    benchenv.save_results("ingest_orders", {
        "machine": info, "orders": options.orders, "lines": lines, "clients": options.clients,
        "server_command": " ".join(command[1:]), "wall_s": wall, "throughput_orders_per_s": throughput,
        "client_cpu_s": client_cpu, "server_cpu_s": server_cpu, "postgres_cpu_s": pg_cpu, "client_ms": client,
        "server_ms": server_stats, "checks": checked,
    })


if __name__ == "__main__":
    main()
