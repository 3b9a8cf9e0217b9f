"""The ledger follows the orders' history: a shipment recognises the sale of the units it carries, with its fees;
a refund gives money back, with the share of commission the marketplace returns less its administration fee.
Each history row posts one journal, at most once (its source is "order-event:<id>"). ``ledger_catch_up`` reads
the rows it has not read yet, in order, and remembers where it stopped."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from catalog.selectors import variant_facts
from orders.models import Order, OrderEvent, OrderLine, Return
from orders.selectors import order_events_after
from sellercenter.errors import DomainError
from stores.selectors import category_lineage, fee_schedule_in_force

from ..fees import UnitsSold, refund_admin_fee, round_money, sale_fees
from ..models import Account, Entry, Journal, PostingCursor
from .ledger import Line, journal_post

log = logging.getLogger(__name__)
K = OrderEvent.Kind
A = Account
POSTED_KINDS = (K.SHIPPED, K.REFUNDED)
CURSOR = "orders"
FEE_ACCOUNTS = {"commission": A.COMMISSION, "closing_fee": A.CLOSING_FEE, "fulfilment": A.FULFILMENT}


def _source(event: OrderEvent) -> str:
    return f"order-event:{event.pk}"


def _posted(order: Order, account: str, *, kind: str | None = None, sku: str | None = None) -> Decimal:
    entries = Entry.objects.filter(order_id_ref=order.pk, account=account)
    if kind is not None:
        entries = entries.filter(kind=kind)
    if sku is not None:
        entries = entries.filter(sku=sku)
    return entries.aggregate(total=Sum("amount"))["total"] or Decimal(0)


def split(amount: Decimal, weights: dict[str, Decimal], currency: str) -> dict[str, Decimal]:
    """``amount`` shared out over SKUs in proportion to ``weights``, each share rounded half-even to the currency,
    the last SKU taking what rounding left so that the shares add up to ``amount`` exactly."""
    total = sum(weights.values(), start=Decimal(0))
    skus = sorted(weights)
    if not skus:
        return {}
    if not total:
        weights, total = {sku: Decimal(1) for sku in skus}, Decimal(len(skus))
    shares = {sku: round_money(amount * weights[sku] / total, currency) for sku in skus[:-1]}
    shares[skus[-1]] = amount - sum(shares.values(), start=Decimal(0))
    return shares


def _tax_share(order: Order, line: OrderLine, units: int) -> Decimal:
    """The line's tax for ``units`` shipped units; the shipment that completes the line takes what is left, so
    the shares add up to the line's tax exactly."""
    already = -_posted(order, A.TAX, kind=Journal.Kind.SALE, sku=line.sku)
    shipped_before = (Entry.objects.filter(order_id_ref=order.pk, account=A.SALES, kind=Journal.Kind.SALE,
                                            sku=line.sku).aggregate(units=Sum("quantity"))["units"] or 0)
    if shipped_before + units >= line.quantity:
        return line.tax - already
    return round_money(line.tax * units / line.quantity, order.currency)


def post_shipment(event: OrderEvent) -> Journal | None:
    """The units of one shipment are sold: sales, tax collected (which the marketplace remits), the order's
    shipping charge and discount with its first shipment, the fees, and what is left payable to the seller."""
    order = event.order
    currency = order.currency
    units: dict[str, int] = {sku: int(count) for sku, count in (event.data.get("units") or {}).items() if count}
    lines_by_sku = {line.sku: line for line in order.lines.all()}
    first = not Journal.objects.filter(order=order, kind=Journal.Kind.SALE).exists()
    lines: list[Line] = []
    sold: list[UnitsSold] = []
    facts = variant_facts(skus=units)
    for sku, count in sorted(units.items()):
        line = lines_by_sku[sku]
        tax = _tax_share(order, line, count)
        lines += [Line(A.SALES, -(line.unit_price * count), sku, count), Line(A.TAX, -tax, sku),
                  Line(A.MARKETPLACE_TAX, tax, sku)]
        fact = facts.get(sku)
        sold.append(UnitsSold(sku=sku, quantity=count, unit_price=line.unit_price,
                              category_lineage=category_lineage(category_id=fact.category_id) if fact else (),
                              sides_mm=fact.sides_mm if fact else None, weight_g=fact.weight_g if fact else None))
    # What belongs to the whole order (shipping charged, the discount, the closing fee) goes with its first
    # shipment, shared over that shipment's SKUs by their value, so that every amount has its SKU.
    weights = {item.sku: item.unit_price * item.quantity for item in sold}
    if first:
        for sku, share in split(order.shipping_total, weights, currency).items():
            lines.append(Line(A.SHIPPING, -share, sku))
        for sku, share in split(order.discount_total, weights, currency).items():
            lines.append(Line(A.SALES, share, sku))
    schedule = fee_schedule_in_force(marketplace_id=order.marketplace_id, at=order.placed_at)
    if schedule is not None:
        for fee in sale_fees(schedule, sold, currency=currency, closing_fee=first,
                             platform_fulfilled=order.channel == Order.Channel.PLATFORM):
            if fee.sku:
                lines.append(Line(FEE_ACCOUNTS[fee.kind], fee.amount, fee.sku, fee.quantity))
            else:
                for sku, share in split(fee.amount, weights, currency).items():
                    lines.append(Line(FEE_ACCOUNTS[fee.kind], share, sku))
    lines = [Line(line.account, round_money(line.amount, currency), line.sku, line.quantity) for line in lines]
    lines.append(Line(A.PAYABLE, -sum((line.amount for line in lines), start=Decimal(0))))
    return journal_post(kind=Journal.Kind.SALE, source=_source(event), currency=currency, lines=lines,
                        occurred_at=event.at, order=order, marketplace_code=order.marketplace.code,
                        memo=f"Shipment of {order.number}")


def _refund_weights(order: Order, event: OrderEvent) -> dict[str, Decimal]:
    """The SKUs a refund is for, weighed by value: the units of its return, else every unit shipped."""
    rma = Return.objects.filter(order=order, rma_number=event.data.get("rma") or "").first()
    if rma is not None:
        return {line.order_line.sku: line.order_line.unit_price * line.quantity
                for line in rma.lines.select_related("order_line")}
    return {line.sku: line.unit_price * line.quantity_shipped for line in order.lines.all() if line.quantity_shipped}


def post_refund(event: OrderEvent) -> Journal | None:
    """Money back to the buyer: the refund (its tax share goes back through the marketplace), the commission the
    marketplace returns in proportion, less its refund administration fee; each shared over the SKUs returned."""
    order = event.order
    currency = order.currency
    amount = Decimal(event.data["amount"])
    weights = _refund_weights(order, event)
    tax = round_money(amount * order.tax_total / order.grand_total, currency) if order.grand_total else Decimal(0)
    lines = [Line(A.TAX, tax), Line(A.MARKETPLACE_TAX, -tax)]
    lines += [Line(A.REFUNDS, share, sku) for sku, share in split(amount - tax, weights, currency).items()]
    schedule = fee_schedule_in_force(marketplace_id=order.marketplace_id, at=order.placed_at)
    commission = _posted(order, A.COMMISSION, kind=Journal.Kind.SALE)
    if schedule is not None and commission > 0 and order.grand_total:
        returned_before = -_posted(order, A.COMMISSION, kind=Journal.Kind.REFUND)
        back = min(round_money(commission * amount / order.grand_total, currency), commission - returned_before)
        if back > 0:
            admin = min(refund_admin_fee(schedule, back, currency=currency), back)
            lines += [Line(A.COMMISSION, -share, sku) for sku, share in split(back, weights, currency).items()]
            lines += [Line(A.REFUND_ADMIN, share, sku) for sku, share in split(admin, weights, currency).items()]
    lines.append(Line(A.PAYABLE, -sum((line.amount for line in lines), start=Decimal(0))))
    return journal_post(kind=Journal.Kind.REFUND, source=_source(event), currency=currency, lines=lines,
                        occurred_at=event.at, order=order, marketplace_code=order.marketplace.code,
                        memo=f"Refund on {order.number}")


POSTERS = {K.SHIPPED: post_shipment, K.REFUNDED: post_refund}


def ledger_catch_up(*, batch: int = 500) -> int:
    """Post the orders' history rows the ledger has not read yet, oldest first; returns how many journals were
    posted. One catch-up at a time per store (the cursor row is locked); a row that cannot be posted yet (no FX
    rate for its day) stops the walk there, to be tried again on the next run."""
    posted = 0
    with transaction.atomic():
        cursor, _created = PostingCursor.objects.get_or_create(name=CURSOR)
        cursor = PostingCursor.objects.select_for_update().get(pk=cursor.pk)
        while True:
            events = order_events_after(after_id=cursor.last_id, kinds=POSTED_KINDS, limit=batch)
            for event in events:
                try:
                    with transaction.atomic():
                        journal = POSTERS[OrderEvent.Kind(event.kind)](event)
                except DomainError as error:
                    log.warning("Order event %s is not posted yet: %s", event.pk, error.message)
                    cursor.updated_at = timezone.now()
                    cursor.save(update_fields=["last_id", "updated_at"])
                    return posted
                posted += journal is not None
                cursor.last_id = event.pk
            cursor.updated_at = timezone.now()
            cursor.save(update_fields=["last_id", "updated_at"])
            if len(events) < batch:
                return posted
