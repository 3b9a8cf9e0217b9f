"""Figure: one settlement of a store with 1,000,000 ledger lines (issue: finance). Target: totals and CSV <= 5 s.

On a fresh database of its own (``sc_bench_settlement``): ``migrate_schemas --shared``, the platform's sites, a store
opened with ``stores.services.store_open`` (base currency CNY, Asia/Shanghai), and in its schema ``--journals``
(200,000) balanced sale journals in USD of five lines each (sales, tax collected, tax remitted, commission,
payable): 1,000,000 ledger lines, inserted with two ``INSERT ... SELECT`` statements (the database's balance check
runs for every line at commit, as for any posting), the balances set to the sums of the entries, then ``ANALYZE``.
The journals are spread over ``--days`` (14) days from 1 November 2026, so that the settlement of the 14-day period
from 1 November holds every line: the worst case of one settlement, where the opening balance and the movements
read every row.

Measured, ``--runs`` (5) times each after one warm-up: ``settlement_totals`` (the opening balance and every movement,
two grouped sums) and ``settlement_csv_write`` (the flat file, 800,000 rows: every line but the payable side, written
by PostgreSQL's COPY into a temporary file), and once ``settlement_generate`` (totals, CSV, PDF, both files stored,
the hash). Checked: the CSV has one row per line of the period but the payable ones; its amounts add up to the
payable balance; opening + movements == closing; generating the same period again gives the same hash.

    .venv/bin/python bench/settlement_report.py [--journals 200000] [--days 14] [--runs 5]

``BENCH_SETTINGS_MODULE`` names another settings module than ``bench.bench_settings``, if needed.
"""

from __future__ import annotations

import argparse
import atexit
import csv
import datetime as dt
import io
import os
import shutil
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import benchenv

DB = "sc_bench_settlement"
HANDLE = "bench-settlement"
TARGET = 5.0
START = dt.datetime(2026, 11, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))

JOURNALS_SQL = """
INSERT INTO finance_journal (kind, source, order_number, marketplace_code, occurred_at, posted_at, memo)
SELECT 'sale', 'bench-sale:' || g, 'US-' || lpad(g::text, 9, '0'), 'US',
       %(start)s::timestamptz + (g - 1) * %(step)s::interval, now(), ''
FROM generate_series(1, %(journals)s) AS g
"""

# price 1.00 to 50.99, tax 10 %, commission 15 %: -price - tax + tax + commission + (price - commission) = 0
ENTRIES_SQL = """
INSERT INTO finance_entry (journal_id, account, currency, amount, base_amount, fx_rate, fx_date, kind, occurred_at,
                           order_number, marketplace_code, sku, quantity)
SELECT j.id, v.account, 'USD', v.amount, round(v.amount * 7.2074, 2), 7.2073732719, DATE '2026-10-30', 'sale',
       j.occurred_at, j.order_number, 'US', v.sku, v.quantity
FROM (SELECT id, occurred_at, order_number, ((id % 5000) + 100) / 100.0 AS price FROM finance_journal) AS j
CROSS JOIN LATERAL (VALUES
    ('sales', -j.price, 'SKU-' || (j.id % 1000), 1),
    ('tax', -round(j.price * 0.10, 2), 'SKU-' || (j.id % 1000), NULL),
    ('marketplace_tax', round(j.price * 0.10, 2), 'SKU-' || (j.id % 1000), NULL),
    ('commission', round(j.price * 0.15, 2), 'SKU-' || (j.id % 1000), NULL),
    ('payable', j.price - round(j.price * 0.15, 2), '', NULL)
) AS v (account, amount, sku, quantity)
ORDER BY j.id
"""

BALANCES_SQL = """
INSERT INTO finance_balance (account, currency, amount)
SELECT account, currency, sum(amount) FROM finance_entry GROUP BY account, currency
"""


def seed(journals: int, days: int) -> Any:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django_tenants.utils import schema_context

    from accounts.models import User
    from stores import services
    from stores.models import FXRate, Marketplace
    from stores.platform_data import marketplaces_ensure

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    marketplaces_ensure()
    owner = User.objects.create_user(email="bench-owner@example.com", password="bench-pass-2026", full_name="Bench")
    store = services.store_open(actor=owner, name="Bench settlements", handle=HANDLE, home_country="CN",
                                base_currency="CNY", default_language="en", timezone_name="Asia/Shanghai",
                                marketplaces=list(Marketplace.objects.filter(code__in=["US"])))
    for currency, rate in (("USD", "1.0850"), ("CNY", "7.8200")):
        FXRate.objects.create(rate_date=dt.date(2026, 10, 30), currency=currency, rate=Decimal(rate))
    started = time.perf_counter()
    step = dt.timedelta(days=days) / journals
    with schema_context(store.schema_name), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(JOURNALS_SQL, {"start": START, "step": step, "journals": journals})
        cursor.execute(ENTRIES_SQL)
        cursor.execute(BALANCES_SQL)
    with schema_context(store.schema_name), connection.cursor() as cursor:
        cursor.execute("ANALYZE finance_journal; ANALYZE finance_entry")
        cursor.execute("SELECT count(*) FROM finance_entry")
        lines = cursor.fetchone()[0]
    print(f"seeded {journals:,} journals, {lines:,} ledger lines in {time.perf_counter() - started:.1f} s",
          flush=True)
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--journals", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (for --reuse)")
    parser.add_argument("--reuse", action="store_true", help="measure the database a --keep run left")
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="sc_bench_settlement_"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    benchenv.use_env(DB, DJANGO_SETTINGS_MODULE=os.environ.get("BENCH_SETTINGS_MODULE", "bench.bench_settings"),
                     MEDIA_ROOT=str(work / "media"), LOG_LEVEL="WARNING")
    info = benchenv.print_header(f"Settlement of a store with {options.journals * 5:,} ledger lines")
    if not options.reuse:
        benchenv.create_database(DB)
    if options.keep or options.reuse:
        atexit.unregister(benchenv.drop_database)

    import django

    django.setup()
    from django.db import connection
    from django_tenants.utils import schema_context

    from finance.models import Balance, Settlement
    from finance.services.settlements import settlement_csv_write, settlement_generate, settlement_totals
    from stores.models import Store

    if options.reuse:
        store = Store.objects.get(handle=HANDLE)
        with schema_context(store.schema_name):
            Settlement.objects.all().delete()
    else:
        store = seed(options.journals, options.days)
    end = START + dt.timedelta(days=14)
    results: dict[str, Any] = {"machine": info, "journals": options.journals, "target_s": TARGET}
    with schema_context(store.schema_name):
        connection.tenant = store  # the store's time zone and currency, as in a request or a store task
        number = f"bench-{START:%Y%m%d}"

        def totals_run() -> Any:
            return settlement_totals(start=START, end=end, currency="USD")

        def csv_run() -> int:
            with tempfile.TemporaryFile() as target:
                settlement_csv_write(number=number, start=START, end=end, currency="USD", target=target)
                return target.tell()

        totals_run(), csv_run()  # warm-up
        samples: dict[str, list[float]] = {"totals": [], "csv": [], "totals+csv": []}
        for _ in range(options.runs):
            began = time.perf_counter()
            totals = totals_run()
            middle = time.perf_counter()
            size = csv_run()
            done = time.perf_counter()
            samples["totals"].append(middle - began)
            samples["csv"].append(done - middle)
            samples["totals+csv"].append(done - began)
        for name, values in samples.items():
            stats = benchenv.summary(values)
            results[name] = stats
            print(f"  {name:<12} {benchenv.fmt(stats, 's', 2)}", flush=True)
        print(f"  CSV file {size / 1024 / 1024:.1f} MiB, {totals.line_count:,} lines in the period", flush=True)

        began = time.perf_counter()
        settlement, written = settlement_generate(start=START, end=end, currency="USD")
        results["generate_s"] = time.perf_counter() - began
        began = time.perf_counter()
        again, rewritten = settlement_generate(start=START, end=end, currency="USD")
        results["generate_again_s"] = time.perf_counter() - began
        print(f"  settlement_generate (totals, CSV, PDF, files stored) {results['generate_s']:.2f} s; "
              f"again (same hash, nothing written) {results['generate_again_s']:.2f} s", flush=True)

        # The checks.
        payable = Balance.objects.get(account="payable", currency="USD").amount
        assert totals.opening_balance == 0 and totals.closing_balance == payable == settlement.amount_payable
        assert written and not rewritten and again.content_hash == settlement.content_hash
        with settlement.csv_file.open("rb") as handle:
            reader = csv.reader(io.TextIOWrapper(handle, encoding="utf-8-sig", newline=""))
            next(reader)
            rows = 0
            total = Decimal(0)
            for row in reader:
                rows += 1
                total += Decimal(row[10])
        assert rows == totals.line_count - options.journals, (rows, totals.line_count)
        assert total == payable, (total, payable)
        print(f"  checked: {rows:,} CSV rows adding up to the payable balance {payable} USD; same hash again",
              flush=True)
    p50 = results["totals+csv"]["p50"]
    print(f"totals + CSV p50 {p50:.2f} s: target <= {TARGET} s {'met' if p50 <= TARGET else 'NOT met'}")
    benchenv.save_results("settlement_report", results)


if __name__ == "__main__":
    main()
