"""The platform's side of payouts: a periodic worker takes each store's requests up and pays them after a delay."""

from __future__ import annotations

from django_tenants.utils import tenant_context

from sellercenter.celery import StoreTask, app
from stores.models import Store

from .services.payouts import payouts_advance

STAGGER_SECONDS = 0.05
STAGGER_WINDOW = 50


@app.task(name="finance.payouts_dispatch", ignore_result=True)
def payouts_dispatch() -> int:
    """Periodically (beat): enqueue each active store's payout run, sent from inside the store."""
    count = 0
    for index, store in enumerate(list(Store.objects.active())):
        with tenant_context(store):
            store_payouts_advance.apply_async(countdown=(index * STAGGER_SECONDS) % STAGGER_WINDOW)
        count += 1
    return count


@app.task(name="finance.payouts_advance", base=StoreTask, ignore_result=True)
def store_payouts_advance() -> int:
    """Move the store's requests old enough through processing to paid. Safe to run twice or at once: each step
    is a locked, status-checked transition and posts under its own source."""
    return payouts_advance()
