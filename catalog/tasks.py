"""The catalog's background work: the periodic low-stock check, one dispatcher walking every store."""

from __future__ import annotations

from sellercenter.celery import StoreTask, app, stores_dispatch

from .services.inventory import low_stock_check

# Seconds between two stores' checks, so a few thousand stores do not hit the database in the same second;
# wrapped inside the 15-minute period so a run never overlaps the next.
STAGGER_SECONDS = 2
STAGGER_WINDOW = 600


def stagger(index: int) -> int:
    return (index * STAGGER_SECONDS) % STAGGER_WINDOW


@app.task(name="catalog.low_stock_dispatch", ignore_result=True)
def low_stock_dispatch() -> int:
    """Every 15 minutes (beat): enqueue each active store's low-stock check, sent from inside the store so the
    task runs in its schema."""
    return stores_dispatch(store_low_stock_check, stagger_seconds=STAGGER_SECONDS, window=STAGGER_WINDOW)


@app.task(name="catalog.low_stock_check", base=StoreTask, ignore_result=True)
def store_low_stock_check() -> dict[str, int]:
    """One store's rules: alert once per crossing, unflag recovered SKUs. Safe to run twice."""
    return low_stock_check()
