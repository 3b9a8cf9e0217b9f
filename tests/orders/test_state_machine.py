"""Property tests of the order state machine: any sequence of marketplace events and seller steps, legal or not,
leaves every order in a possible state, keeps a history that follows the transition table, and never loses or
invents stock — on hand and reserved always equal what the orders' lines imply."""

from __future__ import annotations

import itertools
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from catalog.models import Product, Stock, StockMovement, Variant, Warehouse
from catalog.services.inventory import stock_change
from orders.models import Order, OrderEvent, OrderLine, Refund, Return, ReturnLine
from orders.services import (
    Receipt,
    order_cancel,
    order_cancel_request,
    order_cancel_request_decide,
    order_confirm,
    order_mark_delivered,
    order_mark_shipped,
    order_payment_confirm,
    order_return_request,
    refund_issue,
    return_decide,
    return_open,
    return_receive,
)
from orders.services.machine import PLACED_STATUSES, TRANSITIONS
from orders.services.reservations import attention_of
from sellercenter.errors import DomainError
from stores.models import Store
from tests.catalog.factories import make_product, make_warehouse
from tests.orders.factories import place

S = Order.Status
SKUS = 3
_run = itertools.count(1)

# Each step: (action, order index or SKU index, a small number used as quantity or choice).
ORDER_ACTIONS = ["pay", "cancel_request", "approve", "refuse", "confirm", "cancel", "ship_all", "ship_one",
                 "deliver", "return", "open_return", "authorise", "reject", "receive", "refund"]
# A line's SKU: one of the catalog's, now and then one the catalog does not have (index SKUS).
sku_index = st.integers(0, 3 * SKUS).map(lambda n: n % SKUS if n < 3 * SKUS else SKUS)
# (paid, fulfilled by the platform): most orders arrive paid and seller-fulfilled.
kind = st.tuples(st.integers(0, 3).map(bool), st.integers(0, 4).map(lambda n: n == 4))
placing = st.tuples(st.just("place"), st.lists(st.tuples(sku_index, st.integers(1, 3)), min_size=1, max_size=3,
                                               unique_by=lambda pair: pair[0]), kind)
acting = st.tuples(st.sampled_from(ORDER_ACTIONS), st.integers(0, 2), st.integers(0, 3))
restocking = st.tuples(st.just("restock"), st.integers(0, SKUS - 1), st.integers(1, 4))
# A few orders first, then anything: more of them, steps on them (legal or not), stock arriving.
mixed = st.integers(0, 9).flatmap(lambda n: acting if n < 7 else placing if n < 9 else restocking)
steps = st.tuples(st.lists(placing, min_size=1, max_size=2), st.lists(mixed, min_size=10, max_size=40)).map(
    lambda parts: parts[0] + parts[1])
KIND_OF = {"pay": "paid", "cancel_request": "cancel_requested", "approve": "cancel_approved",
           "refuse": "cancel_rejected", "confirm": "confirmed", "cancel": "cancelled", "ship_all": "shipped",
           "ship_one": "shipped", "deliver": "delivered", "return": "return_requested",
           "open_return": "return_requested", "authorise": "return_authorised", "reject": "return_rejected",
           "receive": "return_received", "refund": "refunded"}


class World:
    """One example's catalog: SKUs in two warehouses (and one SKU not in the catalog), the stock each started
    with and received since, and the orders placed."""

    def __init__(self, store: Store, initial: list[tuple[int, int]], reject: bool) -> None:
        run = next(_run)
        self.store = store
        store.orders_without_stock = Store.WithoutStock.REJECT if reject else Store.WithoutStock.HOLD
        self.warehouses = [make_warehouse(code=f"r{run}-a"), make_warehouse(code=f"r{run}-b")]
        product = make_product(code=f"R{run}", variants=SKUS)
        self.variants = list(product.variants.order_by("sku"))
        self.skus = [variant.sku for variant in self.variants] + [f"R{run}-UNKNOWN"]
        self.received: dict[tuple[int, int], int] = defaultdict(int)
        for variant, counts in zip(self.variants, initial, strict=False):
            for warehouse, count in zip(self.warehouses, counts, strict=True):
                self.receive(variant, warehouse, count)
        self.orders: list[Order] = []
        self.event_id = itertools.count(1)

    def receive(self, variant: Variant, warehouse: Warehouse, count: int) -> None:
        if count:
            stock_change(variant=variant, warehouse=warehouse, on_hand_change=count, reason="received", actor=None)
            self.received[(variant.pk, warehouse.pk)] += count

    def order(self, index: int) -> Order | None:
        return Order.objects.get(pk=self.orders[index % len(self.orders)].pk) if self.orders else None


def _act(world: World, step: tuple[Any, ...], actor: Any) -> None:
    action = step[0]
    now = timezone.now()
    if action == "place":
        _name, lines, (paid, platform) = step
        order = place(world.store, lines=[(world.skus[sku], quantity) for sku, quantity in lines], paid=paid,
                      channel="platform" if platform else "seller", site="US")
        world.orders.append(order)
        return
    if action == "restock":
        _name, sku, count = step
        world.receive(world.variants[sku], world.warehouses[count % 2], count)
        return
    _name, index, number = step
    found = world.order(index)
    if found is None:
        return
    order = found
    event_id = f"E{next(world.event_id)}"
    if action == "pay":
        order_payment_confirm(order=order, paid_at=now, event_id=event_id)
    elif action == "cancel_request":
        order_cancel_request(order=order, requested_at=now, event_id=event_id)
    elif action in ("approve", "refuse"):
        order_cancel_request_decide(actor=actor, order=order, approve=action == "approve")
    elif action == "confirm":
        order_confirm(actor=actor, order=order)
    elif action == "cancel":
        order_cancel(actor=actor, order=order, reason=Order.CancelReason.values[number % 5])
    elif action == "ship_all":
        order_mark_shipped(actor=actor, order=order, tracking_number=f"T{event_id}", carrier="UPS")
    elif action == "ship_one":
        line = next((line for line in order.lines.order_by("id") if line.quantity_open), None)
        order_mark_shipped(actor=actor, order=order, tracking_number=f"T{event_id}", carrier="UPS",
                           quantities={line.pk: 1} if line else {})
    elif action == "deliver":
        order_mark_delivered(order=order, delivered_at=now, event_id=event_id)
    elif action == "return":
        order_return_request(order=order, requested_at=now, event_id=event_id)
    elif action == "open_return":
        line = order.lines.filter(quantity_shipped__gt=0).order_by("id").first()
        return_open(actor=actor, order=order, units={line.pk: 1 + number % 2} if line else {}, reason="damaged")
    elif action in ("authorise", "reject", "receive"):
        rma = order.returns.order_by("-id").first()
        if rma is None:
            raise DomainError("This order has no return.")  # nothing to act on: counted as a refusal
        if action == "receive":
            receipts = {line.pk: Receipt(restock=min(number, line.quantity),
                                         write_off=line.quantity - min(number, line.quantity) if number % 2 else 0)
                        for line in rma.lines.all()}
            return_receive(actor=actor, rma=rma, receipts=receipts, warehouse_id=world.warehouses[0].pk)
        else:
            return_decide(actor=actor, rma=rma, authorise=action == "authorise", note="" if number else "No.")
    elif action == "refund":
        refund_issue(actor=actor, order=order, amount=Decimal(number * 7 + 1), idempotency_key=f"K{event_id}")


def _check_stock(world: World) -> None:
    """On hand is what was received less what orders shipped; reserved is what open lines hold; every row equals
    the sum of its movements; the product's stored total is its available units."""
    lines = list(OrderLine.objects.filter(variant__in=world.variants))
    restocked: dict[tuple[int | None, int | None], int] = defaultdict(int)
    for row in ReturnLine.objects.filter(order_line__variant__in=world.variants, quantity_restocked__gt=0):
        restocked[(row.order_line.variant_id, row.warehouse_id)] += row.quantity_restocked
    stock = {(row.variant_id, row.warehouse_id): row for row in Stock.objects.filter(variant__in=world.variants)}
    moved = {(row["variant_id"], row["warehouse_id"]): (row["on_hand"], row["reserved"])
             for row in StockMovement.objects.filter(variant__in=world.variants).values("variant_id", "warehouse_id")
             .annotate(on_hand=Sum("on_hand_change"), reserved=Sum("reserved_change")).order_by()}
    for variant in world.variants:
        for warehouse in world.warehouses:
            key = (variant.pk, warehouse.pk)
            mine = [line for line in lines if (line.variant_id, line.warehouse_id) == key]
            on_hand, reserved = (stock[key].on_hand, stock[key].reserved) if key in stock else (0, 0)
            assert reserved == sum(line.quantity_reserved for line in mine)
            assert on_hand == world.received[key] - sum(line.quantity_shipped for line in mine) + restocked[key]
            assert 0 <= reserved <= on_hand
            assert moved.get(key, (0, 0)) == (on_hand, reserved)
    product = Product.objects.get(pk=world.variants[0].product_id)
    assert product.available == sum(row.on_hand - row.reserved for row in stock.values())


def _check_order(order: Order) -> None:
    lines = list(order.lines.all())  # prefetched
    open_units = sum(line.quantity_open for line in lines)
    shipped = sum(line.quantity_shipped for line in lines)
    for line in lines:
        assert line.quantity_reserved in (0, line.quantity_open)
        assert line.quantity_shipped + line.quantity_cancelled <= line.quantity
    if order.status in (S.PENDING_PAYMENT, S.UNSHIPPED, S.CANCEL_REQUESTED):
        assert shipped == 0 and open_units == sum(line.quantity for line in lines)
    elif order.status == S.PARTIALLY_SHIPPED:
        assert shipped > 0 and open_units > 0
    elif order.status == S.CANCELLED:
        assert shipped == 0 and open_units == 0 and order.cancel_reason
    else:  # shipped, delivered and the return states
        assert shipped > 0 and open_units == 0 and order.shipped_at is not None
    assert order.attention == attention_of(lines)
    if order.status == S.PENDING_PAYMENT:
        assert order.paid_at is None
    elif order.status not in (S.CANCEL_REQUESTED, S.CANCELLED):
        assert order.paid_at is not None  # nothing is shipped before it is paid
    # The history is a chain through the transition table, ending where the order is.
    events = sorted(order.events.all(), key=lambda event: (event.at, event.id))  # prefetched
    assert events[0].kind == OrderEvent.Kind.PLACED and events[0].from_status == ""
    assert events[0].to_status in PLACED_STATUSES
    for before, after in itertools.pairwise(events):
        assert after.from_status == before.to_status
        assert after.to_status in TRANSITIONS[after.from_status][after.kind]
    assert events[-1].to_status == order.status
    _check_returns(order, lines)


def _check_returns(order: Order, lines: list[OrderLine]) -> None:
    """Returns never take back more than was shipped; one is open at most, in step with the order's status;
    refunds add up to the order's refunded total, within what was paid, and each is one history row."""
    returns = list(order.returns.all())
    open_returns = [rma for rma in returns if rma.is_open]
    assert len(open_returns) <= 1
    expected: dict[str, str] = {S.RETURN_REQUESTED: Return.Status.REQUESTED,
                                S.RETURN_AUTHORISED: Return.Status.AUTHORISED, S.RETURNED: Return.Status.RECEIVED}
    if order.status in expected:
        assert [rma.status for rma in open_returns] == [expected[order.status]]
    else:
        assert not open_returns
    for line in lines:
        taken = sum(row.quantity for row in ReturnLine.objects.filter(order_line=line)
                    .exclude(rma__status=Return.Status.REJECTED))
        assert taken <= line.quantity_shipped
    refunds = list(Refund.objects.filter(order=order))
    assert order.refunded_total == sum((refund.amount for refund in refunds), start=Decimal("0"))
    assert order.refunded_total <= order.grand_total
    refund_events = [event for event in order.events.all() if event.kind == OrderEvent.Kind.REFUNDED]
    assert sorted(event.data["refund_id"] for event in refund_events) == sorted(refund.pk for refund in refunds)
    if order.status == S.REFUNDED:
        assert refunds


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(initial=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=SKUS, max_size=SKUS),
       reject=st.booleans(), script=steps)
def test_no_sequence_reaches_an_impossible_state_or_loses_stock(
    in_store_a: Store, owner_a: Any, initial: list[tuple[int, int]], reject: bool, script: list[tuple[Any, ...]],
) -> None:
    world = World(in_store_a, initial, reject)
    for step in script:
        before = world.order(step[1]) if step[0] in KIND_OF else None
        history = before.events.count() if before else 0
        try:
            _act(world, step, owner_a)
        except DomainError as error:
            event(f"{step[0]} refused: {str(error.message)[:30]}")
            # A refusal changes nothing: same status, no history row.
            if before is not None:
                after = Order.objects.get(pk=before.pk)
                assert after.status == before.status and after.events.count() == history
        else:
            event(f"{step[0]} done")
            if before is not None:
                after = Order.objects.get(pk=before.pk)
                kind = KIND_OF[step[0]]
                assert after.status in TRANSITIONS[before.status][kind], (before.status, kind, after.status)
                assert after.events.count() == history + 1
        _check_stock(world)
        for order in Order.objects.filter(pk__in=[order.pk for order in world.orders]).prefetch_related(
                "lines", "events"):
            _check_order(order)
