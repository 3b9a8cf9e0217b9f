import time

from django.conf import settings
from django.core.cache import cache
from django.test import Client


def test_healthz_answers_without_the_database() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_needs_a_recent_worker_heartbeat(db: None) -> None:
    cache.delete(settings.WORKER_HEARTBEAT_KEY)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "worker": "no recent heartbeat"}

    cache.set(settings.WORKER_HEARTBEAT_KEY, time.time())
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"

    cache.set(settings.WORKER_HEARTBEAT_KEY, time.time() - settings.WORKER_HEARTBEAT_MAX_AGE - 5)
    assert Client().get("/readyz").status_code == 503
