"""What the marketplace tells a store: an order placed, its payment, a buyer's cancellation request, its delivery,
a return request. Each is idempotent on the marketplace's own id: the same event again returns what the first
one recorded; the same id with different content is refused (``IdempotencyConflict``)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellercenter.errors import DomainError
from stores.models import Marketplace, Store

from ..models import Order, OrderEvent, OrderLine
from .machine import order_lock, placed_record, transition, transition_check
from .reservations import attention_of, lines_reserve, variant_ids_by_sku

K = OrderEvent.Kind


class IdempotencyConflict(DomainError):
    """The marketplace sent one of its ids again with a different content."""


@dataclass(frozen=True)
class Ingested:
    """The event a delivery recorded (or had recorded the first time), and whether this delivery created it."""

    event: OrderEvent
    created: bool


def _order_number(marketplace: Marketplace, placed_at: dt.datetime) -> tuple[int, str]:
    """A new order's id and its number: site, the day on that site, and the id (unique in the store), such as
    US-260311-000123. The id is drawn from the table's sequence, so numbers never collide and need no lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))",
                       [connection.ops.quote_name(Order._meta.db_table)])
        pk = int(cursor.fetchone()[0])
    day = timezone.localtime(placed_at, timezone=zoneinfo.ZoneInfo(marketplace.timezone)).strftime("%y%m%d")
    return pk, f"{marketplace.code}-{day}-{pk:06d}"


def _replay(event: OrderEvent, payload_hash: str, message: str) -> Ingested:
    if event.payload_hash != payload_hash:
        raise IdempotencyConflict(message)
    return Ingested(event=event, created=False)


def _placed_event(marketplace: Marketplace, marketplace_order_id: str) -> OrderEvent | None:
    return (OrderEvent.objects.select_related("order", "order__marketplace")
            .filter(order__marketplace=marketplace, order__marketplace_order_id=marketplace_order_id, kind=K.PLACED)
            .first())


def order_ingest_placed(*, store: Store, data: dict[str, Any], payload_hash: str,
                        marketplace: Marketplace | None = None) -> Ingested:
    """Record a new order from a validated payload (orders.api.payloads.ORDER_PLACED) and reserve its stock.
    ``marketplace`` is the store's site named in the payload, when the caller has read it already.

    Units that cannot all be reserved follow the store's setting: the order is accepted and flagged for
    attention, or refused (kept, cancelled as out of stock, so the marketplace gets the same answer again).
    Orders the platform fulfils are always accepted: the platform has already taken them."""
    if store.schema_name != connection.schema_name:  # type: ignore[attr-defined]
        raise RuntimeError("Activate the store's schema before recording its orders.")
    if marketplace is None or marketplace.code != data["marketplace"]:
        marketplace = store.marketplaces.filter(code=data["marketplace"]).first()
    if marketplace is None:
        raise DomainError(_("This store does not sell on %(site)s.") % {"site": data["marketplace"]},
                          field="marketplace")
    try:
        # A new order is the common case: insert straight away. A repeat hits the unique (site, order id) at the
        # order's insert, before any stock is touched, and is answered from what the first delivery recorded.
        with transaction.atomic():
            return Ingested(event=_place(store=store, marketplace=marketplace, data=data, payload_hash=payload_hash),
                            created=True)
    except IntegrityError:
        # The same order again, or delivered twice at once: the other delivery inserted it first.
        found = _placed_event(marketplace, data["marketplace_order_id"])
        if found is None:
            raise
        return _replay(found, payload_hash, _("Order %(id)s was already received with different content.")
                       % {"id": data["marketplace_order_id"]})


def _place(*, store: Store, marketplace: Marketplace, data: dict[str, Any], payload_hash: str) -> OrderEvent:
    """The order row first (its unique site id refuses a repeat before anything else happens), then the stock
    reserved for lines not yet stored, then the lines inserted once with what they hold."""
    buyer, address = data["buyer"], data["shipping_address"]
    items = sum((line["unit_price"] * line["quantity"] for line in data["lines"]), start=Decimal("0"))
    tax = sum((line["tax"] for line in data["lines"]), start=Decimal("0"))
    pk, number = _order_number(marketplace, data["placed_at"])
    order = Order(
        pk=pk, number=number, marketplace=marketplace, marketplace_order_id=data["marketplace_order_id"],
        channel=data["channel"], currency=data["currency"],
        status=Order.Status.UNSHIPPED if data["paid_at"] else Order.Status.PENDING_PAYMENT,
        buyer_name=buyer["name"], buyer_email=buyer["email"] or "", buyer_phone=buyer["phone"] or "",
        ship_name=address["name"], ship_line1=address["line1"], ship_line2=address["line2"] or "",
        ship_city=address["city"], ship_region=address["region"] or "",
        ship_postal_code=address["postal_code"] or "", ship_country=address["country"],
        ship_phone=address["phone"] or "",
        items_total=items, shipping_total=data["shipping"], tax_total=tax, discount_total=data["discount"],
        grand_total=items + data["shipping"] + tax - data["discount"],
        placed_at=data["placed_at"], paid_at=data["paid_at"], ship_by=data["ship_by"],
        deliver_by=data["deliver_by"],
    )
    order.save(force_insert=True)
    variant_ids = variant_ids_by_sku(skus=[line["sku"] for line in data["lines"]])
    lines = [
        OrderLine(order=order, marketplace_line_id=line["line_id"] or "", variant_id=variant_ids.get(line["sku"]),
                  sku=line["sku"], title=line["title"] or "", quantity=line["quantity"],
                  unit_price=line["unit_price"], tax=line["tax"])
        for line in data["lines"]
    ]
    reject = (store.orders_without_stock == Store.WithoutStock.REJECT
              and order.channel == Order.Channel.SELLER)
    short = lines_reserve(order=order, lines=lines, all_or_nothing=reject, save=False)
    details: dict[str, Any] = {}
    if short:
        details["short_skus"] = sorted(line.sku for line in short)
        if reject:
            for line in lines:
                line.quantity_cancelled = line.quantity
            order.status, order.cancel_reason, order.cancelled_at = (Order.Status.CANCELLED,
                                                                     Order.CancelReason.NO_STOCK, order.created_at)
            details["rejected"] = Order.CancelReason.NO_STOCK.value
        order.attention = attention_of(lines)
        order.save(update_fields=["status", "cancel_reason", "cancelled_at", "attention"])
        if order.attention:
            details["attention"] = order.attention
    OrderLine.objects.bulk_create(lines)
    return placed_record(order=order, data=details, source_id=order.marketplace_order_id, payload_hash=payload_hash)


def _marketplace_event(*, order: Order, kind: str, event_id: str, payload_hash: str,
                       apply: Callable[[Order], OrderEvent]) -> Ingested:
    """Run ``apply`` on the locked order unless this event (by the marketplace's id) was recorded already."""
    with transaction.atomic():
        order = order_lock(order)
        if event_id:
            found = OrderEvent.objects.filter(order=order, kind=kind, source_id=event_id[:64]).first()
            if found is not None:
                found.order = order
                return _replay(found, payload_hash,
                               _("Event %(id)s was already received with different content.") % {"id": event_id})
        return Ingested(event=apply(order), created=True)


def order_payment_confirm(*, order: Order, paid_at: dt.datetime, event_id: str = "",
                          payload_hash: str = "") -> Ingested:
    """The buyer's payment has settled: a pending order is now to be shipped. A payment that arrives while the
    buyer asks to cancel is recorded and leaves the request open."""

    def apply(order: Order) -> OrderEvent:
        if order.paid_at is not None:
            raise DomainError(_("The payment of order %(number)s is already confirmed.") % {"number": order.number})
        transition_check(order, K.PAID)
        order.paid_at = paid_at
        to_status = Order.Status.UNSHIPPED if order.status == Order.Status.PENDING_PAYMENT else order.status
        return transition(order=order, kind=K.PAID, to_status=to_status, fields=("paid_at",), source_id=event_id,
                          payload_hash=payload_hash, data={"paid_at": paid_at.isoformat()})

    return _marketplace_event(order=order, kind=K.PAID, event_id=event_id, payload_hash=payload_hash, apply=apply)


def order_cancel_request(*, order: Order, requested_at: dt.datetime, reason: str = "", event_id: str = "",
                         payload_hash: str = "") -> Ingested:
    """The buyer asks to cancel before shipment. The order waits for the seller to approve or refuse; its stock
    stays reserved meanwhile."""

    def apply(order: Order) -> OrderEvent:
        return transition(order=order, kind=K.CANCEL_REQUESTED, to_status=Order.Status.CANCEL_REQUESTED,
                          note=reason, source_id=event_id, payload_hash=payload_hash,
                          data={"requested_at": requested_at.isoformat()})

    return _marketplace_event(order=order, kind=K.CANCEL_REQUESTED, event_id=event_id, payload_hash=payload_hash,
                              apply=apply)


def order_mark_delivered(*, order: Order, delivered_at: dt.datetime, event_id: str = "",
                         payload_hash: str = "") -> Ingested:
    """The carrier (through the marketplace) confirms the parcel reached the buyer."""

    def apply(order: Order) -> OrderEvent:
        transition_check(order, K.DELIVERED)
        order.delivered_at = delivered_at
        return transition(order=order, kind=K.DELIVERED, to_status=Order.Status.DELIVERED, fields=("delivered_at",),
                          source_id=event_id, payload_hash=payload_hash,
                          data={"delivered_at": delivered_at.isoformat()})

    return _marketplace_event(order=order, kind=K.DELIVERED, event_id=event_id, payload_hash=payload_hash,
                              apply=apply)


def order_return_request(*, order: Order, requested_at: dt.datetime, reason: str = "", event_id: str = "",
                         payload_hash: str = "") -> Ingested:
    """The buyer asks to send a shipped order back. Authorising, receiving and refunding come later."""

    def apply(order: Order) -> OrderEvent:
        return transition(order=order, kind=K.RETURN_REQUESTED, to_status=Order.Status.RETURN_REQUESTED,
                          note=reason, source_id=event_id, payload_hash=payload_hash,
                          data={"requested_at": requested_at.isoformat()})

    return _marketplace_event(order=order, kind=K.RETURN_REQUESTED, event_id=event_id, payload_hash=payload_hash,
                              apply=apply)
