"""Figure: the stock list (/store/<handle>/catalog/stock/), the warehouse list and the low-stock check at 100,000 SKUs.
Target: p95 <= 50 ms server time for the list pages.

The catalog of bench/listing_list.py (its ``seed``: 100,000 products with one variant each) in a database of its
own (``sc_bench_stock_list``), plus three warehouses, two stock rows per SKU (about 1 % of SKUs with nothing
available), a low-stock rule on every tenth SKU (a third of them by days of cover) and 30 days of "shipped"
movements on every fiftieth. The owner requests each page ``--requests`` (50) times through Django's test Client,
in-process, with production settings, after ``--warmup`` requests; the time is measured around ``client.get``
(middleware, store routing, view, queries, template). Then the per-store low-stock check runs twice: the first
run alerts every SKU below its threshold (one notification each), the second finds nothing new.

    .venv/bin/python bench/stock_list.py [--products 100000] [--requests 50] [--warmup 5] [--keep] [--reuse]
"""

from __future__ import annotations

import argparse
import atexit
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import benchenv
import listing_list

DB = "sc_bench_stock_list"
TARGET_P95_MS = 50.0


def seed_stock(store: Any) -> dict[str, Any]:
    """Warehouses, stock, rules and sales for the seeded catalog."""
    import datetime as dt

    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from catalog.models import LowStockRule, Stock, StockMovement, Variant, Warehouse

    rng = random.Random(20261127)
    started = time.perf_counter()
    with schema_context(store.schema_name):
        warehouses = Warehouse.objects.bulk_create([
            Warehouse(code="sz1", name="Shenzhen", kind="own", address_line1="1 Keyuan Road", city="Shenzhen",
                      country="CN"),
            Warehouse(code="us-lax", name="Los Angeles 3PL", kind="third_party", address_line1="100 Harbor Way",
                      city="Los Angeles", country="US"),
            Warehouse(code="old", name="Closed", kind="own", address_line1="2 Old Road", city="Dongguan",
                      country="CN", is_active=False),
        ])
        ids = list(Variant.objects.order_by("id").values_list("id", flat=True))
        stock, rules, movements = [], [], []
        now = timezone.now()
        for index, variant_id in enumerate(ids):
            empty = rng.random() < 0.01
            for warehouse in warehouses[:2]:
                on_hand = 0 if empty else rng.randint(0, 200)
                stock.append(Stock(variant_id=variant_id, warehouse=warehouse, on_hand=on_hand,
                                   reserved=min(on_hand, rng.randint(0, 3))))
            if index % 10 == 0:
                by_days = index % 30 == 0
                rules.append(LowStockRule(variant_id=variant_id, min_available=None if by_days else 60,
                                          min_days_of_cover=14 if by_days else None))
            if index % 50 == 0:
                for day in range(30):
                    units = rng.randint(0, 4)
                    if units:
                        movements.append(StockMovement(
                            variant_id=variant_id, warehouse=warehouses[0], on_hand_change=-units,
                            reserved_change=-units, on_hand_after=0, reserved_after=0, reason="shipped",
                            reference=f"B{index}-{day}", at=now - dt.timedelta(days=day, hours=1)))
        Stock.objects.bulk_create(stock, batch_size=10000)
        LowStockRule.objects.bulk_create(rules, batch_size=10000)
        StockMovement.objects.bulk_create(movements, batch_size=10000)
        with connection.cursor() as cursor:
            for table in ("catalog_stock", "catalog_lowstockrule", "catalog_stockmovement", "catalog_warehouse"):
                cursor.execute(f'VACUUM ANALYZE "{store.schema_name}"."{table}"')
        sample = Variant.objects.order_by("id").values_list("sku", flat=True)[len(ids) // 3]
        middle = Variant.objects.order_by("sku").values_list("sku", flat=True)[len(ids) // 2]
    print(f"seeded {len(stock):,} stock rows, {len(rules):,} rules, {len(movements):,} shipped movements in "
          f"{time.perf_counter() - started:.1f}s", flush=True)
    return {"warehouse": warehouses[0].pk, "sample": sample, "middle": middle}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (for --reuse)")
    parser.add_argument("--reuse", action="store_true", help="measure the database a --keep run left")
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="sc_bench_stock_list_"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    listing_list.DB = DB
    benchenv.use_env(DB, DJANGO_ALLOWED_HOSTS="testserver,localhost", DJANGO_SETTINGS_MODULE="bench.bench_settings",
                     BENCH_STATIC_ROOT=str(work / "static"), MEDIA_ROOT=str(work / "media"), LOG_LEVEL="WARNING")
    info = benchenv.print_header(f"Stock list at {options.products:,} SKUs (catalog:stock-list)")
    if not options.reuse:
        benchenv.create_database(DB)
    if options.keep or options.reuse:
        atexit.unregister(benchenv.drop_database)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django_tenants.utils import schema_context

    call_command("collectstatic", interactive=False, verbosity=0)

    from catalog.models import Variant, Warehouse
    from catalog.services.inventory import low_stock_check
    from sellercenter.pagination import _encode

    if options.reuse:
        data = listing_list.existing()
        with schema_context(data["store"].schema_name):
            skus = Variant.objects.order_by("sku").values_list("sku", flat=True)
            extra = {"warehouse": Warehouse.objects.get(code="sz1").pk, "middle": skus[options.products // 2],
                     "sample": Variant.objects.order_by("id").values_list("sku", flat=True)[options.products // 3]}
    else:
        data = listing_list.seed(options.products)
        extra = seed_stock(data["store"])
    connection.set_schema_to_public()
    client = Client()
    client.force_login(data["owner"])
    path = f"/store/{listing_list.HANDLE}/catalog/stock/"
    pages = {
        "first page": {},
        "middle page": {"cursor": _encode([extra["middle"]]), "dir": "next"},
        "last page": {"dir": "last"},
        "SKU search": {"q": extra["sample"][4:10]},
        "low (alerted)": {"state": "low"},
        "with a rule, last page": {"state": "rule", "dir": "last"},
        "nothing available": {"state": "out"},
        "nothing available, last": {"state": "out", "dir": "last"},
        "one warehouse, last page": {"warehouse": str(extra["warehouse"]), "dir": "last"},
    }
    results: dict[str, Any] = {"machine": info, "products": options.products, "requests": options.requests,
                               "pages": {}}

    print("\nlow-stock check (catalog.low_stock_check), in the store's schema:")
    with schema_context(data["store"].schema_name):
        for run in ("first run", "second run"):
            started = time.perf_counter()
            outcome = low_stock_check()
            seconds = time.perf_counter() - started
            results[f"low_stock_check_{run.replace(' ', '_')}"] = {"seconds": seconds, **outcome}
            print(f"  {run:<12} {seconds:6.2f} s  {outcome}", flush=True)
    connection.set_schema_to_public()

    pages_with_paths = {name: (path, query) for name, query in pages.items()}
    pages_with_paths["warehouse list"] = (f"/store/{listing_list.HANDLE}/catalog/warehouses/", {})
    for _ in range(options.warmup):
        for page_path, query in pages_with_paths.values():
            client.get(page_path, query)
    print(f"\n{options.requests} rounds over the pages after {options.warmup} warm-up rounds; server time in ms:")
    worst = 0.0
    for name, result in listing_list.measure(client, pages_with_paths, requests=options.requests).items():
        results["pages"][name] = {"query": pages_with_paths[name][1], **result}
        worst = max(worst, result["stats_ms"]["p95"])
        print(f"  {name:<26} {benchenv.fmt(result['stats_ms'])}  (SQL p50 {result['sql_ms']['p50']:.1f} ms)",
              flush=True)
    verdict = "meets" if worst <= TARGET_P95_MS else "MISSES"
    print(f"\nworst stock-list p95 {worst:.1f} ms: {verdict} the target of p95 <= {TARGET_P95_MS:.0f} ms")
    results["worst_p95_ms"] = worst
    benchenv.save_results("stock_list", results)


if __name__ == "__main__":
    main()
