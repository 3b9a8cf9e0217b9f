"""Figure 1: how long ``stores.services.store_open`` takes to open a new store, by each way of making its schema.

All ways run in the same process against the same fresh database, interleaved store by store (the order rotates
every store) so that drift in the machine or catalog growth hits them equally:

* migrate: ``TENANT_BASE_SCHEMA = ""``, ``TENANT_CREATION_FAKES_MIGRATIONS = False`` (``override_settings``):
  ``CREATE SCHEMA`` then ``migrate_schemas --tenant -s <schema>``, every migration run.
* project (only when settings.py names a TENANT_BASE_SCHEMA): the project's settings as they are. Today that is
  ``Store.create_schema`` copying the template store's schema with ``stores.provisioning.schema_clone``.
* tenants-clone: django-tenants' own way, ``TenantMixin.create_schema`` with TENANT_BASE_SCHEMA and
  TENANT_CREATION_FAKES_MIGRATIONS = True: the PL/pgSQL ``clone_schema()`` copies the template, then
  ``migrate_schemas --fake`` records the migrations. (The project's ``Store.create_schema`` override is
  bypassed for these calls.)

The template is the project's template store (made by the first ``store_open``) or, when settings.py has none, a
schema ``bench_template`` migrated here. The first store of each way is a warm-up (loads the migration graph,
makes the template), reported apart. Each new schema is checked: the template's tables and migrations, and the
"store opened" activity entry. Target: p95 <= 1.0 s.

Then ``--at`` (1,000) stores copied from the template are added and ``--at-stores`` (10) more are opened each way,
to show how each way behaves once the database holds many schemas.

    .venv/bin/python bench/provision_stores.py [--stores 50] [--at 1000] [--at-stores 10]
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any
from unittest import mock

import benchenv
import bulk_stores

DB = "sc_bench_provision"
BENCH_TEMPLATE = "bench_template"
TARGET_P95_S = 1.0


class Phases:
    """Wall time of the parts of a schema creation, by wrapping the functions the ways call."""

    def __init__(self) -> None:
        self.current: dict[str, float] = defaultdict(float)

    def wrap(self, owner: Any, attribute: str, label: str) -> None:
        original = getattr(owner, attribute)
        phases = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                phases.current[label] += time.perf_counter() - started

        setattr(owner, attribute, timed)

    def take(self) -> dict[str, float]:
        taken, self.current = dict(self.current), defaultdict(float)
        return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=50, help="stores opened by each way (default 50)")
    parser.add_argument("--at", type=int, default=1000,
                        help="then add this many stores and measure again (default 1000; 0 skips)")
    parser.add_argument("--at-stores", type=int, default=10, help="stores opened each way at that size (default 10)")
    options = parser.parse_args()

    benchenv.use_env(DB)
    info = benchenv.print_header("Figure 1: store provisioning (stores.services.store_open)")
    benchenv.create_database(DB)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import override_settings
    from django_tenants import models as tenant_models
    from django_tenants.clone import CloneSchema
    from django_tenants.models import TenantMixin

    from accounts.models import User
    from stores import services
    from stores.models import Marketplace, Store
    from stores.platform_data import marketplaces_ensure

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    marketplaces_ensure()
    owner = User.objects.create_user(email="bench-owner@example.com", password="bench-pass-2026", full_name="Bench")
    marketplaces = list(Marketplace.objects.filter(code__in=["US", "UK", "DE", "JP"]))

    project_template = getattr(settings, "TENANT_BASE_SCHEMA", "") or ""
    project_clones = bool(project_template and getattr(settings, "TENANT_CREATION_FAKES_MIGRATIONS", False))
    ways = ["migrate", "project", "tenants-clone"] if project_clones else ["migrate", "tenants-clone"]
    template = project_template if project_clones else BENCH_TEMPLATE
    print(f"settings.py: TENANT_BASE_SCHEMA={project_template!r}, TENANT_CREATION_FAKES_MIGRATIONS="
          f"{getattr(settings, 'TENANT_CREATION_FAKES_MIGRATIONS', False)}; Store.create_schema "
          f"{'overridden by the project' if Store.create_schema is not TenantMixin.create_schema else 'as shipped'}")
    print(f"ways measured: {', '.join(ways)}; template schema: {template}")

    phases = Phases()
    phases.wrap(tenant_models, "call_command", "migrate_schemas")
    phases.wrap(CloneSchema, "_create_clone_schema_function", "create clone_schema() function")
    phases.wrap(CloneSchema, "clone_schema", "clone_schema() incl. function")
    with contextlib.suppress(ImportError):
        from stores import provisioning

        # Store.create_schema imports schema_clone from stores.provisioning when called: wrapping the module works.
        phases.wrap(provisioning, "schema_clone", "stores.provisioning.schema_clone")
    if hasattr(services, "template_ensure"):
        phases.wrap(services, "template_ensure", "template_ensure")

    @contextlib.contextmanager
    def way_context(way: str) -> Iterator[None]:
        if way == "migrate":
            with override_settings(TENANT_BASE_SCHEMA="", TENANT_CREATION_FAKES_MIGRATIONS=False):
                yield
        elif way == "project":
            yield
        else:
            with override_settings(TENANT_BASE_SCHEMA=template, TENANT_CREATION_FAKES_MIGRATIONS=True), \
                    mock.patch.object(Store, "create_schema", TenantMixin.create_schema):
                yield

    shape: dict[str, tuple[int, int]] = {}

    def open_store(way: str, number: int) -> tuple[float, dict[str, float]]:
        handle = f"bench-{way}-{number:04d}"
        phases.take()
        with way_context(way):
            started = time.perf_counter()
            store = services.store_open(
                actor=owner, name=f"Bench {handle}", handle=handle, home_country="CN", base_currency="CNY",
                default_language="en", timezone_name="Asia/Shanghai", marketplaces=marketplaces,
            )
            elapsed = time.perf_counter() - started
        parts = phases.take()
        check_store(store.schema_name)
        return elapsed, parts

    def check_store(schema: str) -> None:
        """The store really has its own migrated schema: the template's tables and migrations, and its entry."""
        connection.set_schema_to_public()
        if "template" not in shape:
            shape["template"] = bulk_stores.schema_shape(template)
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{schema}".audit_activity')
            entries = cursor.fetchone()[0]
        got = bulk_stores.schema_shape(schema)
        assert got == shape["template"] and entries >= 1, (schema, got, shape["template"], entries)

    started = time.perf_counter()
    if project_clones:
        provisioning.template_ensure()
    else:
        bulk_stores.template_schema_create(BENCH_TEMPLATE)
    connection.set_schema_to_public()
    print(f"template schema {template} made in {time.perf_counter() - started:.2f}s")
    warmup = {way: open_store(way, 0)[0] for way in ways}
    tables, migrations = bulk_stores.schema_shape(template)
    print(f"template {template}: {tables} tables, {migrations} recorded migrations")
    print("warm-up (first store of each way in the process, not counted): "
          + ", ".join(f"{way} {seconds:.3f}s" for way, seconds in warmup.items()))

    breakdown: dict[str, dict[str, float]] = {way: defaultdict(float) for way in ways}

    def measure(first: int, count: int) -> dict[str, list[float]]:
        samples: dict[str, list[float]] = {way: [] for way in ways}
        for number in range(first, first + count):
            shift = number % len(ways)
            for way in ways[shift:] + ways[:shift]:
                elapsed, parts = open_store(way, number)
                samples[way].append(elapsed)
                for label, seconds in parts.items():
                    breakdown[way][label] += seconds
            if (number - first + 1) % 10 == 0:
                print(f"  {number - first + 1}/{count} stores opened each way", flush=True)
        return samples

    times = measure(1, options.stores)
    results: dict[str, Any] = {"machine": info, "stores_per_way": options.stores, "warmup_s": warmup,
                               "template": {"schema": template, "tables": tables, "migrations": migrations}}
    print()
    print(f"store_open over {options.stores} new stores each way, starting from a database with no other stores "
          "(seconds):")
    tenth = max(1, options.stores // 5)
    for way in ways:
        stats = benchenv.summary(times[way])
        drift = (benchenv.percentile(times[way][:tenth], 50), benchenv.percentile(times[way][-tenth:], 50))
        results[way] = {"stats_s": stats, "samples_s": times[way], f"p50_first_last_{tenth}_s": drift,
                        "mean_phase_s": {k: v / options.stores for k, v in breakdown[way].items()}}
        verdict = "PASS" if stats["p95"] <= TARGET_P95_S else "FAIL"
        print(f"  {way:<14} {benchenv.fmt(stats, 's', 3)}   target p95 <= {TARGET_P95_S:.1f}s: {verdict}")
        parts = ", ".join(f"{label} {seconds / options.stores * 1000:.0f}ms"
                          for label, seconds in breakdown[way].items())
        print(f"                 mean per store: {parts}")
        print(f"                 p50 of the first {tenth}: {drift[0]:.3f}s, of the last {tenth}: {drift[1]:.3f}s")
    ratios = {}
    for way in ways[1:]:
        ratios[way] = {pct: results["migrate"]["stats_s"][pct] / results[way]["stats_s"][pct] for pct in ("p50", "p95")}
        print(f"  migrate / {way}: p50 {ratios[way]['p50']:.2f}x, p95 {ratios[way]['p95']:.2f}x")
    results["ratio_migrate_over"] = ratios

    if options.at:
        print()
        print(f"adding {options.at} stores (copies of the template) to see store_open at that size ...")
        bulk_stores.stores_bulk_create(options.at, template=template, prefix="bulk")
        # Start again on a fresh connection, as a web worker would have: the check of the copies opened every
        # schema's tables in this one, and a backend that caches 1,000 schemas' relations does DDL much slower.
        connections.close_all()
        breakdown = {way: defaultdict(float) for way in ways}
        existing = Store.objects.count() - 1
        later = measure(options.stores + 1, options.at_stores)
        print(f"store_open over {options.at_stores} new stores each way, with {existing} stores already in the "
              "database (seconds):")
        at: dict[str, Any] = {"existing_stores": existing}
        for way in ways:
            stats = benchenv.summary(later[way])
            at[way] = {"stats_s": stats, "samples_s": later[way],
                       "mean_phase_s": {k: v / options.at_stores for k, v in breakdown[way].items()}}
            verdict = "PASS" if stats["p95"] <= TARGET_P95_S else "FAIL"
            print(f"  {way:<14} {benchenv.fmt(stats, 's', 3)}   p95 <= {TARGET_P95_S:.1f}s: {verdict}")
            parts = ", ".join(f"{label} {seconds / options.at_stores * 1000:.0f}ms"
                              for label, seconds in breakdown[way].items())
            print(f"                 mean per store: {parts}")
        for way in ways[1:]:
            ratio = at["migrate"]["stats_s"]["p50"] / at[way]["stats_s"]["p50"]
            at[f"ratio_p50_migrate_over_{way}"] = ratio
            print(f"  migrate / {way}: p50 {ratio:.2f}x")
        results[f"at_{options.at}"] = at
    benchenv.save_results("provision_stores", results)


if __name__ == "__main__":
    main()
