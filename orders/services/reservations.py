"""An order's hold on stock, through the catalog's inventory services. A line's open units (neither shipped nor
cancelled) are either all reserved in one warehouse or not reserved at all; every change is a stock movement
with the order number as its reference."""

from __future__ import annotations

from collections.abc import Iterable

from catalog.models import StockMovement, Warehouse
from catalog.services.inventory import stock_move_many, stock_reserve_first_available

from ..models import Order, OrderLine

# Which warehouses an order may take units from: the seller's own and third-party warehouses for the orders the
# seller ships, the platform's fulfilment centres for the orders the platform ships.
WAREHOUSE_KINDS = {
    Order.Channel.SELLER: (Warehouse.Kind.OWN, Warehouse.Kind.THIRD_PARTY),
    Order.Channel.PLATFORM: (Warehouse.Kind.PLATFORM,),
}


def lines_reserve(*, order: Order, lines: Iterable[OrderLine], actor: object = None,
                  all_or_nothing: bool = False, save: bool = True) -> list[OrderLine]:
    """Reserve the open units of the lines that hold none yet. Returns the lines left without stock (SKUs not in
    the catalog among them); with ``all_or_nothing``, any shortfall reserves nothing. With ``save=False`` the lines
    are not stored yet: the caller inserts them with what they hold."""
    pending = [line for line in lines if line.quantity_open and not line.quantity_reserved]
    unknown = [line for line in pending if line.variant_id is None]
    wanted = {line.variant_id: line.quantity_open for line in pending if line.variant_id is not None}
    if all_or_nothing and unknown:
        return pending
    placed = stock_reserve_first_available(wanted=wanted, warehouse_kinds=WAREHOUSE_KINDS[Order.Channel(order.channel)],
                                           reference=order.number, actor=actor, all_or_nothing=all_or_nothing)
    reserved = []
    for line in pending:
        if line.variant_id in placed:
            line.warehouse_id = placed[line.variant_id]
            line.quantity_reserved = line.quantity_open
            reserved.append(line)
    if save:
        OrderLine.objects.bulk_update(reserved, ["warehouse", "quantity_reserved"])
    return [line for line in pending if line not in reserved]


def lines_release(*, order: Order, lines: Iterable[OrderLine], actor: object = None) -> None:
    """Give back every unit these lines hold."""
    holding = [line for line in lines if line.quantity_reserved]
    stock_move_many(moves=[(line.variant_id, line.warehouse_id, 0, -line.quantity_reserved) for line in holding
                           if line.variant_id is not None and line.warehouse_id is not None],
                    reason=StockMovement.Reason.RELEASED, reference=order.number, actor=actor)
    for line in holding:
        line.quantity_reserved = 0
    OrderLine.objects.bulk_update(holding, ["quantity_reserved"])


def lines_ship(*, order: Order, units: dict[OrderLine, int], actor: object = None) -> None:
    """Take shipped units off hand and off the reservation. Every line must hold its open units already."""
    shipping = [(line, count) for line, count in units.items() if count]
    assert all(line.quantity_reserved >= count for line, count in shipping)
    stock_move_many(moves=[(line.variant_id, line.warehouse_id, -count, -count) for line, count in shipping
                           if line.variant_id is not None and line.warehouse_id is not None],
                    reason=StockMovement.Reason.SHIPPED, reference=order.number, actor=actor)
    for line, count in shipping:
        line.quantity_shipped += count
        line.quantity_reserved -= count
    OrderLine.objects.bulk_update([line for line, _count in shipping], ["quantity_shipped", "quantity_reserved"])


def attention_of(lines: Iterable[OrderLine]) -> str:
    """Why an order needs a person, from its lines: an open line whose SKU is unknown, or that holds no stock."""
    open_lines = [line for line in lines if line.quantity_open]
    if any(line.variant_id is None for line in open_lines):
        return Order.Attention.UNKNOWN_SKU
    if any(not line.quantity_reserved for line in open_lines):
        return Order.Attention.NO_STOCK
    return ""
