"""Orders not shipped in time: cancelled by the seller center after the store's window (edges included), stock
released, the history naming the seller center, one notification per run (also in the digest), nothing done twice,
an order someone else holds skipped, only the store's own orders, and the periodic tasks that run it."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.db import connections, transaction
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import User
from audit.models import Activity, Notification
from audit.notifications import notification_text
from catalog.models import Stock, StockMovement, Variant
from orders import tasks
from orders.models import Order, OrderEvent
from orders.services import order_cancel_request, order_mark_shipped, orders_auto_cancel
from orders.services.auto_cancel import AUTO_CANCEL_KIND
from sellercenter.celery import StoreTaskOutsideStore
from stores.models import Store
from tests.committed import committed_store, own
from tests.orders.factories import place, stocked, warehouse
from tests.stores.factories import eager_tasks
from tests.tenancy import connection

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def _ago(**delta: float) -> dt.datetime:
    return NOW - dt.timedelta(**delta)


def _place(store: Store, placed: dt.datetime, sku: str = "MUG-1", units: int = 1, paid: bool = True) -> Order:
    """An order placed at ``placed``, paid a minute later (unless not paid), to be shipped within two days."""
    times = {"placed_at": placed.isoformat(), "ship_by": (placed + dt.timedelta(days=2)).isoformat()}
    if paid:
        times["paid_at"] = (placed + dt.timedelta(minutes=1)).isoformat()
    return place(store, lines=[(sku, units)], paid=paid, **times)


def _reserved(variant: Variant) -> int:
    return sum(Stock.objects.filter(variant=variant).values_list("reserved", flat=True))


def _status(order: Order) -> str:
    return Order.objects.values_list("status", flat=True).get(pk=order.pk)


def test_due_orders_are_cancelled_by_the_seller_center_and_their_stock_released(in_store_a: Store) -> None:
    (mug,) = stocked("MUG", units={warehouse("sz1"): 50})
    assert in_store_a.orders_auto_cancel_days == 30
    late = _place(in_store_a, _ago(days=30, minutes=1), units=2)
    unpaid = _place(in_store_a, _ago(days=45), units=1, paid=False)
    on_the_edge = _place(in_store_a, _ago(days=30), units=1)  # not older than 30 days
    recent = _place(in_store_a, _ago(days=29, hours=23), units=1)
    asked = _place(in_store_a, _ago(days=60), units=1)
    order_cancel_request(order=asked, requested_at=NOW - dt.timedelta(days=59), event_id="CXL-1")
    partly = _place(in_store_a, _ago(days=60), units=3)
    line = partly.lines.get()
    order_mark_shipped(actor=None, order=partly, tracking_number="1Z1", carrier="UPS", quantities={line.pk: 1})
    shipped = _place(in_store_a, _ago(days=60), units=1)
    order_mark_shipped(actor=None, order=shipped, tracking_number="1Z2", carrier="UPS")
    assert _reserved(mug) == 2 + 1 + 1 + 1 + 1 + 2

    result = orders_auto_cancel(store=in_store_a, now=NOW)

    assert sorted(result.cancelled) == sorted([late.number, unpaid.number]) and result.skipped == 0
    for order in (late, unpaid):
        order.refresh_from_db()
        assert (order.status, order.cancel_reason) == ("cancelled", "not_shipped_in_time")
        assert all(line.quantity_cancelled == line.quantity and line.quantity_reserved == 0
                   for line in order.lines.all())
        event = order.events.order_by("at", "id").last()
        assert event is not None
        assert (event.kind, event.to_status, event.actor_kind, event.actor_id, event.actor_email) == (
            "cancelled", "cancelled", OrderEvent.ActorKind.SYSTEM, None, "")
        assert StockMovement.objects.filter(reason="released", reference=order.number).exists()
    assert _status(on_the_edge) == _status(recent) == "unshipped"
    assert _status(asked) == "cancel_requested" and _status(partly) == "partially_shipped"
    assert _status(shipped) == "shipped"
    assert _reserved(mug) == 1 + 1 + 1 + 2  # the edge, the recent, the requested and the partly shipped orders
    # The store's activity log names no person for the seller center's steps.
    entries = Activity.objects.filter(action="order.cancelled")
    assert {entry.object_repr for entry in entries} == {late.number, unpaid.number}
    assert {entry.actor_email for entry in entries} == {""}

    (notice,) = Notification.objects.all()
    assert (notice.kind, notice.module, notice.params["count"], notice.params["days"]) == (AUTO_CANCEL_KIND,
                                                                                          "orders", 2, 30)
    assert notice.link == "/store/test-a/orders/?tab=cancelled"
    assert notification_text(notice.kind, notice.params) == (
        "2 orders were not shipped within 30 days of being placed, so they were cancelled automatically and their "
        "stock released.")

    # A second run (or a retried one) finds nothing due: nothing cancelled, no second notification.
    again = orders_auto_cancel(store=in_store_a, now=NOW)
    assert again.cancelled == [] and Notification.objects.count() == 1
    assert OrderEvent.objects.filter(kind="cancelled").count() == 2
    # Later, the order on the edge is due too.
    later = orders_auto_cancel(store=in_store_a, now=NOW + dt.timedelta(minutes=1))
    assert later.cancelled == [on_the_edge.number]
    notification = Notification.objects.order_by("id").last()
    assert notification is not None
    assert notification_text(AUTO_CANCEL_KIND, notification.params).startswith(
        "1 order was not shipped within 30 days")


def test_the_window_is_the_store_setting_and_batches_walk_every_order(in_store_a: Store) -> None:
    stocked("MUG", units={warehouse("sz1"): 50})
    orders = [_place(in_store_a, _ago(days=4, hours=index), units=1) for index in range(5)]
    young = _place(in_store_a, _ago(days=2), units=1)
    assert orders_auto_cancel(store=in_store_a, now=NOW).cancelled == []  # 30 days by default

    Store.objects.filter(pk=in_store_a.pk).update(orders_auto_cancel_days=3)
    in_store_a.refresh_from_db()
    result = orders_auto_cancel(store=in_store_a, now=NOW, batch_size=2)
    assert sorted(result.cancelled) == sorted(order.number for order in orders)
    assert _status(young) == "unshipped"
    (notice,) = Notification.objects.all()
    assert (notice.params["count"], notice.params["days"]) == (5, 3)


def test_only_the_stores_own_orders_are_cancelled(store_a: Store, store_b: Store) -> None:
    with tenant_context(store_b):
        stocked("MUG", units={warehouse("sz1"): 5})
        theirs = _place(store_b, _ago(days=90), units=1)
    with tenant_context(store_a):
        stocked("MUG", units={warehouse("sz1"): 5})
        mine = _place(store_a, _ago(days=90), units=1)
        assert orders_auto_cancel(store=store_a, now=NOW).cancelled == [mine.number]
        # Run for one store while another store's schema is active: refused, nothing touched.
        with pytest.raises(RuntimeError):
            orders_auto_cancel(store=store_b, now=NOW)
    with tenant_context(store_b):
        assert _status(theirs) == "unshipped"
        assert not Notification.objects.exists()


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", SITE_URL="https://seller.example")
def test_the_notification_reaches_the_daily_digest(
    store_a: Store, owner_a: User, django_capture_on_commit_callbacks: Any
) -> None:
    from audit import tasks as audit_tasks

    with tenant_context(store_a):
        stocked("MUG", units={warehouse("sz1"): 5})
        _place(store_a, _ago(days=90), units=1)
        orders_auto_cancel(store=store_a, now=NOW)
        with eager_tasks(), django_capture_on_commit_callbacks(execute=True):
            audit_tasks.digest_send.apply(throw=True).get()
    (message,) = [message for message in mail.outbox if message.to == [owner_a.email]]
    assert ("1 order was not shipped within 30 days of being placed, so it was cancelled automatically and its "
            "stock released.") in message.body
    assert "https://seller.example/store/test-a/orders/?tab=cancelled" in message.body


def test_the_store_task_runs_in_its_schema_and_the_dispatcher_walks_every_store(
    store_a: Store, store_b: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tenant_context(store_a):
        stocked("MUG", units={warehouse("sz1"): 5})
        due = _place(store_a, timezone.now() - dt.timedelta(days=31))
        with eager_tasks():
            assert tasks.store_auto_cancel.apply(throw=True).get() == {"cancelled": 1, "skipped": 0}
            assert tasks.store_auto_cancel.apply(throw=True).get() == {"cancelled": 0, "skipped": 0}
        assert _status(due) == "cancelled"
    with pytest.raises(StoreTaskOutsideStore):
        tasks.store_auto_cancel.apply(throw=True)

    sent: list[tuple[str, int]] = []
    monkeypatch.setattr(tasks.store_auto_cancel, "apply_async",
                        lambda **kwargs: sent.append((connection.schema_name, kwargs["countdown"])))
    assert tasks.auto_cancel_dispatch() == len(sent)
    schemas = [schema for schema, _countdown in sent]
    assert {store_a.schema_name, store_b.schema_name} <= set(schemas) and "public" not in schemas
    assert [countdown for _schema, countdown in sent] == [tasks.stagger(index) for index in range(len(sent))]


def test_beat_runs_the_dispatcher_hourly() -> None:
    from celery.schedules import crontab
    from django.conf import settings

    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["orders.auto_cancel_dispatch"] == crontab(minute=20)


# --- An order someone else holds at the same moment ---------------------------------------------------------------


@pytest.fixture
def committed() -> Iterator[Store]:
    """A store with due orders committed outside the test's transaction, so another connection can lock one;
    dropped afterwards."""

    def prepare(store: Store) -> None:
        stocked("MUG", units={warehouse("sz1"): 10})
        for _index in range(3):
            _place(store, _ago(days=40), units=1)

    with committed_store("late-shop", prepare=prepare) as store:
        yield store


def test_an_order_locked_by_someone_else_is_skipped_not_waited_for(committed: Store) -> None:
    locked, released = threading.Event(), threading.Event()

    def seller() -> None:
        # The seller is shipping the oldest order: its row is locked while the run goes by.
        try:
            with tenant_context(committed), transaction.atomic():
                order = Order.objects.select_for_update().order_by("pk").first()
                assert order is not None
                locked.set()
                released.wait(timeout=30)
                order_mark_shipped(actor=None, order=order, tracking_number="1Z9", carrier="UPS")
        finally:
            connections.close_all()

    thread = threading.Thread(target=seller)
    thread.start()
    try:
        assert locked.wait(timeout=30)

        def run() -> Any:
            with tenant_context(committed):
                return orders_auto_cancel(store=Store.objects.get(pk=committed.pk), now=NOW)

        started = time.monotonic()
        first = own(run)
        # Not waited for: the seller still holds the lock (for up to 30 s) when the run is over.
        assert time.monotonic() - started < 10 and not released.is_set()
    finally:
        released.set()
        thread.join(timeout=30)

    assert (len(first.cancelled), first.skipped) == (2, 1)

    def outcome() -> tuple[list[str], int, int]:
        with tenant_context(committed):
            statuses = list(Order.objects.order_by("pk").values_list("status", flat=True))
            return statuses, Notification.objects.count(), sum(Stock.objects.values_list("reserved", flat=True))

    # The seller's shipment went through; the next run finds nothing left to do.
    assert own(outcome) == (["shipped", "cancelled", "cancelled"], 1, 0)
    second = own(run)
    assert (second.cancelled, second.skipped) == ([], 0)
    assert own(outcome)[1] == 1
