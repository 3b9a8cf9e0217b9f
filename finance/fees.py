"""What the marketplace charges for units sold, from its fee schedule (stores.fees): commission per SKU, the
closing fee per order, fulfilment fees per unit of platform-fulfilled orders, and what a refund gives back of the
commission less the refund administration fee. Pure calculation: the schedule and the units are passed in.

Rounding happens here, at named points only: each SKU's commission and fulfilment fee, the closing fee and the
refund administration fee, half-even to the currency's exponent (JPY 0, USD 2, KWD 3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from catalog.pricing import quantum
from stores.fees import FeeSchedule

HUNDRED = Decimal(100)


def round_money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class UnitsSold:
    """Units of one SKU leaving in one shipment, at the price the buyer paid for each."""

    sku: str
    quantity: int
    unit_price: Decimal
    category_lineage: Sequence[int] = ()  # the SKU's category and its ancestors, nearest first
    sides_mm: tuple[int, int, int] | None = None
    weight_g: int | None = None


@dataclass(frozen=True)
class Fee:
    kind: str  # "commission", "closing_fee" or "fulfilment"
    amount: Decimal
    sku: str = ""
    quantity: int | None = None


def commission_rate(schedule: FeeSchedule, lineage: Sequence[int]) -> tuple[Decimal, Decimal]:
    """The commission percentage and minimum per unit for a SKU: the nearest category up its tree that has a rate,
    else the schedule's own."""
    rates = {rate.category_id: rate for rate in schedule.commission_rates.all()}
    for category_id in lineage:
        rate = rates.get(category_id)
        if rate is not None:
            minimum = rate.min_per_unit if rate.min_per_unit is not None else schedule.commission_min_per_unit
            return rate.percent, minimum
    return schedule.commission_percent, schedule.commission_min_per_unit


def fulfilment_fee_per_unit(schedule: FeeSchedule, sides_mm: tuple[int, int, int] | None,
                            weight_g: int | None) -> Decimal | None:
    """The fee of the first band the unit fits (sides compared longest first); None when the unit's size or weight
    is unknown or fits no band (the seller center then posts no fee and the order page says so)."""
    if sides_mm is None or weight_g is None:
        return None
    longest, median, shortest = sorted(sides_mm, reverse=True)
    for band in sorted(schedule.fulfilment_bands.all(), key=lambda band: band.position):
        if (longest <= band.max_longest_mm and median <= band.max_median_mm and shortest <= band.max_shortest_mm
                and weight_g <= band.max_weight_g):
            return band.fee_per_unit
    return None


def sale_fees(schedule: FeeSchedule, units: Sequence[UnitsSold], *, currency: str, closing_fee: bool,
              platform_fulfilled: bool) -> list[Fee]:
    """The fees of one shipment: commission per SKU on the item price (a percentage, at least the minimum per
    unit), the closing fee when ``closing_fee`` (an order's first shipment), fulfilment fees per unit when the
    platform fulfils the order."""
    fees: list[Fee] = []
    for sold in units:
        percent, minimum = commission_rate(schedule, sold.category_lineage)
        commission = max(sold.unit_price * sold.quantity * percent / HUNDRED, minimum * sold.quantity)
        if commission:
            fees.append(Fee("commission", round_money(commission, currency), sold.sku, sold.quantity))
        if platform_fulfilled:
            per_unit = fulfilment_fee_per_unit(schedule, sold.sides_mm, sold.weight_g)
            if per_unit:
                fees.append(Fee("fulfilment", round_money(per_unit * sold.quantity, currency), sold.sku,
                                sold.quantity))
    if closing_fee and schedule.closing_fee_per_order:
        fees.append(Fee("closing_fee", round_money(schedule.closing_fee_per_order, currency)))
    return fees


def refund_admin_fee(schedule: FeeSchedule, commission_returned: Decimal, *, currency: str) -> Decimal:
    """What the marketplace keeps of the commission a refund gives back: a share of it, up to a cap."""
    fee = min(commission_returned * schedule.refund_admin_percent / HUNDRED, schedule.refund_admin_max)
    return round_money(max(fee, Decimal(0)), currency)
