"""Listing prices derived from the base price follow the FX rates: once a day, after the ECB publishes, each
store recomputes them. One dispatcher walks the stores and enqueues each store's run from inside the store."""

from __future__ import annotations

from django_tenants.utils import tenant_context

from sellercenter.celery import StoreTask, app
from stores.models import Store

from .services.listings import listings_reprice
from .tasks import stagger


@app.task(name="catalog.listings_reprice_dispatch", ignore_result=True)
def listings_reprice_dispatch() -> int:
    """Daily (beat): enqueue each active store's repricing, staggered."""
    count = 0
    for index, store in enumerate(list(Store.objects.active())):
        with tenant_context(store):
            store_listings_reprice.apply_async(countdown=stagger(index))
        count += 1
    return count


@app.task(name="catalog.listings_reprice", base=StoreTask, ignore_result=True)
def store_listings_reprice(variant_ids: list[int] | None = None) -> int:
    """One store's derived prices (or only these SKUs', after their base price changed). Safe to run twice: it
    sets each price to what the base price and the day's rate give."""
    return listings_reprice(variant_ids=variant_ids)
