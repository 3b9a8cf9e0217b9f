"""The demo stores' logistics set-up: the carrier services each ships with and a shipping template per site, made
through the logistics services. Runs inside the store's schema; skipped when the store has set up logistics."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.utils import timezone

from orders.selectors import orders_to_ship
from sellercenter.errors import DomainError
from stores.carriers import CarrierService
from stores.models import Store

from .models import EnabledService, ShippingTemplate
from .services import carrier_services_enable, shipping_template_create
from .services_shipments import platform_tracking_advance, shipment_create

# (carrier code, service code) each demo profile ships with.
SERVICES = {
    "electronics": [("platform", "standard"), ("platform", "express"), ("dhl", "express-worldwide"),
                    ("fedex", "international-priority"), ("ups", "worldwide-saver"), ("yanwen", "special-line"),
                    ("yanwen", "economy"), ("4px", "global-standard"), ("cainiao", "standard"),
                    ("sf-express", "international-standard"), ("usps", "ground-advantage")],
    "fashion": [("usps", "ground-advantage"), ("usps", "priority-mail"), ("ninja-van", "standard"),
                ("jt-express", "cross-border"), ("platform", "standard"), ("yanwen", "special-line")],
}

# site -> (charge by, bands or (first item, each additional item), per kg above, free shipping from)
TEMPLATES: dict[str, tuple[str, Any, str | None, str | None]] = {
    "US": ("weight", [[500, "4.99"], [1000, "6.99"], [2000, "9.99"]], "3.00", "49.00"),
    "UK": ("weight", [[500, "3.99"], [1000, "5.49"], [2000, "7.99"]], "2.50", "40.00"),
    "DE": ("weight", [[500, "4.49"], [1000, "5.99"], [2000, "8.49"]], "2.90", "45.00"),
    "JP": ("weight", [[500, "500"], [1000, "700"], [2000, "1000"]], "300", "5000"),
    "SG": ("item", ("3.50", "1.00"), None, "60.00"),
    "MY": ("item", ("8.00", "2.00"), None, "150.00"),
}


DEMO_SHIPMENTS = 6


def logistics_demo(*, store: Store, owner: Any, profile: str) -> None:
    if EnabledService.objects.exists() or ShippingTemplate.objects.exists():
        return
    wanted = SERVICES.get(profile, [])
    services = [service for service in CarrierService.objects.offered().select_related("carrier")
                if (service.carrier.code, service.code) in wanted]
    carrier_services_enable(actor=owner, services=services)
    for site in store.marketplaces.all():
        if site.code not in TEMPLATES:
            continue
        charge_by, rates, per_kg, free_from = TEMPLATES[site.code]
        region: dict[str, Any] = {"countries": []}
        if charge_by == "weight":
            region.update(bands=rates, per_kg_above=Decimal(per_kg) if per_kg else None)
        else:
            region.update(first_item_price=Decimal(rates[0]), additional_item_price=Decimal(rates[1]))
        shipping_template_create(actor=owner, regions=[region], data={
            "name": "Standard", "marketplace": site, "charge_by": charge_by, "handling_days": 2,
            "free_shipping_above": Decimal(free_from) if free_from else None,
        })
    _first_shipments(owner=owner)


def _first_shipments(*, owner: Any) -> None:
    """A few of the newest orders shipped with the platform's own service, their parcels on their way, so that the
    demo shows shipments, tracking and labels to print (labels are printed when the seller asks)."""
    service = next((enabled.service for enabled in EnabledService.objects.select_related("service__carrier")
                    if enabled.service.carrier.kind == "platform"), None)
    if service is None:
        return
    now = timezone.now()
    for order in orders_to_ship(limit=DEMO_SHIPMENTS):
        lines = [line for line in order.lines.all() if line.quantity_open and line.warehouse_id]
        if not lines or len({line.warehouse_id for line in lines}) > 1:
            continue
        weight = sum((line.variant.weight_g or 300) * line.quantity_open for line in lines if line.variant)
        sides = max((tuple(sorted((line.variant.length_mm or 0, line.variant.width_mm or 0,
                                   line.variant.height_mm or 0), reverse=True)) for line in lines if line.variant),
                    default=(0, 0, 0))
        dims = cast("tuple[int, int, int]", sides) if all(sides) else (250, 180, 60)  # three sides, sorted
        assert lines[0].warehouse is not None  # only lines with a warehouse were kept
        try:
            shipment = shipment_create(actor=owner, order=order, service=service, warehouse=lines[0].warehouse,
                                       units={line.pk: line.quantity_open for line in lines},
                                       weight_g=max(weight, 100), dims_mm=dims)
        except DomainError:
            continue
        platform_tracking_advance(shipment, now)
