"""Tenancy fixtures: two stores, A and B, opened once per session in the real PostgreSQL test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client

from accounts.models import User
from stores import services
from stores.models import Marketplace, Membership, Role, Store
from stores.permissions import NO_ACCESS
from stores.platform_data import marketplaces_ensure
from tests.tenancy import connection

PASSWORD = "correct-horse-battery-42"
ROOT = Path(__file__).resolve().parent.parent


def database_url_for_subprocess() -> str:
    """The test database as a DATABASE_URL, for a worker or server started by a test."""
    db = connection.settings_dict
    raw_host = db["HOST"] or ""
    host = quote(raw_host, safe="") if raw_host.startswith("/") else raw_host
    port = f":{db['PORT']}" if db["PORT"] else ""
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{host}{port}/{db['NAME']}"


def subprocess_env(**extra: str) -> dict[str, str]:
    from django.conf import settings

    return {**os.environ, "DATABASE_URL": database_url_for_subprocess(), "REDIS_URL": settings.REDIS_URL,
            "SELLERCENTER_TESTING": "1", **extra}


class LiveServer:
    def __init__(self, url: str, mail_dir: Path) -> None:
        self.url = url
        self.mail_dir = mail_dir


@pytest.fixture(autouse=True)
def _live_server_helper() -> None:
    """pytest-django's hook into its threaded live server, which ``live_server`` below replaces."""


@pytest.fixture
def live_server(django_db_setup: None, tmp_path: Path) -> Iterator[LiveServer]:
    """The app served by gunicorn on 127.0.0.1 against the test database; stopped when the test ends.

    It replaces pytest-django's threaded live server: the production WSGI server, in its own process, with
    tasks run eagerly and e-mail written to files under the test's temporary folder.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = subprocess_env(CELERY_TASK_ALWAYS_EAGER="1", EMAIL_FILE_PATH=str(tmp_path / "mail"),
                         MEDIA_ROOT=str(tmp_path / "media"))
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "sellercenter.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "4", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)
                break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError("the test server exited") from None
                time.sleep(0.2)
        yield LiveServer(url, tmp_path / "mail")
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _user(email: str, **extra: Any) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, **extra)


def _open(owner: User, handle: str, codes: list[str], currency: str = "USD") -> Store:
    return services.store_open(
        actor=owner, name=f"Store {handle}", handle=handle, home_country="CN", base_currency=currency,
        default_language="en", timezone_name="Asia/Shanghai", marketplaces=Marketplace.objects.filter(code__in=codes),
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        marketplaces_ensure()
        owner_a = _user("owner-a@example.com", full_name="Owner A")
        owner_b = _user("owner-b@example.com", full_name="Owner B")
        store_a = _open(owner_a, "test-a", ["US", "UK", "DE", "JP"], currency="CNY")
        _open(owner_b, "test-b", ["US", "SG"])
        nobody = Role.objects.create(store=store_a, name="No access", levels=dict(NO_ACCESS))
        Membership.objects.create(user=_user("none-a@example.com"), store=store_a, role=nobody)
        connection.set_schema_to_public()
    yield


@pytest.fixture
def store_a(db: None) -> Store:
    return Store.objects.get(handle="test-a")


@pytest.fixture
def store_b(db: None) -> Store:
    return Store.objects.get(handle="test-b")


@pytest.fixture
def owner_a(db: None) -> User:
    return User.objects.get(email="owner-a@example.com")


@pytest.fixture
def owner_b(db: None) -> User:
    return User.objects.get(email="owner-b@example.com")


@pytest.fixture
def no_access_a(db: None) -> User:
    return User.objects.get(email="none-a@example.com")


@pytest.fixture
def client_a(owner_a: User) -> Client:
    client = Client()
    client.force_login(owner_a)
    return client


@pytest.fixture
def in_store_a(store_a: Store) -> Iterator[Store]:
    """Run the test body inside store A's schema (for services, selectors and factories)."""
    connection.set_tenant(store_a)
    yield store_a
    connection.set_schema_to_public()


@pytest.fixture
def in_store_b(store_b: Store) -> Iterator[Store]:
    connection.set_tenant(store_b)
    yield store_b
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _public_schema_after_each_test() -> Iterator[None]:
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _english_by_default() -> Iterator[None]:
    """A request in Chinese leaves Chinese active in the thread; each test starts in English."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield
