"""The monthly storage fee: what the store keeps in the platform's fulfilment centres, by volume, at the rate per
cubic metre and month of the fee schedule in force on the site of the centre's country. One journal per centre and
month (source "storage:<YYYY-MM>:<warehouse id>"), one entry per SKU; posted once, however often the worker runs.

The fee is charged on the units on hand when it is posted (the marketplaces average daily volumes; the seller center
keeps no daily history of stock). SKUs whose size is not in the catalog are not charged, and a centre in a country
the store does not sell in has no schedule to price it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection

from catalog.selectors import platform_stored_units
from stores.selectors import fee_schedule_in_force

from ..fees import round_money
from ..models import Account, Journal
from .ledger import Line, journal_post

MM3_PER_M3 = Decimal(1_000_000_000)


def storage_fees_post(*, month: dt.date) -> int:
    """Post the storage fee of the month starting ``month`` (its first day); returns how many journals were
    posted (none when posted before)."""
    store = connection.tenant  # type: ignore[attr-defined]
    zone = ZoneInfo(store.timezone)
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    end = dt.datetime.combine(following, dt.time.min, tzinfo=zone) - dt.timedelta(seconds=1)
    sites = {site.country: site for site in store.marketplaces.all()}
    by_warehouse: dict[tuple[int, str], list[tuple[str, int, int]]] = defaultdict(list)
    for stored in platform_stored_units():
        if stored.unit_volume_mm3:
            by_warehouse[(stored.warehouse_id, stored.warehouse_country)].append(
                (stored.sku, stored.units, stored.unit_volume_mm3))
    posted = 0
    for (warehouse_id, country), skus in sorted(by_warehouse.items()):
        site = sites.get(country)
        schedule = fee_schedule_in_force(marketplace_id=site.pk, at=end) if site else None
        if site is None or schedule is None or not schedule.storage_per_m3_month:
            continue
        lines = [Line(Account.STORAGE, round_money(Decimal(units * volume) / MM3_PER_M3
                                                   * schedule.storage_per_m3_month, site.currency), sku, units)
                 for sku, units, volume in skus]
        lines = [line for line in lines if line.amount]
        if not lines:
            continue
        lines.append(Line(Account.PAYABLE, -sum((line.amount for line in lines), start=Decimal(0))))
        journal = journal_post(kind=Journal.Kind.FEE, source=f"storage:{first:%Y-%m}:{warehouse_id}",
                               currency=site.currency, lines=lines, occurred_at=end, marketplace_code=site.code,
                               memo=f"Storage {first:%Y-%m}")
        posted += journal is not None
    return posted
