"""A store's logistics set-up: which of the platform's carrier services it uses, and the shipping templates that
say what buyers of each site pay for shipping. Lives in the store's schema; only logistics.services writes it.

The carriers and rate cards themselves are platform data (stores.carriers, public schema): the rows here point at
them with ordinary foreign keys, as orders point at the public Marketplace.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.carriers import CarrierService
from stores.models import Marketplace
from stores.reference import validate_country


class EnabledService(models.Model):
    """A carrier service the store ships with. The carrier counts as enabled while any of its services is."""

    # PROTECT: the platform retires a service by deactivating it, never by deleting rows stores point at.
    service = models.OneToOneField(CarrierService, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("service"))
    enabled_at = models.DateTimeField(_("enabled"), default=timezone.now)
    enabled_by_email = models.CharField(_("enabled by"), max_length=254, blank=True)

    class Meta:
        ordering = ["service_id"]
        verbose_name = _("enabled carrier service")
        verbose_name_plural = _("enabled carrier services")

    def __str__(self) -> str:
        return str(self.service_id)


class ShippingTemplate(models.Model):
    """What buyers on one site pay for shipping: by region, by weight band or per item, free above an amount
    in the site's currency; and how many days the store takes to hand parcels over."""

    class ChargeBy(models.TextChoices):
        WEIGHT = "weight", _("Weight bands")
        ITEM = "item", _("Per item")

    name = models.CharField(_("name"), max_length=80)
    marketplace = models.ForeignKey(Marketplace, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("marketplace"))
    charge_by = models.CharField(_("charge by"), max_length=8, choices=ChargeBy.choices, default=ChargeBy.WEIGHT)
    handling_days = models.PositiveSmallIntegerField(
        _("handling time (days)"), default=2, validators=[MinValueValidator(0), MaxValueValidator(30)],
        help_text=_("Working days from the order to handing the parcel to the carrier."),
    )
    free_shipping_above = models.DecimalField(
        _("free shipping from"), max_digits=14, decimal_places=3, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Orders of at least this amount, in the site's currency, ship free. Leave empty for never."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["marketplace__sort_order", "name"]
        verbose_name = _("shipping template")
        verbose_name_plural = _("shipping templates")
        constraints = [
            models.UniqueConstraint(fields=["marketplace", "name"], name="shippingtemplate_name_per_site",
                                    violation_error_message=_("This site already has a template of that name.")),
            models.CheckConstraint(condition=Q(handling_days__lte=30), name="shippingtemplate_handling_days"),
            models.CheckConstraint(condition=Q(free_shipping_above__isnull=True) | Q(free_shipping_above__gte=0),
                                   name="shippingtemplate_free_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class ShippingRegion(models.Model):
    """A region of a template: a list of countries, or (no countries) the site's whole country, with its rates:
    weight bands (``[[up to grams, "price"], ...]``) and a price per kg above them, or a first and an additional
    item price."""

    template = models.ForeignKey(ShippingTemplate, on_delete=models.CASCADE, related_name="regions",
                                 verbose_name=_("shipping template"))
    countries = ArrayField(models.CharField(max_length=2, validators=[validate_country]), blank=True, default=list,
                           verbose_name=_("countries"))
    bands = models.JSONField(_("weight bands"), default=list, blank=True)
    per_kg_above = models.DecimalField(_("per kg above the top band"), max_digits=12, decimal_places=3, null=True,
                                       blank=True, validators=[MinValueValidator(Decimal("0"))])
    first_item_price = models.DecimalField(_("first item"), max_digits=12, decimal_places=3, null=True, blank=True,
                                           validators=[MinValueValidator(Decimal("0"))])
    additional_item_price = models.DecimalField(_("each additional item"), max_digits=12, decimal_places=3,
                                                null=True, blank=True, validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["template", "id"]
        verbose_name = _("shipping region")
        verbose_name_plural = _("shipping regions")
        constraints = [
            models.CheckConstraint(
                condition=(Q(per_kg_above__isnull=True) | Q(per_kg_above__gte=0))
                & (Q(first_item_price__isnull=True) | Q(first_item_price__gte=0))
                & (Q(additional_item_price__isnull=True) | Q(additional_item_price__gte=0)),
                name="shippingregion_prices_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return ", ".join(self.countries) or "*"
