"""The monthly storage fee: units on hand in the platform's fulfilment centres, by volume, at the rate of the fee
schedule of the centre's country's site; once per centre and month; nothing for SKUs without a size, for the
seller's own warehouses, or for a centre in a country the store does not sell in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from catalog.models import Variant, Warehouse
from finance.models import Balance, Entry, Journal
from finance.services.storage import storage_fees_post
from stores.models import Store
from tests.finance.test_ledger import _rates, schedule  # noqa: F401 - the rates fixture
from tests.orders.factories import stocked, warehouse

pytestmark = pytest.mark.django_db
D = Decimal


def test_units_in_a_fulfilment_centre_pay_by_volume_once_a_month(in_store_a: Store, owner_a: Any) -> None:
    schedule("DE", storage_per_m3_month=D("26.00"))
    centre = warehouse("fba-de", kind=Warehouse.Kind.PLATFORM, country="DE")
    own = warehouse("sz-own")
    boxes, loose = stocked("BOX", units={centre: 10, own: 50}), stocked("LOOSE", units={centre: 5})
    Variant.objects.filter(pk=boxes[0].pk).update(length_mm=100, width_mm=100, height_mm=100)  # 0.001 m3 a unit
    assert storage_fees_post(month=dt.date(2026, 10, 1)) == 1
    assert storage_fees_post(month=dt.date(2026, 10, 1)) == 0  # posted already
    journal = Journal.objects.get(kind="fee")
    assert journal.source == f"storage:2026-10:{centre.pk}" and journal.marketplace_code == "DE"
    entries = {(entry.account, entry.sku): (entry.amount, entry.currency) for entry in journal.entries.all()}
    # 10 units x 0.001 m3 x 26.00 EUR; the SKU without a size and the own warehouse's units are not charged.
    assert entries == {("storage", "BOX-1"): (D("0.26"), "EUR"), ("payable", ""): (D("-0.26"), "EUR")}
    assert not any(sku == loose[0].sku for _account, sku in entries)
    assert Balance.objects.get(account="storage", currency="EUR").amount == D("0.26")
    assert storage_fees_post(month=dt.date(2026, 11, 1)) == 1  # the next month is a fee of its own


def test_a_centre_in_a_country_the_store_does_not_sell_in_is_not_priced(in_store_a: Store) -> None:
    schedule("FR", storage_per_m3_month=D("26.00"))
    centre = warehouse("fba-fr", kind=Warehouse.Kind.PLATFORM, country="FR")
    (unit,) = stocked("FRBOX", units={centre: 10})
    Variant.objects.filter(pk=unit.pk).update(length_mm=100, width_mm=100, height_mm=100)
    assert storage_fees_post(month=dt.date(2026, 10, 1)) == 0
    assert not Entry.objects.exists()
