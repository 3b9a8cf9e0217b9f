"""Prototype of the proposal of figure 2: ``migrate_schemas`` skips the stores that are already up to date.

A no-op ``migrate`` costs about 100 ms of CPU per schema (it renders the project state twice, runs the system checks
and the autodetector, and opens a new connection), so 1,000 stores take minutes even with nothing to do. This
executor first reads every store's ``django_migrations`` in a few batched queries and hands only the stores that
lack a migration present on disk to django-tenants' own executor (standard or multiprocessing, unchanged).

A store counts as up to date only when it has recorded every migration on disk, squashed ones and the ones they
replace included: that is what a full ``migrate`` leaves behind, so a store is never skipped that ``migrate``
would have changed. Runs that ask for something specific (an app or migration name, ``--fake``, ``--plan``,
``--check``, ``--prune``, ``--run-syncdb``) and single-schema runs are passed through untouched.

Enable with ``GET_EXECUTOR_FUNCTION = "<module>.get_executor"`` in settings (django-tenants reads it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django_tenants.migration_executors import get_executor as tenants_get_executor
from django_tenants.utils import get_public_schema_name

PASS_THROUGH_OPTIONS = ("app_label", "migration_name", "fake", "fake_initial", "plan", "check_unapplied", "prune",
                        "run_syncdb")
BATCH = 200


def stores_behind(schemas: Iterable[str], *, database: str = "default") -> list[str]:
    """The schemas, in the given order, that miss a migration on disk or have no django_migrations table."""
    schemas = list(schemas)
    expected = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    connection = connections[database]
    connection.set_schema_to_public()
    quote = connection.ops.quote_name
    applied: dict[str, set[tuple[str, str]]] = defaultdict(set)
    with connection.cursor() as cursor:
        for start in range(0, len(schemas), BATCH):
            chunk = schemas[start:start + BATCH]
            cursor.execute(
                "SELECT table_schema FROM information_schema.tables "
                "WHERE table_name = 'django_migrations' AND table_schema = ANY(%s)", [chunk],
            )
            present = [row[0] for row in cursor.fetchall()]
            if not present:
                continue
            union = " UNION ALL ".join(
                f"SELECT %s, app, name FROM {quote(schema)}.django_migrations" for schema in present
            )
            cursor.execute(union, present)
            for schema, app, name in cursor.fetchall():
                applied[schema].add((app, name))
    return [schema for schema in schemas if not expected <= applied.get(schema, set())]


def get_executor(codename: str | None = None) -> type:
    base: Any = tenants_get_executor(codename)

    class SkipCurrentStores(base):  # type: ignore[misc, valid-type]
        def run_migrations(self, tenants: Iterable[str] | None = None) -> None:
            tenants = list(tenants or [])
            public = get_public_schema_name()
            stores = [schema for schema in tenants if schema != public]
            if len(stores) <= 1 or any(self.options.get(option) for option in PASS_THROUGH_OPTIONS):
                return super().run_migrations(tenants=tenants)
            behind = stores_behind(stores, database=self.options.get("database") or "default")
            if int(self.options.get("verbosity", 1)) >= 1:
                print(f"[{self.codename}] {len(stores) - len(behind)} of {len(stores)} stores are up to date; "
                      f"migrating {len(behind)}", flush=True)
            return super().run_migrations(tenants=[s for s in tenants if s == public] + behind)

    return SkipCurrentStores
