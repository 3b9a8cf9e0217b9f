"""Two payout requests for the whole available balance at the same moment, each on its own PostgreSQL connection
against committed data: exactly one is recorded, and the balance never goes below zero."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from django.db import connections
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import User
from finance.models import Account, Balance, Journal
from finance.payouts_models import Payout
from finance.services.ledger import Line, journal_post
from finance.services.payouts import payout_account_create, payout_request
from sellercenter.errors import DomainError
from stores.models import FXRate, Store
from tests.committed import committed_store, own, together

RATE_DAY = dt.date(2001, 1, 2)

# The test's own connection stays inside its rolled-back transaction; every write and check runs on a connection
# of its own (``own``), against committed data.
pytestmark = pytest.mark.django_db


@pytest.fixture
def race() -> Iterator[Store]:
    """A store opened and committed outside the test's transaction, with FX rates for the postings on a day no
    other test uses; both removed afterwards."""

    def rates() -> list[int]:
        return [FXRate.objects.create(rate_date=RATE_DAY, currency=currency, rate=Decimal(rate)).pk
                for currency, rate in (("USD", "1.0850"), ("CNY", "7.8200"))]

    rate_ids = own(rates)
    try:
        with committed_store("payout-race") as store:
            yield store
    finally:
        own(lambda: FXRate.objects.filter(pk__in=rate_ids).delete())


@pytest.mark.parametrize("same_form", [False, True])
def test_two_requests_for_the_whole_balance_at_once_pay_exactly_one(race: Store, same_form: bool) -> None:
    store = race
    owner = own(lambda: User.objects.get(email="owner-a@example.com"))

    def prepare() -> int:
        with tenant_context(store):
            journal_post(kind=Journal.Kind.ADJUSTMENT, source="race:fund", currency="USD",
                         lines=[Line(Account.PAYABLE, Decimal("250.00")), Line(Account.ADJUSTMENTS,
                                                                               Decimal("-250.00"))],
                         occurred_at=timezone.now())
            account = payout_account_create(actor=owner, kind="pingpong", holder_name="Mugs Ltd", currency="USD",
                                            number="PP-88776655", currencies=["USD"], default_for=["USD"])
            return account.pk

    account_id = own(prepare)

    def request(key: str) -> Callable[[], str]:
        def run() -> str:
            try:
                with tenant_context(store):
                    from finance.payouts_models import PayoutAccount

                    _payout, created = payout_request(actor=owner, account=PayoutAccount.objects.get(pk=account_id),
                                                      currency="USD", amount="250.00", idempotency_key=key)
                return "recorded" if created else "same"
            except DomainError:
                return "refused"
            finally:
                connections.close_all()
        return run

    keys = ["one", "one"] if same_form else ["one", "two"]
    answers = sorted(together([request(key) for key in keys]))
    assert answers == (["recorded", "same"] if same_form else ["recorded", "refused"])

    def check() -> tuple[int, Decimal, Decimal]:
        with tenant_context(store):
            balances = {row.account: row.amount for row in Balance.objects.filter(currency="USD")}
            return Payout.objects.count(), balances[Account.PAYABLE], balances[Account.PAYOUTS_PENDING]

    assert own(check) == (1, Decimal("0"), Decimal("250.00"))
