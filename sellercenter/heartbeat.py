"""The worker heartbeat that /readyz looks for."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from .celery import app


@app.task(name="sellercenter.heartbeat", ignore_result=True)
def heartbeat() -> float:
    now = time.time()
    cache.set(settings.WORKER_HEARTBEAT_KEY, now, timeout=settings.WORKER_HEARTBEAT_MAX_AGE * 10)
    return now
