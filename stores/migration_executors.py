"""``migrate_schemas`` that leaves alone the stores that are already up to date.

A no-op ``migrate`` of one schema costs a few hundred milliseconds (system checks, the migration graph, project state
rendered twice, and catalog scans that grow with the number of schemas), so a deploy over 1,000 stores with nothing
to migrate took minutes. This executor reads every store's ``django_migrations`` in a few batched queries first and
hands only the stores that lack a migration on disk to django-tenants' own executor (standard or multiprocessing).

A store counts as up to date only when it has recorded every migration on disk, squashed ones and the ones they
replace included: that is what a full ``migrate`` leaves behind, so a store that ``migrate`` would change is never
skipped. Runs that ask for something specific (an app or migration name, ``--fake``, ``--fake-initial``, ``--plan``,
``--check``, ``--prune``, ``--run-syncdb``) and runs over a single store go through untouched.

Switched on by ``GET_EXECUTOR_FUNCTION = "stores.migration_executors.get_executor"``; django-tenants reads it.
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
    """The schemas, in the order given, that miss a migration on disk or have no ``django_migrations`` table."""
    schemas = list(schemas)
    expected = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    connection = connections[database]
    connection.set_schema_to_public()  # type: ignore[attr-defined]
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
                f"SELECT %s, app, name FROM {quote(schema)}.django_migrations"  # noqa: S608 - quoted schema names
                for schema in present
            )
            cursor.execute(union, present)
            for schema, app, name in cursor.fetchall():
                applied[schema].add((app, name))
    return [schema for schema in schemas if not expected <= applied.get(schema, set())]


def passes_through(options: dict[str, Any], stores: list[str]) -> bool:
    return len(stores) <= 1 or any(options.get(option) for option in PASS_THROUGH_OPTIONS)


def get_executor(codename: str | None = None) -> type:
    base: Any = tenants_get_executor(codename)

    class SkipCurrentStores(base):  # type: ignore[misc, valid-type]
        def run_migrations(self, tenants: Iterable[str] | None = None) -> None:
            tenants = list(tenants or [])
            public = get_public_schema_name()
            stores = [schema for schema in tenants if schema != public]
            if passes_through(self.options, stores):
                return super().run_migrations(tenants=tenants)
            behind = stores_behind(stores, database=self.options.get("database") or "default")
            if int(self.options.get("verbosity", 1)) >= 1:
                self.logger_message(len(stores), len(behind))
            remaining = [schema for schema in tenants if schema == public] + behind
            if remaining:
                super().run_migrations(tenants=remaining)
            return None

        def logger_message(self, total: int, behind: int) -> None:
            print(f"[{self.codename}] {total - behind} of {total} stores are up to date; migrating {behind}",
                  flush=True)

    SkipCurrentStores.__name__ = f"SkipCurrentStores{base.__name__}"
    return SkipCurrentStores
