"""Reads for the logistics pages: the platform's carriers with what the store enabled, rate cards, parcels made
from orders, rate comparisons, and the store's shipping templates."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from catalog import selectors as catalog_selectors
from orders import selectors as order_selectors
from sellercenter.errors import DomainError
from stores.carriers import Carrier, CarrierService, RateBand, RateZone
from stores.fx import fx_rate

from . import rates
from .models import EnabledService, ShippingRegion, ShippingTemplate

# --- Carriers ------------------------------------------------------------------------------------------------


def enabled_service_ids() -> set[int]:
    return set(EnabledService.objects.values_list("service_id", flat=True))


def carrier_list() -> list[Carrier]:
    """The carriers the platform offers, each with ``offered`` (its services stores may use, each with
    ``enabled`` and its zones, each zone with ``first_band``) and ``enabled_count``. Five queries."""
    enabled = enabled_service_ids()
    first_bands = RateBand.objects.order_by("zone_id", "up_to_g").distinct("zone_id")
    zones = RateZone.objects.order_by("transit_days_max", "name").prefetch_related(
        Prefetch("bands", queryset=first_bands, to_attr="first_bands"))
    services = (CarrierService.objects.offered().order_by("sort_order", "name")
                .prefetch_related(Prefetch("zones", queryset=zones)))
    carriers: list[Carrier] = list(Carrier.objects.active().prefetch_related(Prefetch("services", queryset=services,
                                                                       to_attr="offered")))
    for carrier in carriers:
        for service in carrier.offered:  # type: ignore[attr-defined]
            service.enabled = service.pk in enabled  # type: ignore[attr-defined]
        carrier.enabled_count = sum(s.enabled for s in carrier.offered)  # type: ignore[attr-defined]
    return carriers


def offered_services(*, ids: list[int]) -> list[CarrierService]:
    """The offered services among ``ids`` (others are dropped)."""
    return list(CarrierService.objects.offered().filter(pk__in=ids).select_related("carrier"))


def carrier_get(*, pk: int) -> Carrier:
    return get_object_or_404(Carrier.objects.active(), pk=pk)


def rate_cards(*, service_ids: set[int] | list[int]) -> list[rates.ServiceCard]:
    """The rate cards of these services (offered ones only), as plain data for ``logistics.rates``. Three
    queries whatever the number of services."""
    bands = RateBand.objects.order_by("up_to_g")
    zones = RateZone.objects.order_by("name").prefetch_related(Prefetch("bands", queryset=bands))
    services = (CarrierService.objects.offered().filter(pk__in=list(service_ids)).select_related("carrier")
                .prefetch_related(Prefetch("zones", queryset=zones)))
    return [
        rates.ServiceCard(
            service_id=service.pk, carrier_name=service.carrier.name, service_name=service.name,
            currency=service.currency, origins=frozenset(service.origin_countries),
            weight_step_g=service.carrier.weight_step_g, volumetric_divisor=service.carrier.volumetric_divisor,
            fuel_surcharge_percent=service.fuel_surcharge_percent, is_tracked=service.is_tracked,
            carrier_kind=service.carrier.kind,
            zones=tuple(
                rates.Zone(name=zone.name, countries=frozenset(zone.countries),
                           transit_days_min=zone.transit_days_min, transit_days_max=zone.transit_days_max,
                           per_kg_above=zone.per_kg_above,
                           bands=tuple((band.up_to_g, band.price) for band in zone.bands.all()))
                for zone in service.zones.all()
            ),
        )
        for service in services
    ]


# --- The rate calculator -----------------------------------------------------------------------------------------


@dataclass
class Comparison:
    quotes: list[rates.Quote]
    base_currency: str
    # currency -> (rate to the base currency, date of the rates used); currencies without a rate are left out.
    fx: dict[str, tuple[Decimal, dt.date]] = field(default_factory=dict)
    missing_fx: list[str] = field(default_factory=list)

    @property
    def fx_shown(self) -> dict[str, tuple[Decimal, dt.date]]:
        """The rates used for currencies other than the base currency."""
        return {currency: rate for currency, rate in self.fx.items() if currency != self.base_currency}

    @property
    def served(self) -> list[rates.Quote]:
        return [q for q in self.quotes if q.served]

    @property
    def not_served(self) -> list[rates.Quote]:
        return [q for q in self.quotes if not q.served]


def rate_compare(*, parcel: rates.Parcel, base_currency: str, on: dt.date | None = None) -> Comparison:
    """Every enabled service's price and transit time for ``parcel``, with prices converted to the store's base
    currency at the platform's FX rates of ``on`` (today by default)."""
    day = on or timezone.localdate()
    quotes = [rates.quote(card, parcel) for card in rate_cards(service_ids=enabled_service_ids())]
    fx: dict[str, tuple[Decimal, dt.date]] = {}
    missing: list[str] = []
    for currency in sorted({q.card.currency for q in quotes if q.served}):
        try:
            fx[currency] = fx_rate(from_currency=currency, to_currency=base_currency, on=day)
        except DomainError:
            missing.append(currency)
    base_prices = {q.card.service_id: rates.converted(q.price, fx[q.card.currency][0], base_currency)
                   for q in quotes if q.served and q.card.currency in fx}
    return Comparison(quotes=rates.compare(quotes, base_prices), base_currency=base_currency, fx=fx,
                      missing_fx=missing)


@dataclass
class OrderParcel:
    """A parcel made of an order's open lines, for the calculator's form."""

    number: str
    destination: str
    weight_kg: Decimal
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal
    declared_value: Decimal
    currency: str
    units: int
    lines_without_weight: list[str]
    lines_without_size: list[str]


def order_parcel(*, number: str) -> OrderParcel:
    """One box for an order's lines: the sum of the units' weights; as long and as wide as its longest and
    widest unit, and high enough to hold every unit's volume. The seller checks it against the real box.
    Weights and sizes come from the lines' SKUs in the catalog; 404 for an order the store does not have."""
    order = order_selectors.order_get(number=number)
    lines = order_selectors.order_detail(order=order)["lines"]
    weight_g = 0
    volume_mm3 = 0
    longest = widest = 0
    units = 0
    no_weight: list[str] = []
    no_size: list[str] = []
    for line in lines:
        quantity = max(line.quantity - line.quantity_cancelled, 0)
        if not quantity:
            continue
        units += quantity
        variant = catalog_selectors.variant_by_sku(sku=line.sku)
        if variant is None or not variant.weight_g:
            no_weight.append(line.sku)
        else:
            weight_g += variant.weight_g * quantity
        if variant is None or not (variant.length_mm and variant.width_mm and variant.height_mm):
            no_size.append(line.sku)
            continue
        length, width = sorted((variant.length_mm, variant.width_mm), reverse=True)
        longest, widest = max(longest, length), max(widest, width)
        volume_mm3 += variant.length_mm * variant.width_mm * variant.height_mm * quantity
    height_mm = math.ceil(volume_mm3 / (longest * widest)) if longest and widest else 0
    tenth = Decimal("0.1")
    return OrderParcel(
        number=order.number, destination=order.ship_country,
        weight_kg=(Decimal(weight_g) / 1000).quantize(Decimal("0.001")),
        length_cm=(Decimal(longest) / 10).quantize(tenth), width_cm=(Decimal(widest) / 10).quantize(tenth),
        height_cm=(Decimal(math.ceil(height_mm / 10) * 10) / 10).quantize(tenth) if height_mm else Decimal(0),
        declared_value=order.items_total, currency=order.currency, units=units,
        lines_without_weight=no_weight, lines_without_size=no_size,
    )


def ship_from_countries(*, home_country: str) -> list[str]:
    """Where the store's parcels can leave from: its warehouses in use, and its home country."""
    countries = {w.country for w in catalog_selectors.warehouse_list() if w.is_active}
    return sorted(countries | {home_country})


# --- Shipping templates ------------------------------------------------------------------------------------------


def shipping_template_list() -> QuerySet[ShippingTemplate]:
    return (ShippingTemplate.objects.select_related("marketplace")
            .prefetch_related(Prefetch("regions", queryset=ShippingRegion.objects.order_by("id")))
            .order_by("marketplace__sort_order", "name"))


def shipping_template_get(*, pk: int) -> ShippingTemplate:
    return get_object_or_404(ShippingTemplate.objects.select_related("marketplace"), pk=pk)


def shipping_template_regions(*, template: ShippingTemplate) -> list[ShippingRegion]:
    return list(template.regions.order_by("id"))


def template_regions_data(regions: list[ShippingRegion]) -> list[rates.TemplateRegion]:
    return [rates.TemplateRegion(
        countries=frozenset(region.countries),
        bands=tuple((int(g), Decimal(str(price))) for g, price in region.bands),
        per_kg_above=region.per_kg_above, first_item_price=region.first_item_price,
        additional_item_price=region.additional_item_price,
    ) for region in regions]


def shipping_template_charge(*, template: ShippingTemplate, country: str, weight_g: int, items: int,
                             order_value: Decimal) -> Decimal | None:
    """What a buyer pays for shipping under ``template`` (see ``rates.template_charge``)."""
    return rates.template_charge(
        charge_by=template.charge_by, site_country=template.marketplace.country,
        regions=template_regions_data(shipping_template_regions(template=template)),
        currency=template.marketplace.currency, country=country, weight_g=weight_g, items=items,
        order_value=order_value, free_above=template.free_shipping_above,
    )

