"""Figure: the order list (/store/<handle>/orders/) at 1,000,000 orders, against Django admin's changelist over the
same orders in the same run. Target: p95 <= 50 ms server time for every page, a bounded number of queries.

On a fresh database of its own (``sc_bench_order_list``): ``migrate_schemas --shared``, the platform's sites, a store
opened with ``stores.services.store_open`` (sites US, UK, DE, JP), 1,000 SKUs, then ``--orders`` (1,000,000) orders
written with ``COPY`` (``catalog.bulk.insert_rows``) over two years: one to three lines each (about 2,000,000
lines), statuses by age (old orders delivered, returned or cancelled; the last days unshipped, pending or shipped),
buyers and addresses of each site's country, nine in ten fulfilled by the seller, one in two hundred needing
attention, tracking numbers on shipped orders. ``VACUUM ANALYZE`` afterwards, as autovacuum would.

Then the owner requests each page ``--requests`` (30) times through Django's test Client, in process, production
settings, pages taking turns round after round; the time is measured around ``client.get`` (middleware, store
routing, view, queries, template). The peer: ``django.contrib.admin``'s changelist of the same Order model, as a
developer would first register it (``list_display``, ``list_filter`` on status, site and channel,
``search_fields`` on number, buyer and tracking number, 50 rows a page, the admin's defaults otherwise), requested by
a superuser: its ``changelist_view`` called directly (no middleware) inside the store's schema, with the equivalent
page, filter or search.

    .venv/bin/python bench/order_list.py [--orders 1000000] [--requests 30] [--warmup 3] [--keep] [--reuse]
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import random
import shutil
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import benchenv
import listing_list

DB = "sc_bench_order_list"
HANDLE = "bench-orders"
TARGET_P95_MS = 50.0
SITES = {"US": ("USD", "US"), "UK": ("GBP", "GB"), "DE": ("EUR", "DE"), "JP": ("JPY", "JP")}
NAMES = {
    "US": ["Emily Johnson", "Michael Smith", "Ashley Williams", "David Brown", "Sarah Miller", "James Davis"],
    "GB": ["Oliver Taylor", "Amelia Jones", "Harry Wilson", "Isla Evans", "George Thomas", "Ava Roberts"],
    "DE": ["Jürgen Müller", "Anna Schmidt", "Lukas Schneider", "Lea Fischer", "Jonas Weber", "Mia Wagner"],
    "JP": ["佐藤 花子", "鈴木 一郎", "高橋 美咲", "田中 健太", "伊藤 さくら", "渡辺 翔"],
}
CITIES = {"US": ("Austin", "TX", "78701"), "GB": ("Leeds", "", "LS1 4AP"), "DE": ("München", "", "80331"),
          "JP": ("渋谷区", "東京都", "150-0002")}
RARE_BUYER = "Zebulon Quaintance"  # in about one order in a thousand


def seed(orders: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import schema_context

    from accounts.models import User
    from catalog.bulk import insert_rows
    from catalog.models import Product, Variant
    from orders.models import Order, OrderLine
    from stores import services
    from stores.models import Marketplace
    from stores.platform_data import marketplaces_ensure

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    marketplaces_ensure()
    owner = User.objects.create_user(email="bench-owner@example.com", password="bench-pass-2026", full_name="Bench")
    User.objects.create_superuser(email="bench-admin@example.com", password="bench-pass-2026", full_name="Admin")
    sites = {site.code: site for site in Marketplace.objects.filter(code__in=list(SITES))}
    store = services.store_open(actor=owner, name="Bench orders", handle=HANDLE, home_country="CN",
                                base_currency="CNY", default_language="en", timezone_name="Asia/Shanghai",
                                marketplaces=list(sites.values()))
    rng = random.Random(20261127)
    now = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
    started = time.perf_counter()
    with schema_context(store.schema_name):
        products = Product.objects.bulk_create([Product(code=f"P{n:04d}", brand="Bench") for n in range(500)])
        variants = Variant.objects.bulk_create([Variant(product=products[n // 2], sku=f"SKU-{n:04d}")
                                                for n in range(1000)])
        skus = [(variant.pk, variant.sku) for variant in variants]
        span = 730 * 86400
        batch = 50_000
        number = 0
        for start in range(0, orders, batch):
            rows, lines_of = [], []
            for _ in range(min(batch, orders - start)):
                number += 1
                code = rng.choice(("US", "US", "US", "UK", "DE", "JP"))
                currency, country = SITES[code]
                age = rng.random() ** 2 * span  # more recent orders than old ones
                placed = now - dt.timedelta(seconds=age)
                days = age / 86400
                if days < 2:
                    status = rng.choice(("pending_payment", "unshipped", "unshipped", "unshipped"))
                elif days < 7:
                    status = rng.choice(("unshipped", "shipped", "shipped", "partially_shipped"))
                else:
                    status = rng.choice(("delivered",) * 16 + ("cancelled", "returned", "refunded", "shipped"))
                count = rng.choice((1, 1, 1, 2, 2, 3))
                chosen = rng.sample(skus, count)
                digits = 0 if currency == "JPY" else 2
                lines = []
                for variant_id, sku in chosen:
                    price = Decimal(rng.randint(300, 20000)) if digits == 0 else Decimal(rng.randint(199, 9999)) / 100
                    lines.append({"variant_id": variant_id, "sku": sku, "title": f"Bench item {sku}",
                                  "quantity": rng.choice((1, 1, 1, 2, 3)), "unit_price": price})
                items = sum((line["unit_price"] * line["quantity"] for line in lines), Decimal(0))
                shipping = Decimal(0) if items > 50 else (Decimal(500) if digits == 0 else Decimal("4.99"))
                name = RARE_BUYER if rng.random() < 0.001 else rng.choice(NAMES[country])
                city, region, postal = CITIES[country]
                shipped = status in ("shipped", "partially_shipped", "delivered", "returned", "refunded")
                rows.append({
                    "number": f"{code}-{placed:%y%m%d}-{number:07d}", "marketplace_id": sites[code].pk,
                    "marketplace_order_id": f"{code}{number:09d}", "status": status, "currency": currency,
                    "channel": "platform" if rng.random() < 0.1 else "seller",
                    "attention": "no_stock" if status == "unshipped" and rng.random() < 0.005 else "",
                    "buyer_name": name, "buyer_email": f"buyer{number}@example.com", "ship_name": name,
                    "ship_line1": f"{rng.randint(1, 999)} Bench Street", "ship_city": city, "ship_region": region,
                    "ship_postal_code": postal, "ship_country": country, "items_total": items,
                    "shipping_total": shipping, "grand_total": items + shipping, "placed_at": placed,
                    "paid_at": None if status == "pending_payment" else placed + dt.timedelta(minutes=5),
                    "ship_by": placed + dt.timedelta(days=2), "deliver_by": placed + dt.timedelta(days=10),
                    "shipped_at": placed + dt.timedelta(days=1) if shipped else None,
                    "cancelled_at": placed + dt.timedelta(hours=3) if status == "cancelled" else None,
                    "cancel_reason": "buyer_request" if status == "cancelled" else "",
                    "carrier": "Bench Post" if shipped else "",
                    "tracking_number": f"BP{number:010d}CN" if shipped else "",
                    "created_at": placed, "updated_at": placed,
                })
                lines_of.append(lines)
            ids = [pk for (pk,) in insert_rows(Order, rows, returning=("id",))]
            insert_rows(OrderLine, [{**line, "order_id": pk} for pk, lines in zip(ids, lines_of, strict=True)
                                    for line in lines])
            print(f"  {start + len(rows):,} orders", flush=True)
        with connection.cursor() as cursor:
            for table in ("orders_order", "orders_orderline"):
                cursor.execute(f'VACUUM ANALYZE "{store.schema_name}"."{table}"')
        counts = {"orders": Order.objects.count(), "lines": OrderLine.objects.count()}
    print(f"seeded {counts['orders']:,} orders, {counts['lines']:,} lines in {time.perf_counter() - started:.0f}s",
          flush=True)
    return {"store": store, "counts": counts}


def existing() -> dict[str, Any]:
    from django_tenants.utils import schema_context

    from orders.models import Order, OrderLine
    from stores.models import Store

    store = Store.objects.get(handle=HANDLE)
    with schema_context(store.schema_name):
        counts = {"orders": Order.objects.count(), "lines": OrderLine.objects.count()}
    return {"store": store, "counts": counts}


def register_admin() -> None:
    """The Order changelist a developer would register first. Done before the URLconf is loaded, so that the
    admin's URLs include it; only in this process."""
    from django.contrib import admin

    from orders.models import Order

    class OrderAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
        list_display = ("number", "placed_at", "status", "marketplace", "channel", "buyer_name", "grand_total",
                        "currency")
        list_filter = ("status", "marketplace", "channel")
        search_fields = ("number", "buyer_name", "buyer_email", "tracking_number")
        list_per_page = 50

    admin.site.register(Order, OrderAdmin)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (for --reuse)")
    parser.add_argument("--reuse", action="store_true", help="measure the database a --keep run left")
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="sc_bench_order_list_"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    benchenv.use_env(DB, DJANGO_ALLOWED_HOSTS="testserver,localhost", DJANGO_SETTINGS_MODULE="bench.bench_settings",
                     BENCH_STATIC_ROOT=str(work / "static"), MEDIA_ROOT=str(work / "media"), LOG_LEVEL="WARNING")
    info = benchenv.print_header(f"Order list at {options.orders:,} orders, against Django admin's changelist")
    if not options.reuse:
        benchenv.create_database(DB)
    if options.keep or options.reuse:
        atexit.unregister(benchenv.drop_database)

    import django

    django.setup()
    register_admin()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django_tenants.utils import schema_context

    from accounts.models import User
    from orders.models import Order

    call_command("collectstatic", interactive=False, verbosity=0)
    data = existing() if options.reuse else seed(options.orders)
    store = data["store"]
    with schema_context(store.schema_name):
        middle = Order.objects.order_by("-placed_at", "-id").values_list("placed_at", "id", "number")[
            data["counts"]["orders"] // 2]
        site_jp = Order.objects.filter(number__startswith="JP-").values_list("marketplace_id", flat=True).first()
    connection.set_schema_to_public()

    from sellercenter.pagination import _encode

    owner = Client()
    owner.force_login(User.objects.get(email="bench-owner@example.com"))
    ours_path = f"/store/{HANDLE}/orders/"
    ours = {
        "first page": {},
        "middle page": {"cursor": _encode([middle[0], middle[1]]), "dir": "next"},
        "last page": {"dir": "last"},
        "status tab: unshipped": {"status": "unshipped"},
        "site + status + channel": {"site": "JP", "status": "delivered", "channel": "seller"},
        "date range": {"placed_from": "2026-01-01", "placed_to": "2026-01-31"},
        "ship-by overdue": {"overdue": "1"},
        "needs attention": {"attention": "1"},
        "search: order number": {"q": middle[2]},
        "search: buyer name": {"q": RARE_BUYER},
        "search: tracking number": {"q": f"BP{int(middle[2].rsplit('-', 1)[1]):010d}CN"},
    }
    from django.contrib import admin
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.test import RequestFactory

    admin_user = User.objects.get(email="bench-admin@example.com")
    model_admin = admin.site._registry[Order]
    factory = RequestFactory()
    admin_path = "/admin/orders/order/"
    peer_pages = {
        "first page": {},
        "middle page": {"p": str(data["counts"]["orders"] // 100)},
        "last page": {"p": str((data["counts"]["orders"] - 1) // 50)},
        "status tab: unshipped": {"status__exact": "unshipped"},
        "site + status + channel": {"marketplace__id__exact": str(site_jp), "status__exact": "delivered",
                                    "channel__exact": "seller"},
        "date range": {"placed_at__gte": "2026-01-01T00:00:00+00:00", "placed_at__lt": "2026-02-01T00:00:00+00:00"},
        "search: order number": {"q": middle[2]},
        "search: buyer name": {"q": RARE_BUYER},
        "search: tracking number": {"q": f"BP{int(middle[2].rsplit('-', 1)[1]):010d}CN"},
    }

    def ours_get(query: dict[str, str]) -> Any:
        return owner.get(ours_path, query)

    def peer_get(query: dict[str, str]) -> Any:
        # The admin lives in the public schema; its changelist is called directly inside the store's schema
        # (no middleware: a little less work than our pages do).
        request = factory.get(admin_path, query)
        request.user = admin_user
        request.session = {}  # type: ignore[assignment]
        request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
        with schema_context(store.schema_name):
            response = model_admin.changelist_view(request)
            response.render()
        connection.set_schema_to_public()
        return response

    results: dict[str, Any] = {"machine": info, "counts": data["counts"], "requests": options.requests,
                               "ours": {}, "admin": {}}
    for name, query in ours.items():
        response = ours_get(query)
        assert response.status_code == 200, (name, response.status_code)
        results["ours"][name] = {"query": query, **listing_list.check(owner, ours_path, query, warmup=options.warmup)}
    measured = listing_list.measure(owner, {name: (ours_path, query) for name, query in ours.items()},
                                    requests=options.requests)
    print(f"\nours, {options.requests} rounds over the pages after {options.warmup} warm-up requests; server time:")
    worst = 0.0
    for name, result in measured.items():
        results["ours"][name].update(result)
        worst = max(worst, result["stats_ms"]["p95"])
        print(f"  {name:<26} {benchenv.fmt(result['stats_ms'])}  queries {results['ours'][name]['queries']}  "
              f"(SQL p50 {result['sql_ms']['p50']:.1f} ms)", flush=True)
    results["worst_p95_ms"] = worst

    print(f"\nDjango admin changelist, same orders, {max(3, options.requests // 5)} rounds (it is slow):")
    rounds = max(3, options.requests // 5)
    for name, query in peer_pages.items():
        samples = []
        for attempt in range(rounds + 1):
            started = time.perf_counter()
            response = peer_get(query)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, (name, response.status_code)
            if attempt:  # the first request warms up
                samples.append(elapsed)
        stats = benchenv.summary(samples, 1000)
        results["admin"][name] = {"query": query, "stats_ms": stats}
        ratio = stats["p50"] / results["ours"][name]["stats_ms"]["p50"]
        results["admin"][name]["ratio_p50"] = ratio
        print(f"  {name:<26} {benchenv.fmt(stats)}  admin/ours p50: {ratio:.1f}x", flush=True)

    verdict = "meets" if worst <= TARGET_P95_MS else "MISSES"
    print(f"\nours: worst p95 {worst:.1f} ms: {verdict} the target of p95 <= {TARGET_P95_MS:.0f} ms")
    benchenv.save_results("order_list", results)


if __name__ == "__main__":
    main()
