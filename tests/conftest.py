"""Tenancy fixtures: two stores, A and B, opened once per session in the real PostgreSQL test database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from accounts.models import User
from stores import services
from stores.models import Marketplace, Membership, Role, Store
from stores.permissions import NO_ACCESS
from stores.platform_data import marketplaces_ensure

PASSWORD = "correct-horse-battery-42"


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


@pytest.fixture(autouse=True)
def _public_schema_after_each_test() -> Iterator[None]:
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield
