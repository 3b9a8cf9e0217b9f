"""Catalog import from a spreadsheet: a 100,000-row CSV checked (the preview) and applied, against
django-import-export importing the same file into the same models, in the same run.

On a fresh database of its own (``sc_sheets_bench`` on ``BENCH_PG_URL``, dropped at the end): the shared schema is
migrated, two stores are opened (base currency CNY, sites US and JP, a warehouse SZ1 each), and a CSV of
``--rows`` (100,000) rows is generated: products with 1 to 3 variants, a valid EAN-13 each, titles in English and
Simplified Chinese, US and JP prices and stock in one warehouse (UTF-8 with a byte-order mark, CRLF, as Excel
writes it). Each side runs in a child process of its own, so that its peak memory (``ru_maxrss``) is its own:

* ours: ``catalog.services.imports.import_check`` (read, check every row, write the error report: the preview)
  then ``import_run`` (checked again inside the transaction, written in bulk, stock through
  ``stock_set_counts`` with a movement per SKU, listings' shown state refreshed, one activity entry). Then the
  same file again, when every row is unchanged.
* django-import-export: one ``ModelResource`` on Variant (SKU as the key) whose hooks put the product, the two
  titles, the two listings and the stock row in the same models, ``clean_model_instances`` for validation,
  ``skip_diff`` and ``use_transactions``. Checked with ``dry_run=True`` (what its preview does), then imported.
  It makes about fifteen queries per row, so by default it imports the first ``--iie-rows`` (5,000) rows of the
  same file and its time for the whole file is extrapolated from its rate; ``--iie-rows 0`` runs all of it.

Targets: >= 10,000 rows/s for checking and for applying, peak memory <= 300 MB.

    .venv/bin/python bench/import_catalog.py [--rows 100000] [--iie-rows 0] [--keep]
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import benchenv

DB = os.environ.get("BENCH_IMPORT_DB", "sc_sheets_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
OURS, IIE = "bench-ours", "bench-iie"
COLUMNS = ["product_code", "sku", "brand", "gtin", "title_en", "title_zh-hans", "price_US", "price_JP", "stock_SZ1"]
TARGET_RATE = 10_000
TARGET_MB = 300


# --- Database and environment -------------------------------------------------------------------------------------

def env() -> dict[str, str]:
    assert DB.endswith("_bench"), DB  # never a real database
    return {**os.environ, **{
        "DATABASE_URL": f"{benchenv.PG_URL}/{DB}", "REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": DB,
        "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "bench-only-key-" + "x" * 42, "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0", "DJANGO_SETTINGS_MODULE": "sellercenter.settings", "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "WARNING",
    }}


def create_database() -> None:
    import psycopg

    assert DB.endswith("_bench"), DB
    with psycopg.connect(f"{benchenv.PG_URL}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB}"')


def drop_database() -> None:
    import psycopg

    assert DB.endswith("_bench"), DB
    with psycopg.connect(f"{benchenv.PG_URL}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    print(f"(dropped database {DB})", flush=True)


def child(phase: str, *args: str) -> dict[str, Any]:
    """Run a phase of this script in a fresh process; it prints one JSON line last."""
    completed = subprocess.run([sys.executable, __file__, "--phase", phase, *args], cwd=benchenv.ROOT, env=env(),
                               capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-6000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- The file -----------------------------------------------------------------------------------------------------

NOUNS = [("Wireless Earbuds", "无线蓝牙耳机"), ("Phone Case", "手机壳"), ("USB-C Cable", "USB-C数据线"),
         ("Power Bank", "充电宝"), ("Smart Watch Band", "智能手表表带"), ("Desk Lamp", "台灯"),
         ("Laptop Stand", "笔记本支架"), ("Car Charger", "车载充电器"), ("Screen Protector", "钢化膜"),
         ("Bluetooth Speaker", "蓝牙音箱")]
COLOURS = [("Black", "黑色"), ("White", "白色"), ("Blue", "蓝色"), ("Red", "红色"), ("Green", "绿色")]
BRANDS = ["Youpin", "Anker", "Baseus", "Ugreen", "Orico", "Lumen", "Xinda", "Haoyu"]


def gtin13(number: int) -> str:
    body = f"{690_000_000_000 + number:012d}"
    total = sum(int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def generate(path: Path, rows: int, seed: int = 2026) -> tuple[int, int]:
    """``rows`` SKU rows; returns (rows, products)."""
    import csv

    rng = random.Random(seed)
    written = products = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        while written < rows:
            products += 1
            noun_en, noun_zh = rng.choice(NOUNS)
            model = f"{rng.choice('ABCDEFGHKMNPRSTXZ')}{rng.randint(10, 999)}"
            brand = rng.choice(BRANDS)
            for colour_en, _colour_zh in rng.sample(COLOURS, min(rng.randint(1, 3), rows - written)):
                writer.writerow([
                    f"P{products:06d}", f"P{products:06d}-{colour_en[:3].upper()}", brand, gtin13(written),
                    f"{brand} {noun_en} {model}", f"{brand} {noun_zh} {model}",
                    f"{rng.randint(5, 199)}.{rng.choice(('99', '49', '00', '95'))}", str(rng.randint(5, 300) * 100),
                    str(rng.randint(0, 500)),
                ])
                written += 1
    return written, products


# --- Phases (child processes) -------------------------------------------------------------------------------------

def phase_setup() -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection

    from accounts.models import User
    from catalog.models import Warehouse
    from stores.models import Marketplace
    from stores.platform_data import marketplaces_ensure
    from stores.services import store_open

    marketplaces_ensure()
    owner = User.objects.create_user(email="bench-owner@example.com", password="bench-pass-2026")
    for handle in (OURS, IIE):
        store = store_open(actor=owner, name=handle, handle=handle, home_country="CN", base_currency="CNY",
                           default_language="zh-hans", timezone_name="Asia/Shanghai",
                           marketplaces=Marketplace.objects.filter(code__in=["US", "JP"]))
        connection.set_tenant(store)
        Warehouse.objects.create(code="SZ1", name="Shenzhen", address_line1="1 Keyuan Road", city="Shenzhen",
                                 country="CN")
        connection.set_schema_to_public()
    return {"ok": True}


def _enter(handle: str) -> Any:
    from django.db import connection

    from accounts.models import User
    from stores.models import Store

    store = Store.objects.get(handle=handle)
    connection.set_tenant(store)
    return store, User.objects.get(email="bench-owner@example.com")


def _counts() -> dict[str, int]:
    from catalog.models import Listing, Product, ProductContent, Stock, StockMovement, Variant

    return {"products": Product.objects.count(), "variants": Variant.objects.count(),
            "contents": ProductContent.objects.count(), "listings": Listing.objects.count(),
            "stock": Stock.objects.count(), "movements": StockMovement.objects.count()}


def phase_ours(path: str) -> dict[str, Any]:
    import django

    django.setup()
    from django.conf import settings

    from catalog.services.imports import import_check, import_run
    from jobs.models import Job
    from jobs.services import job_create, job_start

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="sc_bench_import_media_")
    _store, owner = _enter(OURS)
    data = Path(path).read_bytes()
    out: dict[str, Any] = {"baseline_mb": peak_mb()}
    for run in ("first", "again"):
        job = job_create(kind="catalog.import", module="catalog", actor=owner, exclusive_key="catalog-import",
                         params={"language": "en"}, input_file=data, input_name=Path(path).name)
        assert job_start(job=job)
        started = time.perf_counter()
        import_check(job=job)
        checked = time.perf_counter()
        job.refresh_from_db()
        assert job.status == Job.Status.AWAITING, (job.status, job.error)
        preview = job.summary["preview"]
        assert not preview["errors"], job.summary["errors"][:5]
        out[f"{run}_check_mb"] = peak_mb()
        # What import_apply does when the person clicks "Apply every row", without sending the task to a worker.
        job.params = {**job.params, "mode": "all", "applied_by": owner.pk}
        Job.objects.filter(pk=job.pk).update(params=job.params)
        applying = time.perf_counter()
        assert job_start(job=job, status=Job.Status.APPLYING, from_statuses=(Job.Status.AWAITING,))
        result = import_run(job=job)
        applied = time.perf_counter()
        job.refresh_from_db()
        assert job.status == Job.Status.SUCCEEDED and result is not None, (job.status, job.error)
        out[run] = {"check_s": checked - started, "apply_s": applied - applying, "preview": preview,
                    "applied": job.summary["applied"], "peak_mb": peak_mb(), "tables": _counts()}
    out["peak_mb"] = peak_mb()
    return out


def _iie_resource() -> Any:
    from decimal import Decimal

    from djmoney.money import Money
    from import_export import fields, resources, widgets

    from catalog.models import Listing, Product, ProductContent, Stock, Variant, Warehouse
    from stores.models import Marketplace

    sites = {m.code: m for m in Marketplace.objects.filter(code__in=["US", "JP"])}
    warehouse = Warehouse.objects.get(code="SZ1")

    class CatalogRowResource(resources.ModelResource):
        """One row per SKU, as in our template: the variant is the resource's model, the hooks fill the product,
        its titles, the listings and the stock from the same row."""

        product = fields.Field(attribute="product", column_name="product_id",
                               widget=widgets.ForeignKeyWidget(Product))

        class Meta:
            model = Variant
            fields = ("sku", "gtin", "product")
            import_id_fields = ("sku",)
            skip_unchanged = True
            skip_diff = True
            clean_model_instances = True
            use_transactions = True

        def before_import_row(self, row: Any, **kwargs: Any) -> None:
            product, created = Product.objects.get_or_create(code=row["product_code"],
                                                             defaults={"brand": row["brand"]})
            if not created and product.brand != row["brand"]:
                product.brand = row["brand"]
                product.save(update_fields=["brand"])
            row["product_id"] = product.pk

        def after_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
            for language, column in (("en", "title_en"), ("zh-hans", "title_zh-hans")):
                ProductContent.objects.update_or_create(product_id=instance.product_id, language=language,
                                                        defaults={"title": row[column]})
            for code, column in (("US", "price_US"), ("JP", "price_JP")):
                Listing.objects.update_or_create(
                    variant=instance, marketplace=sites[code],
                    defaults={"price": Money(Decimal(row[column]), sites[code].currency)})
            Stock.objects.update_or_create(variant=instance, warehouse=warehouse,
                                           defaults={"on_hand": int(row["stock_SZ1"])})

    return CatalogRowResource()


def phase_iie(path: str, limit: int) -> dict[str, Any]:
    import django

    django.setup()
    import tablib

    _enter(IIE)
    text = Path(path).read_text(encoding="utf-8-sig")
    if limit:
        text = "".join(text.splitlines(keepends=True)[:limit + 1])
    out: dict[str, Any] = {"baseline_mb": peak_mb()}
    started = time.perf_counter()
    dataset = tablib.Dataset().load(text, format="csv")
    resource_ = _iie_resource()
    checked = resource_.import_data(dataset, dry_run=True, raise_errors=False)
    checked_at = time.perf_counter()
    out["check_mb"] = peak_mb()
    assert not checked.has_errors() and not checked.has_validation_errors(), "django-import-export found errors"
    dataset = tablib.Dataset().load(text, format="csv")
    imported = resource_.import_data(dataset, dry_run=False, raise_errors=True)
    applied_at = time.perf_counter()
    out.update({"rows": len(dataset), "check_s": checked_at - started, "apply_s": applied_at - checked_at,
                "totals": dict(imported.totals), "tables": _counts(), "peak_mb": peak_mb()})
    return out


# --- Main ---------------------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--iie-rows", type=int, default=5000,
                        help="django-import-export on the first N rows (default 5,000; 0 for the whole file)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.phase:
        sys.path.insert(0, str(benchenv.ROOT))
        os.chdir(benchenv.ROOT)
        result = {"setup": phase_setup, "ours": lambda: phase_ours(options.file),
                  "iie": lambda: phase_iie(options.file, options.iie_rows)}[options.phase]()
        print(json.dumps(result, default=str))
        return

    info = benchenv.print_header("Catalog import from a spreadsheet (100,000 rows): ours vs django-import-export")
    create_database()
    if not options.keep:
        atexit.register(drop_database)
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="sc_bench_import_"))
    subprocess.run([sys.executable, "manage.py", "migrate_schemas", "--shared", "-v", "0"], cwd=benchenv.ROOT,
                   env=env(), check=True)
    child("setup")
    path = work / "catalog-100k.csv"
    rows, products = generate(path, options.rows)
    size_mb = path.stat().st_size / 1024 / 1024
    print(f"file: {rows:,} rows, {products:,} products, {len(COLUMNS)} columns, {size_mb:.1f} MB "
          f"(UTF-8 with BOM, CRLF)", flush=True)

    ours = child("ours", "--file", str(path))
    first, again = ours["first"], ours["again"]
    print("\nours (catalog.spreadsheet):")
    print(f"  check (preview)   {first['check_s']:7.2f} s  {rows / first['check_s']:>9,.0f} rows/s   "
          f"preview {first['preview']}")
    print(f"  apply             {first['apply_s']:7.2f} s  {rows / first['apply_s']:>9,.0f} rows/s   "
          f"tables after {first['tables']}")
    print(f"  check + apply     {first['check_s'] + first['apply_s']:7.2f} s  "
          f"{rows / (first['check_s'] + first['apply_s']):>9,.0f} rows/s")
    print(f"  same file again (every row unchanged): check {again['check_s']:.2f} s "
          f"({rows / again['check_s']:,.0f} rows/s), apply {again['apply_s']:.2f} s "
          f"({rows / again['apply_s']:,.0f} rows/s), preview {again['preview']}")
    print(f"  peak memory (ru_maxrss) {ours['peak_mb']:.0f} MB  (Django loaded, before the import: "
          f"{ours['baseline_mb']:.0f} MB)", flush=True)

    iie = child("iie", "--file", str(path), "--iie-rows", str(options.iie_rows))
    iie_rows = iie["rows"]
    print(f"\ndjango-import-export {_version('django-import-export')} (tablib {_version('tablib')}), "
          f"{iie_rows:,} rows:")
    print(f"  check (dry run)   {iie['check_s']:7.2f} s  {iie_rows / iie['check_s']:>9,.0f} rows/s")
    print(f"  import            {iie['apply_s']:7.2f} s  {iie_rows / iie['apply_s']:>9,.0f} rows/s   "
          f"tables after {iie['tables']}")
    print(f"  peak memory (ru_maxrss) {iie['peak_mb']:.0f} MB", flush=True)
    if iie_rows < rows:
        whole = rows / iie_rows * (iie["check_s"] + iie["apply_s"])
        print(f"  the whole file at this rate: about {whole / 60:.0f} min (check + import)")

    ours_rate = rows / (first["check_s"] + first["apply_s"])
    iie_rate = iie_rows / (iie["check_s"] + iie["apply_s"])
    print(f"\nratio (check + apply, rows/s): ours {ours_rate:,.0f} / django-import-export {iie_rate:,.0f} "
          f"= {ours_rate / iie_rate:.1f}x")
    check_ok = rows / first["check_s"] >= TARGET_RATE and rows / first["apply_s"] >= TARGET_RATE
    print(f"targets: >= {TARGET_RATE:,} rows/s check and apply: {'met' if check_ok else 'NOT met'}; "
          f"peak <= {TARGET_MB} MB: {'met' if ours['peak_mb'] <= TARGET_MB else 'NOT met'}")
    benchenv.save_results("import_catalog", {"machine": info, "rows": rows, "products": products,
                                             "file_mb": size_mb, "ours": ours, "django_import_export": iie,
                                             "ratio": ours_rate / iie_rate})


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    main()
