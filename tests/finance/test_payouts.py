"""Payout accounts and payouts: validation per kind, masking everywhere, the re-authentication before an account
changes, the payout's state machine and its journals, permission levels and another store's payouts."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from audit.models import Activity
from finance.models import Account, Balance, Entry, Journal
from finance.payouts_models import Payout, PayoutAccount, PayoutAccountCurrency, iban_valid, swift_valid
from finance.services.ledger import Line, journal_post
from finance.services.payouts import (
    payout_account_create,
    payout_account_remove,
    payout_account_update,
    payout_fail,
    payout_pay,
    payout_process,
    payout_request,
    payouts_advance,
)
from finance.views_payouts import REAUTH_AT
from sellercenter.errors import DomainError
from stores.models import FXRate, Store
from stores.permissions import NO_ACCESS, Level
from tests.conftest import PASSWORD
from tests.responses import streamed
from tests.stores.factories import RoleFactory, client_for, member_add

pytestmark = pytest.mark.django_db
D = Decimal
BASE = "/store/test-a/finance/payouts/"
IBAN = "DE89370400440532013000"
CN_NUMBER = "6222020200112233445"


@pytest.fixture
def rates(db: None) -> None:
    for currency, rate in (("USD", "1.0850"), ("CNY", "7.8200"), ("JPY", "162.50"), ("EUR", "1")):
        FXRate.objects.get_or_create(rate_date=dt.date(2026, 1, 2), currency=currency, defaults={"rate": D(rate)})


def fund(currency: str, amount: str, source: str) -> None:
    """Money on the payable account, as a settled sale would leave it."""
    journal_post(kind=Journal.Kind.ADJUSTMENT, source=source, currency=currency,
                 lines=[Line(Account.PAYABLE, D(amount)), Line(Account.ADJUSTMENTS, -D(amount))],
                 occurred_at=timezone.now())


def bank(actor: Any, *, number: str = CN_NUMBER, currency: str = "CNY", currencies: list[str] | None = None,
         default_for: list[str] | None = None) -> PayoutAccount:
    return payout_account_create(actor=actor, kind="bank", holder_name="Shenzhen Mugs Ltd", currency=currency,
                                 number=number, bank_name="Bank of China", bank_country="CN", swift="BKCHCNBJ",
                                 currencies=currencies or ["CNY", "USD"], default_for=default_for or [])


def balance(account: str, currency: str) -> Decimal:
    row = Balance.objects.filter(account=account, currency=currency).first()
    return row.amount if row else D(0)


def confirmed(client: Client) -> Client:
    session = client.session
    session[REAUTH_AT] = time.time()
    session.save()
    return client


# --- Validation ------------------------------------------------------------------------------------------------

def test_iban_and_swift_formats() -> None:
    assert iban_valid(IBAN) and iban_valid("GB82 WEST 1234 5698 7654 32")
    assert not iban_valid("DE89370400440532013001")  # one digit off: the checksum fails
    assert not iban_valid("DE8937040044053201300")  # too short for Germany
    assert not iban_valid("CN12345678901234")  # China has no IBAN
    assert swift_valid("BKCHCNBJ") and swift_valid("DEUTDEFF500") and swift_valid("bkch cn bj")
    assert not swift_valid("BKCHCNB") and not swift_valid("1KCHCNBJ") and not swift_valid("BKCHCNBJ5")


def test_each_kind_is_validated(in_store_a: Store, owner_a: Any) -> None:
    common = {"actor": owner_a, "holder_name": "Mugs GmbH", "currency": "EUR", "currencies": ["EUR"],
              "default_for": []}
    with pytest.raises(DomainError) as error:
        payout_account_create(kind="bank", number="DE89370400440532013001", bank_name="Deutsche Bank",
                              bank_country="DE", swift="DEUTDEFF", **common)
    assert error.value.field == "number" and "IBAN" in str(error.value.message)
    with pytest.raises(DomainError) as error:
        payout_account_create(kind="bank", number=IBAN, bank_name="Deutsche Bank", bank_country="DE",
                              swift="DEUT", **common)
    assert error.value.field == "swift"
    with pytest.raises(DomainError) as error:
        payout_account_create(kind="bank", number=IBAN, bank_name="Deutsche Bank", bank_country="DE",
                              swift="BKCHCNBJ", **common)
    assert error.value.field == "swift"  # a Chinese bank's code for a German account
    with pytest.raises(DomainError) as error:
        payout_account_create(kind="payoneer", number="seller@@example", **common)
    assert error.value.field == "number"
    account = payout_account_create(kind="bank", number="de89 3704 0044 0532 0130 00", bank_name="Deutsche Bank",
                                    bank_country="DE", swift="deutdeff", **common)
    assert (account.number, account.swift, account.masked) == (IBAN, "DEUTDEFF", "•••• 3000")
    provider = payout_account_create(kind="payoneer", number="seller@example.com", **common)
    assert provider.masked == "•••• .com" and provider.bank_name == ""
    assert PayoutAccount.objects.count() == 2


def test_one_default_per_currency(in_store_a: Store, owner_a: Any) -> None:
    first = bank(owner_a, default_for=["USD"])
    second = bank(owner_a, number="6222020200199998888", default_for=["USD"])
    assert list(PayoutAccountCurrency.objects.filter(is_default=True).values_list("account_id", flat=True)) == [
        second.pk]
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutAccountCurrency.objects.filter(account=first, currency="USD").update(is_default=True)
    with pytest.raises(DomainError):
        bank(owner_a, currencies=["CNY"], default_for=["USD"])


# --- Masking ---------------------------------------------------------------------------------------------------

def test_the_number_never_shows_unmasked(client_a: Client, store_a: Store, owner_a: Any, rates: None,
                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with schema_context(store_a.schema_name):
        fund("USD", "500.00", "test:fund-mask")
        account = bank(owner_a, default_for=["USD"])
        payout_account_update(actor=owner_a, account=account, kind="bank", holder_name="Shenzhen Mugs Ltd",
                              currency="CNY", number="6222020200155556666", bank_name="Bank of China",
                              bank_country="CN", swift="BKCHCNBJ", currencies=["CNY", "USD"], default_for=["USD"])
        payout, _created = payout_request(actor=owner_a, account=account, currency="USD", amount="100.00",
                                          idempotency_key="mask-1")
        payout_pay(actor=None, payout=payout_process(actor=None, payout=payout))
        payout_account_remove(actor=owner_a, account=account)
        logged = list(Activity.objects.filter(action__startswith="payout").values_list("changes", "object_repr"))
    secrets = (CN_NUMBER, "6222020200155556666", "020200155556666", "0200112233445")
    confirmed(client_a)
    page = client_a.get(BASE).content.decode()
    edit = client_a.get(f"{BASE}accounts/{account.pk}/")
    export = streamed(client_a.get("/store/test-a/finance/transactions.csv")).decode()
    listed = client_a.get("/store/test-a/finance/").content.decode()
    assert "•••• 6666" in export and payout.number in page
    for text in (page, export, listed, str(logged), caplog.text):
        for secret in secrets:
            assert secret not in text, secret
    assert edit.status_code == 404  # removed
    assert "•••• 6666" in caplog.text and "•••• 3445" in str(logged)


def test_the_edit_form_never_sends_the_number_back(client_a: Client, store_a: Store, owner_a: Any) -> None:
    with schema_context(store_a.schema_name):
        account = bank(owner_a)
    page = confirmed(client_a).get(f"{BASE}accounts/{account.pk}/").content.decode()
    assert "•••• 3445" in page and CN_NUMBER not in page and "0200112233445" not in page
    response = client_a.post(f"{BASE}accounts/{account.pk}/", {
        "kind": "bank", "holder_name": "New Name", "currency": "CNY", "number": "", "bank_name": "Bank of China",
        "bank_country": "CN", "swift": "BKCHCNBJ", "currencies": ["CNY"]})
    assert response.status_code == 302
    with schema_context(store_a.schema_name):
        account.refresh_from_db()
        assert (account.holder_name, account.number) == ("New Name", CN_NUMBER)
        change = Activity.objects.get(action="payout_account.changed")
        assert change.changes["holder_name"] == ["Shenzhen Mugs Ltd", "New Name"]
        assert change.changes["currencies"] == [["CNY", "USD"], ["CNY"]] and "number" not in change.changes


# --- Re-authentication and permissions -------------------------------------------------------------------------

def _account_post() -> dict[str, Any]:
    return {"kind": "bank", "holder_name": "Mugs GmbH", "currency": "EUR", "number": IBAN,
            "bank_name": "Deutsche Bank", "bank_country": "DE", "swift": "DEUTDEFF", "currencies": ["EUR"],
            "default_for": ["EUR"]}


def test_adding_an_account_asks_for_the_password_within_ten_minutes(client_a: Client, store_a: Store) -> None:
    response = client_a.get(f"{BASE}accounts/new/")
    assert response.status_code == 302 and response["Location"].startswith(f"{BASE}confirm/?next=")
    assert client_a.post(f"{BASE}accounts/new/", _account_post()).status_code == 302
    with schema_context(store_a.schema_name):
        assert not PayoutAccount.objects.exists()  # the post without a recent password did nothing
    wrong = client_a.post(f"{BASE}confirm/", {"secret": "not-the-password", "next": f"{BASE}accounts/new/"})
    assert wrong.status_code == 200 and "That password is not right." in wrong.content.decode()
    assert client_a.get(f"{BASE}accounts/new/").status_code == 302
    right = client_a.post(f"{BASE}confirm/", {"secret": PASSWORD, "next": f"{BASE}accounts/new/"})
    assert right.status_code == 302 and right["Location"] == f"{BASE}accounts/new/"
    assert client_a.get(f"{BASE}accounts/new/").status_code == 200
    invalid = client_a.post(f"{BASE}accounts/new/", {**_account_post(), "number": "DE00", "swift": "x",
                                                     "bank_name": ""})
    page = invalid.content.decode()
    assert "This is not a valid IBAN" in page and "A SWIFT/BIC code has 8 or 11" in page
    assert "Enter the bank&#x27;s name." in page
    assert client_a.post(f"{BASE}accounts/new/", _account_post())["Location"] == BASE
    with schema_context(store_a.schema_name):
        account = PayoutAccount.objects.get()
        added = Activity.objects.get(action="payout_account.added")
        assert added.changes["number"] == [None, "•••• 3000"] and added.actor_email == "owner-a@example.com"
    session = client_a.session
    session[REAUTH_AT] = time.time() - 10 * 60 - 1
    session.save()
    assert client_a.get(f"{BASE}accounts/{account.pk}/").status_code == 302
    assert client_a.post(f"{BASE}accounts/{account.pk}/remove/").status_code == 302
    with schema_context(store_a.schema_name):
        assert PayoutAccount.objects.active().count() == 1
    evil = client_a.post(f"{BASE}confirm/", {"secret": PASSWORD, "next": "https://evil.example/"})
    assert evil["Location"] == BASE


def test_with_two_factor_the_code_is_asked_instead_of_the_password(store_a: Store) -> None:
    from tests.accounts.factories import totp_code, totp_device

    person = member_add(store_a, "admin").user
    device = totp_device(person)
    client = client_for(person)
    asked = client.get(f"{BASE}confirm/", {"next": f"{BASE}accounts/new/"}).content.decode()
    assert "6-digit code" in asked and "Enter your password" not in asked
    wrong = client.post(f"{BASE}confirm/", {"secret": PASSWORD, "next": f"{BASE}accounts/new/"})
    assert "That code is not right." in wrong.content.decode()
    assert client.get(f"{BASE}accounts/new/").status_code == 302
    device.refresh_from_db()
    device.throttle_reset()  # django-otp makes the next try wait after a wrong code
    right = client.post(f"{BASE}confirm/", {"secret": totp_code(device), "next": f"{BASE}accounts/new/"})
    assert right.status_code == 302 and right["Location"] == f"{BASE}accounts/new/"
    assert client.get(f"{BASE}accounts/new/").status_code == 200


def test_finance_view_reads_but_cannot_pay_out_or_add_accounts(store_a: Store, owner_a: Any, rates: None) -> None:
    with schema_context(store_a.schema_name):
        fund("USD", "100.00", "test:fund-view")
        account = bank(owner_a)
    role = RoleFactory.create(store=store_a, levels={**NO_ACCESS, "finance": int(Level.VIEW)})
    viewer = confirmed(client_for(member_add(store_a, role).user))
    page = viewer.get(BASE)
    assert page.status_code == 200 and "•••• 3445" in page.content.decode()
    assert "Request payout" not in page.content.decode()
    assert viewer.post(f"{BASE}request/", {"account": account.pk, "currency": "USD", "amount": "10",
                                           "key": "view-1"}).status_code == 403
    assert viewer.get(f"{BASE}accounts/new/").status_code == 403
    assert viewer.post(f"{BASE}accounts/new/", _account_post()).status_code == 403
    assert viewer.get(f"{BASE}confirm/").status_code == 403
    nobody = RoleFactory.create(store=store_a, levels=dict(NO_ACCESS))
    assert client_for(member_add(store_a, nobody).user).get(BASE).status_code == 403
    with schema_context(store_a.schema_name):
        assert not Payout.objects.exists()


def test_requesting_a_payout_from_the_page_once_per_form(client_a: Client, store_a: Store, owner_a: Any,
                                                         rates: None) -> None:
    with schema_context(store_a.schema_name):
        fund("USD", "100.00", "test:fund-page")
        account = bank(owner_a)
    page = client_a.get(BASE).content.decode()
    assert "Available to pay out, USD" in page and "Request payout" in page
    key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)  # type: ignore[union-attr]
    form = {"account": account.pk, "currency": "USD", "amount": "60.00", "key": key}
    assert client_a.post(f"{BASE}request/", form).status_code == 302
    assert client_a.post(f"{BASE}request/", form).status_code == 302  # the double click
    too_much = client_a.post(f"{BASE}request/", {**form, "key": "other", "amount": "50.00"})
    assert too_much.status_code == 400 and "At most 40.00 USD is available" in too_much.content.decode()
    with schema_context(store_a.schema_name):
        assert Payout.objects.count() == 1
        assert balance(Account.PAYABLE, "USD") == D("40.00")
        assert balance(Account.PAYOUTS_PENDING, "USD") == D("60.00")
    after = client_a.get(BASE).content.decode()
    assert "Requested" in after and "$60.00" in after


def test_another_stores_accounts_and_payouts_are_unreachable(store_a: Store, store_b: Store, owner_a: Any,
                                                             owner_b: Any, rates: None) -> None:
    with schema_context(store_b.schema_name):
        fund("USD", "100.00", "test:fund-b")
        foreign = bank(owner_b, number="6222020200177779999")
        payout_request(actor=owner_b, account=foreign, currency="USD", amount="10", idempotency_key="b-1")
    client = confirmed(client_for(owner_a))
    assert client.get(f"{BASE}accounts/{foreign.pk}/").status_code == 404
    assert client.post(f"{BASE}accounts/{foreign.pk}/remove/").status_code == 404
    response = client.post(f"{BASE}request/", {"account": foreign.pk, "currency": "USD", "amount": "5",
                                                "key": "a-x"})
    assert response.status_code == 400
    with schema_context(store_a.schema_name):
        fund("USD", "100.00", "test:fund-a")
        bank(owner_a)
    page = client.get(BASE).content.decode()
    assert "•••• 9999" not in page and "•••• 3445" in page and "PO-" not in page
    assert client_for(owner_b).get(BASE).status_code in (403, 404)
    with schema_context(store_a.schema_name):
        assert not Payout.objects.exists() and PayoutAccount.objects.count() == 1


# --- The state machine and the ledger --------------------------------------------------------------------------

def test_a_payout_moves_through_the_ledger_with_a_conversion_fee(in_store_a: Store, owner_a: Any, rates: None,
                                                                 settings: Any) -> None:
    settings.PAYOUT_CONVERSION_SPREAD = "0.0125"
    fund("USD", "1000.00", "test:fund-fee")
    account = bank(owner_a, currency="CNY", currencies=["USD"])
    payout, created = payout_request(actor=owner_a, account=account, currency="USD", amount="100.02",
                                     idempotency_key="fee-1")
    # 100.02 x 1.25 % = 1.25025, half-even to the cent: 1.25
    assert created and payout.conversion_fee == D("1.25") and payout.status == Payout.Status.REQUESTED
    assert (balance(Account.PAYABLE, "USD"), balance(Account.PAYOUTS_PENDING, "USD")) == (D("899.98"), D("100.02"))
    with pytest.raises(DomainError, match="cannot become paid"):
        payout_pay(actor=None, payout=payout)
    payout = payout_pay(actor=None, payout=payout_process(actor=None, payout=payout))
    assert payout.status == Payout.Status.PAID and payout.paid_at is not None
    assert balance(Account.PAYOUTS_PENDING, "USD") == 0
    assert (balance(Account.PAYOUTS, "USD"), balance(Account.CONVERSION_FEE, "USD")) == (D("98.77"), D("1.25"))
    with pytest.raises(DomainError, match="cannot become failed"):
        payout_fail(actor=None, payout=payout)
    assert set(Journal.objects.filter(source__startswith=f"payout:{payout.pk}:").values_list("source", flat=True)) == {
        f"payout:{payout.pk}:requested", f"payout:{payout.pk}:paid"}
    same = bank(owner_a, number="6222020200100001111", currency="USD", currencies=["USD"])
    plain, _created = payout_request(actor=owner_a, account=same, currency="USD", amount="50",
                                     idempotency_key="fee-2")
    assert plain.conversion_fee == 0


def test_a_failed_payout_is_available_again(in_store_a: Store, owner_a: Any, rates: None) -> None:
    fund("JPY", "10000", "test:fund-jpy")
    account = bank(owner_a, currencies=["JPY"])
    with pytest.raises(DomainError, match="at most 0 decimals"):
        payout_request(actor=owner_a, account=account, currency="JPY", amount="100.5", idempotency_key="j-0")
    with pytest.raises(DomainError, match="not paid in USD"):
        payout_request(actor=owner_a, account=account, currency="USD", amount="1", idempotency_key="j-u")
    payout, _created = payout_request(actor=owner_a, account=account, currency="JPY", amount="10000",
                                      idempotency_key="j-1")
    assert balance(Account.PAYABLE, "JPY") == 0
    with pytest.raises(DomainError, match="At most 0 JPY"):
        payout_request(actor=owner_a, account=account, currency="JPY", amount="1", idempotency_key="j-2")
    with pytest.raises(DomainError, match="still on its way"):
        payout_account_remove(actor=owner_a, account=account)
    payout_fail(actor=None, payout=payout_process(actor=None, payout=payout), reason="Account closed")
    assert (balance(Account.PAYABLE, "JPY"), balance(Account.PAYOUTS_PENDING, "JPY")) == (D("10000"), 0)
    failed = Journal.objects.get(source=f"payout:{payout.pk}:failed")
    assert failed.reverses is not None
    assert failed.reverses.source == f"payout:{payout.pk}:requested"
    assert [a.action for a in Activity.objects.filter(action__startswith="payout.").order_by("id")] == [
        "payout.requested", "payout.processing", "payout.failed"]


def test_the_worker_pays_requests_after_the_delay(in_store_a: Store, owner_a: Any, rates: None) -> None:
    fund("USD", "300.00", "test:fund-worker")
    account = bank(owner_a)
    old, _c = payout_request(actor=owner_a, account=account, currency="USD", amount="100", idempotency_key="w-1")
    Payout.objects.filter(pk=old.pk).update(requested_at=timezone.now() - dt.timedelta(hours=1))
    new, _c = payout_request(actor=owner_a, account=account, currency="USD", amount="100", idempotency_key="w-2")
    assert payouts_advance(delay=dt.timedelta(minutes=30)) == 1
    assert payouts_advance(delay=dt.timedelta(minutes=30)) == 0
    assert Payout.objects.get(pk=old.pk).status == Payout.Status.PAID
    assert Payout.objects.get(pk=new.pk).status == Payout.Status.REQUESTED
    from finance.tasks_payouts import store_payouts_advance

    Payout.objects.filter(pk=new.pk).update(requested_at=timezone.now() - dt.timedelta(days=1))
    assert store_payouts_advance.run() == 1
    # The account holds CNY: 1.2 % of each 100.00 USD is kept as the conversion fee.
    assert (balance(Account.PAYOUTS, "USD"), balance(Account.CONVERSION_FEE, "USD")) == (D("197.60"), D("2.40"))
    assert balance(Account.PAYABLE, "USD") == D("100.00")
    sums = {row.account: row.amount for row in Balance.objects.filter(currency="USD")}
    for name, amount in sums.items():
        assert sum(Entry.objects.filter(account=name, currency="USD").values_list("amount", flat=True)) == amount


def test_the_demo_seeder_adds_one_default_cny_bank_account(in_store_a: Store, owner_a: Any) -> None:
    from finance.demo import payouts_demo
    from stores.demo import demo_seeders

    assert "finance-payouts" in [name for name, _seeder in demo_seeders()]
    payouts_demo(store=in_store_a, owner=owner_a, profile="electronics")
    payouts_demo(store=in_store_a, owner=owner_a, profile="electronics")
    account = PayoutAccount.objects.get()
    assert account.masked == "•••• 5678"
    assert list(account.currencies.values_list("currency", "is_default")) == [("CNY", True)]
