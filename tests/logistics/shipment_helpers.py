"""Shared set-up of the shipment tests: a warehouse holding two SKUs with sizes and customs facts, an order of
both, and the platform's and DHL's services enabled. Call inside a store's schema."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Product, Variant, Warehouse
from logistics.models import EnabledService
from orders.models import Order
from stores.carriers import CarrierService
from stores.models import Store
from tests.orders.factories import place, stocked, warehouse


@dataclass
class Setup:
    warehouse: Warehouse
    variants: list[Variant]
    order: Order
    platform: CarrierService
    dhl: CarrierService


def service(carrier: str, code: str) -> CarrierService:
    return CarrierService.objects.get(carrier__code=carrier, code=code)


def setup(store: Store, prefix: str = "SHP", enable: tuple[tuple[str, str], ...] = ()) -> Setup:
    wh = warehouse(f"{prefix}-WH")
    variants = stocked(prefix, units={wh: 10}, variants=2)
    Variant.objects.filter(pk__in=[v.pk for v in variants]).update(length_mm=200, width_mm=150, height_mm=50,
                                                                   weight_g=300)
    Product.objects.filter(variants__in=variants).update(hs_code="420222", country_of_origin="CN")
    order = place(store, lines=[(variants[0].sku, 2), (variants[1].sku, 1)])
    platform, dhl = service("platform", "standard"), service("dhl", "express-worldwide")
    wanted = [platform, dhl, *(service(c, s) for c, s in enable)]
    EnabledService.objects.bulk_create([EnabledService(service=s) for s in wanted], ignore_conflicts=True)
    return Setup(warehouse=wh, variants=variants, order=order, platform=platform, dhl=dhl)
