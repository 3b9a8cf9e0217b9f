"""The ledger's background work: every minute, each store's ledger reads the orders' history it has not read yet."""

from __future__ import annotations

from django_tenants.utils import tenant_context

from sellercenter.celery import StoreTask, app
from stores.models import Store

from .services.orders import ledger_catch_up

# A few thousand stores spread over the minute instead of all at its start.
STAGGER_SECONDS = 0.05
STAGGER_WINDOW = 50


@app.task(name="finance.ledger_dispatch", ignore_result=True)
def ledger_dispatch() -> int:
    """Every minute (beat): enqueue each active store's catch-up, sent from inside the store."""
    count = 0
    for index, store in enumerate(list(Store.objects.active())):
        with tenant_context(store):
            store_ledger_catch_up.apply_async(countdown=(index * STAGGER_SECONDS) % STAGGER_WINDOW)
        count += 1
    return count


@app.task(name="finance.ledger_catch_up", base=StoreTask, ignore_result=True)
def store_ledger_catch_up() -> int:
    """Post what the store's orders did since the last run. Safe to run twice or at once: the cursor is locked and
    each event posts once."""
    return ledger_catch_up()
