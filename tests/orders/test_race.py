"""Buyers racing for the last units, through the real API, each request on its own PostgreSQL connection against
committed data: exactly the available units are sold — no oversell, no deadlock, no lost update."""

from __future__ import annotations

import functools
import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connections
from django.db.models import Sum
from django.test import Client
from django_tenants.utils import tenant_context

from accounts.models import User
from catalog.models import Product, Stock, StockMovement, Variant, Warehouse
from orders.models import Order, OrderLine
from orders.services import order_cancel
from stores.models import Store
from tests.committed import committed_store, own, together
from tests.orders.factories import placed_payload, stocked, token_for, warehouse

BUYERS = 200
# Concurrent connections: well under PostgreSQL's default max_connections (100), which the suite shares.
CONNECTIONS = 32

# The tests are marked django_db so that the test database exists however they are picked, but the test's own
# connection stays inside its rolled-back transaction and never touches the race: every write and every check
# runs on a connection of its own (``own``), against committed data.
pytestmark = pytest.mark.django_db


@pytest.fixture
def race() -> Iterator[Store]:
    """A store opened and committed outside the test's transaction, with a token; dropped afterwards."""
    with committed_store("race-shop") as store:
        store.token = own(lambda: token_for(store))  # type: ignore[attr-defined]
        yield store


def _post(store: Store, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """One request from a worker thread, on that thread's own connection (closed afterwards)."""
    try:
        response = Client().post(f"/api/platform/v1/stores/{store.handle}{path}", data=json.dumps(body),
                                 content_type="application/json",
                                 headers={"Authorization": f"Bearer {store.token}"})  # type: ignore[attr-defined]
        return response.status_code, response.json()
    finally:
        connections.close_all()


def _together(tasks: list[Callable[[], Any]]) -> list[Any]:
    return together(tasks, workers=CONNECTIONS)


def _stock_matches_the_orders(variants: list[Variant], received: dict[tuple[int, int], int]) -> None:
    for stock in Stock.objects.filter(variant__in=variants):
        lines = OrderLine.objects.filter(variant=stock.variant, warehouse=stock.warehouse).aggregate(
            reserved=Sum("quantity_reserved"), shipped=Sum("quantity_shipped"))
        assert stock.reserved == (lines["reserved"] or 0)
        assert stock.on_hand == received[(stock.variant_id, stock.warehouse_id)] - (lines["shipped"] or 0)
        moved = StockMovement.objects.filter(variant=stock.variant, warehouse=stock.warehouse).aggregate(
            on_hand=Sum("on_hand_change"), reserved=Sum("reserved_change"))
        assert (moved["on_hand"], moved["reserved"]) == (stock.on_hand, stock.reserved)
    for product in Product.objects.filter(variants__in=variants).distinct():
        assert product.available == sum(stock.on_hand - stock.reserved
                                        for stock in Stock.objects.filter(variant__product=product))


def test_200_buyers_race_for_the_last_7_units_and_exactly_7_are_sold(race: Store) -> None:
    store = race

    def prepare() -> tuple[Variant, Warehouse, Warehouse]:
        Store.objects.filter(pk=store.pk).update(orders_without_stock=Store.WithoutStock.REJECT)
        with tenant_context(store):
            first, second = warehouse("a-first"), warehouse("b-second")
            (mug,) = stocked("MUG", units={first: 3, second: 4})
        return mug, first, second

    mug, first, second = own(prepare)
    bodies = [placed_payload(lines=[("MUG-1", 1)], order_id=f"RACE-{index:03d}") for index in range(BUYERS)]

    answers = _together([functools.partial(_post, store, "/orders", body) for body in bodies])

    assert Counter(status for status, _body in answers) == {201: BUYERS}
    sold = [body for _status, body in answers if not body["rejected"]]
    assert len(sold) == 7
    assert all(body["status"] == "cancelled" and body["short_skus"] == ["MUG-1"]
               for _status, body in answers if body["rejected"])

    def check() -> None:
        with tenant_context(store):
            assert Order.objects.count() == BUYERS
            assert Order.objects.filter(status=Order.Status.UNSHIPPED).count() == 7
            assert sorted(Stock.objects.filter(variant=mug).values_list("on_hand", "reserved")) == [(3, 3), (4, 4)]
            assert StockMovement.objects.filter(reason="reserved").count() == 7
            assert Product.objects.get(code="MUG").available == 0
            _stock_matches_the_orders([mug], {(mug.pk, first.pk): 3, (mug.pk, second.pk): 4})

    own(check)


def test_orders_of_several_skus_placed_and_cancelled_at_once_never_deadlock(race: Store) -> None:
    """Orders whose lines name the same SKUs in every order, racing with cancellations that give units back: every
    request succeeds (a deadlock would be a 500), and stock still equals what the orders hold."""
    store = race
    owner = User.objects.get(email="owner-a@example.com")

    def prepare() -> tuple[Warehouse, Warehouse, list[Variant]]:
        with tenant_context(store):
            near, far = warehouse("a-near"), warehouse("b-far")
            return near, far, stocked("TEE", units={near: 6, far: 6}, variants=3)

    near, far, variants = own(prepare)
    received = {(variant.pk, where.pk): 6 for variant in variants for where in (near, far)}
    pick = random.Random(7)
    orders = []
    for index in range(120):
        skus = pick.sample([variant.sku for variant in variants], k=pick.randint(1, 3))
        orders.append((placed_payload(lines=[(sku, pick.randint(1, 2)) for sku in skus], order_id=f"MIX-{index}"),
                       pick.random() < 0.4))

    def place_then_maybe_cancel(body: dict[str, Any], cancel: bool) -> int:
        status, answer = _post(store, "/orders", body)
        if cancel and status == 201:
            try:
                with tenant_context(store):
                    order_cancel(actor=owner, order=Order.objects.get(number=answer["order_number"]),
                                 reason=Order.CancelReason.OTHER)
            finally:
                connections.close_all()
        return status

    statuses = _together([functools.partial(place_then_maybe_cancel, body, cancel) for body, cancel in orders])

    assert Counter(statuses) == {201: len(orders)}

    def check() -> None:
        with tenant_context(store):
            assert Order.objects.count() == len(orders)
            assert Order.objects.filter(status=Order.Status.CANCELLED).count() == sum(
                cancel for _body, cancel in orders)
            assert Order.objects.needs_attention().exists()  # the units ran out for some
            _stock_matches_the_orders(variants, received)

    own(check)


def test_the_same_order_delivered_twenty_times_at_once_is_recorded_once(race: Store) -> None:
    store = race

    def prepare() -> Variant:
        with tenant_context(store):
            (mug,) = stocked("MUG", units={warehouse("sz1"): 50})
            return mug

    mug = own(prepare)
    body = placed_payload(lines=[("MUG-1", 2)], order_id="DUP-1")

    answers = _together([lambda: _post(store, "/orders", body) for _copy in range(20)])

    assert Counter(status for status, _answer in answers) == {201: 1, 200: 19}
    assert len({json.dumps(answer, sort_keys=True) for _status, answer in answers}) == 1

    def check() -> None:
        with tenant_context(store):
            assert Order.objects.count() == 1
            assert Stock.objects.get(variant=mug).reserved == 2

    own(check)


def test_two_refunds_of_the_whole_amount_at_once_pay_exactly_one(race: Store) -> None:
    """Two people refund the whole order at the same moment, each with their own form: one refund is recorded,
    the other is refused, and the order's refunded total is the order's total."""
    from decimal import Decimal

    from django.utils import timezone

    from orders.models import Refund, Return
    from orders.services import order_mark_shipped, order_return_request, refund_issue, return_decide
    from sellercenter.errors import DomainError

    store = race
    owner = own(lambda: User.objects.get(email="owner-a@example.com"))

    def prepare() -> Order:
        with tenant_context(store):
            stocked("CUP", units={warehouse("w1"): 5})
        status, _body = _post(store, "/orders", placed_payload(lines=[("CUP-1", 2)]))
        assert status == 201
        with tenant_context(store):
            order = Order.objects.get()
            order_mark_shipped(actor=owner, order=order, carrier="UPS", tracking_number="1Z999")
            order_return_request(order=order, requested_at=timezone.now(), event_id="RET-RACE")
            return_decide(actor=owner, rma=Return.objects.get(order=order), authorise=True)
            return Order.objects.get(pk=order.pk)

    order = own(prepare)

    def refund(key: str) -> Callable[[], str]:
        def run() -> str:
            try:
                with tenant_context(store):
                    refund_issue(actor=owner, order=order, amount=order.grand_total, idempotency_key=key)
                return "paid"
            except DomainError:
                return "refused"
            finally:
                connections.close_all()
        return run

    assert sorted(_together([refund("a"), refund("b")])) == ["paid", "refused"]

    def check() -> tuple[int, Decimal]:
        with tenant_context(store):
            return Refund.objects.count(), Order.objects.get(pk=order.pk).refunded_total

    assert own(check) == (1, order.grand_total)
