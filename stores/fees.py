"""The marketplaces' fee schedules: platform data the admin keeps, versioned by the moment each takes effect. An
order pays the fees of the schedule in force on its site when it was placed. Amounts are in the site's currency.

- Commission: a percentage of what the buyer paid for the item (price and shipping charged, tax excluded), by
  category (the nearest category up the tree with a rate, else the schedule's default), with a minimum per unit.
- Closing fee: a fixed amount per order.
- Fulfilment fee: per unit of a platform-fulfilled order, by size tier and weight (the first band, in order, that
  the unit's dimensions and weight fit).
- Refund administration fee: when a refund gives back the commission, the marketplace keeps this share of it,
  up to a cap.
- Storage: per cubic metre per month, for units in the platform's fulfilment centres.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_percent = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class FeeSchedule(models.Model):
    marketplace = models.ForeignKey("stores.Marketplace", on_delete=models.PROTECT, related_name="fee_schedules",
                                    verbose_name=_("marketplace"))
    name = models.CharField(_("name"), max_length=100)
    effective_from = models.DateTimeField(_("in force from"), default=timezone.now)
    commission_percent = models.DecimalField(_("commission (percent of the item)"), max_digits=6, decimal_places=3,
                                             validators=_percent)
    commission_min_per_unit = models.DecimalField(_("minimum commission per unit"), max_digits=12,
                                                  decimal_places=3, default=Decimal("0"))
    closing_fee_per_order = models.DecimalField(_("closing fee per order"), max_digits=12, decimal_places=3,
                                                default=Decimal("0"))
    refund_admin_percent = models.DecimalField(_("refund administration (percent of the commission refunded)"),
                                               max_digits=6, decimal_places=3, default=Decimal("20"),
                                               validators=_percent)
    refund_admin_max = models.DecimalField(_("refund administration, at most"), max_digits=12, decimal_places=3,
                                           default=Decimal("5"))
    storage_per_m3_month = models.DecimalField(_("storage per cubic metre and month"), max_digits=12,
                                               decimal_places=3, default=Decimal("0"))

    class Meta:
        ordering = ["marketplace", "-effective_from"]
        verbose_name = _("fee schedule")
        verbose_name_plural = _("fee schedules")
        constraints = [
            models.UniqueConstraint(fields=["marketplace", "effective_from"], name="feeschedule_one_per_moment"),
            models.CheckConstraint(condition=Q(commission_min_per_unit__gte=0, closing_fee_per_order__gte=0,
                                               refund_admin_max__gte=0, storage_per_m3_month__gte=0),
                                   name="feeschedule_amounts_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.marketplace_id} {self.name}"


class CommissionRate(models.Model):
    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="commission_rates",
                                 verbose_name=_("fee schedule"))
    category = models.ForeignKey("stores.Category", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("category"))
    percent = models.DecimalField(_("commission (percent of the item)"), max_digits=6, decimal_places=3,
                                  validators=_percent)
    min_per_unit = models.DecimalField(_("minimum per unit"), max_digits=12, decimal_places=3, null=True,
                                       blank=True, help_text=_("Empty: the schedule's minimum."))

    class Meta:
        ordering = ["schedule", "category"]
        verbose_name = _("commission rate")
        verbose_name_plural = _("commission rates")
        constraints = [models.UniqueConstraint(fields=["schedule", "category"], name="commissionrate_one_per_category")]

    def __str__(self) -> str:
        return f"{self.category_id}: {self.percent}%"


class FulfilmentFeeBand(models.Model):
    """One size tier and weight band of the fulfilment fee: a unit fits when its sides, longest first, and its
    weight are within every limit; the first band that fits, by ``position``, sets the fee."""

    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="fulfilment_bands",
                                 verbose_name=_("fee schedule"))
    position = models.PositiveSmallIntegerField(_("order"))
    tier = models.CharField(_("size tier"), max_length=40)
    max_longest_mm = models.PositiveIntegerField(_("longest side up to (mm)"))
    max_median_mm = models.PositiveIntegerField(_("median side up to (mm)"))
    max_shortest_mm = models.PositiveIntegerField(_("shortest side up to (mm)"))
    max_weight_g = models.PositiveIntegerField(_("weight up to (g)"))
    fee_per_unit = models.DecimalField(_("fee per unit"), max_digits=12, decimal_places=3)

    class Meta:
        ordering = ["schedule", "position"]
        verbose_name = _("fulfilment fee band")
        verbose_name_plural = _("fulfilment fee bands")
        constraints = [
            models.UniqueConstraint(fields=["schedule", "position"], name="fulfilmentband_one_per_position"),
            models.CheckConstraint(condition=Q(fee_per_unit__gte=0), name="fulfilmentband_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.tier} ≤ {self.max_weight_g} g"
