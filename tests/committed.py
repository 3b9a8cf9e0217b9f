"""Work on committed data, for the tests of what happens between connections (races, row locks): a store opened
outside the test's transaction, and work run on a connection of its own. The test's own connection stays inside
its rolled-back transaction and never touches that store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connections

from accounts.models import User
from stores import services
from stores.models import Marketplace, Membership, Store
from tests.tenancy import connection

T = TypeVar("T")


def own(work: Callable[[], T]) -> T:
    """Run ``work`` on a connection of its own, in autocommit, closed afterwards."""

    def run() -> T:
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def together(tasks: list[Callable[[], T]], *, workers: int | None = None) -> list[T]:
    """Run every task at once, each on a thread (and so a connection) of its own; their results in order."""
    with ThreadPoolExecutor(max_workers=workers or len(tasks)) as pool:
        return list(pool.map(lambda task: task(), tasks))


@contextmanager
def committed_store(handle: str, *, sites: tuple[str, ...] = ("US",), currency: str = "CNY",
                    prepare: Callable[[Store], Any] | None = None) -> Iterator[Store]:
    """A store of Owner A's, committed, with ``prepare(store)`` run in its schema first; dropped afterwards."""

    def open_store() -> Store:
        owner = User.objects.get(email="owner-a@example.com")
        store = services.store_open(
            actor=owner, name=handle, handle=handle, home_country="CN", base_currency=currency,
            default_language="en", timezone_name="UTC", marketplaces=Marketplace.objects.filter(code__in=sites))
        if prepare is not None:
            connection.set_tenant(store)
            try:
                prepare(store)
            finally:
                connection.set_schema_to_public()
        connection.set_schema_to_public()
        return store

    def drop(store: Store) -> None:
        connection.set_schema_to_public()
        Membership.objects.filter(store=store).delete()
        Store.objects.get(pk=store.pk).delete(force_drop=True)

    store = own(open_store)
    try:
        yield store
    finally:
        own(lambda: drop(store))
