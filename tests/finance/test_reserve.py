"""The reserve: a share of each sale held back and released once after the store's hold days, by the scan of sale
journals and the release worker; nothing held without a reserve; property test over random sequences of sales,
refunds, scans and time passing."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finance.models import Account, Balance, Entry, FinanceSettings, Journal, ReserveHold
from finance.services.ledger import Line, journal_post
from finance.services.reserve import reserve_hold_for, reserve_hold_scan, reserve_release, reserve_release_due
from stores.models import FXRate, Store
from tests.finance.test_ledger import RATE_DAY

pytestmark = pytest.mark.django_db
D = Decimal
A = Account
T0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
_sources = itertools.count(1)


def rates() -> None:
    if not FXRate.objects.filter(rate_date=RATE_DAY).exists():
        for currency, rate in (("USD", "1.0850"), ("CNY", "7.8200"), ("JPY", "162.50")):
            FXRate.objects.create(rate_date=RATE_DAY, currency=currency, rate=D(rate))


def reserve(percent: str = "10", days: int = 14, period: int = 14) -> None:
    FinanceSettings.objects.update_or_create(pk=1, defaults={
        "reserve_percent": D(percent), "reserve_hold_days": days, "settlement_period_days": period})


def sale(at: dt.datetime, price: str, commission: str, currency: str = "USD", sku: str = "MUG-1") -> Journal:
    price_d, fee = D(price), D(commission)
    journal = journal_post(kind=Journal.Kind.SALE, source=f"test-sale:{next(_sources)}", currency=currency,
                           lines=[Line(A.SALES, -price_d, sku, 1), Line(A.COMMISSION, fee, sku),
                                  Line(A.PAYABLE, price_d - fee)], occurred_at=at, marketplace_code="US")
    assert journal is not None
    return journal


def refund(at: dt.datetime, amount: str, currency: str = "USD", admin: str = "0") -> Journal:
    value, fee = D(amount), D(admin)
    journal = journal_post(kind=Journal.Kind.REFUND, source=f"test-refund:{next(_sources)}", currency=currency,
                           lines=[Line(A.REFUNDS, value, "MUG-1"), Line(A.REFUND_ADMIN, fee, "MUG-1"),
                                  Line(A.PAYABLE, -value - fee)], occurred_at=at, marketplace_code="US")
    assert journal is not None
    return journal


def balance(account: str, currency: str = "USD") -> Decimal:
    row = Balance.objects.filter(account=account, currency=currency).first()
    return row.amount if row else D(0)


def test_a_sale_is_held_then_released_once(in_store_a: Store) -> None:
    rates()
    reserve("10", days=14)
    first = sale(T0, "100.00", "15.00")
    assert reserve_hold_scan() == 1
    assert reserve_hold_scan() == 0  # the cursor moved on
    assert reserve_hold_for(first) is None  # and the source is taken
    hold = ReserveHold.objects.get(sale_journal=first)
    assert (hold.amount, hold.release_at) == (D("8.500"), T0 + dt.timedelta(days=14))
    assert (balance(A.PAYABLE), balance(A.RESERVE)) == (D("76.500"), D("8.500"))
    assert Journal.objects.get(source=f"reserve-hold:{first.pk}").kind == Journal.Kind.RESERVE_HOLD
    assert reserve_release_due(now=T0 + dt.timedelta(days=13, hours=23)) == 0
    assert reserve_release_due(now=T0 + dt.timedelta(days=14)) == 1
    assert reserve_release_due(now=T0 + dt.timedelta(days=30)) == 0
    assert reserve_release(hold) is None
    assert (balance(A.PAYABLE), balance(A.RESERVE)) == (D("85.000"), D("0.000"))
    release = Journal.objects.get(source=f"reserve-release:{first.pk}")
    assert release.occurred_at == T0 + dt.timedelta(days=14)


def test_no_reserve_holds_nothing_and_later_sales_only_are_held(in_store_a: Store) -> None:
    rates()
    reserve("0")
    old = sale(T0, "100.00", "15.00")
    assert reserve_hold_scan() == 0
    reserve("5", days=7)
    new = sale(T0 + dt.timedelta(days=1), "1250", "188", currency="JPY")
    assert reserve_hold_scan() == 1
    assert not ReserveHold.objects.filter(sale_journal=old).exists()
    # 5 % of 1,062 yen is 53.1, rounded half-even to whole yen
    assert ReserveHold.objects.get(sale_journal=new).amount == D("53")
    assert reserve_hold_for(refund(T0, "5.00")) is None  # refunds are never held


actions = st.lists(st.one_of(
    st.tuples(st.just("sale"), st.integers(1, 50_000), st.integers(0, 100)),
    st.tuples(st.just("refund"), st.integers(1, 20_000), st.integers(0, 100)),
    st.tuples(st.just("scan"), st.just(0), st.just(0)),
    st.tuples(st.just("release"), st.just(0), st.just(0)),
    st.tuples(st.just("advance"), st.integers(1, 20), st.just(0)),
    st.tuples(st.just("settings"), st.integers(0, 30), st.integers(1, 20)),
), max_size=20)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(steps=actions)
def test_any_sequence_holds_and_releases_each_sale_once(in_store_a: Store, steps: list[Any]) -> None:
    rates()
    now = T0
    for action, first, second in steps:
        if action == "sale":
            price = D(first) / 100
            sale(now, str(price), str((price * second / 100).quantize(D("0.01"))))
        elif action == "refund":
            refund(now, str(D(first) / 100), admin=str(D(second) / 100))
        elif action == "scan":
            reserve_hold_scan()
        elif action == "release":
            reserve_release_due(now=now)
        elif action == "advance":
            now += dt.timedelta(days=first)
        else:
            reserve(str(first), days=second)
    reserve_hold_scan()
    reserve_release_due(now=now)
    # Every journal balances, every balance is the sum of its entries.
    off = Entry.objects.values("journal").annotate(total=Sum("amount")).exclude(total=0)
    assert not off.exists()
    sums = {(row["account"], row["currency"]): row["total"]
            for row in Entry.objects.values("account", "currency").annotate(total=Sum("amount")).order_by()}
    assert {k: v for k, v in sums.items() if v} == {(b.account, b.currency): b.amount
                                                    for b in Balance.objects.all() if b.amount}
    # The reserve is never negative, is what the unreleased holds add up to, and nothing is due any more.
    unreleased = ReserveHold.objects.filter(release_journal__isnull=True)
    assert balance(A.RESERVE) >= 0
    assert balance(A.RESERVE) == (unreleased.aggregate(total=Sum("amount"))["total"] or D(0))
    assert not ReserveHold.objects.due(now).exists()
    # One hold per sale at most, one release per hold at most; a second release posts nothing.
    assert Journal.objects.filter(kind=Journal.Kind.RESERVE_RELEASE).count() == ReserveHold.objects.filter(
        release_journal__isnull=False).count()
    for hold in ReserveHold.objects.filter(release_journal__isnull=False)[:3]:
        assert reserve_release(hold) is None
    assert Journal.objects.filter(kind=Journal.Kind.RESERVE_HOLD).count() == ReserveHold.objects.count()
