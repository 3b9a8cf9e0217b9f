"""Store schemas in bulk for the benchmarks: a migrated template schema, and many stores copied from it quickly.

``stores_bulk_create`` replays ``pg_dump --schema=<template>`` once per new schema (about 0.1 s each, two at a
time, instead of seconds through ``store_open``) and inserts the Store rows directly. Every copy is a real migrated
store schema: the template's tables, constraints, indexes, identity sequences and ``django_migrations`` rows; it is
checked afterwards. Needs Django set up and ``pg_dump`` on the PATH.
"""

from __future__ import annotations

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor


def template_schema_create(schema: str) -> tuple[int, int]:
    """CREATE SCHEMA + ``migrate_schemas --tenant -s schema``; return (tables, recorded migrations)."""
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema}"')
    call_command("migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=0)
    connection.set_schema_to_public()
    return schema_shape(schema)


def schema_shape(schema: str) -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", [schema])
        tables = cursor.fetchone()[0]
        cursor.execute(f'SELECT count(*) FROM "{schema}".django_migrations')
        migrations = cursor.fetchone()[0]
    return tables, migrations


def _template_sql(schema: str) -> str:
    from django.db import connection

    params = connection.settings_dict
    dump = subprocess.run(
        ["pg_dump", "-h", params["HOST"] or "127.0.0.1", "-p", str(params["PORT"] or 5432),
         "-U", params["USER"] or "postgres", "-d", params["NAME"], f"--schema={schema}",
         "--inserts", "--no-owner", "--no-privileges", "--no-comments"],
        capture_output=True, text=True, check=True,
    ).stdout
    # Drop psql meta-commands (\restrict) and the search_path reset; every name in the dump is schema-qualified.
    lines = [line for line in dump.splitlines()
             if not line.startswith("\\") and "set_config('search_path'" not in line]
    return "\n".join(lines)


def stores_bulk_create(count: int, *, template: str, prefix: str = "bulk", workers: int = 2) -> list[str]:
    """Create ``count`` stores ``<prefix>-0001``... whose schemas are copies of ``template``; return their schemas."""
    import psycopg
    from django.db import connection

    from stores.models import Store

    sql = _template_sql(template)
    assert f"{template}." in sql, "pg_dump returned no objects of the template schema"
    handles = [f"{prefix}-{number:04d}" for number in range(1, count + 1)]
    schemas = ["st_" + handle.replace("-", "_") for handle in handles]
    started = time.perf_counter()
    params = connection.settings_dict
    conninfo = f"host={params['HOST'] or '127.0.0.1'} port={params['PORT'] or 5432} " \
               f"user={params['USER'] or 'postgres'} dbname={params['NAME']}"

    def replay(names: list[str]) -> None:
        # One transaction per schema: long ones hold the locks of the foreign keys into public tables and slow
        # every later DDL statement; short ones let two connections overlap.
        with psycopg.connect(conninfo) as raw:
            for schema in names:
                with raw.transaction():
                    raw.execute(sql.replace(template, schema).encode())

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(replay, schemas[k::workers]) for k in range(workers)]:
            future.result()
    Store.objects.bulk_create(
        [Store(schema_name=schema, handle=handle, name=f"Bulk store {handle}", home_country="CN",
               base_currency="CNY", default_language="en", timezone="Asia/Shanghai")
         for schema, handle in zip(schemas, handles, strict=True)],
        batch_size=500,
    )
    _check(schemas, template)
    print(f"{count} store schemas copied from {template} in {time.perf_counter() - started:.1f}s", flush=True)
    return schemas


def _check(schemas: list[str], template: str) -> None:
    """Every copy has the template's tables and exactly its django_migrations rows."""
    from django.db import connection

    tables, migrations = schema_shape(template)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ANY(%s)", [schemas]
        )
        assert cursor.fetchone()[0] == tables * len(schemas)
        for start in range(0, len(schemas), 200):
            chunk = schemas[start:start + 200]
            union = " UNION ALL ".join(
                f"SELECT '{schema}' AS s, count(*) AS n FROM \"{schema}\".django_migrations" for schema in chunk
            )
            cursor.execute(f"SELECT s, n FROM ({union}) counts WHERE n <> %s", [migrations])
            wrong = cursor.fetchall()
            assert not wrong, f"schemas without the template's migrations: {wrong[:5]}"

