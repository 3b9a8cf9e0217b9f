"""Figure: the product list (/store/<handle>/catalog/products/) at 100,000 products. Target: p95 <= 50 ms server time.

The same data as bench/listing_list.py (its ``seed``: 100,000 products with one variant each, English titles and a
Chinese title on every second one, listings on US and JP) in a database of its own (``sc_bench_product_list``).
The owner requests each page ``--requests`` (50) times through Django's test Client, in-process, with production
settings, after ``--warmup`` requests; the time is measured around ``client.get`` (middleware, store routing, view,
queries, template). Pages: first, middle (a keyset cursor at the 50,000th product), last, filtered (status + site
+ stock), SKU search, GTIN-style exact search, English title word, Chinese title word, sorted by code.

    .venv/bin/python bench/product_list.py [--products 100000] [--requests 50] [--warmup 5] [--keep] [--reuse]
"""

from __future__ import annotations

import argparse
import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import benchenv
import listing_list

DB = "sc_bench_product_list"
TARGET_P95_MS = 50.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (for --reuse)")
    parser.add_argument("--reuse", action="store_true", help="measure the database a --keep run left")
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="sc_bench_product_list_"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    listing_list.DB = DB
    benchenv.use_env(DB, DJANGO_ALLOWED_HOSTS="testserver,localhost", DJANGO_SETTINGS_MODULE="bench.bench_settings",
                     BENCH_STATIC_ROOT=str(work / "static"), MEDIA_ROOT=str(work / "media"), LOG_LEVEL="WARNING")
    info = benchenv.print_header(f"Product list at {options.products:,} products (catalog:product-list)")
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

    from catalog.models import Product
    from sellercenter.pagination import _encode

    data = listing_list.existing() if options.reuse else listing_list.seed(options.products)
    with schema_context(data["store"].schema_name):
        middle = Product.objects.order_by("-updated_at", "-id").values_list("updated_at", "id")[options.products // 2]
        sample = Product.objects.order_by("id").values_list("code", flat=True)[options.products // 3]
    connection.set_schema_to_public()
    client = Client()
    client.force_login(data["owner"])
    path = f"/store/{listing_list.HANDLE}/catalog/products/"
    pages = {
        "first page": {},
        "middle page": {"cursor": _encode(list(middle)), "dir": "next"},
        "last page": {"dir": "last"},
        "status + site + stock": {"status": "active", "site": "JP", "stock": "out"},
        "SKU search": {"q": sample[2:8]},
        "title word search": {"q": listing_list.RARE},
        "Chinese title search": {"q": "充电宝"},
        "sorted by code, last": {"sort": "code", "dir": "last"},
    }
    results: dict[str, Any] = {"machine": info, "products": options.products, "requests": options.requests,
                               "pages": {}}
    for _ in range(options.warmup):
        for query in pages.values():
            client.get(path, query)
    measured = listing_list.measure(client, {name: (path, query) for name, query in pages.items()},
                                    requests=options.requests)
    print(f"\n{options.requests} rounds over the pages after {options.warmup} warm-up rounds; server time in ms:")
    worst = 0.0
    for name, result in measured.items():
        results["pages"][name] = {"query": pages[name], **result}
        worst = max(worst, result["stats_ms"]["p95"])
        print(f"  {name:<24} {benchenv.fmt(result['stats_ms'])}  (SQL p50 {result['sql_ms']['p50']:.1f} ms)",
              flush=True)
    verdict = "meets" if worst <= TARGET_P95_MS else "MISSES"
    print(f"\nworst p95 {worst:.1f} ms: {verdict} the target of p95 <= {TARGET_P95_MS:.0f} ms")
    results["worst_p95_ms"] = worst
    benchenv.save_results("product_list", results)


if __name__ == "__main__":
    main()
