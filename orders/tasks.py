"""The orders' background work: cancelling orders not shipped in time, one dispatcher walking every store."""

from __future__ import annotations

from django.db import connection

from sellercenter.celery import StoreTask, app, stores_dispatch
from stores.models import Store

from .services.auto_cancel import orders_auto_cancel

# Seconds between two stores' runs, so a few thousand stores do not hit the database in the same second; wrapped
# inside the hourly period so a run never overlaps the next.
STAGGER_SECONDS = 2
STAGGER_WINDOW = 1800


def stagger(index: int) -> int:
    return (index * STAGGER_SECONDS) % STAGGER_WINDOW


@app.task(name="orders.auto_cancel_dispatch", ignore_result=True)
def auto_cancel_dispatch() -> int:
    """Hourly (beat): enqueue each active store's run, sent from inside the store so it runs in its schema."""
    return stores_dispatch(store_auto_cancel, stagger_seconds=STAGGER_SECONDS, window=STAGGER_WINDOW)


@app.task(name="orders.auto_cancel", base=StoreTask, ignore_result=True)
def store_auto_cancel() -> dict[str, int]:
    """Cancel this store's orders not shipped in time. Safe to run twice: a second run finds nothing due."""
    store = Store.objects.get(schema_name=connection.schema_name)  # type: ignore[attr-defined]
    return orders_auto_cancel(store=store).as_dict()
