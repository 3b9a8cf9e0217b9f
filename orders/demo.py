"""The demo stores' order history: 90 days of marketplace orders, sent through the platform API by the simulator.
Runs inside the store's schema after the catalog's seeder; skipped when the store already has orders, so that
``make run`` starts in seconds the second time (``manage.py simulate_marketplace`` catches up on later days)."""

from __future__ import annotations

from typing import Any

from stores.models import Store

from .models import Order
from .simulator import simulate_marketplace

DEMO_DAYS = 90
# About 1,100 orders per demo store: enough for every tab, filter and page of the order list, while the first
# `make run` (both stores) stays under two minutes on a two-core machine.
DEMO_ORDERS_PER_DAY = 12
DEMO_SEED = 1


def orders_demo(*, store: Store, owner: Any, profile: str) -> None:
    if Order.objects.exists():
        return
    outcome = simulate_marketplace(store=store, days=DEMO_DAYS, orders_per_day=DEMO_ORDERS_PER_DAY, seed=DEMO_SEED,
                                   actor=owner)
    if outcome.errors:
        raise RuntimeError(f"The order simulator failed in {store.handle}: {outcome.errors[:3]}")
