"""Listing prices derived from the base price follow the FX rates: once a day, after the ECB publishes, each
store recomputes them. One dispatcher walks the stores and enqueues each store's run from inside the store."""

from __future__ import annotations

from sellercenter.celery import StoreTask, app, stores_dispatch

from .services.listings import listings_reprice
from .tasks import STAGGER_SECONDS, STAGGER_WINDOW


@app.task(name="catalog.listings_reprice_dispatch", ignore_result=True)
def listings_reprice_dispatch() -> int:
    """Daily (beat): enqueue each active store's repricing, staggered."""
    return stores_dispatch(store_listings_reprice, stagger_seconds=STAGGER_SECONDS, window=STAGGER_WINDOW)


@app.task(name="catalog.listings_reprice", base=StoreTask, ignore_result=True)
def store_listings_reprice(variant_ids: list[int] | None = None) -> int:
    """One store's derived prices (or only these SKUs', after their base price changed). Safe to run twice: it
    sets each price to what the base price and the day's rate give."""
    return listings_reprice(variant_ids=variant_ids)
