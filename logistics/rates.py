"""Pricing a parcel on carriers' rate cards, and on a store's shipping templates. Pure functions of plain data
(no database, no clock), so every rule can be worked by hand in the tests.

Weights are grams, lengths centimetres, money ``Decimal`` in the card's currency.

1. Volumetric weight = L x W x H (cm³) / the carrier's divisor (cm³ per kg), in grams, exact.
2. Chargeable weight = the larger of the actual and the volumetric weight, rounded UP to the carrier's weight step
   (carriers never round a parcel down), a whole number of grams.
3. Freight = the price of the first band whose "up to" is at or above the chargeable weight (a parcel exactly on
   a band's edge pays that band); above the top band, the top band's price plus the zone's rate per kilogram for
   the weight above it. Rounded half-even to the currency's exponent: named point FREIGHT.
4. Fuel surcharge = freight x the service's percentage, rounded half-even: named point SURCHARGE.
5. Price = freight + surcharge. In the store's base currency: price x FX rate, rounded half-even: named point
   CONVERTED.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, Decimal

from catalog.pricing import round_exact

GRAMS_PER_KG = Decimal(1000)


@dataclass(frozen=True)
class Parcel:
    weight_g: Decimal
    length_cm: Decimal = Decimal(0)
    width_cm: Decimal = Decimal(0)
    height_cm: Decimal = Decimal(0)
    destination: str = ""
    origin: str = ""

    @property
    def volume_cm3(self) -> Decimal:
        return self.length_cm * self.width_cm * self.height_cm


@dataclass(frozen=True)
class Zone:
    name: str
    countries: frozenset[str]
    transit_days_min: int
    transit_days_max: int
    bands: tuple[tuple[int, Decimal], ...]  # (up to grams, price), lightest first
    per_kg_above: Decimal | None = None


@dataclass(frozen=True)
class ServiceCard:
    """One carrier service's rate card, as read from the platform's tables."""

    service_id: int
    carrier_name: str
    service_name: str
    currency: str
    origins: frozenset[str]
    zones: tuple[Zone, ...]
    weight_step_g: int = 1
    volumetric_divisor: int | None = None
    fuel_surcharge_percent: Decimal = Decimal(0)
    is_tracked: bool = True
    carrier_kind: str = ""


# Why a service cannot take a parcel.
NOT_FROM_ORIGIN = "origin"
NOT_TO_DESTINATION = "destination"
TOO_HEAVY = "too_heavy"


@dataclass(frozen=True)
class Quote:
    card: ServiceCard
    volumetric_g: Decimal | None
    chargeable_g: int
    not_served: str = ""  # one of the reasons above, or "" when the service takes the parcel
    zone: Zone | None = None
    freight: Decimal = Decimal(0)
    surcharge: Decimal = Decimal(0)
    price: Decimal = Decimal(0)
    # Filled in by ``compare``: the price in the store's base currency (None without an FX rate) and the marks.
    base_price: Decimal | None = None
    cheapest: bool = False
    fastest: bool = False
    actual_g: Decimal = Decimal(0)

    @property
    def served(self) -> bool:
        return not self.not_served

    @property
    def volumetric_counts(self) -> bool:
        """Whether the parcel is charged by its size rather than by its weight."""
        return self.volumetric_g is not None and self.volumetric_g > self.actual_g


def volumetric_weight_g(parcel: Parcel, divisor: int | None) -> Decimal | None:
    """L x W x H / divisor, in grams; None when the carrier charges the actual weight only."""
    if not divisor:
        return None
    return parcel.volume_cm3 * GRAMS_PER_KG / Decimal(divisor)


def chargeable_weight_g(actual_g: Decimal, volumetric_g: Decimal | None, step_g: int) -> int:
    """The larger weight, rounded up to a multiple of the carrier's step."""
    heaviest = max(actual_g, volumetric_g or Decimal(0))
    step = Decimal(step_g)
    return int((heaviest / step).to_integral_value(rounding=ROUND_CEILING) * step)


def zone_for(card: ServiceCard, country: str) -> Zone | None:
    for zone in card.zones:
        if country in zone.countries:
            return zone
    return None


def banded_price(bands: Sequence[tuple[int, Decimal]], per_kg_above: Decimal | None, grams: int) -> Decimal | None:
    """The price of ``grams`` on a band table, exact (unrounded); None when it is above the top band and the table
    has no rate per kg above it (or has no bands)."""
    ordered = sorted(bands)
    for up_to_g, price in ordered:
        if grams <= up_to_g:
            return price
    if not ordered or per_kg_above is None:
        return None
    top_g, top_price = ordered[-1]
    return top_price + (Decimal(grams - top_g) / GRAMS_PER_KG) * per_kg_above


def quote(card: ServiceCard, parcel: Parcel) -> Quote:
    """What ``card`` charges for ``parcel``, or why it cannot take it."""
    volumetric = volumetric_weight_g(parcel, card.volumetric_divisor)
    chargeable = chargeable_weight_g(parcel.weight_g, volumetric, card.weight_step_g)
    base = Quote(card=card, volumetric_g=volumetric, chargeable_g=chargeable, actual_g=parcel.weight_g)
    if parcel.origin and parcel.origin not in card.origins:
        return replace(base, not_served=NOT_FROM_ORIGIN)
    zone = zone_for(card, parcel.destination)
    if zone is None:
        return replace(base, not_served=NOT_TO_DESTINATION)
    exact = banded_price(zone.bands, zone.per_kg_above, chargeable)
    if exact is None:
        return replace(base, not_served=TOO_HEAVY, zone=zone)
    freight = round_exact(exact, card.currency)  # FREIGHT
    surcharge = round_exact(freight * card.fuel_surcharge_percent / 100, card.currency)  # SURCHARGE
    return replace(base, zone=zone, freight=freight, surcharge=surcharge, price=freight + surcharge)


def converted(amount: Decimal, rate: Decimal, currency: str) -> Decimal:
    """``amount`` times the FX rate, in ``currency``'s exponent: named point CONVERTED."""
    return round_exact(amount * rate, currency)


def compare(quotes: Sequence[Quote], base_prices: Mapping[int, Decimal | None]) -> list[Quote]:
    """The quotes with their base-currency prices, served ones first, cheapest first (then fastest), and the
    cheapest and the fastest marked. Services without an FX rate to the base currency cannot be the cheapest.
    Ties mark every service that shares the best value."""
    with_base = [replace(q, base_price=base_prices.get(q.card.service_id)) if q.served else q for q in quotes]
    served = [q for q in with_base if q.served]
    priced = [q.base_price for q in served if q.base_price is not None]
    lowest = min(priced) if priced else None
    quickest = min(((q.zone.transit_days_max, q.zone.transit_days_min) for q in served if q.zone), default=None)
    marked = [
        replace(q, cheapest=lowest is not None and q.base_price == lowest,
                fastest=quickest is not None and q.zone is not None
                and (q.zone.transit_days_max, q.zone.transit_days_min) == quickest)
        if q.served else q
        for q in with_base
    ]

    def order(q: Quote) -> tuple[int, int, Decimal, int, str]:
        if not q.served:
            return (1, 1, Decimal(0), 0, f"{q.card.carrier_name} {q.card.service_name}")
        known = q.base_price is not None
        return (0, 0 if known else 1, q.base_price if known else q.price,  # type: ignore[return-value]
                q.zone.transit_days_max if q.zone else 0, f"{q.card.carrier_name} {q.card.service_name}")

    return sorted(marked, key=order)


# --- Shipping templates: what the buyer pays -------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateRegion:
    countries: frozenset[str]  # empty: the site's own country
    bands: tuple[tuple[int, Decimal], ...] = ()
    per_kg_above: Decimal | None = None
    first_item_price: Decimal | None = None
    additional_item_price: Decimal | None = None


def template_charge(*, charge_by: str, site_country: str, regions: Sequence[TemplateRegion], currency: str,
                    country: str, weight_g: int, items: int, order_value: Decimal,
                    free_above: Decimal | None) -> Decimal | None:
    """What a buyer in ``country`` pays for shipping under a template, in the site's currency; None when no
    region covers the country (or the weight is above the top band without a rate per kg). Free at or above
    ``free_above``. A region naming the country wins over the site's whole-country region."""
    region = next((r for r in regions if country in r.countries), None)
    if region is None and country == site_country:
        region = next((r for r in regions if not r.countries), None)
    if region is None:
        return None
    if free_above is not None and order_value >= free_above:
        return Decimal(0)
    if charge_by == "item":
        if region.first_item_price is None or items < 1:
            return None
        extra = (region.additional_item_price or Decimal(0)) * (items - 1)
        return round_exact(region.first_item_price + extra, currency)
    price = banded_price(region.bands, region.per_kg_above, weight_g)
    return None if price is None else round_exact(price, currency)
