"""The project's Celery app: tenant-aware, so a task sent from a store runs in that store's schema."""

from __future__ import annotations

import logging
import os
from typing import Any

from celery.signals import worker_init, worker_process_init
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from tenant_schemas_celery.app import CeleryApp
from tenant_schemas_celery.task import TenantTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellercenter.settings")

logger = logging.getLogger(__name__)

app = CeleryApp("sellercenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Apps with several task modules name them tasks_<topic>.py.
for _topic in ("images", "spreadsheet"):
    app.autodiscover_tasks(related_name=f"tasks_{_topic}")
app.autodiscover_tasks(["sellercenter"], related_name="heartbeat")


@worker_init.connect
def _worker_starting(**_kwargs: Any) -> None:
    """Decode the documents' web fonts once, before the pool starts (seconds on a new machine; a pool process that
    took that long to start would be given up on)."""
    from sellercenter import pdf

    try:
        pdf.font_files()
    except ImproperlyConfigured:
        logger.exception("Shipping documents cannot be printed by this worker")


@worker_process_init.connect
def _worker_process_ready(**_kwargs: Any) -> None:
    """Each pool process loads the documents' fonts before its first task, not during a seller's first label."""
    from sellercenter import pdf

    try:
        pdf.warm_up()
    except ImproperlyConfigured:
        logger.exception("Shipping documents cannot be printed by this worker")


class StoreTaskOutsideStore(RuntimeError):
    """A store task was started without a store: it was sent from outside any store's context."""


class StoreTask(TenantTask):
    """Base for tasks that work on one store's data: they refuse to run in the public schema."""

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from django_tenants.utils import get_public_schema_name

        if connection.schema_name == get_public_schema_name():  # type: ignore[attr-defined]
            raise StoreTaskOutsideStore(f"{self.name} must run inside a store; it was sent from the public schema.")
        return super().__call__(*args, **kwargs)


def stores_dispatch(task: Any, *, stagger_seconds: float, window: float) -> int:
    """Enqueue ``task`` once for each active store, sent from inside the store so that it runs in the store's
    schema, the stores ``stagger_seconds`` apart and wrapped within ``window`` seconds (so that a few thousand stores
    do not hit the database in the same second, and a run never overlaps the next). Returns how many were sent:
    the body of every periodic dispatcher."""
    from django_tenants.utils import tenant_context

    from stores.models import Store

    count = 0
    for index, store in enumerate(list(Store.objects.active())):
        with tenant_context(store):
            task.apply_async(countdown=(index * stagger_seconds) % window)
        count += 1
    return count
