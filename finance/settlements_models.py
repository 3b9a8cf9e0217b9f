"""A store's finance settings, the reserve held on its sales, and its settlements: statements of what the
marketplace owed the seller over a period, per currency, with their CSV and PDF files. Only finance.services
writes these rows."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.reference import validate_currency

PERIOD_MIN_DAYS, PERIOD_MAX_DAYS = 1, 31
HOLD_MAX_DAYS = 90


class FinanceSettings(models.Model):
    """The store's one row of finance settings (its primary key is always 1)."""

    settlement_period_days = models.PositiveSmallIntegerField(
        _("settlement period (days)"), default=14,
        validators=[MinValueValidator(PERIOD_MIN_DAYS), MaxValueValidator(PERIOD_MAX_DAYS)])
    reserve_percent = models.DecimalField(
        _("reserve (percent of sales)"), max_digits=5, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("50"))])
    reserve_hold_days = models.PositiveSmallIntegerField(
        _("reserve held for (days)"), default=14, validators=[MinValueValidator(1), MaxValueValidator(HOLD_MAX_DAYS)])
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("finance settings")
        verbose_name_plural = _("finance settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="finance_settings_one_row"),
            models.CheckConstraint(condition=Q(reserve_percent__gte=0, reserve_percent__lte=50),
                                   name="finance_settings_reserve_percent"),
            models.CheckConstraint(condition=Q(settlement_period_days__gte=PERIOD_MIN_DAYS,
                                               settlement_period_days__lte=PERIOD_MAX_DAYS),
                                   name="finance_settings_period_days"),
        ]

    def __str__(self) -> str:
        return f"{self.settlement_period_days} d, reserve {self.reserve_percent} % for {self.reserve_hold_days} d"


class ReserveHoldQuerySet(models.QuerySet["ReserveHold"]):
    def due(self, now: object) -> ReserveHoldQuerySet:
        return self.filter(release_journal__isnull=True, release_at__lte=now)


class ReserveHold(models.Model):
    """The share of one sale held back ("reserve-hold:<sale journal id>") and, once released, the journal that
    released it. A sale has at most one hold and a hold at most one release (unique keys and journal sources)."""

    sale_journal = models.OneToOneField("finance.Journal", on_delete=models.PROTECT, related_name="reserve_hold",
                                        verbose_name=_("sale"))
    hold_journal = models.OneToOneField("finance.Journal", on_delete=models.PROTECT, related_name="+",
                                        verbose_name=_("hold"))
    release_journal = models.OneToOneField("finance.Journal", on_delete=models.PROTECT, related_name="+", null=True,
                                           blank=True, verbose_name=_("release"))
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=3)
    release_at = models.DateTimeField(_("release date"))

    objects = ReserveHoldQuerySet.as_manager()

    class Meta:
        ordering = ["release_at", "id"]
        verbose_name = _("reserve hold")
        verbose_name_plural = _("reserve holds")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="reserve_hold_amount_positive")]
        indexes = [models.Index(fields=["release_at"], name="reserve_hold_unreleased",
                                condition=Q(release_journal__isnull=True))]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} until {self.release_at:%Y-%m-%d}"


def settlement_file_path(instance: Settlement, filename: str) -> str:
    return f"settlements/{filename}"


class Settlement(models.Model):
    """What the marketplace owed the seller (available plus reserve) over one period, in one currency: the
    opening balance, each kind of movement, the closing balance and the amount payable. Its files are made from
    the ledger alone, so generating the same period again gives the same bytes (``content_hash``)."""

    number = models.CharField(_("settlement number"), max_length=40, unique=True)
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"))
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    opening_balance = models.DecimalField(_("opening balance"), max_digits=18, decimal_places=3)
    sales = models.DecimalField(_("sales"), max_digits=18, decimal_places=3, default=Decimal(0))
    shipping = models.DecimalField(_("shipping charged"), max_digits=18, decimal_places=3, default=Decimal(0))
    tax = models.DecimalField(_("tax (net of what the marketplace remits)"), max_digits=18, decimal_places=3,
                              default=Decimal(0))
    commission = models.DecimalField(_("commission"), max_digits=18, decimal_places=3, default=Decimal(0))
    closing_fee = models.DecimalField(_("closing fee"), max_digits=18, decimal_places=3, default=Decimal(0))
    fulfilment = models.DecimalField(_("fulfilment fees"), max_digits=18, decimal_places=3, default=Decimal(0))
    storage = models.DecimalField(_("storage fees"), max_digits=18, decimal_places=3, default=Decimal(0))
    refund_admin = models.DecimalField(_("refund administration fee"), max_digits=18, decimal_places=3,
                                       default=Decimal(0))
    conversion_fee = models.DecimalField(_("currency conversion fee"), max_digits=18, decimal_places=3,
                                         default=Decimal(0))
    refunds = models.DecimalField(_("refunds"), max_digits=18, decimal_places=3, default=Decimal(0))
    adjustments = models.DecimalField(_("adjustments"), max_digits=18, decimal_places=3, default=Decimal(0))
    payouts = models.DecimalField(_("payouts"), max_digits=18, decimal_places=3, default=Decimal(0))
    reserve_held = models.DecimalField(_("reserve held"), max_digits=18, decimal_places=3, default=Decimal(0))
    reserve_released = models.DecimalField(_("reserve released"), max_digits=18, decimal_places=3,
                                           default=Decimal(0))
    closing_balance = models.DecimalField(_("closing balance"), max_digits=18, decimal_places=3)
    reserve_balance = models.DecimalField(_("reserve at the end"), max_digits=18, decimal_places=3)
    amount_payable = models.DecimalField(_("amount payable"), max_digits=18, decimal_places=3)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    csv_file = models.FileField(_("CSV file"), upload_to=settlement_file_path, max_length=200)
    pdf_file = models.FileField(_("PDF file"), upload_to=settlement_file_path, max_length=200)
    content_hash = models.CharField(_("content hash"), max_length=64)
    generated_at = models.DateTimeField(_("generated"), default=timezone.now)

    class Meta:
        ordering = ["-period_start", "currency"]
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = [
            models.UniqueConstraint(fields=["period_start", "currency"], name="settlement_one_per_period"),
            models.CheckConstraint(condition=Q(period_end__gt=models.F("period_start")),
                                   name="settlement_period_not_empty"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def fees(self) -> Decimal:
        return (self.commission + self.closing_fee + self.fulfilment + self.storage + self.refund_admin
                + self.conversion_fee)

    @property
    def net(self) -> Decimal:
        return self.closing_balance - self.opening_balance
