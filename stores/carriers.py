"""The platform's carriers, their service levels and rate cards: reference data the platform admin keeps, which
stores enable and the logistics module prices parcels with.

A rate card is what carriers publish: per destination zone (a group of countries with its transit time), weight
bands ("up to 500 g: 98.00"), and a rate per kilogram above the top band. "First weight + additional weight"
(首重 + 续重) is the same card with one band for the first weight. Prices are in the service's currency.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .reference import validate_country, validate_currency

# Tracking numbers are compared without spaces or hyphens and in capitals, as people type and scanners read them.
_TRACKING_NOISE = re.compile(r"[\s\-]+")


def tracking_number_normalise(number: str) -> str:
    return _TRACKING_NOISE.sub("", number or "").upper()


def validate_regex(value: str) -> None:
    try:
        re.compile(value)
    except re.error as error:
        raise ValidationError(_("%(value)s is not a valid regular expression: %(error)s"),
                              params={"value": value, "error": error}) from error


class CarrierQuerySet(models.QuerySet["Carrier"]):
    def active(self) -> CarrierQuerySet:
        return self.filter(is_active=True)


class Carrier(models.Model):
    """A carrier sellers hand parcels to: its tracking-number formats and how it weighs parcels."""

    class Kind(models.TextChoices):
        PLATFORM = "platform", _("Platform logistics")
        EXPRESS = "express", _("International express")
        POSTAL = "postal", _("Postal service")
        LAST_MILE = "last_mile", _("Regional last mile")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    tracking_patterns = ArrayField(
        models.CharField(max_length=200, validators=[validate_regex]), verbose_name=_("tracking number formats"),
        help_text=_("Regular expressions, one a line; a tracking number is valid when it matches one of them "
                    "whole, after spaces and hyphens are removed and letters are capitalised."),
    )
    tracking_example = models.CharField(_("example tracking number"), max_length=64)
    tracking_url = models.CharField(
        _("tracking page"), max_length=300, blank=True,
        help_text=_("The carrier's tracking page with {number} where the tracking number goes."),
    )
    volumetric_divisor = models.PositiveIntegerField(
        _("volumetric divisor"), null=True, blank=True, validators=[MinValueValidator(1000)],
        help_text=_("Cubic centimetres per kilogram, such as 5000 for express or 6000 for some postal services. "
                    "Leave empty when the carrier charges the actual weight only."),
    )
    weight_step_g = models.PositiveIntegerField(
        _("weight step (g)"), default=500, validators=[MinValueValidator(1), MaxValueValidator(10000)],
        help_text=_("The chargeable weight is rounded up to a multiple of this, such as 500 g for express."),
    )
    is_active = models.BooleanField(_("offered to stores"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    objects = CarrierQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        constraints = [
            models.CheckConstraint(condition=Q(weight_step_g__gte=1), name="carrier_weight_step_positive"),
            models.CheckConstraint(condition=Q(volumetric_divisor__isnull=True) | Q(volumetric_divisor__gte=1000),
                                   name="carrier_divisor_sane"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.tracking_patterns and self.tracking_example and not self.tracking_number_valid(self.tracking_example):
            raise ValidationError({"tracking_example": _("The example does not match any of the formats.")})

    def tracking_number_valid(self, number: str) -> bool:
        """Whether ``number`` has one of this carrier's formats (spaces and hyphens ignored, any letter case)."""
        normalised = tracking_number_normalise(number)
        return bool(normalised) and any(pattern.fullmatch(normalised) for pattern in self._compiled_patterns())

    def _compiled_patterns(self) -> list[re.Pattern[str]]:
        compiled = []
        for pattern in self.tracking_patterns or []:
            try:
                compiled.append(re.compile(pattern))
            except re.error:
                continue  # reported by the field's validator
        return compiled

    def tracking_link(self, number: str) -> str:
        if not self.tracking_url:
            return ""
        return self.tracking_url.replace("{number}", tracking_number_normalise(number))


class CarrierServiceQuerySet(models.QuerySet["CarrierService"]):
    def offered(self) -> CarrierServiceQuerySet:
        """Services stores may use: active, of an active carrier."""
        return self.filter(is_active=True, carrier__is_active=True)


class CarrierService(models.Model):
    """A service level of a carrier, such as DHL Express Worldwide or Yanwen Economy, with its rate card."""

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="services",
                                verbose_name=_("carrier"))
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    origin_countries = ArrayField(
        models.CharField(max_length=2, validators=[validate_country]), verbose_name=_("ships from"),
        help_text=_("Countries where the carrier takes parcels for this service, as ISO codes (CN, US)."),
    )
    currency = models.CharField(_("rate card currency"), max_length=3, validators=[validate_currency])
    fuel_surcharge_percent = models.DecimalField(
        _("fuel surcharge (%)"), max_digits=5, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Added to the freight of every parcel, as express carriers publish it each month."),
    )
    is_tracked = models.BooleanField(_("tracked"), default=True,
                                     help_text=_("Parcels get a tracking number the buyer can follow."))
    is_active = models.BooleanField(_("offered to stores"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    objects = CarrierServiceQuerySet.as_manager()

    class Meta:
        ordering = ["carrier__sort_order", "carrier__name", "sort_order", "name"]
        verbose_name = _("carrier service")
        verbose_name_plural = _("carrier services")
        constraints = [
            models.UniqueConstraint(fields=["carrier", "code"], name="carrierservice_code_unique"),
            models.CheckConstraint(condition=Q(fuel_surcharge_percent__gte=0, fuel_surcharge_percent__lte=100),
                                   name="carrierservice_surcharge_range"),
        ]

    def __str__(self) -> str:
        return self.name


class RateZone(models.Model):
    """A destination zone of a service's rate card: its countries, transit time and price above the top band."""

    service = models.ForeignKey(CarrierService, on_delete=models.CASCADE, related_name="zones",
                                verbose_name=_("service"))
    name = models.CharField(_("name"), max_length=60)
    countries = ArrayField(models.CharField(max_length=2, validators=[validate_country]),
                           verbose_name=_("countries"), help_text=_("ISO country codes, separated by commas."))
    transit_days_min = models.PositiveSmallIntegerField(_("transit days from"))
    transit_days_max = models.PositiveSmallIntegerField(_("transit days to"))
    per_kg_above = models.DecimalField(
        _("per kg above the top band"), max_digits=12, decimal_places=3, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Added per kilogram of chargeable weight above the top band. Leave empty when the service "
                    "takes no heavier parcels."),
    )

    class Meta:
        ordering = ["service", "name"]
        verbose_name = _("rate zone")
        verbose_name_plural = _("rate zones")
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="ratezone_name_unique"),
            models.CheckConstraint(condition=Q(transit_days_min__lte=F("transit_days_max")),
                                   name="ratezone_transit_ordered"),
            models.CheckConstraint(condition=Q(per_kg_above__isnull=True) | Q(per_kg_above__gte=0),
                                   name="ratezone_per_kg_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.name}"

    def clean(self) -> None:
        if self.transit_days_min is not None and self.transit_days_max is not None \
                and self.transit_days_min > self.transit_days_max:
            raise ValidationError({"transit_days_max": _("The longest transit time is shorter than the shortest.")})


class RateBand(models.Model):
    """A weight band of a zone: parcels with a chargeable weight up to ``up_to_g`` (inclusive) cost ``price``."""

    zone = models.ForeignKey(RateZone, on_delete=models.CASCADE, related_name="bands", verbose_name=_("zone"))
    up_to_g = models.PositiveIntegerField(_("up to (g)"), validators=[MinValueValidator(1)])
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=3,
                                validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["zone", "up_to_g"]
        verbose_name = _("weight band")
        verbose_name_plural = _("weight bands")
        constraints = [
            models.UniqueConstraint(fields=["zone", "up_to_g"], name="rateband_one_per_weight"),
            models.CheckConstraint(condition=Q(up_to_g__gte=1) & Q(price__gte=0), name="rateband_sane"),
        ]

    def __str__(self) -> str:
        return f"≤ {self.up_to_g} g: {self.price}"
