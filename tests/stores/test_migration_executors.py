"""migrate_schemas skips the stores that are up to date, and still migrates every store that is behind."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django_tenants.migration_executors.standard import StandardExecutor

from accounts.models import User
from stores import migration_executors, services
from stores.models import Marketplace, Membership, Store
from stores.provisioning import schema_missing_migrations
from tests.conftest import ROOT, subprocess_env
from tests.tenancy import connection


def test_up_to_date_stores_are_not_behind(store_a: Store, store_b: Store) -> None:
    assert migration_executors.stores_behind([store_a.schema_name, store_b.schema_name]) == []


def test_a_store_missing_one_migration_is_behind(store_a: Store, store_b: Store) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{store_b.schema_name}".django_migrations '
                       "WHERE app = 'audit' AND name = '0002_notification_notificationcursor'")
    assert migration_executors.stores_behind([store_a.schema_name, store_b.schema_name]) == [store_b.schema_name]


def test_a_schema_without_migration_records_is_behind(store_a: Store) -> None:
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "st_never_migrated"')
    assert migration_executors.stores_behind(["st_never_migrated", store_a.schema_name]) == ["st_never_migrated"]


def test_many_stores_are_read_in_batches(store_a: Store, store_b: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(migration_executors, "BATCH", 1)
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{store_a.schema_name}".django_migrations WHERE app = %s', ["catalog"])
    schemas = [store_a.schema_name, store_b.schema_name, "st_no_such_schema"]
    assert migration_executors.stores_behind(schemas) == [store_a.schema_name, "st_no_such_schema"]


class Recorded:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[list[str]] = []
        monkeypatch.setattr(StandardExecutor, "run_migrations",
                            lambda executor, tenants=None: self.calls.append(list(tenants or [])))


def _executor(**options: Any) -> Any:
    return migration_executors.get_executor("standard")((), {"verbosity": 0, "database": "default", **options})


def test_only_stores_behind_reach_the_migrations(store_a: Store, store_b: Store,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = Recorded(monkeypatch)
    _executor().run_migrations(tenants=[store_a.schema_name, store_b.schema_name])
    assert recorded.calls == []

    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{store_a.schema_name}".django_migrations WHERE app = %s', ["jobs"])
    _executor().run_migrations(tenants=["public", store_a.schema_name, store_b.schema_name])
    assert recorded.calls == [["public", store_a.schema_name]]


@pytest.mark.parametrize("option", ["app_label", "migration_name", "fake", "fake_initial", "plan",
                                    "check_unapplied", "prune", "run_syncdb"])
def test_specific_runs_pass_through(option: str, store_a: Store, store_b: Store,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = Recorded(monkeypatch)
    value = "audit" if option in ("app_label", "migration_name") else True
    _executor(**{option: value}).run_migrations(tenants=[store_a.schema_name, store_b.schema_name])
    assert recorded.calls == [[store_a.schema_name, store_b.schema_name]]


def test_a_single_store_run_passes_through(store_a: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = Recorded(monkeypatch)
    _executor().run_migrations(tenants=[store_a.schema_name])
    assert recorded.calls == [[store_a.schema_name]]


def test_the_multiprocessing_executor_is_wrapped_too() -> None:
    from django_tenants.migration_executors.multiproc import MultiprocessingExecutor

    assert issubclass(migration_executors.get_executor("multiprocessing"), MultiprocessingExecutor)


@pytest.fixture
def committed_store(django_db_blocker: Any) -> Iterator[Store]:
    """A store opened outside any test transaction, so that a ``manage.py`` process sees it; removed afterwards."""
    with django_db_blocker.unblock():
        owner = User.objects.get(email="owner-a@example.com")
        store = services.store_open(
            actor=owner, name="Behind", handle="behind-shop", home_country="CN", base_currency="CNY",
            default_language="en", timezone_name="UTC", marketplaces=Marketplace.objects.filter(code="US"),
        )
        connection.set_schema_to_public()
        try:
            yield store
        finally:
            connection.set_schema_to_public()
            Membership.objects.filter(store=store).delete()
            Store.objects.get(pk=store.pk).delete(force_drop=True)


def _manage(*args: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=subprocess_env(),
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_a_deploy_migrates_the_store_left_behind(committed_store: Store, django_db_blocker: Any) -> None:
    schema = committed_store.schema_name
    # Take the store one migration back for real: its notification tables are dropped.
    _manage("migrate_schemas", "--noinput", "-s", schema, "audit", "0001")
    with django_db_blocker.unblock():
        assert schema_missing_migrations(schema)
        total = Store.objects.exclude(schema_name="public").count()

    output = _manage("migrate_schemas", "--noinput")

    assert f"{total - 1} of {total} stores are up to date; migrating 1" in output
    assert schema in output
    assert "Applying audit.0002_notification_notificationcursor... OK" in output
    assert output.count("Applying ") == 1
    with django_db_blocker.unblock():
        assert not schema_missing_migrations(schema)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM information_schema.tables "
                           "WHERE table_schema = %s AND table_name = 'audit_notification'", [schema])
            assert cursor.fetchone()[0] == 1
