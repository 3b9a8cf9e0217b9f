"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means not ready
        checks["database"] = "unavailable"
    heartbeat = None
    try:
        heartbeat = cache.get(settings.WORKER_HEARTBEAT_KEY)
        checks["redis"] = "ok"
    except Exception:  # noqa: BLE001
        checks["redis"] = "unavailable"
    if checks["redis"] == "ok":
        fresh = heartbeat is not None and time.time() - float(heartbeat) <= settings.WORKER_HEARTBEAT_MAX_AGE
        checks["worker"] = "ok" if fresh else "no recent heartbeat"
    else:
        checks["worker"] = "unknown"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ready" if ready else "not ready", "checks": checks}, status=200 if ready else 503)
