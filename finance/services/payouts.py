"""Payout accounts and payouts: the only code that writes them.

A payout moves money out of the available balance ("payable") of one currency, through "payouts in progress", to
"paid out", by one state machine: requested -> processing -> paid | failed. Each step posts its journal with a
source named after the payout and the step, so a step replayed posts nothing. Requesting locks the currency's
payable balance row, checks it again and posts in the same transaction: two requests for the whole balance at the
same moment pay exactly one."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import activity_record
from catalog.pricing import currency_exponent, quantum
from sellercenter.errors import DomainError

from ..models import Account, Balance, Journal
from ..payouts_models import Payout, PayoutAccount, PayoutAccountCurrency
from .ledger import Line, journal_post, journal_reverse

logger = logging.getLogger(__name__)

# The platform's spread on a payout into an account of another currency, unless settings name another.
DEFAULT_CONVERSION_SPREAD = Decimal("0.012")
# The worker pays a request out after this long, unless settings name another.
DEFAULT_PROCESSING_DELAY = dt.timedelta(minutes=30)

ACCOUNT_FIELDS = ("kind", "holder_name", "currency", "bank_name", "bank_country", "swift", "number")

S = Payout.Status

TRANSITIONS: dict[str, set[str]] = {
    S.REQUESTED: {S.PROCESSING, S.FAILED},
    S.PROCESSING: {S.PAID, S.FAILED},
    S.PAID: set(),
    S.FAILED: set(),
}


def conversion_spread() -> Decimal:
    return Decimal(str(getattr(settings, "PAYOUT_CONVERSION_SPREAD", DEFAULT_CONVERSION_SPREAD)))


def processing_delay() -> dt.timedelta:
    seconds = getattr(settings, "PAYOUT_PROCESSING_DELAY_SECONDS", None)
    return DEFAULT_PROCESSING_DELAY if seconds is None else dt.timedelta(seconds=int(seconds))


# --- Accounts ------------------------------------------------------------------------------------------------


def _shown(account: PayoutAccount) -> dict[str, Any]:
    """The account's fields as the activity log may keep them: the number masked."""
    data = {name: getattr(account, name) for name in ACCOUNT_FIELDS}
    data["number"] = account.masked
    data["currencies"] = sorted(account.currencies.values_list("currency", flat=True)) if account.pk else []
    data["default_for"] = (sorted(account.currencies.filter(is_default=True).values_list("currency", flat=True))
                           if account.pk else [])
    return data


def _set_currencies(account: PayoutAccount, currencies: list[str], default_for: list[str]) -> None:
    currencies = sorted({code.upper() for code in currencies})
    if not currencies:
        raise DomainError(_("Choose at least one currency this account is paid in."), field="currencies")
    if set(default_for) - set(currencies):
        raise DomainError(_("An account can be the default only for a currency it is paid in."), field="default_for")
    account.currencies.exclude(currency__in=currencies).delete()
    # Another account stops being the default for the currencies this one becomes the default for.
    PayoutAccountCurrency.objects.filter(currency__in=default_for, is_default=True).exclude(
        account=account).update(is_default=False)
    for code in currencies:
        PayoutAccountCurrency.objects.update_or_create(account=account, currency=code,
                                                       defaults={"is_default": code in default_for})


class PayoutAccountInvalid(DomainError):
    """The account's fields break its kind's rules; ``errors`` holds every field's messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        field, messages = next(iter(errors.items()))
        super().__init__(messages[0], field=None if field == "__all__" else field)
        self.errors = errors


def _validated(account: PayoutAccount) -> None:
    try:
        account.full_clean()
    except ValidationError as error:
        raise PayoutAccountInvalid(error.message_dict) from error


def payout_account_create(*, actor: Any, kind: str, holder_name: str, currency: str, number: str,
                          currencies: list[str], default_for: list[str], bank_name: str = "",
                          bank_country: str = "", swift: str = "") -> PayoutAccount:
    email = getattr(actor, "email", "") or ""
    account = PayoutAccount(kind=kind, holder_name=holder_name.strip(), currency=currency.upper(), number=number,
                            bank_name=bank_name.strip(), bank_country=bank_country, swift=swift,
                            created_by_email=email, changed_by_email=email)
    _validated(account)
    with transaction.atomic():
        account.save()
        _set_currencies(account, currencies, default_for)
        activity_record(actor=actor, action="payout_account.added", target=account,
                        changes={name: [None, value] for name, value in _shown(account).items() if value})
    logger.info("payout account %s added: %s %s", account.pk, account.kind, account.masked)
    return account


def payout_account_update(*, actor: Any, account: PayoutAccount, kind: str, holder_name: str, currency: str,
                          currencies: list[str], default_for: list[str], number: str = "", bank_name: str = "",
                          bank_country: str = "", swift: str = "") -> PayoutAccount:
    """Change an account; an empty ``number`` keeps the one on file (it is never sent back to the browser)."""
    with transaction.atomic():
        account = PayoutAccount.objects.select_for_update().active().get(pk=account.pk)
        before = _shown(account)
        account.kind, account.holder_name, account.currency = kind, holder_name.strip(), currency.upper()
        account.bank_name, account.bank_country, account.swift = bank_name.strip(), bank_country, swift
        if number.strip():
            account.number = number
        account.changed_at, account.changed_by_email = timezone.now(), getattr(actor, "email", "") or ""
        _validated(account)
        account.save()
        _set_currencies(account, currencies, default_for)
        after = _shown(account)
        changes = {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}
        activity_record(actor=actor, action="payout_account.changed", target=account, changes=changes)
    logger.info("payout account %s changed: %s", account.pk, account.masked)
    return account


def payout_account_remove(*, actor: Any, account: PayoutAccount) -> None:
    """Take an account out of use. Its payouts keep pointing at it, so the row stays; an account with a payout
    still on its way cannot be removed."""
    with transaction.atomic():
        account = PayoutAccount.objects.select_for_update().active().get(pk=account.pk)
        if account.payouts.open().exists():
            raise DomainError(_("A payout to this account is still on its way; remove the account once it is paid "
                                "or has failed."))
        before = _shown(account)
        account.currencies.all().delete()
        account.removed_at = account.changed_at = timezone.now()
        account.changed_by_email = getattr(actor, "email", "") or ""
        account.save(update_fields=["removed_at", "changed_at", "changed_by_email"])
        activity_record(actor=actor, action="payout_account.removed", target=account,
                        changes={"number": [before["number"], None]})
    logger.info("payout account %s removed: %s", account.pk, account.masked)


# --- Payouts -------------------------------------------------------------------------------------------------


def available_balance(currency: str) -> Decimal:
    """What can be paid out in ``currency`` now (without a lock: for showing, not for deciding)."""
    row = Balance.objects.filter(account=Account.PAYABLE, currency=currency).first()
    return row.amount if row is not None else Decimal(0)


def _amount(amount: Any, currency: str) -> Decimal:
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter an amount."), field="amount") from None
    step = quantum(currency)
    if not value.is_finite() or value <= 0:
        raise DomainError(_("Enter an amount above zero."), field="amount")
    if value != value.quantize(step, rounding=ROUND_HALF_EVEN):
        raise DomainError(_("%(currency)s amounts have at most %(places)s decimals.")
                          % {"currency": currency, "places": currency_exponent(currency)}, field="amount")
    return value.quantize(step)


def payout_request(*, actor: Any, account: PayoutAccount, currency: str, amount: Any,
                   idempotency_key: str) -> tuple[Payout, bool]:
    """Ask for ``amount`` of the available balance in ``currency`` to be paid to ``account``. Returns the payout
    and whether it was recorded now; the same ``idempotency_key`` again (a double click) records nothing more."""
    currency = currency.upper()
    if not idempotency_key or len(idempotency_key) > 64:
        raise DomainError(_("This form has expired. Open the payouts page again."))
    amount = _amount(amount, currency)
    try:
        with transaction.atomic():
            # The lock every request for this currency waits on: the balance cannot change between the check and
            # the posting.
            balance = Balance.objects.select_for_update().filter(account=Account.PAYABLE, currency=currency).first()
            found = Payout.objects.filter(idempotency_key=idempotency_key).first()
            if found is not None:
                if (found.account_id, found.currency, found.amount) != (account.pk, currency, amount):
                    raise DomainError(_("This form was already used for another payout. Open the payouts page "
                                        "again."))
                return found, False
            if not PayoutAccountCurrency.objects.filter(account=account, currency=currency,
                                                        account__removed_at__isnull=True).exists():
                raise DomainError(_("This account is not paid in %(currency)s. Choose another account.")
                                  % {"currency": currency}, field="account")
            available = balance.amount if balance is not None else Decimal(0)
            if amount > available:
                raise DomainError(_("At most %(amount)s %(currency)s is available to pay out.")
                                  % {"amount": max(available, Decimal(0)).quantize(quantum(currency)),
                                     "currency": currency}, field="amount")
            fee = Decimal(0)
            if account.currency != currency:
                fee = (amount * conversion_spread()).quantize(quantum(currency), rounding=ROUND_HALF_EVEN)
                if fee >= amount:
                    raise DomainError(_("This amount is too small to convert."), field="amount")
            payout = Payout.objects.create(
                account=account, currency=currency, amount=amount, conversion_fee=fee,
                account_currency=account.currency, idempotency_key=idempotency_key,
                requested_by_email=getattr(actor, "email", "") or "", requested_at=timezone.now())
            journal_post(kind=Journal.Kind.PAYOUT, source=f"payout:{payout.pk}:requested", currency=currency,
                         lines=[Line(Account.PAYABLE, -amount), Line(Account.PAYOUTS_PENDING, amount)],
                         occurred_at=payout.requested_at,
                         memo=f"{payout.number} {account.get_kind_display()} {account.masked}")
            activity_record(actor=actor, action="payout.requested", target=payout, target_repr=payout.number,
                            changes={"amount": [None, f"{amount} {currency}"], "account": [None, str(account)]})
    except IntegrityError:
        # The same form sent twice at the same moment, before any balance row existed to wait on.
        found = Payout.objects.filter(idempotency_key=idempotency_key).first()
        if found is None:
            raise
        return found, False
    logger.info("payout %s requested: %s %s to %s", payout.pk, amount, currency, account.masked)
    return payout, True


def _transition(payout: Payout, to_status: str) -> Payout:
    """The payout locked and checked: ``to_status`` must follow its status."""
    payout = Payout.objects.select_for_update().select_related("account").get(pk=payout.pk)
    if to_status not in TRANSITIONS[payout.status]:
        raise DomainError(_("A payout that is %(status)s cannot become %(to)s.")
                          % {"status": payout.get_status_display().lower(),
                             "to": str(Payout.Status(to_status).label).lower()})
    return payout


def payout_process(*, actor: Any, payout: Payout) -> Payout:
    """The platform has taken the request up: requested -> processing."""
    with transaction.atomic():
        payout = _transition(payout, S.PROCESSING)
        payout.status, payout.processing_at = S.PROCESSING, timezone.now()
        payout.save(update_fields=["status", "processing_at"])
        activity_record(actor=actor, action="payout.processing", target=payout, target_repr=payout.number,
                        changes={"status": [S.REQUESTED.value, S.PROCESSING.value]})
    return payout


def payout_pay(*, actor: Any, payout: Payout) -> Payout:
    """The money reached the account: processing -> paid. A conversion fee is kept when the account holds
    another currency."""
    with transaction.atomic():
        payout = _transition(payout, S.PAID)
        payout.status, payout.paid_at = S.PAID, timezone.now()
        payout.save(update_fields=["status", "paid_at"])
        lines = [Line(Account.PAYOUTS_PENDING, -payout.amount), Line(Account.PAYOUTS, payout.net)]
        if payout.conversion_fee:
            lines.append(Line(Account.CONVERSION_FEE, payout.conversion_fee))
        journal_post(kind=Journal.Kind.PAYOUT, source=f"payout:{payout.pk}:paid", currency=payout.currency,
                     lines=lines, occurred_at=payout.paid_at,
                     memo=f"{payout.number} {payout.account.get_kind_display()} {payout.account.masked}")
        activity_record(actor=actor, action="payout.paid", target=payout, target_repr=payout.number,
                        changes={"status": [S.PROCESSING.value, S.PAID.value]})
    logger.info("payout %s paid to %s", payout.pk, payout.account.masked)
    return payout


def payout_fail(*, actor: Any, payout: Payout, reason: str = "") -> Payout:
    """The money could not be paid: requested or processing -> failed; the amount is available again."""
    with transaction.atomic():
        payout = _transition(payout, S.FAILED)
        before = payout.status
        payout.status, payout.failed_at, payout.failure_reason = S.FAILED, timezone.now(), reason[:255]
        payout.save(update_fields=["status", "failed_at", "failure_reason"])
        requested = Journal.objects.get(source=f"payout:{payout.pk}:requested")
        journal_reverse(journal=requested, source=f"payout:{payout.pk}:failed",
                        memo=f"{payout.number} failed; back to the available balance")
        activity_record(actor=actor, action="payout.failed", target=payout, target_repr=payout.number,
                        changes={"status": [before, S.FAILED.value], "reason": [None, payout.failure_reason]})
    logger.info("payout %s failed", payout.pk)
    return payout


def payouts_advance(*, now: dt.datetime | None = None, delay: dt.timedelta | None = None) -> int:
    """The platform's side, run by the periodic worker: requests older than ``delay`` are taken up and paid (and
    one left in processing by an interrupted run is paid).
    Each payout moves in its own transaction; one that another run moved first is skipped."""
    cutoff = (now or timezone.now()) - (processing_delay() if delay is None else delay)
    moved = 0
    for pk, status in list(Payout.objects.open().filter(requested_at__lte=cutoff)
                           .order_by("id").values_list("pk", "status")):
        try:
            payout = Payout(pk=pk)
            if status == S.REQUESTED:
                payout = payout_process(actor=None, payout=payout)
            payout_pay(actor=None, payout=payout)
        except DomainError:
            continue
        moved += 1
    return moved
