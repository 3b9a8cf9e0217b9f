"""How a new store gets its schema: by cloning a migrated template schema instead of running every migration.

The template is a Store row of its own (schema ``store_template``) that no one is a member of, so
``migrate_schemas`` keeps it current with every release. A new store's schema is a copy of it, and its migrations
are recorded as applied. If the template is missing, it is made first (this takes as long as migrating once).
"""

from __future__ import annotations

import functools
import re

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django_tenants.utils import schema_exists

from .models import Store

TEMPLATE_HANDLE = "store-template"
SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def template_schema_name() -> str:
    return str(getattr(settings, "TENANT_BASE_SCHEMA", "") or "")


def template_ensure() -> Store | None:
    """Create the template store and its migrated schema if they do not exist yet. Safe to call concurrently."""
    schema = template_schema_name()
    if not schema:
        return None
    existing = Store.objects.filter(schema_name=schema).first()
    if existing is not None and schema_exists(schema):
        return existing
    with transaction.atomic():
        # One creator at a time; the others wait here and then find it made.
        Store.objects.select_for_update().filter(schema_name=schema).first()
        existing = Store.objects.filter(schema_name=schema).first()
        if existing is None:
            existing = Store(
                schema_name=schema, handle=TEMPLATE_HANDLE, name="Store template (internal)",
                home_country="CN", base_currency="USD", default_language="en", timezone="UTC",
                status=Store.Status.SUSPENDED, suspension_reason="Template for new stores; not a real store.",
                created_at=timezone.now(),
            )
            existing.save(verbosity=0)  # migrates the schema: no template exists to clone from yet
        elif not schema_exists(schema):
            existing.create_schema(check_if_exists=True, verbosity=0)
    return existing


_CONSTRAINT_ORDER = {"p": 0, "u": 1, "c": 2, "x": 3, "f": 4}


def schema_clone(*, source: str, target: str) -> None:
    """Copy the structure of schema ``source`` (tables, keys, constraints, indexes, triggers, identity columns, all
    under their own names) and its recorded migrations into a new schema ``target``.

    It does what django-tenants' clone function does for the objects Django creates, with a handful of
    catalogue queries instead of a PL/pgSQL walk over every object, which keeps opening a store well under a
    second as the number of store tables grows. Runs inside the caller's transaction.
    """
    for name in (source, target):
        if not SCHEMA_NAME.fullmatch(name):  # the names are spliced into DDL below
            raise ValueError(f"Not a valid schema name: {name!r}")
    connection.set_schema_to_public()  # type: ignore[attr-defined]  # only public on the search path: template objects print qualified
    prefix, new_prefix = f"{source}.", f'"{target}".'
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY c.relname", [source],
        )
        tables = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT t.relname, con.conname, con.contype, pg_get_constraintdef(con.oid) "
            "FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = %s AND con.contype <> 't'", [source],
        )
        constraints = sorted(cursor.fetchall(), key=lambda row: (_CONSTRAINT_ORDER.get(row[2], 9), row[0], row[1]))
        cursor.execute(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = %s "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)", [source],
        )
        indexes = [row[0] for row in cursor.fetchall()]
        # Triggers the migrations made (the ledger's rules); constraint triggers make their own pg_constraint row.
        cursor.execute(
            "SELECT pg_get_triggerdef(tg.oid) FROM pg_trigger tg JOIN pg_class t ON t.oid = tg.tgrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = %s AND NOT tg.tgisinternal "
            "ORDER BY t.relname, tg.tgname", [source],
        )
        triggers = [row[0] for row in cursor.fetchall()]

        statements = [f'CREATE SCHEMA "{target}"']
        statements += [
            f'CREATE TABLE "{target}"."{table}" (LIKE "{source}"."{table}" INCLUDING DEFAULTS INCLUDING IDENTITY '
            f"INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS)"
            for table in tables
        ]
        statements += [
            f'ALTER TABLE "{target}"."{table}" ADD CONSTRAINT "{name}" {definition.replace(prefix, new_prefix)}'
            for table, name, _kind, definition in constraints
        ]
        statements += [definition.replace(f" ON {prefix}", f" ON {new_prefix}") for definition in indexes]
        statements += [definition.replace(f" ON {prefix}", f" ON {new_prefix}") for definition in triggers]
        statements.append(
            f'INSERT INTO "{target}".django_migrations (app, name, applied) '  # noqa: S608 - checked names
            f'SELECT app, name, applied FROM "{source}".django_migrations ORDER BY id'
        )
        cursor.execute(";\n".join(statements))


@functools.cache
def _store_migrations() -> frozenset[tuple[str, str]]:
    """Every migration of the store apps, read from disk once per process."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    store_apps = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}
    return frozenset(key for key in loader.disk_migrations if key[0] in store_apps)


def schema_missing_migrations(schema: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')  # noqa: S608 - a schema name
        applied = set(cursor.fetchall())
    return bool(_store_migrations() - applied)
