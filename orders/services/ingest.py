"""What the marketplace tells a store: an order placed, its payment, a buyer's cancellation request, its delivery,
a return request. Each is idempotent on the marketplace's own id: the same event again returns what the first
one recorded; the same id with different content is refused (``IdempotencyConflict``)."""

from __future__ import annotations

import datetime as dt
import enum
import functools
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb

from catalog.selectors import variant_ids_by_sku
from sellercenter.errors import DomainError
from stores.models import Marketplace, Store

from ..models import Order, OrderEvent, OrderLine, Return
from .machine import order_lock, placed_record, transition, transition_check
from .reservations import attention_of, lines_reserve
from .returns import return_record

K = OrderEvent.Kind


class IdempotencyConflict(DomainError):
    """The marketplace sent one of its ids again with a different content."""


@dataclass(frozen=True)
class Ingested:
    """The event a delivery recorded (or had recorded the first time), and whether this delivery created it."""

    event: OrderEvent
    created: bool


def _number_prefix(marketplace: Marketplace, placed_at: dt.datetime) -> str:
    """The start of a new order's number: the site and the day on that site. The order's id completes it, as in
    US-260311-000123 (unique in the store; the id is drawn from the table's sequence, so numbers need no lock)."""
    day = timezone.localtime(placed_at, timezone=zoneinfo.ZoneInfo(marketplace.timezone)).strftime("%y%m%d")
    return f"{marketplace.code}-{day}-"


@functools.cache
def _insert_sql(model: type[models.Model]) -> tuple[str, str, list[models.Field[Any, Any]]]:
    """The quoted table and its columns (every one but the id) for a hot-path insert, and those fields in that
    order: made once, from the model, so that a field added later is written too."""
    fields = [field for field in model._meta.concrete_fields if not field.primary_key and not field.generated]
    quote = connection.ops.quote_name
    return quote(model._meta.db_table), ", ".join(quote(str(field.column)) for field in fields), fields


def _db_values(instance: models.Model, fields: list[models.Field[Any, Any]]) -> list[Any]:
    """The values of a new order's or line's fields as the database takes them: plain strings, numbers, Decimals
    and aware datetimes (choices as their values)."""
    values = [getattr(instance, field.attname) for field in fields]
    return [value.value if isinstance(value, enum.Enum) else Jsonb(value) if isinstance(value, (dict, list))
            else value for value in values]


def _order_insert(order: Order, number_prefix: str) -> bool:
    """Insert a new order with its id and number, in one statement; False (and nothing written) when the site
    already has an order with this id, committed or being inserted by another delivery at this moment."""
    table, columns, fields = _insert_sql(Order)
    values = _db_values(order, fields)
    holders = ["%s"] * len(fields)
    # The id comes from the table's sequence and completes the number (at least 6 digits, as f"{id:06d}").
    number = [field.attname for field in fields].index("number")
    holders[number] = "%s || CASE WHEN n.id < 1000000 THEN lpad(n.id::text, 6, '0') ELSE n.id::text END"
    values[number] = number_prefix
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH n AS (SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS id) "  # noqa: S608 - names from the model
            f"INSERT INTO {table} (id, {columns}) SELECT n.id, {', '.join(holders)} FROM n "
            f"ON CONFLICT ({quote('marketplace_id')}, {quote('marketplace_order_id')}) DO NOTHING "
            f"RETURNING id, {quote('number')}",
            [table, *values])
        row = cursor.fetchone()
    if row is None:
        return False
    order.pk, order.number = row
    order._state.adding = False
    return True


def _lines_insert_sql(lines: list[OrderLine]) -> tuple[str, list[Any]]:
    """The INSERT of a new order's lines and its parameters."""
    table, columns, fields = _insert_sql(OrderLine)
    row = f"({', '.join(['%s'] * len(fields))})"
    sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(lines))}"  # noqa: S608
    return sql, [value for line in lines for value in _db_values(line, fields)]


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
    # A new order is the common case: insert straight away. A repeat (or the same order delivered twice at once:
    # the insert waits for the other delivery) meets the unique (site, order id) at the order's insert, before any
    # stock is touched, and is answered from what the first delivery recorded.
    with transaction.atomic():
        event = _place(store=store, marketplace=marketplace, data=data, payload_hash=payload_hash)
        if event is not None:
            return Ingested(event=event, created=True)
        found = _placed_event(marketplace, data["marketplace_order_id"])
    if found is None:  # pragma: no cover - every order is inserted with its placed event, in one transaction
        raise RuntimeError("An order without its placed event.")
    return _replay(found, payload_hash, _("Order %(id)s was already received with different content.")
                   % {"id": data["marketplace_order_id"]})


def _place(*, store: Store, marketplace: Marketplace, data: dict[str, Any], payload_hash: str) -> OrderEvent | None:
    """The order row first (its unique site id refuses a repeat before anything else happens: then None), then
    the stock reserved for the lines, then the lines inserted once with what they hold, then the history's first
    row, stamped when the marketplace says the order was placed."""
    buyer, address = data["buyer"], data["shipping_address"]
    items = sum((line["unit_price"] * line["quantity"] for line in data["lines"]), start=Decimal("0"))
    tax = sum((line["tax"] for line in data["lines"]), start=Decimal("0"))
    now = timezone.now()
    order = Order(
        marketplace=marketplace, marketplace_order_id=data["marketplace_order_id"],
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
        deliver_by=data["deliver_by"], created_at=now, updated_at=now,
    )
    if not _order_insert(order, _number_prefix(marketplace, data["placed_at"])):
        return None
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
    # The history shows the order when the marketplace says it was placed (never later than now); when it came
    # in is the order's created_at.
    placed_at = min(data["placed_at"], now)
    details: dict[str, Any] = {}
    if short:
        details["short_skus"] = sorted(line.sku for line in short)
        if reject:
            for line in lines:
                line.quantity_cancelled = line.quantity
            order.status, order.cancel_reason, order.cancelled_at = (Order.Status.CANCELLED,
                                                                     Order.CancelReason.NO_STOCK, placed_at)
            details["rejected"] = Order.CancelReason.NO_STOCK.value
        order.attention = attention_of(lines)
        order.save(update_fields=["status", "cancel_reason", "cancelled_at", "attention"])
        if order.attention:
            details["attention"] = order.attention
    # The lines go in with the history's first row, in one statement.
    return placed_record(order=order, data=details, source_id=order.marketplace_order_id, payload_hash=payload_hash,
                         at=placed_at, with_statement=_lines_insert_sql(lines))


def _received(data: dict[str, Any]) -> dict[str, Any]:
    """An event's details with the time it came in: its history row is stamped with the time the marketplace
    states, which may be earlier."""
    return {**data, "received_at": timezone.now().isoformat()}


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
                          payload_hash=payload_hash, data=_received({"paid_at": paid_at.isoformat()}), at=paid_at)

    return _marketplace_event(order=order, kind=K.PAID, event_id=event_id, payload_hash=payload_hash, apply=apply)


def order_cancel_request(*, order: Order, requested_at: dt.datetime, reason: str = "", event_id: str = "",
                         payload_hash: str = "") -> Ingested:
    """The buyer asks to cancel before shipment. The order waits for the seller to approve or refuse; its stock
    stays reserved meanwhile."""

    def apply(order: Order) -> OrderEvent:
        return transition(order=order, kind=K.CANCEL_REQUESTED, to_status=Order.Status.CANCEL_REQUESTED,
                          note=reason, source_id=event_id, payload_hash=payload_hash,
                          data=_received({"requested_at": requested_at.isoformat()}), at=requested_at)

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
                          data=_received({"delivered_at": delivered_at.isoformat()}), at=delivered_at)

    return _marketplace_event(order=order, kind=K.DELIVERED, event_id=event_id, payload_hash=payload_hash,
                              apply=apply)


def order_return_request(*, order: Order, requested_at: dt.datetime, reason: str = "", reason_code: str = "",
                         event_id: str = "", payload_hash: str = "") -> Ingested:
    """The buyer asks to send a shipped order back: a return (RMA) of every unit shipped and not returned yet,
    which the seller then authorises or rejects (orders.services.returns)."""

    def apply(order: Order) -> OrderEvent:
        return return_record(order=order, actor=None, opened_by=Return.OpenedBy.MARKETPLACE, units=None,
                             reason=reason_code or Return.Reason.OTHER, comment=reason, requested_at=requested_at,
                             source_id=event_id, payload_hash=payload_hash)

    return _marketplace_event(order=order, kind=K.RETURN_REQUESTED, event_id=event_id, payload_hash=payload_hash,
                              apply=apply)
