"""Reads of shipments: the order page's panel, the shipments list, what a label, invoice and packing slip print,
and the valid-tracking rate.

The catalog has no selector giving a SKU's customs facts (HS code, country of origin) together with its weight and
size for many SKUs at once, so ``_variants_by_sku`` reads the catalog's models here, read-only, in one query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from catalog.models import Variant
from catalog.pricing import round_exact
from orders.models import Order, OrderLine
from stores.carriers import CarrierService, RateZone

from .documents.data import Address, CommercialInvoice, Incoterms, Item, PackingSlip, Parcel, SlipLine
from .models import EnabledService, Shipment, ShipmentEvent, ShipmentLine

KG = Decimal(1000)


def _shipments() -> QuerySet[Shipment]:
    return Shipment.objects.select_related("service", "carrier", "warehouse", "order")


def shipment_get(*, pk: int) -> Shipment:
    """One shipment, or 404 (another store's shipment is simply not in this schema)."""
    return get_object_or_404(_shipments(), pk=pk)


def shipments_of_ids(*, ids: list[int]) -> list[Shipment]:
    """These shipments of the store (others are not in its schema), in the list's order, newest first."""
    return list(_shipments().filter(pk__in=ids).order_by("-created_at", "-id"))


def shipment_list(*, status: str = "") -> QuerySet[Shipment]:
    shipments = _shipments()
    if status:
        shipments = shipments.filter(status=status)
    return shipments.order_by("-created_at", "-id")


def shipments_of_orders(*, order_ids: list[int]) -> list[int]:
    """The shipment ids of these orders, oldest first (the order a batch prints them in)."""
    return list(Shipment.objects.filter(order_id__in=order_ids).order_by("order_id", "id").values_list("pk", flat=True))


def shipments_by_ids(*, ids: list[int]) -> list[Shipment]:
    """These shipments in the given order (unknown ids dropped)."""
    found = {s.pk: s for s in _shipments().filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def order_shipments(*, order: Order) -> list[Shipment]:
    """An order's shipments, newest first, each with its lines and its tracking events oldest first."""
    lines = ShipmentLine.objects.select_related("order_line").order_by("id")
    events = ShipmentEvent.objects.order_by("at", "id")
    return list(_shipments().filter(order=order).prefetch_related(
        Prefetch("lines", queryset=lines), Prefetch("events", queryset=events)).order_by("-created_at", "-id"))


def enabled_services() -> list[CarrierService]:
    ids = EnabledService.objects.values_list("service_id", flat=True)
    return list(CarrierService.objects.offered().filter(pk__in=ids).select_related("carrier")
                .order_by("carrier__sort_order", "carrier__name", "sort_order", "name"))


def _variants_by_sku(skus: list[str]) -> dict[str, Variant]:
    return {v.sku: v for v in Variant.objects.filter(sku__in=sorted(set(skus))).select_related("product").only(
        "sku", "weight_g", "length_mm", "width_mm", "height_mm", "product__hs_code", "product__country_of_origin")}


@dataclass
class ShipmentDraft:
    """What the create form starts with: the open units of each line, the warehouse they are reserved in, and a
    box for all of them (weight summed, sides as the rate calculator makes them)."""

    lines: list[OrderLine]
    warehouse_id: int | None
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int


def shipment_draft(*, order: Order) -> ShipmentDraft:
    lines = [line for line in order.lines.order_by("id") if line.quantity_open]
    variants = _variants_by_sku([line.sku for line in lines])
    weight = volume = longest = widest = 0
    for line in lines:
        variant = variants.get(line.sku)
        if variant is None:
            continue
        weight += (variant.weight_g or 0) * line.quantity_open
        if variant.length_mm and variant.width_mm and variant.height_mm:
            length, width = sorted((variant.length_mm, variant.width_mm), reverse=True)
            longest, widest = max(longest, length), max(widest, width)
            volume += variant.length_mm * variant.width_mm * variant.height_mm * line.quantity_open
    height = -(-volume // (longest * widest)) if longest and widest else 0
    warehouse_id = next((line.warehouse_id for line in lines if line.warehouse_id), None)
    return ShipmentDraft(lines=lines, warehouse_id=warehouse_id, weight_g=weight, length_mm=longest,
                         width_mm=widest, height_mm=height)


# --- What the documents print ------------------------------------------------------------------------------------


def _store() -> Any:
    return connection.tenant  # type: ignore[attr-defined]


def _sender(shipment: Shipment) -> Address:
    w, store = shipment.warehouse, _store()
    return Address(name=w.contact_name or store.name, company=store.name if w.contact_name else "",
                   line1=w.address_line1,
                   line2=w.address_line2, city=w.city, region=w.region, postal_code=w.postal_code, country=w.country,
                   phone=w.phone, email=getattr(store, "contact_email", ""))


def _recipient(order: Order) -> Address:
    return Address(name=order.ship_name, line1=order.ship_line1, line2=order.ship_line2, city=order.ship_city,
                   region=order.ship_region, postal_code=order.ship_postal_code, country=order.ship_country,
                   phone=order.ship_phone)


def _buyer(order: Order) -> Address:
    return Address(name=order.buyer_name or order.ship_name, line1=order.ship_line1, line2=order.ship_line2,
                   city=order.ship_city, region=order.ship_region, postal_code=order.ship_postal_code,
                   country=order.ship_country, phone=order.buyer_phone or order.ship_phone)


def _seller(store: Any, shipment: Shipment) -> Address:
    if getattr(store, "address_line1", "") and getattr(store, "address_country", ""):
        return Address(name=store.name, line1=store.address_line1, line2=store.address_line2, city=store.city,
                       region=store.region, postal_code=store.postal_code, country=store.address_country,
                       email=store.contact_email)
    return _sender(shipment)


def _items(shipment: Shipment) -> list[Item]:
    lines = list(shipment.lines.select_related("order_line").order_by("id"))
    variants = _variants_by_sku([sl.order_line.sku for sl in lines])
    order = shipment.order
    items = []
    for sl in lines:
        line, variant = sl.order_line, variants.get(sl.order_line.sku)
        weight_g = (variant.weight_g or 0) if variant else 0
        items.append(Item(
            description=line.title or line.sku, quantity=sl.units,
            unit_value=round_exact(line.unit_price, order.currency), currency=order.currency,
            net_weight_kg=(Decimal(weight_g * sl.units) / KG).quantize(Decimal("0.001")),
            hs_code=(variant.product.hs_code if variant else "") or "",
            origin_country=(variant.product.country_of_origin if variant else "") or shipment.warehouse.country,
            sku=line.sku,
        ))
    return items


def shipment_parcel(*, shipment: Shipment) -> Parcel:
    """The label's data, from the shipment, its order, warehouse and store and the catalog's customs facts."""
    return Parcel(
        tracking_number=shipment.tracking_number or f"SHP{shipment.pk:08d}", carrier=shipment.carrier.name,
        service=shipment.service.name, order_number=shipment.order.number, sender=_sender(shipment),
        recipient=_recipient(shipment.order), weight_kg=(Decimal(shipment.weight_g) / KG).quantize(Decimal("0.001")),
        currency=shipment.order.currency, items=tuple(_items(shipment)),
        signed_on=timezone.localdate(shipment.created_at),
    )


def shipment_invoice(*, shipment: Shipment) -> CommercialInvoice:
    order = shipment.order
    return CommercialInvoice(
        invoice_number=f"CI-{order.number}-{shipment.pk}", issued_on=timezone.localdate(shipment.created_at),
        order_number=order.number, seller=_seller(_store(), shipment), buyer=_buyer(order),
        ship_to=_recipient(order), items=tuple(_items(shipment)), currency=order.currency, incoterms=Incoterms.DAP,
        carrier=f"{shipment.carrier.name} · {shipment.service.name}", tracking_number=shipment.tracking_number,
        gross_weight_kg=(Decimal(shipment.weight_g) / KG).quantize(Decimal("0.001")),
    )


def shipment_packing_slip(*, shipment: Shipment) -> PackingSlip:
    order = shipment.order
    lines = list(shipment.lines.select_related("order_line").order_by("id"))
    return PackingSlip(
        order_number=order.number, issued_on=timezone.localdate(shipment.created_at), ship_from=_sender(shipment),
        ship_to=_recipient(order),
        lines=tuple(SlipLine(sku=sl.order_line.sku, description=sl.order_line.title or sl.order_line.sku,
                             quantity=sl.units, ordered=sl.order_line.quantity if sl.units != sl.order_line.quantity
                             else None) for sl in lines),
        carrier=shipment.carrier.name, service=shipment.service.name, tracking_number=shipment.tracking_number,
        marketplace_order=order.marketplace_order_id,
    )


def transit_days(*, shipment: Shipment) -> tuple[int, int]:
    """The service's transit time to the order's country (its rate zone), a week when no zone says."""
    zone = RateZone.objects.filter(service_id=shipment.service_id,
                                   countries__contains=[shipment.order.ship_country]).first()
    return (zone.transit_days_min, zone.transit_days_max) if zone else (5, 7)


# --- For analytics -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackingRate:
    valid: int
    total: int

    @property
    def rate(self) -> Decimal | None:
        """Valid / total as a percentage with one decimal, None when nothing shipped."""
        if not self.total:
            return None
        return (Decimal(self.valid * 100) / self.total).quantize(Decimal("0.1"))


def valid_tracking_rate(*, days: int = 30, now: dt.datetime | None = None) -> TrackingRate:
    """Shipments created in the last ``days`` days with a valid tracking number, of all of them."""
    since = (now or timezone.now()) - dt.timedelta(days=days)
    counts = Shipment.objects.filter(created_at__gte=since).aggregate(
        total=Count("pk"), invalid=Count("pk", filter=Q(status=Shipment.Status.INVALID_TRACKING)))
    return TrackingRate(valid=counts["total"] - counts["invalid"], total=counts["total"])
