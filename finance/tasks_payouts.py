"""The platform's side of payouts: a periodic worker takes each store's requests up and pays them after a delay."""

from __future__ import annotations

from sellercenter.celery import StoreTask, app, stores_dispatch

from .services.payouts import payouts_advance

STAGGER_SECONDS = 0.05
STAGGER_WINDOW = 50


@app.task(name="finance.payouts_dispatch", ignore_result=True)
def payouts_dispatch() -> int:
    """Periodically (beat): enqueue each active store's payout run, sent from inside the store."""
    return stores_dispatch(store_payouts_advance, stagger_seconds=STAGGER_SECONDS, window=STAGGER_WINDOW)


@app.task(name="finance.payouts_advance", base=StoreTask, ignore_result=True)
def store_payouts_advance() -> int:
    """Move the store's requests old enough through processing to paid. Safe to run twice or at once: each step
    is a locked, status-checked transition and posts under its own source."""
    return payouts_advance()
