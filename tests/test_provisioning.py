"""A store's schema cloned from the template is the same, object for object and name for name, as one built by
running every migration; opening a store that fails half-way leaves nothing behind."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from stores import services
from stores.models import Marketplace, Store
from stores.provisioning import schema_missing_migrations
from tests.tenancy import connection


def _shape(schema: str) -> dict[str, Any]:
    def rows(sql: str) -> set[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, [schema])
            return {tuple(str(value).replace(f"{schema}.", "S.") for value in row) for row in cursor.fetchall()}

    return {
        "columns": rows("SELECT table_name, column_name, data_type, is_nullable, is_identity, "
                        "coalesce(column_default, '') FROM information_schema.columns WHERE table_schema = %s"),
        "constraints": rows("SELECT t.relname, con.conname, pg_get_constraintdef(con.oid) FROM pg_constraint con "
                            "JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
                            "WHERE n.nspname = %s"),
        # A partial index's predicate prints differently once re-parsed (same meaning): compare up to WHERE.
        "indexes": rows("SELECT indexname, split_part(regexp_replace(indexdef, ' ON [^ ]+\\.', ' ON '), ' WHERE ', 1) "
                        "FROM pg_indexes WHERE schemaname = %s"),
        "triggers": rows("SELECT t.relname, tg.tgname, "
                         "regexp_replace(pg_get_triggerdef(tg.oid), ' ON [^ ]+\\.', ' ON ') "
                         "FROM pg_trigger tg JOIN pg_class t ON t.oid = tg.tgrelid JOIN pg_namespace n "
                         "ON n.oid = t.relnamespace WHERE n.nspname = %s AND NOT tg.tgisinternal"),
        "migrations": rows("SELECT app, name FROM django_migrations WHERE %s IS NOT NULL"),
    }


def _open(owner: Any, handle: str) -> Store:
    return services.store_open(
        actor=owner, name=handle, handle=handle, home_country="CN", base_currency="CNY", default_language="en",
        timezone_name="UTC", marketplaces=Marketplace.objects.filter(code="US"),
    )


def test_a_cloned_schema_equals_a_migrated_one(owner_a: Any) -> None:
    cloned = _open(owner_a, "cloned-shop")
    with override_settings(TENANT_BASE_SCHEMA="", TENANT_CREATION_FAKES_MIGRATIONS=False):
        migrated = _open(owner_a, "migrated-shop")
    connection.set_schema_to_public()
    clone_shape, migrated_shape = _shape(cloned.schema_name), _shape(migrated.schema_name)
    assert clone_shape["columns"] == migrated_shape["columns"]
    assert clone_shape["constraints"] == migrated_shape["constraints"]
    assert clone_shape["indexes"] == migrated_shape["indexes"]
    assert clone_shape["triggers"] == migrated_shape["triggers"]
    assert len(clone_shape["triggers"]) >= 3
    assert len(clone_shape["constraints"]) > 20
    assert not schema_missing_migrations(cloned.schema_name)


def test_a_failure_while_opening_leaves_no_store_and_no_schema(owner_a: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "activity_record", broken)
    with pytest.raises(RuntimeError):
        _open(owner_a, "half-made")
    connection.set_schema_to_public()
    assert not Store.objects.filter(handle="half-made").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'st_half_made'")
        assert cursor.fetchone()[0] == 0
