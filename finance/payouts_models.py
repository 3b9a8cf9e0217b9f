"""Where a store's money goes: payout accounts (收款账户) and payouts (提现). Account numbers are kept as entered
and shown only masked; a payout's money moves through the ledger (finance.services.payouts)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.reference import validate_country, validate_currency

# Countries whose bank accounts are IBANs, with the IBAN's length there (the SWIFT IBAN registry).
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "CH": 21,
    "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18,
    "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23,
    "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27,
    "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29,
    "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26,
    "UA": 29, "VG": 24, "XK": 20,
}
SWIFT_RE = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")


def compact(value: str) -> str:
    """An account number as typed, without spaces or dashes, in capitals."""
    return re.sub(r"[\s-]+", "", value or "").upper()


def iban_valid(value: str) -> bool:
    """ISO 13616: the country's length and the mod-97 check digits."""
    iban = compact(value)
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+", iban) or IBAN_LENGTHS.get(iban[:2]) != len(iban):
        return False
    digits = "".join(str(int(char, 36)) for char in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


def swift_valid(value: str) -> bool:
    """ISO 9362: bank (4 letters), country (2 letters), location (2), optional branch (3)."""
    return bool(SWIFT_RE.fullmatch(compact(value)))


def mask(value: str) -> str:
    """Only the last four characters of a number, the rest as dots."""
    value = compact(value) if value and "@" not in value else (value or "")
    return f"•••• {value[-4:]}" if value else ""


class PayoutAccountQuerySet(models.QuerySet["PayoutAccount"]):
    def active(self) -> PayoutAccountQuerySet:
        return self.filter(removed_at__isnull=True)


class PayoutAccount(models.Model):
    """A bank account or a payment provider's account the store is paid to. The number (account number, IBAN or
    the provider's account id / e-mail) is kept as entered and shown only through ``masked``."""

    class Kind(models.TextChoices):
        BANK = "bank", _("Bank account")
        PAYONEER = "payoneer", "Payoneer"
        PINGPONG = "pingpong", "PingPong"
        WORLDFIRST = "worldfirst", "WorldFirst"
        LIANLIAN = "lianlian", _("LianLian Pay")
        AIRWALLEX = "airwallex", "Airwallex"

    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    holder_name = models.CharField(_("account holder"), max_length=140)
    currency = models.CharField(_("account currency"), max_length=3, validators=[validate_currency],
                                help_text=_("The currency the account holds; paying another currency into it "
                                            "costs a conversion fee."))
    bank_name = models.CharField(_("bank name"), max_length=140, blank=True)
    bank_country = models.CharField(_("bank country"), max_length=2, blank=True)
    swift = models.CharField(_("SWIFT/BIC"), max_length=11, blank=True)
    # The account number or IBAN for a bank; the account id or e-mail at a provider.
    number = models.CharField(_("account number"), max_length=64)
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    created_by_email = models.EmailField(_("added by"), blank=True)
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    changed_by_email = models.EmailField(_("changed by"), blank=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    objects = PayoutAccountQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("payout account")
        verbose_name_plural = _("payout accounts")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.masked}"

    @property
    def masked(self) -> str:
        return mask(self.number)

    @property
    def is_bank(self) -> bool:
        return self.kind == self.Kind.BANK

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.is_bank:
            self.number, self.swift = compact(self.number), compact(self.swift)
            self.bank_country = (self.bank_country or "").upper()
            if not self.bank_name.strip():
                errors["bank_name"] = _("Enter the bank's name.")
            try:
                if not self.bank_country:
                    raise ValidationError("")
                validate_country(self.bank_country)
            except ValidationError:
                errors["bank_country"] = _("Choose the bank's country.")
            if not swift_valid(self.swift):
                errors["swift"] = _("A SWIFT/BIC code has 8 or 11 letters and digits, such as BKCHCNBJ or "
                                    "DEUTDEFF500.")
            elif self.bank_country and self.swift[4:6] != self.bank_country:
                errors["swift"] = _("This SWIFT/BIC code belongs to a bank in another country.")
            if self.bank_country in IBAN_LENGTHS:
                if not iban_valid(self.number):
                    errors["number"] = _("This is not a valid IBAN: check the digits (banks in this country "
                                         "are paid by IBAN).")
                elif self.number[:2] != self.bank_country:
                    errors["number"] = _("This IBAN belongs to another country.")
            elif not re.fullmatch(r"[A-Z0-9]{4,34}", self.number):
                errors["number"] = _("An account number has 4 to 34 letters and digits.")
        else:
            self.number = (self.number or "").strip()
            self.bank_name = self.bank_country = self.swift = ""
            if "@" in self.number:
                try:
                    validate_email(self.number)
                except ValidationError:
                    errors["number"] = _("Enter a valid e-mail address or the account id.")
            elif not re.fullmatch(r"[A-Za-z0-9_.-]{4,64}", self.number):
                errors["number"] = _("Enter the e-mail address or the account id the provider gave you.")
        if errors:
            raise ValidationError(errors)


class PayoutAccountCurrency(models.Model):
    """A currency an account is paid in; at most one account is the default for each currency."""

    account = models.ForeignKey(PayoutAccount, on_delete=models.CASCADE, related_name="currencies",
                                verbose_name=_("payout account"))
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    is_default = models.BooleanField(_("default for this currency"), default=False)

    class Meta:
        ordering = ["currency"]
        verbose_name = _("payout currency")
        verbose_name_plural = _("payout currencies")
        constraints = [
            models.UniqueConstraint(fields=["account", "currency"], name="payout_account_currency_once"),
            models.UniqueConstraint(fields=["currency"], condition=Q(is_default=True),
                                    name="payout_account_one_default_per_currency"),
        ]

    def __str__(self) -> str:
        return self.currency


class PayoutQuerySet(models.QuerySet["Payout"]):
    def open(self) -> PayoutQuerySet:
        return self.filter(status__in=[Payout.Status.REQUESTED, Payout.Status.PROCESSING])


class Payout(models.Model):
    """Money the seller asked to be paid out of the available balance of one currency, to one account."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        PROCESSING = "processing", _("Processing")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")

    account = models.ForeignKey(PayoutAccount, on_delete=models.PROTECT, related_name="payouts",
                                verbose_name=_("payout account"))
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=3)
    # The spread taken when the account holds another currency, in the payout's currency, fixed when requested.
    conversion_fee = models.DecimalField(_("conversion fee"), max_digits=18, decimal_places=3, default=Decimal(0))
    account_currency = models.CharField(_("paid in"), max_length=3)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    idempotency_key = models.CharField(_("request key"), max_length=64, unique=True)
    requested_by_email = models.EmailField(_("requested by"), blank=True)
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    processing_at = models.DateTimeField(_("processing since"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    failure_reason = models.CharField(_("reason"), max_length=255, blank=True)

    objects = PayoutQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            models.CheckConstraint(condition=Q(conversion_fee__gte=0) & Q(conversion_fee__lt=models.F("amount")),
                                   name="payout_fee_within_amount"),
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="payout_status")]

    def __str__(self) -> str:
        return f"PO-{self.pk} {self.amount} {self.currency}"

    @property
    def number(self) -> str:
        return f"PO-{self.pk:06d}"

    @property
    def net(self) -> Decimal:
        return self.amount - self.conversion_fee
