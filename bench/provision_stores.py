"""Figure 1: how long ``stores.services.store_open`` takes to open a new store, by each way of making its schema.

Ways (the script measures every one in the same run):

* migrate: ``TENANT_BASE_SCHEMA = ""``, ``TENANT_CREATION_FAKES_MIGRATIONS = False`` (``override_settings``):
  ``CREATE SCHEMA`` then ``migrate_schemas --tenant -s <schema>``, every migration run.
* project (only when settings.py names a TENANT_BASE_SCHEMA): the project's settings as they are. Today that is
  ``Store.create_schema`` copying the template store's schema with ``stores.provisioning.schema_clone``.
* tenants-clone: django-tenants' own way, ``TenantMixin.create_schema`` with TENANT_BASE_SCHEMA and
  TENANT_CREATION_FAKES_MIGRATIONS = True: the PL/pgSQL ``clone_schema()`` copies the template, then
  ``migrate_schemas --fake`` records the migrations (the project's ``Store.create_schema`` override is bypassed).

Each way runs in a child process of its own against a fresh database of its own (``sc_bench_provision_<way>``),
one after the other: what one way leaves in the catalogs (django-tenants' clone function re-creates its type and
functions on every call) must not slow the next, and production only ever uses one way. In each:
``migrate_schemas --shared``, the template (the project's template store, or a migrated ``bench_template`` when
settings.py has none), one warm-up store (reported apart), ``--stores`` (50) timed stores; then ``--at`` (1,000)
stores copied from the template are added and ``--at-stores`` (10) more are timed, on a fresh connection. Every
new schema is checked against the template (tables, recorded migrations) and for its "store opened" entry.
Target: p95 <= 1.0 s.

    .venv/bin/python bench/provision_stores.py [--stores 50] [--at 1000] [--at-stores 10] [--ways migrate,project]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import benchenv
import bulk_stores

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


def project_ways() -> tuple[list[str], str, str]:
    """(ways, template schema, description of settings.py), from the project's settings."""
    from django.conf import settings
    from django_tenants.models import TenantMixin

    from stores.models import Store

    project_template = getattr(settings, "TENANT_BASE_SCHEMA", "") or ""
    fakes = getattr(settings, "TENANT_CREATION_FAKES_MIGRATIONS", False)
    project_clones = bool(project_template and fakes)
    ways = ["migrate", "project", "tenants-clone"] if project_clones else ["migrate", "tenants-clone"]
    overridden = Store.create_schema is not TenantMixin.create_schema
    described = (f"TENANT_BASE_SCHEMA={project_template!r}, TENANT_CREATION_FAKES_MIGRATIONS={fakes}; "
                 f"Store.create_schema {'overridden by the project' if overridden else 'as django-tenants ships it'}")
    return ways, (project_template if project_clones else BENCH_TEMPLATE), described


def run_way(way: str, options: argparse.Namespace) -> dict[str, Any]:
    """One way in this process, on its own fresh database."""
    db = "sc_bench_provision_" + way.replace("-", "_")
    benchenv.use_env(db)
    benchenv.create_database(db)

    import django

    django.setup()
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

    _, template, _ = project_ways()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    marketplaces_ensure()
    owner = User.objects.create_user(email="bench-owner@example.com", password="bench-pass-2026", full_name="Bench")
    marketplaces = list(Marketplace.objects.filter(code__in=["US", "UK", "DE", "JP"]))
    provisioning: Any = None
    with contextlib.suppress(ImportError):
        from stores import provisioning
    started = time.perf_counter()
    if template == BENCH_TEMPLATE:
        bulk_stores.template_schema_create(BENCH_TEMPLATE)
    else:
        provisioning.template_ensure()
    connection.set_schema_to_public()
    template_seconds = time.perf_counter() - started
    template_shape = bulk_stores.schema_shape(template)

    phases = Phases()
    phases.wrap(tenant_models, "call_command", "migrate_schemas")
    phases.wrap(CloneSchema, "_create_clone_schema_function", "create clone_schema() function")
    phases.wrap(CloneSchema, "clone_schema", "clone_schema() incl. function")
    if provisioning is not None:
        # Store.create_schema imports schema_clone from stores.provisioning when called: wrapping the module works.
        phases.wrap(provisioning, "schema_clone", "stores.provisioning.schema_clone")
    if hasattr(services, "template_ensure"):
        phases.wrap(services, "template_ensure", "template_ensure")

    @contextlib.contextmanager
    def way_context() -> Iterator[None]:
        if way == "migrate":
            with override_settings(TENANT_BASE_SCHEMA="", TENANT_CREATION_FAKES_MIGRATIONS=False):
                yield
        elif way == "project":
            yield
        else:
            with override_settings(TENANT_BASE_SCHEMA=template, TENANT_CREATION_FAKES_MIGRATIONS=True), \
                    mock.patch.object(Store, "create_schema", TenantMixin.create_schema):
                yield

    def open_store(number: int) -> tuple[float, dict[str, float]]:
        handle = f"bench-{way}-{number:04d}"
        phases.take()
        with way_context():
            started = time.perf_counter()
            store = services.store_open(
                actor=owner, name=f"Bench {handle}", handle=handle, home_country="CN", base_currency="CNY",
                default_language="en", timezone_name="Asia/Shanghai", marketplaces=marketplaces,
            )
            elapsed = time.perf_counter() - started
        parts = phases.take()
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{store.schema_name}".audit_activity')
            entries = cursor.fetchone()[0]
        got = bulk_stores.schema_shape(store.schema_name)
        assert got == template_shape and entries >= 1, (store.schema_name, got, template_shape, entries)
        return elapsed, parts

    def measure(first: int, count: int) -> dict[str, Any]:
        samples: list[float] = []
        breakdown: dict[str, float] = defaultdict(float)
        for number in range(first, first + count):
            elapsed, parts = open_store(number)
            samples.append(elapsed)
            for label, seconds in parts.items():
                breakdown[label] += seconds
        return {"stats_s": benchenv.summary(samples), "samples_s": samples,
                "mean_phase_ms": {label: seconds / count * 1000 for label, seconds in breakdown.items()}}

    result: dict[str, Any] = {"way": way, "template": template, "template_s": template_seconds,
                              "template_tables_migrations": template_shape}
    result["warmup_s"] = open_store(0)[0]
    result["fresh"] = measure(1, options.stores)
    if options.at:
        bulk_stores.stores_bulk_create(options.at, template=template, prefix="bulk")
        # Measure on a fresh connection, as a web worker would have: the check of the copies opened every copy's
        # tables on this one.
        connections.close_all()
        result["existing_stores"] = Store.objects.count()
        result["at"] = measure(options.stores + 1, options.at_stores)
    return result


def print_way(result: dict[str, Any], key: str) -> None:
    stats = result[key]["stats_s"]
    verdict = "PASS" if stats["p95"] <= TARGET_P95_S else "FAIL"
    print(f"  {result['way']:<14} {benchenv.fmt(stats, 's', 3)}   p95 <= {TARGET_P95_S:.1f}s: {verdict}")
    parts = ", ".join(f"{label} {ms:.0f}ms" for label, ms in result[key]["mean_phase_ms"].items())
    print(f"  {'':<14} mean per store: {parts}")
    if key == "fresh":
        samples = result[key]["samples_s"]
        tenth = max(1, len(samples) // 5)
        print(f"  {'':<14} p50 of the first {tenth}: {benchenv.percentile(samples[:tenth], 50):.3f}s, "
              f"of the last {tenth}: {benchenv.percentile(samples[-tenth:], 50):.3f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=50, help="stores opened by each way (default 50)")
    parser.add_argument("--at", type=int, default=1000,
                        help="then add this many stores and measure again (default 1000; 0 skips)")
    parser.add_argument("--at-stores", type=int, default=10, help="stores opened each way at that size (default 10)")
    parser.add_argument("--ways", help="comma-separated subset of the ways (default: all that apply)")
    parser.add_argument("--way", help=argparse.SUPPRESS)  # internal: run one way in this process
    parser.add_argument("--out", help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.way:
        Path(options.out).write_text(json.dumps(run_way(options.way, options)))
        return

    benchenv.use_env("sc_bench_provision")
    info = benchenv.print_header("Figure 1: store provisioning (stores.services.store_open)")
    import django

    django.setup()
    ways, template, described = project_ways()
    if options.ways:
        ways = [way for way in options.ways.split(",") if way in ways]
    print(f"settings.py: {described}")
    print(f"ways: {', '.join(ways)}; template schema: {template}; each way in its own process and database")
    print()

    results: dict[str, Any] = {"machine": info, "settings": described, "stores_per_way": options.stores,
                               "at": options.at, "at_stores": options.at_stores, "ways": {}}
    with tempfile.TemporaryDirectory() as folder:
        for way in ways:
            out = Path(folder) / f"{way}.json"
            started = time.perf_counter()
            subprocess.run(
                [benchenv.PYTHON, __file__, "--way", way, "--out", str(out), "--stores", str(options.stores),
                 "--at", str(options.at), "--at-stores", str(options.at_stores)],
                cwd=benchenv.ROOT, check=True,
            )
            results["ways"][way] = json.loads(out.read_text())
            print(f"  ({way}: done in {time.perf_counter() - started:.0f}s, load average "
                  f"{' '.join(f'{v:.2f}' for v in os.getloadavg())})", flush=True)

    by_way = results["ways"]
    first = next(iter(by_way.values()))
    tables, migrations = first["template_tables_migrations"]
    print()
    print(f"template {template}: {tables} tables, {migrations} recorded migrations; warm-up (first store, "
          "not counted): " + ", ".join(f"{way} {r['warmup_s']:.3f}s" for way, r in by_way.items()))
    print(f"store_open over {options.stores} new stores each way, in a database with no other stores (seconds):")
    for result in by_way.values():
        print_way(result, "fresh")
    ratios: dict[str, Any] = {}
    for way in ways:
        if way != "migrate" and "migrate" in by_way:
            ratios[way] = {pct: by_way["migrate"]["fresh"]["stats_s"][pct] / by_way[way]["fresh"]["stats_s"][pct]
                           for pct in ("p50", "p95")}
            print(f"  migrate / {way}: p50 {ratios[way]['p50']:.2f}x, p95 {ratios[way]['p95']:.2f}x")
    results["ratio_migrate_over"] = ratios
    if options.at:
        print()
        print(f"store_open over {options.at_stores} new stores each way, once {options.at} more stores exist "
              f"({first['existing_stores']} store rows with the template), on a fresh connection (seconds):")
        for result in by_way.values():
            print_way(result, "at")
        for way in ways:
            if way != "migrate" and "migrate" in by_way:
                ratio = by_way["migrate"]["at"]["stats_s"]["p50"] / by_way[way]["at"]["stats_s"]["p50"]
                ratios[way]["p50_at"] = ratio
                print(f"  migrate / {way}: p50 {ratio:.2f}x")
    benchenv.save_results("provision_stores", results)


if __name__ == "__main__":
    main()
