"""The project's Celery app: tenant-aware, so a task sent from a store runs in that store's schema."""

from __future__ import annotations

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellercenter.settings")

app = CeleryApp("sellercenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["sellercenter"], related_name="heartbeat")
