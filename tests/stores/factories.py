"""Factories and small helpers for store tests: people, roles, memberships, and reading a store's activity log."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import factory
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from accounts.models import User
from audit.models import Activity
from stores.models import Membership, Role, Store
from stores.permissions import NO_ACCESS
from tests.conftest import PASSWORD


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person-{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Person {n}")

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        kwargs.setdefault("password", PASSWORD)
        return model_class.objects.create_user(*args, **kwargs)


class RoleFactory(factory.django.DjangoModelFactory[Role]):
    class Meta:
        model = Role

    name = factory.Sequence(lambda n: f"Custom role {n}")
    kind = Role.Kind.CUSTOM
    levels = factory.LazyFunction(lambda: dict(NO_ACCESS))


def system_role(store: Store, kind: str) -> Role:
    return Role.objects.get(store=store, kind=kind)


def member_add(store: Store, role: Role | str, user: User | None = None, **user_fields: Any) -> Membership:
    """A new (or given) person joined to ``store`` with ``role`` (a Role, or "owner"/"admin")."""
    if isinstance(role, str):
        role = system_role(store, role)
    user = user or UserFactory.create(**user_fields)
    return Membership.objects.create(user=user, store=store, role=role)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def activities(store: Store, action: str | None = None) -> list[Activity]:
    """The store's activity entries, oldest first, read in the store's own schema."""
    with schema_context(store.schema_name):
        queryset = Activity.objects.order_by("at", "id")
        if action is not None:
            queryset = queryset.filter(action=action)
        return list(queryset)


def schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", [name])
        return cursor.fetchone() is not None


def tables_in_schema(name: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [name])
        return {row[0] for row in cursor.fetchall()}


@contextmanager
def eager_tasks() -> Iterator[None]:
    """Run Celery tasks in the calling process while the block runs, as a worker would run them."""
    from sellercenter.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def picture(width: int, height: int, image_format: str = "PNG", noise: bool = False) -> bytes:
    """An encoded picture; ``noise`` makes it incompressible (for size limits)."""
    if noise:
        import os

        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (200, 30, 60))
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()
