"""The demo stores' logistics set-up: the carrier services each ships with and a shipping template per site, made
through the logistics services. Runs inside the store's schema; skipped when the store has set up logistics."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from stores.carriers import CarrierService
from stores.models import Store

from .models import EnabledService, ShippingTemplate
from .services import carrier_services_enable, shipping_template_create

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
