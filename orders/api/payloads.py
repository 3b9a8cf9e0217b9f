"""What the marketplace sends the order endpoints of the platform API, and what it gets back. The same definitions
validate each request and make its part of the OpenAPI document, examples included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_precision
from django.utils.translation import gettext as _

from sellercenter.platform_api import Amount, Array, Boolean, DateTime, Email, Integer, Object, Text
from stores.reference import validate_country, validate_currency

from ..models import Order, OrderEvent, Return

SITE_PATTERN = r"[A-Z]{2,8}"
# Amazon's 111-2222222-3333333, Shopee's 240311ABCD1234, eBay's 12-34567-89012 ...
ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
MAX_LINES = 100


def _event_id(example: str) -> Text:
    return Text(name="event_id", max_length=64, pattern=ID_PATTERN, example=example,
                description="The marketplace's own id of this event. Sending the same id again is safe: the answer "
                            "is the first one's. The same id with other content is refused (409).")


LINE = Object(title="OrderLine", fields=(
    Text(name="line_id", required=False, max_length=64, description="The marketplace's id of this line.",
         example="1"),
    Text(name="sku", max_length=64, description="The seller's SKU.", example="DEMO-MUG-BLUE"),
    Text(name="title", required=False, max_length=200, description="The title the buyer saw.",
         example="Ceramic mug, blue"),
    Integer(name="quantity", minimum=1, maximum=9999, example=2),
    Amount(name="unit_price", description="One unit's price in the order's currency, tax excluded.", example="12.50"),
    Amount(name="tax", required=False, default=Decimal("0"), description="Tax on the whole line.", example="2.38"),
))

BUYER = Object(name="buyer", title="Buyer", fields=(
    Text(name="name", max_length=200, example="Jane Doe"),
    Email(name="email", required=False, description="Often a relay address of the marketplace.",
          example="jane.doe@buyers.marketplace.example"),
    Text(name="phone", required=False, max_length=40, example="+1 206 555 0100"),
))

ADDRESS = Object(name="shipping_address", title="Address", description="Where the parcel goes.", fields=(
    Text(name="name", max_length=200, description="The recipient.", example="Jane Doe"),
    Text(name="line1", max_length=200, example="410 Terry Ave N"),
    Text(name="line2", required=False, max_length=200, example="Apt 5"),
    Text(name="city", max_length=100, example="Seattle"),
    Text(name="region", required=False, max_length=100, description="State, province, prefecture or county.",
         example="WA"),
    Text(name="postal_code", required=False, max_length=20, description="Absent where there is none.",
         example="98109"),
    Text(name="country", max_length=2, pattern=r"[A-Z]{2}", validators=(validate_country,),
         description="ISO 3166-1 alpha-2.", example="US"),
    Text(name="phone", required=False, max_length=40, example="+1 206 555 0100"),
))


def _decimals_beyond(amount: Decimal, places: int) -> bool:
    exponent = amount.normalize().as_tuple().exponent
    return isinstance(exponent, int) and -exponent > places


def _placed_check(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """Rules across fields of an order: one line per SKU, dates in order, amounts in the currency's minor units,
    a discount no larger than what it discounts."""
    problems: list[tuple[str, Any]] = []
    seen: set[str] = set()
    for index, line in enumerate(data["lines"]):
        if line["sku"] in seen:
            problems.append((f"lines[{index}].sku", _("This SKU is already on another line.")))
        seen.add(line["sku"])
    for later, earlier in (("paid_at", "placed_at"), ("ship_by", "placed_at"), ("deliver_by", "placed_at"),
                           ("deliver_by", "ship_by")):
        if data[later] is not None and data[earlier] is not None and data[later] < data[earlier]:
            problems.append((later, _("This cannot be before %(field)s.") % {"field": earlier}))
    places = get_currency_precision(data["currency"])
    amounts = [("shipping", data["shipping"]), ("discount", data["discount"])]
    for index, line in enumerate(data["lines"]):
        amounts += [(f"lines[{index}].unit_price", line["unit_price"]), (f"lines[{index}].tax", line["tax"])]
    for where, amount in amounts:
        if _decimals_beyond(amount, places):
            problems.append((where, _("%(currency)s amounts have at most %(places)s decimal places.")
                             % {"currency": data["currency"], "places": places}))
    gross = (sum(line["unit_price"] * line["quantity"] + line["tax"] for line in data["lines"])
             + data["shipping"])
    if data["discount"] > gross:
        problems.append(("discount", _("The discount cannot be more than the order's total.")))
    return problems


ORDER_PLACED = Object(title="OrderPlaced", check=_placed_check, fields=(
    Text(name="marketplace", max_length=8, pattern=SITE_PATTERN, description="The site's code: one of the store's "
                                                                             "sites.", example="US"),
    Text(name="marketplace_order_id", max_length=64, pattern=ID_PATTERN,
         description="The marketplace's own order id, unique on its site. Sending the same order again is safe.",
         example="111-2223334-5556667"),
    DateTime(name="placed_at", example="2026-03-11T09:30:00Z"),
    DateTime(name="paid_at", required=False, description="When payment settled; absent while it is pending.",
             example="2026-03-11T09:31:00Z"),
    Text(name="currency", max_length=3, pattern=r"[A-Z]{3}", validators=(validate_currency,),
         description="ISO 4217; the site's currency. Every amount of the order is in it.", example="USD"),
    Text(name="channel", required=False, default=Order.Channel.SELLER.value, choices=tuple(Order.Channel.values),
         description="Who ships the order: the seller, or the platform from its fulfilment centre.",
         example="seller"),
    DateTime(name="ship_by", required=False, example="2026-03-13T23:59:59Z"),
    DateTime(name="deliver_by", required=False, example="2026-03-20T23:59:59Z"),
    BUYER,
    ADDRESS,
    Array(name="lines", item=LINE, min_items=1, max_items=MAX_LINES),
    Amount(name="shipping", required=False, default=Decimal("0"), description="Shipping charged to the buyer.",
           example="4.99"),
    Amount(name="discount", required=False, default=Decimal("0"), description="Promotions, as a positive amount.",
           example="0.00"),
))

PAYMENT_CONFIRMED = Object(title="PaymentConfirmed", fields=(
    _event_id("PAY-7788"),
    DateTime(name="paid_at", example="2026-03-11T10:00:00Z"),
))

CANCELLATION_REQUESTED = Object(title="CancellationRequested", fields=(
    _event_id("CXL-1001"),
    DateTime(name="requested_at", example="2026-03-11T11:00:00Z"),
    Text(name="reason", required=False, max_length=500, description="What the buyer wrote.",
         example="Ordered by mistake"),
))

DELIVERY_CONFIRMED = Object(title="DeliveryConfirmed", fields=(
    _event_id("DLV-5005"),
    DateTime(name="delivered_at", example="2026-03-16T15:20:00Z"),
))

RETURN_REQUESTED = Object(title="ReturnRequested", fields=(
    _event_id("RET-9009"),
    DateTime(name="requested_at", example="2026-03-20T08:00:00Z"),
    Text(name="reason", required=False, max_length=500, description="What the buyer wrote.",
         example="Arrived damaged"),
    Text(name="reason_code", required=False, choices=tuple(Return.Reason.values),
         description="The reason the buyer chose; \"other\" when absent.", example="damaged"),
))

RESULT = Object(title="OrderEventResult", description="What the event did. A repeat of the same event gets the "
                                                       "same body again, with status 200.", fields=(
    Text(name="order_number", description="The seller center's order number.", example="US-260311-000123"),
    Text(name="marketplace", example="US"),
    Text(name="marketplace_order_id", example="111-2223334-5556667"),
    Text(name="event", choices=tuple(OrderEvent.Kind.values), example="placed"),
    Text(name="event_id", blank=True, description="The marketplace's id of the event (the order id for placed).",
         example="111-2223334-5556667"),
    Text(name="status", choices=tuple(Order.Status.values), description="The order's status after the event.",
         example="unshipped"),
    Text(name="needs_attention", required=False, nullable=True, choices=tuple(Order.Attention.values),
         description="Why the seller must look at the order (placed only), or null.", example=None),
    Boolean(name="rejected", description="True when the store refused the order for want of stock; it is then "
                                         "cancelled.", example=False),
    Array(name="short_skus", item=Text(name="sku"), description="The SKUs whose units could not be reserved.",
          example=[]),
    DateTime(name="recorded_at", description="When the seller center received the event.",
             example="2026-03-11T09:30:01Z"),
))


def event_body(event: OrderEvent) -> dict[str, Any]:
    """The answer to the delivery that recorded ``event``, from the event row and the order's fixed fields only,
    so that every later delivery of the same event gets the very same body."""
    order = event.order
    return {
        "order_number": order.number,
        "marketplace": order.marketplace.code,
        "marketplace_order_id": order.marketplace_order_id,
        "event": event.kind,
        "event_id": event.source_id,
        "status": event.to_status,
        "needs_attention": event.data.get("attention"),
        "rejected": "rejected" in event.data,
        "short_skus": event.data.get("short_skus", []),
        "recorded_at": _recorded_at(event).isoformat(),
    }


def _recorded_at(event: OrderEvent) -> dt.datetime:
    """When the seller center received the event. The event itself is stamped with the time the marketplace
    states (when the order was placed, paid, delivered ...); the time it came in is the order's creation for the
    placed event, and kept in the event's data for the others."""
    if event.kind == OrderEvent.Kind.PLACED:
        return event.order.created_at
    received = event.data.get("received_at")
    return dt.datetime.fromisoformat(received) if received else event.at
