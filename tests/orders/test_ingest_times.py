"""Each step of an order's history is stamped when it happened: a marketplace event at the time its payload states
(never later than now), a seller's step replayed by the simulator at its planned time. The answer to the
marketplace still says when the seller center received the event."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from orders.models import Order, OrderEvent
from orders.services import order_cancel_request, order_cancel_request_decide, order_mark_shipped
from stores.models import Store
from tests.orders.factories import place, placed_payload, stocked, token_for, warehouse

pytestmark = pytest.mark.django_db

API = "/api/platform/v1/stores/test-a/orders"
PLACED = dt.datetime(2026, 3, 11, 9, 30, tzinfo=dt.UTC)


def _post(path: str, body: dict[str, Any], token: str) -> Any:
    return Client().post(API + path, data=json.dumps(body), content_type="application/json",
                         headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def token_a(store_a: Store) -> str:
    with schema_context(store_a.schema_name):
        stocked("MUG", units={warehouse("sz1"): 5})
    return token_for(store_a)


def _events(store: Store) -> dict[str, OrderEvent]:
    with schema_context(store.schema_name):
        return {event.kind: event for event in OrderEvent.objects.order_by("id")}


def test_marketplace_events_are_stamped_when_the_payload_says(store_a: Store, token_a: str) -> None:
    before = timezone.now()
    placed = _post("", placed_payload(lines=[("MUG-1", 1)], order_id="A-1", paid=False), token_a)
    paid = _post("/US/A-1/payment-confirmed", {"event_id": "PAY-1", "paid_at": "2026-03-11T10:00:00Z"}, token_a)
    asked = _post("/US/A-1/cancellation-requested",
                  {"event_id": "CXL-1", "requested_at": "2026-03-11T11:15:00+01:00"}, token_a)
    assert (placed.status_code, paid.status_code, asked.status_code) == (201, 201, 201)

    events = _events(store_a)
    assert events["placed"].at == PLACED
    assert events["paid"].at == dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC)
    assert events["cancel_requested"].at == dt.datetime(2026, 3, 11, 10, 15, tzinfo=dt.UTC)
    # When they came in is kept: the order's creation for the placed event, the event's data for the others.
    with schema_context(store_a.schema_name):
        order = Order.objects.get()
    assert order.created_at >= before and order.paid_at == events["paid"].at
    assert dt.datetime.fromisoformat(events["paid"].data["received_at"]) >= before
    # The answer says when the seller center received each event, and a repeat gets the very same answer.
    for response in (placed, paid, asked):
        assert dt.datetime.fromisoformat(response.json()["recorded_at"]) >= before
    again = _post("/US/A-1/payment-confirmed", {"event_id": "PAY-1", "paid_at": "2026-03-11T10:00:00Z"}, token_a)
    assert (again.status_code, again.json()) == (200, paid.json())
    assert _post("", placed_payload(lines=[("MUG-1", 1)], order_id="A-1", paid=False),
                 token_a).json() == placed.json()


def test_a_time_in_the_future_is_stamped_as_now(store_a: Store, token_a: str) -> None:
    future = (timezone.now() + dt.timedelta(days=3)).isoformat()
    response = _post("", placed_payload(lines=[("MUG-1", 1)], order_id="A-1", placed_at=future, paid_at=None,
                                        ship_by=None), token_a)
    assert response.status_code == 201, response.content
    after = timezone.now()
    with schema_context(store_a.schema_name):
        order = Order.objects.get()
        event = order.events.get()
    assert event.at == order.created_at <= after
    assert order.placed_at > after  # the payload's own field is stored as sent


def test_seller_steps_take_the_time_they_are_given(in_store_a: Store, owner_a: Any) -> None:
    stocked("CUP", units={warehouse("sz1"): 10})
    shipped_at = dt.datetime(2026, 3, 12, 8, 0, tzinfo=dt.UTC)
    order = place(in_store_a, lines=[("CUP-1", 1)], order_id="S-1")
    order = order_mark_shipped(actor=owner_a, order=order, tracking_number="1Z1", carrier="UPS", at=shipped_at)
    assert order.shipped_at == shipped_at == order.events.get(kind="shipped").at
    assert order.events.get(kind="placed").at == PLACED

    asked_at = dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC)
    decided_at = dt.datetime(2026, 3, 11, 14, 0, tzinfo=dt.UTC)
    approved = place(in_store_a, lines=[("CUP-1", 1)], order_id="S-2")
    order_cancel_request(order=approved, requested_at=asked_at, event_id="CXL-2")
    approved = order_cancel_request_decide(actor=owner_a, order=approved, approve=True, at=decided_at)
    assert approved.cancelled_at == decided_at == approved.events.get(kind="cancel_approved").at
    assert approved.events.get(kind="cancel_requested").at == asked_at

    refused = place(in_store_a, lines=[("CUP-1", 1)], order_id="S-3")
    order_cancel_request(order=refused, requested_at=asked_at, event_id="CXL-3")
    order_cancel_request_decide(actor=owner_a, order=refused, approve=False, at=decided_at)
    assert refused.events.get(kind="cancel_rejected").at == decided_at

    # Without a time (the seller's own pages), and never later than now.
    before = timezone.now()
    later = place(in_store_a, lines=[("CUP-1", 1)], order_id="S-4")
    later = order_mark_shipped(actor=owner_a, order=later, tracking_number="1Z4", carrier="UPS",
                               at=timezone.now() + dt.timedelta(hours=5))
    assert later.shipped_at is not None and before <= later.shipped_at <= timezone.now()
    now = place(in_store_a, lines=[("CUP-1", 1)], order_id="S-5")
    now = order_mark_shipped(actor=owner_a, order=now, tracking_number="1Z5", carrier="UPS")
    assert now.shipped_at is not None
    assert before <= now.shipped_at == now.events.get(kind="shipped").at <= timezone.now()
