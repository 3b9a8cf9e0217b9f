"""Settlements: totals worked out by hand for a small history with a reserve, opening plus movements equal to the
closing balance, the CSV adding up to the change of the payable balance, byte-identical files when a period is
generated again, the periodic worker, the pages' permission levels and another store's settlements."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from audit.models import Activity
from finance.models import Account, FinanceSettings, Journal, Settlement
from finance.services.ledger import Line, journal_post
from finance.services.reserve import reserve_hold_scan, reserve_release_due
from finance.services.settlements import (
    settlement_generate,
    settlement_periods_due,
    settlement_totals,
    settlements_generate_due,
)
from finance.tasks import store_settlements_generate
from stores.models import Store
from stores.permissions import NO_ACCESS, Level
from tests.finance.test_reserve import rates, refund, reserve, sale
from tests.responses import streamed
from tests.stores.factories import RoleFactory, client_for, member_add

pytestmark = pytest.mark.django_db
D = Decimal
A = Account
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
BASE = "/store/test-a/finance/"


def local(day: int, hour: int = 10, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=SHANGHAI)


def history() -> None:
    """Store A (Asia/Shanghai), 14-day periods, 10 % reserve for 14 days."""
    rates()
    reserve("10", days=14, period=14)
    sale(local(2), "100.00", "15.00")  # payable 85.00, 8.50 held until 16 March 10:00
    refund(local(5), "20.00", admin="0.60")  # payable -20.60
    journal_post(kind=Journal.Kind.FEE, source="test-storage:1", currency="USD", occurred_at=local(9),
                 lines=[Line(A.STORAGE, D("5.00")), Line(A.PAYABLE, D("-5.00"))])
    sale(local(20), "50.00", "7.50")  # second period: payable 42.50, 4.25 held; the first hold released
    sale(local(3), "1000", "150", currency="JPY")


def test_two_periods_worked_out_by_hand(in_store_a: Store) -> None:
    history()
    made = settlements_generate_due(now=local(31, month=3))
    assert [(s.number, s.currency) for s in made] == [
        ("20260302-20260316-JPY", "JPY"), ("20260302-20260316-USD", "USD"),
        ("20260316-20260330-JPY", "JPY"), ("20260316-20260330-USD", "USD")]
    first = Settlement.objects.get(number="20260302-20260316-USD")
    assert first.period_start == local(2, 0) and first.period_end == local(16, 0)
    assert (first.opening_balance, first.sales, first.commission, first.refunds, first.refund_admin,
            first.storage) == (D(0), D("100"), D("-15"), D("-20"), D("-0.6"), D("-5"))
    assert (first.closing_balance, first.reserve_held, first.reserve_released, first.reserve_balance,
            first.amount_payable) == (D("59.40"), D("8.50"), D(0), D("8.50"), D("50.90"))
    second = Settlement.objects.get(number="20260316-20260330-USD")
    assert second.opening_balance == first.closing_balance
    assert (second.sales, second.commission, second.closing_balance) == (D("50"), D("-7.5"), D("101.90"))
    assert (second.reserve_held, second.reserve_released, second.reserve_balance, second.amount_payable) == (
        D("4.25"), D("8.50"), D("4.25"), D("97.65"))
    for settlement in (first, second):
        movements = (settlement.sales + settlement.shipping + settlement.tax + settlement.fees + settlement.refunds
                     + settlement.adjustments + settlement.payouts)
        assert settlement.opening_balance + movements == settlement.closing_balance
    yen = Settlement.objects.get(number="20260302-20260316-JPY")
    assert (yen.closing_balance, yen.reserve_balance, yen.amount_payable) == (D(850), D(85), D(765))
    # Nothing more is due, and the next period waits for its end and the grace hour.
    assert settlements_generate_due(now=local(31, month=3)) == []
    assert list(settlement_periods_due(now=local(30, 0, month=3) + dt.timedelta(minutes=59))) == []
    assert Activity.objects.filter(action="finance.settlement_generated").count() == 4


def test_the_csv_has_one_row_per_amount_and_adds_up_to_the_payable_change(in_store_a: Store) -> None:
    history()
    settlements_generate_due(now=local(31, month=3))
    second = Settlement.objects.get(number="20260316-20260330-USD")
    rows = list(csv.reader(io.StringIO(second.csv_file.open("rb").read().decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["settlement-id", "settlement-start-date", "settlement-end-date", "currency"]
    # The release (reserve), the sale (sales, commission) and its hold, by date, journal and entry.
    assert [(row[4], row[8], row[10]) for row in body] == [
        ("reserve_release", "reserve", "8.50"), ("sale", "sales", "50.00"), ("sale", "commission", "-7.50"),
        ("reserve_hold", "reserve", "-4.25")]
    assert body[1][0] == "20260316-20260330-USD" and body[1][6] == "MUG-1" and body[1][7] == "US"
    assert body[1][11] == "2026-03-20T02:00:00Z" and body[1][12] == "1" and body[1][9] == "Sales"
    assert sum(D(row[10]) for row in body) == second.amount_payable - D("50.90")


def test_generating_again_gives_the_same_bytes(in_store_a: Store) -> None:
    history()
    settlements_generate_due(now=local(31, month=3))
    settlement = Settlement.objects.get(number="20260302-20260316-USD")
    csv_bytes, pdf_bytes = settlement.csv_file.open("rb").read(), settlement.pdf_file.open("rb").read()
    assert pdf_bytes.startswith(b"%PDF") and b"CreationDate" not in pdf_bytes
    again, written = settlement_generate(start=settlement.period_start, end=settlement.period_end, currency="USD")
    assert (again.pk, written, again.content_hash) == (settlement.pk, False, settlement.content_hash)
    # From scratch, in another row: the same bytes.
    Settlement.objects.filter(pk=settlement.pk).delete()
    fresh, written = settlement_generate(start=settlement.period_start, end=settlement.period_end, currency="USD")
    assert written and fresh.pk != settlement.pk
    assert fresh.csv_file.open("rb").read() == csv_bytes
    assert fresh.pdf_file.open("rb").read() == pdf_bytes
    assert fresh.content_hash == settlement.content_hash
    # An entry posted late into the period changes the files, and says so in the activity log.
    journal_post(kind=Journal.Kind.ADJUSTMENT, source="test-late:1", currency="USD", occurred_at=local(10),
                 lines=[Line(A.ADJUSTMENTS, D("-1.00")), Line(A.PAYABLE, D("1.00"))])
    late, written = settlement_generate(start=settlement.period_start, end=settlement.period_end, currency="USD")
    assert written and late.adjustments == D(1) and late.content_hash != settlement.content_hash
    assert Activity.objects.filter(action="finance.settlement_regenerated").exists()


def test_totals_on_a_period_without_entries_carry_the_balance(in_store_a: Store) -> None:
    history()
    reserve_hold_scan()
    reserve_release_due(now=local(5, month=4))
    quiet = settlement_totals(start=local(21, 0), end=local(2, 0, month=4), currency="USD")
    assert quiet.line_count == 0 and quiet.opening_balance == quiet.closing_balance == D("101.90")
    assert (quiet.reserve_balance, quiet.amount_payable) == (D("4.25"), D("97.65"))
    after = settlement_totals(start=local(5, 0, month=4), end=local(19, 0, month=4), currency="USD")
    assert (after.closing_balance, after.reserve_balance, after.amount_payable) == (D("101.90"), 0, D("101.90"))


def test_the_worker_settles_ended_periods_once(in_store_a: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    history()
    monkeypatch.setattr(timezone, "now", lambda: local(31))
    FinanceSettings.objects.filter(pk=1).update(settlement_period_days=7)
    store_settlements_generate.apply()
    numbers = set(Settlement.objects.values_list("number", flat=True))
    assert len(numbers) == 8 and "20260302-20260309-USD" in numbers and "20260323-20260330-JPY" in numbers
    assert Settlement.objects.get(number="20260309-20260316-USD").reserve_held == D(0)
    assert Settlement.objects.get(number="20260302-20260309-USD").reserve_held == D("8.50")  # the scan ran first
    count = len(numbers)
    store_settlements_generate.apply()
    assert Settlement.objects.count() == count


def _settled(store: Store) -> Settlement:
    with schema_context(store.schema_name):
        history()
        settlements_generate_due(now=local(31, month=3))
        return Settlement.objects.get(number="20260302-20260316-USD")


def test_pages_and_downloads(client_a: Client, store_a: Store) -> None:
    settlement = _settled(store_a)
    page = client_a.get(BASE + "settlements/").content.decode()
    assert "20260302-20260316-USD" in page and "$50.90" in page and "$59.40" in page
    response = client_a.get(f"{BASE}settlements/{settlement.pk}/csv/")
    assert response["Content-Disposition"] == 'attachment; filename="settlement-20260302-20260316-USD.csv"'
    assert streamed(response).startswith("\ufeffsettlement-id".encode())
    assert client_a.get(f"{BASE}settlements/{settlement.pk}/pdf/").status_code == 200
    assert client_a.get(f"{BASE}settlements/{settlement.pk}/xls/").status_code == 404
    assert client_a.get(BASE + "settings/").status_code == 200


def test_settings_page_saves_and_logs(client_a: Client, store_a: Store) -> None:
    response = client_a.post(BASE + "settings/", {"settlement_period_days": "7", "reserve_percent": "10",
                                                  "reserve_hold_days": "21"})
    assert response.status_code == 302
    with schema_context(store_a.schema_name):
        settings = FinanceSettings.objects.get()
        assert (settings.settlement_period_days, settings.reserve_percent, settings.reserve_hold_days) == (
            7, D("10"), 21)
        activity = Activity.objects.get(action="finance.settings_changed")
        assert [D(value) for value in activity.changes["reserve_percent"]] == [D(0), D(10)]
        assert activity.changes["reserve_hold_days"] == [14, 21]
    bad = client_a.post(BASE + "settings/", {"settlement_period_days": "0", "reserve_percent": "80",
                                             "reserve_hold_days": "21"})
    assert bad.status_code == 200 and "between 0 and 50" in bad.content.decode()


def test_levels_and_another_store(store_a: Store, store_b: Store, owner_b: Any) -> None:
    settlement = _settled(store_a)
    viewer = client_for(member_add(store_a, RoleFactory.create(
        store=store_a, levels={**NO_ACCESS, "finance": int(Level.VIEW)})).user)
    assert viewer.get(BASE + "settlements/").status_code == 200
    assert viewer.get(f"{BASE}settlements/{settlement.pk}/pdf/").status_code == 200
    assert viewer.post(BASE + "settlements/generate/").status_code == 403
    assert viewer.post(BASE + "settings/", {"settlement_period_days": "7", "reserve_percent": "10",
                                            "reserve_hold_days": "21"}).status_code == 403
    orders_only = client_for(member_add(store_a, RoleFactory.create(
        store=store_a, levels={**NO_ACCESS, "orders": int(Level.MANAGE)})).user)
    assert orders_only.get(BASE + "settlements/").status_code == 403
    assert orders_only.get(f"{BASE}settlements/{settlement.pk}/csv/").status_code == 403
    owner = client_for(owner_b)
    assert owner.get(f"/store/test-b/finance/settlements/{settlement.pk}/csv/").status_code == 404
    assert owner.get(f"/store/test-a/finance/settlements/{settlement.pk}/csv/").status_code in (403, 404)
