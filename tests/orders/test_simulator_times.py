"""The simulator's 90-day history reads as it happened: each order's steps are stamped at their planned times, not
at the moment the simulator ran."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from orders.models import Order, OrderEvent
from orders.simulator import simulate_marketplace
from stores.models import Store
from tests.catalog.factories import make_listing
from tests.orders.factories import stocked, warehouse

pytestmark = pytest.mark.django_db


def test_the_history_shows_each_step_when_it_was_planned(store_a: Store, owner_a: Any) -> None:
    with schema_context(store_a.schema_name):
        for variant in stocked("SIM", units={warehouse("sz1"): 40}, variants=3):
            for site in store_a.marketplaces.all():
                make_listing(variant, site=site.code, price="9.90" if site.code != "JP" else "990")
    started = timezone.now()

    outcome = simulate_marketplace(store=store_a, days=8, orders_per_day=6, seed=11, actor=owner_a)

    assert outcome.errors == [] and outcome.seller["shipped"] > 0
    with schema_context(store_a.schema_name):
        orders = {order.pk: order for order in Order.objects.all()}
        events = list(OrderEvent.objects.all())
    assert all(event.at <= timezone.now() for event in events)
    by_kind: dict[str, list[OrderEvent]] = {}
    for event in events:
        by_kind.setdefault(event.kind, []).append(event)
    assert all(event.at == orders[event.order_id].placed_at for event in by_kind["placed"])
    assert all(event.at == orders[event.order_id].shipped_at for event in by_kind["shipped"]
               if event.to_status == Order.Status.SHIPPED)
    assert all(event.at == orders[event.order_id].delivered_at for event in by_kind.get("delivered", []))
    # Spread over the days simulated, with nothing stamped at the moment of the run but what was due then.
    days = {event.at.date() for event in events}
    assert len(days) >= 6
    assert sum(event.at >= started for event in events) < len(events) / 10
    # Every order's history runs forward: placed first, each later step no earlier than the one before.
    for order_id in orders:
        times = [event.at for event in sorted((event for event in events if event.order_id == order_id),
                                              key=lambda event: event.id)]
        assert times == sorted(times) and times[0] == orders[order_id].placed_at
        assert times[-1] - times[0] < dt.timedelta(days=30)
