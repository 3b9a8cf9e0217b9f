"""A store's money: a double-entry ledger. Every amount is an entry of a journal transaction, traceable to its
order, SKU and cause; a journal balances in each currency; nothing is ever changed or deleted (a mistake is
corrected by a reversing journal). The database enforces all three (finance migration 0001). Only
finance.services writes these rows."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from djmoney.money import Money

from stores.reference import validate_currency


class Account(models.TextChoices):
    """The ledger's accounts, seen from the seller: a debit (a positive amount) on "payable" is money the
    marketplace owes the seller; income accounts are credited (negative), fees and refunds debited (positive)."""

    SALES = "sales", _("Sales")
    SHIPPING = "shipping", _("Shipping charged")
    TAX = "tax", _("Tax collected from buyers")
    MARKETPLACE_TAX = "marketplace_tax", _("Tax remitted by the marketplace")
    COMMISSION = "commission", _("Commission")
    CLOSING_FEE = "closing_fee", _("Closing fee")
    FULFILMENT = "fulfilment", _("Fulfilment fees")
    STORAGE = "storage", _("Storage fees")
    REFUNDS = "refunds", _("Refunds")
    REFUND_ADMIN = "refund_admin", _("Refund administration fee")
    ADJUSTMENTS = "adjustments", _("Adjustments")
    RESERVE = "reserve", _("Reserve held")
    PAYABLE = "payable", _("Available to pay out")
    PAYOUTS_PENDING = "payouts_pending", _("Payouts in progress")
    PAYOUTS = "payouts", _("Paid out")
    CONVERSION_FEE = "conversion_fee", _("Currency conversion fee")


class JournalKind(models.TextChoices):
    # In context: "Sale", "Fee" and others are also words of other pages with other meanings in Chinese.
    SALE = "sale", pgettext_lazy("transaction type", "Sale")
    REFUND = "refund", pgettext_lazy("transaction type", "Refund")
    FEE = "fee", pgettext_lazy("transaction type", "Fee")
    RESERVE_HOLD = "reserve_hold", pgettext_lazy("transaction type", "Reserve held")
    RESERVE_RELEASE = "reserve_release", pgettext_lazy("transaction type", "Reserve released")
    PAYOUT = "payout", pgettext_lazy("transaction type", "Payout")
    ADJUSTMENT = "adjustment", pgettext_lazy("transaction type", "Adjustment")
    REVERSAL = "reversal", pgettext_lazy("transaction type", "Reversal")


class Journal(models.Model):
    """One journal transaction: the entries one event posts, together. ``source`` names the event ("order-event:
    1234"); a second posting of the same source is refused by the database, so replaying an event posts nothing."""

    Kind = JournalKind

    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=80, unique=True)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("order"), db_index=False)
    order_number = models.CharField(_("order number"), max_length=32, blank=True)
    marketplace_code = models.CharField(_("marketplace"), max_length=8, blank=True)
    occurred_at = models.DateTimeField(_("date"))
    posted_at = models.DateTimeField(_("posted"), default=timezone.now)
    memo = models.CharField(_("description"), max_length=255, blank=True)
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="reversed_by", verbose_name=_("reverses"))

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("journal transaction")
        verbose_name_plural = _("journal transactions")
        indexes = [models.Index(fields=["order", "id"], name="journal_order")]

    def __str__(self) -> str:
        return f"{self.kind} {self.source}"


class Entry(models.Model):
    """One amount of a journal on one account, in one currency: positive is a debit, negative a credit. Also in
    the store's base currency at the FX rate of the day it happened (the rate and its date kept with it)."""

    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="entries",
                                verbose_name=_("journal transaction"), db_index=False)
    account = models.CharField(_("account"), max_length=16, choices=Account.choices)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=3)
    base_amount = models.DecimalField(_("amount in the base currency"), max_digits=18, decimal_places=3)
    fx_rate = models.DecimalField(_("rate to the base currency"), max_digits=20, decimal_places=10)
    fx_date = models.DateField(_("rate date"))
    # Copied from the journal and the order line, so that the transaction list and the reports filter entries
    # without joins.
    kind = models.CharField(_("type"), max_length=16, choices=JournalKind.choices)
    occurred_at = models.DateTimeField(_("date"))
    order_id_ref = models.BigIntegerField(_("order id"), null=True, blank=True)
    order_number = models.CharField(_("order number"), max_length=32, blank=True)
    marketplace_code = models.CharField(_("marketplace"), max_length=8, blank=True)
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    quantity = models.IntegerField(_("quantity"), null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [models.CheckConstraint(condition=~Q(amount=Decimal("0")), name="entry_amount_not_zero")]
        indexes = [
            models.Index(fields=["journal", "id"], name="entry_journal"),
            models.Index(fields=["-occurred_at", "-id"], name="entry_occurred"),
            models.Index(fields=["account", "currency", "occurred_at"], name="entry_account_currency"),
            models.Index(fields=["order_id_ref"], name="entry_order", condition=Q(order_id_ref__isnull=False)),
            models.Index(fields=["sku", "-occurred_at"], name="entry_sku", condition=~Q(sku="")),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount} {self.currency}"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


class Balance(models.Model):
    """The sum of one account's entries in one currency, kept by the posting service in the same transaction as
    the entries. The "payable" rows are the balances a payout draws on, locked while it does."""

    account = models.CharField(_("account"), max_length=16, choices=Account.choices)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    amount = models.DecimalField(_("balance"), max_digits=18, decimal_places=3, default=Decimal("0"))

    class Meta:
        ordering = ["currency", "account"]
        verbose_name = _("balance")
        verbose_name_plural = _("balances")
        constraints = [models.UniqueConstraint(fields=["account", "currency"], name="balance_one_per_account")]

    def __str__(self) -> str:
        return f"{self.account} {self.amount} {self.currency}"


class PostingCursor(models.Model):
    """How far the ledger has read a source of events (the orders' history, by event id)."""

    name = models.CharField(_("source"), max_length=40, unique=True)
    last_id = models.BigIntegerField(_("last event read"), default=0)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("posting cursor")
        verbose_name_plural = _("posting cursors")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_id}"


# Payouts and settlements live beside the ledger, each in a module of its own.
from .payouts_models import Payout, PayoutAccount, PayoutAccountCurrency  # noqa: E402, F401
from .settlements_models import FinanceSettings, ReserveHold, Settlement  # noqa: E402, F401
