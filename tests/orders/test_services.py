"""The order services: placing reserves stock (or follows the store's no-stock setting), each seller step and
marketplace event moves the order through the one state machine, holds or frees its stock, and leaves history."""

from __future__ import annotations

import re
from typing import Any

import pytest

from audit.models import Activity
from catalog.models import Product, Stock, StockMovement, Warehouse
from catalog.services.inventory import stock_change
from orders.api.payloads import ORDER_PLACED
from orders.models import Order, OrderEvent, OrderLine
from orders.services import (
    IdempotencyConflict,
    order_cancel,
    order_cancel_request,
    order_cancel_request_decide,
    order_confirm,
    order_ingest_placed,
    order_mark_delivered,
    order_mark_shipped,
    order_payment_confirm,
    order_return_request,
)
from sellercenter.errors import DomainError
from sellercenter.platform_api import canonical_hash
from stores.models import Store
from tests.orders.factories import place, placed_payload, stocked, warehouse


def _stock(variant: Any, where: Warehouse) -> tuple[int, int]:
    row = Stock.objects.filter(variant=variant, warehouse=where).first()
    return (row.on_hand, row.reserved) if row else (0, 0)


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()


def test_placing_reserves_each_sku_in_the_first_warehouse_by_code_with_enough(in_store_a: Store) -> None:
    small, big = warehouse("a-small"), warehouse("b-big")
    (mug,) = stocked("MUG", units={small: 1, big: 10})
    (cup,) = stocked("CUP", units={small: 5})

    order = place(in_store_a, lines=[("MUG-1", 3), ("CUP-1", 2)])

    assert _stock(mug, small) == (1, 0) and _stock(mug, big) == (10, 3)
    assert _stock(cup, small) == (5, 2)
    assert order.status == Order.Status.UNSHIPPED and order.attention == ""
    assert re.fullmatch(r"US-260311-\d{6}", order.number)
    lines = {line.sku: line for line in order.lines.all()}
    assert (lines["MUG-1"].warehouse, lines["MUG-1"].quantity_reserved) == (big, 3)
    movement = StockMovement.objects.get(variant=mug, reason="reserved")
    assert (movement.reserved_change, movement.reference) == (3, order.number)
    assert Product.objects.get(code="MUG").available == 11 - 3
    # Money: lines, tax and shipping add up in Decimal, in the site's currency.
    assert (str(order.items_total), str(order.tax_total), str(order.grand_total), order.currency) == (
        "62.500", "2.000", "69.490", "USD")
    event = order.events.get()
    assert (event.kind, event.from_status, event.to_status, event.actor_kind) == (
        "placed", "", "unshipped", "marketplace")


def test_an_order_without_payment_waits_and_still_holds_its_stock(in_store_a: Store) -> None:
    (mug,) = stocked("MUG", units={warehouse("sz1"): 2})
    order = place(in_store_a, lines=[("MUG-1", 2)], paid=False)
    assert order.status == Order.Status.PENDING_PAYMENT
    assert Stock.objects.get(variant=mug).reserved == 2

    order_payment_confirm(order=order, paid_at=_now(), event_id="PAY-1")
    order.refresh_from_db()
    assert order.status == Order.Status.UNSHIPPED and order.paid_at is not None
    with pytest.raises(DomainError, match="already confirmed"):
        order_payment_confirm(order=order, paid_at=_now(), event_id="PAY-2")


def test_without_stock_the_hold_setting_accepts_and_flags_the_order(in_store_a: Store) -> None:
    sz1 = warehouse("sz1")
    (mug,) = stocked("MUG", units={sz1: 1})
    (cup,) = stocked("CUP", units={sz1: 9})
    assert in_store_a.orders_without_stock == Store.WithoutStock.HOLD

    order = place(in_store_a, lines=[("MUG-1", 2), ("CUP-1", 1)])

    assert (order.status, order.attention) == (Order.Status.UNSHIPPED, Order.Attention.NO_STOCK)
    assert _stock(mug, sz1) == (1, 0)
    assert _stock(cup, sz1) == (9, 1)
    assert order.events.get().data == {"short_skus": ["MUG-1"], "attention": "no_stock"}
    assert list(Order.objects.needs_attention()) == [order]


def test_without_stock_the_reject_setting_refuses_the_whole_order(in_store_a: Store) -> None:
    in_store_a.orders_without_stock = Store.WithoutStock.REJECT
    sz1 = warehouse("sz1")
    (mug,) = stocked("MUG", units={sz1: 1})
    (cup,) = stocked("CUP", units={sz1: 9})

    order = place(in_store_a, lines=[("MUG-1", 2), ("CUP-1", 1)])

    assert (order.status, order.cancel_reason, order.attention) == (Order.Status.CANCELLED, "no_stock", "")
    assert _stock(mug, sz1) == (1, 0) and _stock(cup, sz1) == (9, 0)
    assert not StockMovement.objects.filter(reason="reserved").exists()
    assert all(line.quantity_cancelled == line.quantity for line in order.lines.all())
    assert order.events.get().data["rejected"] == "no_stock"


def test_an_unknown_sku_needs_attention_or_is_refused(in_store_a: Store) -> None:
    stocked("MUG", units={warehouse("sz1"): 5})
    held = place(in_store_a, lines=[("MUG-1", 1), ("NOPE-1", 1)])
    assert held.attention == Order.Attention.UNKNOWN_SKU
    assert held.lines.get(sku="NOPE-1").variant is None

    in_store_a.orders_without_stock = Store.WithoutStock.REJECT
    refused = place(in_store_a, lines=[("MUG-1", 1), ("NOPE-1", 1)])
    assert refused.status == Order.Status.CANCELLED
    assert Stock.objects.get().reserved == 1  # only the first order's


def test_platform_orders_take_platform_stock_and_are_never_refused(in_store_a: Store) -> None:
    in_store_a.orders_without_stock = Store.WithoutStock.REJECT
    own, fba = warehouse("own"), warehouse("fba-us", kind=Warehouse.Kind.PLATFORM)
    (mug,) = stocked("MUG", units={own: 5, fba: 1})

    first = place(in_store_a, lines=[("MUG-1", 1)], channel="platform")
    second = place(in_store_a, lines=[("MUG-1", 1)], channel="platform")

    assert _stock(mug, fba) == (1, 1) and _stock(mug, own) == (5, 0)
    assert (first.status, first.attention) == (Order.Status.UNSHIPPED, "")
    assert (second.status, second.attention) == (Order.Status.UNSHIPPED, Order.Attention.NO_STOCK)


def test_warehouses_out_of_use_are_skipped(in_store_a: Store) -> None:
    first, second = warehouse("a1"), warehouse("b2")
    (mug,) = stocked("MUG", units={first: 5, second: 5})
    Warehouse.objects.filter(pk=first.pk).update(is_active=False)
    place(in_store_a, lines=[("MUG-1", 2)])
    assert _stock(mug, first) == (5, 0) and _stock(mug, second) == (5, 2)


def test_the_seller_cancels_with_a_reason_and_the_stock_is_free_again(in_store_a: Store, owner_a: Any) -> None:
    sz1 = warehouse("sz1")
    (mug,) = stocked("MUG", units={sz1: 4})
    order = place(in_store_a, lines=[("MUG-1", 3)])

    with pytest.raises(DomainError, match="Choose why"):
        order_cancel(actor=owner_a, order=order, reason="because")
    order_cancel(actor=owner_a, order=order, reason=Order.CancelReason.PRICING_ERROR, note="Price typo")

    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (Order.Status.CANCELLED, "pricing_error")
    assert _stock(mug, sz1) == (4, 0)
    assert StockMovement.objects.get(reason="released").reserved_change == -3
    line = order.lines.get()
    assert (line.quantity_cancelled, line.quantity_reserved) == (3, 0)
    event = order.events.latest("id")
    assert (event.kind, event.from_status, event.to_status, event.actor_email, event.note) == (
        "cancelled", "unshipped", "cancelled", owner_a.email, "Price typo")
    activity = Activity.objects.get(action="order.cancelled")
    assert activity.object_repr == order.number
    assert activity.changes["status"] == ["unshipped", "cancelled"]
    with pytest.raises(DomainError, match=r"Cannot cancel it: order .* is “Cancelled”"):
        order_cancel(actor=owner_a, order=order, reason=Order.CancelReason.OTHER)


def test_a_buyer_cancellation_request_waits_for_the_seller(in_store_a: Store, owner_a: Any) -> None:
    sz1 = warehouse("sz1")
    (mug,) = stocked("MUG", units={sz1: 4})
    approved = place(in_store_a, lines=[("MUG-1", 1)])
    refused = place(in_store_a, lines=[("MUG-1", 1)], paid=False)
    for order in (approved, refused):
        order_cancel_request(order=order, requested_at=_now(), reason="Changed my mind", event_id="CXL-1")
    assert Order.objects.filter(status=Order.Status.CANCEL_REQUESTED).count() == 2
    with pytest.raises(DomainError, match="Cannot mark it shipped"):
        order_mark_shipped(actor=owner_a, order=approved, tracking_number="1Z", carrier="UPS")

    order_cancel_request_decide(actor=owner_a, order=approved, approve=True)
    order_cancel_request_decide(actor=owner_a, order=refused, approve=False, note="Already packed")

    approved.refresh_from_db()
    refused.refresh_from_db()
    assert (approved.status, approved.cancel_reason) == (Order.Status.CANCELLED, "buyer_request")
    # Not paid when the buyer asked: back to awaiting payment, still holding its unit.
    assert refused.status == Order.Status.PENDING_PAYMENT
    assert _stock(mug, sz1) == (4, 1)
    assert [event.kind for event in refused.events.order_by("id")] == ["placed", "cancel_requested",
                                                                       "cancel_rejected"]
    assert Activity.objects.filter(action__startswith="order.cancel_request_").count() == 2


def test_a_payment_during_a_cancellation_request_keeps_the_request_open(in_store_a: Store, owner_a: Any) -> None:
    stocked("MUG", units={warehouse("sz1"): 4})
    order = place(in_store_a, lines=[("MUG-1", 1)], paid=False)
    order_cancel_request(order=order, requested_at=_now(), event_id="CXL-1")
    order_payment_confirm(order=order, paid_at=_now(), event_id="PAY-1")
    order.refresh_from_db()
    assert order.status == Order.Status.CANCEL_REQUESTED
    order_cancel_request_decide(actor=owner_a, order=order, approve=False)
    order.refresh_from_db()
    assert order.status == Order.Status.UNSHIPPED


def test_shipping_in_parts_takes_units_off_hand(in_store_a: Store, owner_a: Any) -> None:
    sz1 = warehouse("sz1")
    mug, cup = stocked("MUG", units={sz1: 10}, variants=2)
    order = place(in_store_a, lines=[("MUG-1", 3), ("MUG-2", 1)])
    lines = {line.sku: line for line in order.lines.all()}

    order_mark_shipped(actor=owner_a, order=order, tracking_number="1Z999", carrier="UPS",
                       quantities={lines["MUG-1"].pk: 2})
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_SHIPPED and order.shipped_at is None
    assert _stock(mug, sz1) == (8, 1) and _stock(cup, sz1) == (10, 1)

    with pytest.raises(DomainError, match="Only 1 of MUG-1"):
        order_mark_shipped(actor=owner_a, order=order, tracking_number="1Z", carrier="UPS",
                           quantities={lines["MUG-1"].pk: 2})
    order_mark_shipped(actor=owner_a, order=order, tracking_number="1Z1000", carrier="UPS")
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED and order.shipped_at is not None
    assert (order.tracking_number, order.carrier) == ("1Z1000", "UPS")
    assert _stock(mug, sz1) == (7, 0) and _stock(cup, sz1) == (9, 0)
    assert StockMovement.objects.filter(reason="shipped").count() == 3
    assert Product.objects.get(code="MUG").available == 16
    shipped = order.events.filter(kind="shipped").order_by("id")
    assert [event.data["units"] for event in shipped] == [{"MUG-1": 2}, {"MUG-1": 1, "MUG-2": 1}]
    assert Activity.objects.filter(action="order.shipped").count() == 2


def test_an_order_that_needed_stock_reserves_it_when_shipped(in_store_a: Store, owner_a: Any) -> None:
    sz1 = warehouse("sz1")
    (mug,) = stocked("MUG", units={sz1: 1})
    order = place(in_store_a, lines=[("MUG-1", 2)])
    assert order.attention == Order.Attention.NO_STOCK
    with pytest.raises(DomainError, match="Not enough stock of MUG-1 to ship"):
        order_mark_shipped(actor=owner_a, order=order, tracking_number="1Z", carrier="UPS")

    stock_change(variant=mug, warehouse=sz1, on_hand_change=5, reason="received", actor=owner_a)
    order_mark_shipped(actor=owner_a, order=order, tracking_number="1Z", carrier="UPS")

    order.refresh_from_db()
    assert (order.status, order.attention) == (Order.Status.SHIPPED, "")
    assert _stock(mug, sz1) == (4, 0)


def test_delivery_then_a_return_request(in_store_a: Store, owner_a: Any) -> None:
    stocked("MUG", units={warehouse("sz1"): 2})
    order = place(in_store_a, lines=[("MUG-1", 1)])
    with pytest.raises(DomainError, match=r"Cannot confirm its delivery: order .* is “Unshipped”"):
        order_mark_delivered(order=order, delivered_at=_now(), event_id="DLV-1")
    with pytest.raises(DomainError, match="Cannot request a return"):
        order_return_request(order=order, requested_at=_now(), event_id="RET-1")
    order_mark_shipped(actor=owner_a, order=order, tracking_number="1Z", carrier="UPS")
    order_mark_delivered(order=order, delivered_at=_now(), event_id="DLV-1")
    order_return_request(order=order, requested_at=_now(), reason="Damaged", event_id="RET-1")
    order.refresh_from_db()
    assert order.status == Order.Status.RETURN_REQUESTED and order.delivered_at is not None
    assert [event.kind for event in order.events.order_by("id")] == [
        "placed", "shipped", "delivered", "return_requested"]
    assert order.events.latest("id").note == "Damaged"


def test_confirming_twice_and_shipping_before_payment_are_refused(in_store_a: Store, owner_a: Any) -> None:
    stocked("MUG", units={warehouse("sz1"): 2})
    pending = place(in_store_a, lines=[("MUG-1", 1)], paid=False)
    with pytest.raises(DomainError, match=r"Cannot mark it shipped: order .* is “Pending payment”"):
        order_mark_shipped(actor=owner_a, order=pending, tracking_number="1Z", carrier="UPS")
    with pytest.raises(DomainError, match="Cannot confirm it"):
        order_confirm(actor=owner_a, order=pending)

    paid = place(in_store_a, lines=[("MUG-1", 1)])
    order_confirm(actor=owner_a, order=paid)
    with pytest.raises(DomainError, match="already confirmed"):
        order_confirm(actor=owner_a, order=paid)
    paid.refresh_from_db()
    assert paid.status == Order.Status.UNSHIPPED and paid.confirmed_at is not None
    # Refusals write nothing.
    assert pending.events.count() == 1
    assert paid.events.count() == 2


def test_shipping_needs_a_tracking_number_and_carrier(in_store_a: Store, owner_a: Any) -> None:
    stocked("MUG", units={warehouse("sz1"): 2})
    order = place(in_store_a, lines=[("MUG-1", 1)])
    with pytest.raises(DomainError) as refused:
        order_mark_shipped(actor=owner_a, order=order, tracking_number=" ", carrier="UPS")
    assert refused.value.field == "tracking_number"
    with pytest.raises(DomainError) as refused:
        order_mark_shipped(actor=owner_a, order=order, tracking_number="1Z", carrier="")
    assert refused.value.field == "carrier"
    with pytest.raises(DomainError, match="not part of this order"):
        order_mark_shipped(actor=owner_a, order=order, tracking_number="1Z", carrier="UPS", quantities={-1: 1})


def test_the_same_order_again_returns_the_first_result_and_other_content_is_refused(in_store_a: Store) -> None:
    (mug,) = stocked("MUG", units={warehouse("sz1"): 5})
    body = placed_payload(lines=[("MUG-1", 2)], order_id="111-0000001-0000001")
    cleaned, _errors = ORDER_PLACED.validate(body)
    assert cleaned is not None
    first = order_ingest_placed(store=in_store_a, data=cleaned, payload_hash=canonical_hash(cleaned))
    again = order_ingest_placed(store=in_store_a, data=cleaned, payload_hash=canonical_hash(cleaned))
    assert (first.created, again.created) == (True, False)
    assert again.event.pk == first.event.pk

    changed, _errors = ORDER_PLACED.validate({**body, "shipping": "9.99"})
    assert changed is not None
    with pytest.raises(IdempotencyConflict):
        order_ingest_placed(store=in_store_a, data=changed, payload_hash=canonical_hash(changed))
    assert Order.objects.count() == 1 and OrderLine.objects.count() == 1
    assert Stock.objects.get(variant=mug).reserved == 2


def test_marketplace_events_are_idempotent_on_their_ids(in_store_a: Store) -> None:
    stocked("MUG", units={warehouse("sz1"): 5})
    order = place(in_store_a, lines=[("MUG-1", 1)], paid=False)
    paid_at = _now()
    first = order_payment_confirm(order=order, paid_at=paid_at, event_id="PAY-1", payload_hash="a" * 64)
    again = order_payment_confirm(order=order, paid_at=paid_at, event_id="PAY-1", payload_hash="a" * 64)
    assert (first.created, again.created, again.event.pk) == (True, False, first.event.pk)
    with pytest.raises(IdempotencyConflict):
        order_payment_confirm(order=order, paid_at=paid_at, event_id="PAY-1", payload_hash="b" * 64)
    assert OrderEvent.objects.filter(kind="paid").count() == 1
