"""Property test of the payout state machine over random histories of funding, requests, processing, payment
and failure in two currencies: every journal balances, each balance is the sum of its entries, the available
balance never goes below zero, illegal transitions change nothing, and the money in progress is exactly what the
open payouts hold."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finance.models import Account, Balance, Entry, Journal
from finance.payouts_models import Payout
from finance.services.ledger import Line, journal_post
from finance.services.payouts import payout_account_create, payout_fail, payout_pay, payout_process, payout_request
from sellercenter.errors import DomainError
from stores.models import FXRate, Store

D = Decimal
_run = itertools.count(1)
CURRENCIES = ["USD", "JPY"]

steps = st.lists(st.one_of(
    st.tuples(st.just("fund"), st.sampled_from(CURRENCIES), st.integers(1, 500)),
    st.tuples(st.just("request"), st.sampled_from(CURRENCIES), st.integers(1, 600), st.integers(0, 1),
              st.booleans()),
    st.tuples(st.sampled_from(["process", "pay", "fail"]), st.integers(0, 9)),
), min_size=1, max_size=25)


def _balance(account: str, currency: str) -> Decimal:
    row = Balance.objects.filter(account=account, currency=currency).first()
    return row.amount if row else D(0)


def _check() -> None:
    for journal in Journal.objects.prefetch_related("entries"):
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for entry in journal.entries.all():
            totals[entry.currency] += entry.amount
        assert set(totals.values()) <= {D(0)}, journal.source
    sums = {(row["account"], row["currency"]): row["total"]
            for row in Entry.objects.values("account", "currency").annotate(total=Sum("amount")).order_by()}
    balances = {(row.account, row.currency): row.amount for row in Balance.objects.all()}
    assert {k: v for k, v in balances.items() if v} == {k: v for k, v in sums.items() if v}
    for currency in CURRENCIES:
        assert _balance(Account.PAYABLE, currency) >= 0
        in_progress = Payout.objects.open().filter(currency=currency).aggregate(total=Sum("amount"))["total"]
        assert _balance(Account.PAYOUTS_PENDING, currency) == (in_progress or 0)
        paid = Payout.objects.filter(currency=currency, status=Payout.Status.PAID)
        assert _balance(Account.PAYOUTS, currency) + _balance(Account.CONVERSION_FEE, currency) == (
            paid.aggregate(total=Sum("amount"))["total"] or 0)


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(script=steps)
def test_any_payout_history_balances_and_never_overdraws(in_store_a: Store, owner_a: Any,
                                                         script: list[Any]) -> None:
    run = next(_run)
    for currency, rate in (("USD", "1.0850"), ("CNY", "7.8200"), ("JPY", "162.50")):
        FXRate.objects.get_or_create(rate_date=dt.date(2026, 1, 2), currency=currency, defaults={"rate": D(rate)})
    accounts = [
        payout_account_create(actor=owner_a, kind="bank", holder_name="Mugs Ltd", currency="CNY",
                              number=f"62220202{run:08d}", bank_name="Bank of China", bank_country="CN",
                              swift="BKCHCNBJ", currencies=CURRENCIES, default_for=[]),
        payout_account_create(actor=owner_a, kind="payoneer", holder_name="Mugs Ltd", currency="USD",
                              number=f"seller{run}@example.com", currencies=CURRENCIES, default_for=[]),
    ]
    available = {currency: _balance(Account.PAYABLE, currency) for currency in CURRENCIES}
    mine: list[Payout] = []
    for index, step in enumerate(script):
        kind = step[0]
        if kind == "fund":
            _k, currency, amount = step
            journal_post(kind=Journal.Kind.ADJUSTMENT, source=f"prop:{run}:{index}", currency=currency,
                         lines=[Line(Account.PAYABLE, D(amount)), Line(Account.ADJUSTMENTS, -D(amount))],
                         occurred_at=timezone.now())
            available[currency] += amount
        elif kind == "request":
            _k, currency, amount, which, double = step
            key = f"p{run}-{index}"
            try:
                payout, created = payout_request(actor=owner_a, account=accounts[which], currency=currency,
                                                 amount=amount, idempotency_key=key)
            except DomainError:
                assert amount > available[currency]
            else:
                assert created and amount <= available[currency]
                available[currency] -= amount
                mine.append(payout)
                if double:  # the same form sent again records nothing more
                    again, created = payout_request(actor=owner_a, account=accounts[which], currency=currency,
                                                    amount=amount, idempotency_key=key)
                    assert again.pk == payout.pk and not created
        elif mine:
            payout = Payout.objects.get(pk=mine[step[1] % len(mine)].pk)
            legal = {"process": {"requested"}, "pay": {"processing"}, "fail": {"requested", "processing"}}[kind]
            journals = Journal.objects.count()
            action = {"process": payout_process, "pay": payout_pay, "fail": payout_fail}[kind]
            try:
                action(actor=None, payout=payout)
            except DomainError:
                assert payout.status not in legal
                assert Journal.objects.count() == journals
            else:
                assert payout.status in legal
                if kind == "fail":
                    available[payout.currency] += payout.amount
        for currency in CURRENCIES:
            assert _balance(Account.PAYABLE, currency) == available[currency] >= 0
    _check()
