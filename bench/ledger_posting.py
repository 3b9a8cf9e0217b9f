"""Figure: posting throughput of the ledger (issue: finance): journals/s and entries/s through ``journal_post``.

On a fresh database of its own (``sc_bench_ledger_post``): ``migrate_schemas --shared``, the platform's sites, a
store opened with ``stores.services.store_open`` (base currency CNY) and the day's FX rates. Then, in the store's
schema, ``--journals`` (5,000) sale journals in USD are posted one by one through
``finance.services.ledger.journal_post``, each in its own transaction as the ledger's worker posts them: six lines
(sales and tax for two SKUs, commission, payable; merged lines are not counted twice), so each posting also converts
to the base currency at the day's rate, checks the balance in the database at commit and updates the balances.
After ``--warmup`` (200) postings. Then the same number of postings replayed (same sources): each must post nothing.

Checked: as many journals and entries as posted; every balance equals the sum of its entries; the replays added
nothing. Reported: journals/s and entries/s (wall clock and per CPU second of this process), and replays/s.

    .venv/bin/python bench/ledger_posting.py [--journals 5000] [--warmup 200]

``BENCH_SETTINGS_MODULE`` names another settings module than ``bench.bench_settings``, if needed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from decimal import Decimal
from typing import Any

import benchenv

DB = "sc_bench_ledger_post"
HANDLE = "bench-ledger"


def seed() -> Any:
    from django.core.management import call_command

    from accounts.models import User
    from stores import services
    from stores.models import FXRate, Marketplace
    from stores.platform_data import marketplaces_ensure

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    marketplaces_ensure()
    owner = User.objects.create_user(email="bench-owner@example.com", password="bench-pass-2026", full_name="Bench")
    store = services.store_open(actor=owner, name="Bench ledger", handle=HANDLE, home_country="CN",
                                base_currency="CNY", default_language="en", timezone_name="Asia/Shanghai",
                                marketplaces=list(Marketplace.objects.filter(code__in=["US"])))
    for currency, rate in (("USD", "1.0850"), ("CNY", "7.8200")):
        FXRate.objects.create(rate_date=dt.date(2026, 11, 26), currency=currency, rate=Decimal(rate))
    return store


def lines_for(n: int) -> list[Any]:
    from finance.models import Account as A
    from finance.services.ledger import Line

    first, second = Decimal(100 + n % 4000) / 100, Decimal(250 + n % 900) / 100
    commission = ((first + second) * Decimal("0.15")).quantize(Decimal("0.01"))
    tax_first, tax_second = (first / 10).quantize(Decimal("0.01")), (second / 10).quantize(Decimal("0.01"))
    return [Line(A.SALES, -first, f"SKU-{n % 1000}", 1), Line(A.SALES, -second, f"SKU-{(n + 7) % 1000}", 1),
            Line(A.TAX, -(tax_first + tax_second)), Line(A.MARKETPLACE_TAX, tax_first + tax_second),
            Line(A.COMMISSION, commission), Line(A.PAYABLE, first + second - commission)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--journals", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=200)
    options = parser.parse_args()

    benchenv.use_env(DB, DJANGO_SETTINGS_MODULE=os.environ.get("BENCH_SETTINGS_MODULE", "bench.bench_settings"),
                     LOG_LEVEL="WARNING")
    info = benchenv.print_header(f"Ledger posting, {options.journals:,} journals through journal_post")
    benchenv.create_database(DB)

    import django

    django.setup()
    from django.db import connection
    from django.db.models import Sum
    from django_tenants.utils import schema_context

    from finance.models import Balance, Entry, Journal
    from finance.services.ledger import journal_post

    store = seed()
    at = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)
    results: dict[str, Any] = {"machine": info, "journals": options.journals}
    with schema_context(store.schema_name):
        connection.tenant = store

        def post(n: int) -> Journal | None:
            return journal_post(kind=Journal.Kind.SALE, source=f"bench:{n}", currency="USD", lines=lines_for(n),
                                occurred_at=at + dt.timedelta(seconds=n), marketplace_code="US")

        for n in range(options.warmup):
            post(-1 - n)
        entries_before = Entry.objects.count()
        wall, cpu = time.perf_counter(), time.process_time()
        for n in range(options.journals):
            assert post(n) is not None
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        entries = Entry.objects.count() - entries_before
        replay = time.perf_counter()
        for n in range(options.journals):
            assert post(n) is None
        replay = time.perf_counter() - replay

        sums = {(row["account"], row["currency"]): row["total"]
                for row in Entry.objects.values("account", "currency").annotate(total=Sum("amount")).order_by()}
        assert sums == {(b.account, b.currency): b.amount for b in Balance.objects.all()}
        assert Journal.objects.count() == options.journals + options.warmup
        assert Entry.objects.count() - entries_before == entries
    results.update({
        "wall_s": wall, "process_cpu_s": cpu, "entries": entries, "journals_per_s": options.journals / wall,
        "entries_per_s": entries / wall, "journals_per_process_cpu_s": options.journals / cpu,
        "replays_per_s": options.journals / replay,
    })
    print(f"  posted {options.journals:,} journals ({entries:,} entries) in {wall:.1f} s: "
          f"{results['journals_per_s']:.0f} journals/s, {results['entries_per_s']:.0f} entries/s "
          f"(this process used {cpu:.1f} s of CPU: {results['journals_per_process_cpu_s']:.0f} journals per CPU s)")
    print(f"  replayed {options.journals:,} (nothing posted) in {replay:.1f} s: {results['replays_per_s']:.0f}/s")
    print("  checked: balances == sums of entries; replays posted nothing")
    benchenv.save_results("ledger_posting", results)


if __name__ == "__main__":
    main()
