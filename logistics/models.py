"""A store's logistics set-up: which of the platform's carrier services it uses, and the shipping templates that
say what buyers of each site pay for shipping. Lives in the store's schema; only logistics.services writes it.

The carriers and rate cards themselves are platform data (stores.carriers, public schema): the rows here point at
them with ordinary foreign keys, as orders point at the public Marketplace.
"""

from __future__ import annotations

import hashlib
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


# --- Shipments ------------------------------------------------------------------------------------------------------


def label_path(shipment_id: int, tracking_number: str) -> str:
    """One name per parcel and tracking number, so a rerun of the label task rewrites the same file instead of
    adding a second, and a label printed for a number since corrected never takes the corrected label's place."""
    digest = hashlib.sha256(tracking_number.encode()).hexdigest()[:12]
    return f"logistics/labels/shipment-{shipment_id}-{digest}.pdf"


class ShipmentQuerySet(models.QuerySet["Shipment"]):
    def awaiting_label(self) -> ShipmentQuerySet:
        return self.filter(label_file="")


class Shipment(models.Model):
    """One parcel of an order: some or all of its units, handed to one carrier service from one warehouse."""

    class Status(models.TextChoices):
        LABEL_PENDING = "label_pending", _("Label pending")
        LABEL_READY = "label_ready", _("Label ready")
        SHIPPED = "shipped", _("With the carrier")
        DELIVERED = "delivered", _("Delivered")
        INVALID_TRACKING = "invalid_tracking", _("No valid tracking")

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+", verbose_name=_("order"))
    service = models.ForeignKey(CarrierService, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("service"))
    # The service's carrier, kept on the row so the database can hold tracking numbers unique per carrier.
    carrier = models.ForeignKey("stores.Carrier", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("carrier"))
    warehouse = models.ForeignKey("catalog.Warehouse", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("ship from"))
    weight_g = models.PositiveIntegerField(_("weight (g)"), validators=[MinValueValidator(1)])
    length_mm = models.PositiveIntegerField(_("length (mm)"), validators=[MinValueValidator(1)])
    width_mm = models.PositiveIntegerField(_("width (mm)"), validators=[MinValueValidator(1)])
    height_mm = models.PositiveIntegerField(_("height (mm)"), validators=[MinValueValidator(1)])
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.LABEL_PENDING)
    label_file = models.FileField(_("label"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    created_by_email = models.CharField(_("created by"), max_length=254, blank=True)
    label_requested_at = models.DateTimeField(_("label requested"), null=True, blank=True)
    printed_at = models.DateTimeField(_("label printed"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("handed over"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    objects = ShipmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        constraints = [
            models.UniqueConstraint(fields=["carrier", "tracking_number"], condition=~Q(tracking_number=""),
                                    name="shipment_tracking_unique_per_carrier",
                                    violation_error_message=_("This carrier's tracking number is already used.")),
            # One label per shipment: its file is named after the shipment and never shared.
            models.UniqueConstraint(fields=["label_file"], condition=~Q(label_file=""),
                                    name="shipment_one_label_file"),
            models.CheckConstraint(condition=Q(label_file="", printed_at__isnull=True)
                                   | (~Q(label_file="") & Q(printed_at__isnull=False)),
                                   name="shipment_label_printed_together"),
            models.CheckConstraint(condition=~Q(status="label_ready") | ~Q(label_file=""),
                                   name="shipment_ready_has_label"),
            models.CheckConstraint(condition=~Q(status="label_pending") | Q(label_file=""),
                                   name="shipment_pending_has_no_label"),
        ]
        indexes = [models.Index(fields=["order"], name="shipment_order"),
                   models.Index(fields=["status", "-created_at"], name="shipment_status_created")]

    def __str__(self) -> str:
        return f"{self.pk} {self.tracking_number}".strip()

    @property
    def dims_cm(self) -> str:
        return " × ".join(f"{Decimal(v) / 10:g}" for v in (self.length_mm, self.width_mm, self.height_mm))


class ShipmentLine(models.Model):
    """Units of one order line in a shipment."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines",
                                 verbose_name=_("shipment"))
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("order line"))
    units = models.PositiveIntegerField(_("units"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["shipment", "id"]
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")
        constraints = [
            models.UniqueConstraint(fields=["shipment", "order_line"], name="shipmentline_one_per_line"),
            models.CheckConstraint(condition=Q(units__gte=1), name="shipmentline_units_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order_line_id} x {self.units}"


# What a tracking event's code reads as; a carrier's own wording (``status_text``) is shown for other codes.
EVENT_LABELS = {
    "tracking_corrected": _("Tracking number corrected"),
    "accepted": _("Parcel received by the carrier"),
    "handed_over": _("Handed over to the carrier"),
    "in_transit": _("Departed the origin sorting centre"),
    "arrived": _("Arrived in the destination country"),
    "out_for_delivery": _("Out for delivery"),
    "delivered": _("Delivered"),
}


class ShipmentEvent(models.Model):
    """A step of a parcel's journey, as the carrier (or the seller) reports it. Append-only."""

    class Source(models.TextChoices):
        CARRIER = "carrier", _("Carrier")
        SELLER = "seller", _("Seller")

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events",
                                 verbose_name=_("shipment"))
    # The carrier's own id of the event: a report received twice is recorded once.
    external_id = models.CharField(_("event id"), max_length=80)
    code = models.CharField(_("code"), max_length=24)
    at = models.DateTimeField(_("when"))
    status_text = models.CharField(_("status"), max_length=200)
    location = models.CharField(_("location"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.CARRIER)

    class Meta:
        ordering = ["shipment", "at", "id"]
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        constraints = [
            models.UniqueConstraint(fields=["shipment", "external_id"], name="shipmentevent_once"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        if self.code == "tracking_corrected":  # its text is the two numbers: "old → new"
            return f"{EVENT_LABELS[self.code]}: {self.status_text}"
        return str(EVENT_LABELS.get(self.code, self.status_text))
