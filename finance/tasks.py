"""The finance module's background work: the ledger reads the orders' history every minute; the reserve, the
settlements and the monthly storage fee follow it; the payouts' worker is in tasks_payouts."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sellercenter.celery import StoreTask, app, stores_dispatch

from .services.orders import ledger_catch_up
from .services.reserve import reserve_hold_scan, reserve_release_due
from .services.settlements import settlements_generate_due
from .services.storage import storage_fees_post

# A few thousand stores spread over the minute instead of all at its start.
STAGGER_SECONDS = 0.05
STAGGER_WINDOW = 50


@app.task(name="finance.ledger_dispatch", ignore_result=True)
def ledger_dispatch() -> int:
    """Every minute (beat): enqueue each active store's catch-up, sent from inside the store."""
    return stores_dispatch(store_ledger_catch_up, stagger_seconds=STAGGER_SECONDS, window=STAGGER_WINDOW)


@app.task(name="finance.ledger_catch_up", base=StoreTask, ignore_result=True)
def store_ledger_catch_up() -> int:
    """Post what the store's orders did since the last run. Safe to run twice or at once: the cursor is locked and
    each event posts once."""
    return ledger_catch_up()


# --- The reserve and settlements ---------------------------------------------------------------------------------



@app.task(name="finance.reserve_dispatch", ignore_result=True)
def reserve_dispatch() -> int:
    """Every 5 minutes (beat): enqueue each active store's reserve run."""
    return stores_dispatch(store_reserve_run, stagger_seconds=STAGGER_SECONDS, window=STAGGER_WINDOW)


@app.task(name="finance.reserve_run", base=StoreTask, ignore_result=True)
def store_reserve_run() -> dict[str, int]:
    """Hold the reserve of new sales and release what is due. Safe to run twice or at once."""
    return {"held": reserve_hold_scan(), "released": reserve_release_due()}


@app.task(name="finance.settlement_dispatch", ignore_result=True)
def settlement_dispatch() -> int:
    """Every hour (beat): enqueue each active store's settlements, spread over ten minutes."""
    return stores_dispatch(store_settlements_generate, stagger_seconds=STAGGER_SECONDS, window=STAGGER_WINDOW)


@app.task(name="finance.settlements_generate", base=StoreTask, ignore_result=True)
def store_settlements_generate() -> int:
    """Settle the store's ended periods, after posting what its orders did. Safe to run twice: a period is
    settled once per currency."""
    ledger_catch_up()
    return len(settlements_generate_due())


@app.task(name="finance.storage_dispatch", ignore_result=True)
def storage_dispatch() -> int:
    """On the first of the month (beat): enqueue each active store's storage fee of the month just ended."""
    return stores_dispatch(store_storage_fees, stagger_seconds=STAGGER_SECONDS, window=STAGGER_WINDOW)


@app.task(name="finance.storage_fees", base=StoreTask, ignore_result=True)
def store_storage_fees() -> int:
    """The storage fee of the month just ended, posted once."""
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return storage_fees_post(month=last_month)


from . import tasks_payouts  # noqa: E402, F401 - the payouts' worker, registered with the others
