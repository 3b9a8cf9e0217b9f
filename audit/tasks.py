"""The daily notification digest: one dispatcher walking every store, one e-mail run per store."""

from __future__ import annotations

from django.db import connection

from sellercenter.celery import StoreTask, app, stores_dispatch
from stores.models import Store

from .services import notification_digest_send

STAGGER_SECONDS = 2
STAGGER_WINDOW = 1800


@app.task(name="audit.digest_dispatch", ignore_result=True)
def digest_dispatch() -> int:
    """Daily (beat): enqueue each active store's digest from inside the store, staggered."""
    return stores_dispatch(digest_send, stagger_seconds=STAGGER_SECONDS, window=STAGGER_WINDOW)


@app.task(name="audit.digest_send", base=StoreTask, ignore_result=True,
          autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def digest_send() -> int:
    """E-mail this store's members what they have not been e-mailed yet. A retry finds nothing to send twice."""
    store = Store.objects.get(schema_name=connection.schema_name)  # type: ignore[attr-defined]
    return notification_digest_send(store=store)
