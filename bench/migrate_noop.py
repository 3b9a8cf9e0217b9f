"""Figure 2: a no-op ``manage.py migrate_schemas`` over 1,000 stores. Target: <= 60 s.

The 1,000 stores are made quickly: one store schema is migrated for real, then copied 1,000 times (pg_dump of the
schema replayed under each new name, see bench/bulk_stores.py) and the Store rows are inserted directly. Each
copy is a real migrated schema with its own ``django_migrations``; the script checks that, and that the timed
runs apply nothing.

Timed, each in a fresh ``manage.py`` process (``--noinput``, default verbosity, output to a file):

1. ``migrate_schemas --noinput``: the project's executor (stores/migration_executors.py: only stores that are
   behind are migrated), standard and ``--executor=multiprocessing``;
2. the same with one store taken one migration back for real (its notification tables dropped): that store, and
   only that one, must be migrated;
3. the baseline, django-tenants' own executors that migrate every store (``BENCH_PLAIN_EXECUTOR=1``), standard and
   multiprocessing: the ratio. ``--no-baseline`` leaves it out (it takes about 15 minutes at 1,000 stores).

With ``--profile``, it also breaks one store's no-op migrate down by phase (in-process, over ``--profile-stores``
stores, wall time of the functions Django's ``migrate`` calls, exclusive of nested ones).

    .venv/bin/python bench/migrate_noop.py [--stores 1000] [--no-baseline] [--profile] [--profile-stores 200]
"""

from __future__ import annotations

import argparse
import io
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import benchenv
import bulk_stores

DB = "sc_bench_migrate"
TEMPLATE = "bench_template"
TARGET_S = 60.0


def timed_migrate(label: str, args: list[str], env: dict[str, str], logs: Path, stores: int) -> dict[str, Any]:
    log = logs / (re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") + ".log")
    command = [benchenv.PYTHON, "manage.py", "migrate_schemas", *args]
    print(f"  {label:<44} ", end="", flush=True)
    before = os.times()
    started = time.perf_counter()
    with log.open("w") as out:
        done = subprocess.run(command, cwd=benchenv.ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    wall = time.perf_counter() - started
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    text = log.read_text()
    if done.returncode != 0:
        print(text[-3000:])
        raise SystemExit(f"{' '.join(command)} failed with exit code {done.returncode}")
    applying = text.count("Applying ")
    no_op = text.count("No migrations to apply")
    verdict = "PASS" if wall <= TARGET_S else "FAIL"
    print(f"{wall:6.1f}s  ({wall / stores * 1000:.0f} ms/store, Python CPU {cpu:.0f}s)  target <= {TARGET_S:.0f}s: "
          f"{verdict}", flush=True)
    settings = "BENCH_PLAIN_EXECUTOR=1 " if env.get("BENCH_PLAIN_EXECUTOR") == "1" else ""
    return {"command": settings + "manage.py migrate_schemas " + " ".join(args), "wall_s": wall, "python_cpu_s": cpu,
            "ms_per_store": wall / stores * 1000, "applying_lines": applying, "no_op_lines": no_op,
            "pass": wall <= TARGET_S, "log": str(log)}


class PhaseClock:
    """Exclusive wall time per phase: a wrapped function's time minus that of wrapped functions it calls."""

    def __init__(self) -> None:
        self.exclusive: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[float] = []

    def _timed(self, label: str, function: Any) -> Any:
        clock = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            clock._stack.append(0.0)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                total = time.perf_counter() - started
                nested = clock._stack.pop()
                clock.exclusive[label] += total - nested
                clock.calls[label] += 1
                if clock._stack:
                    clock._stack[-1] += total

        return timed

    def wrap(self, owner: Any, attribute: str, label: str) -> None:
        setattr(owner, attribute, self._timed(label, getattr(owner, attribute)))

    def wrap_classmethod(self, owner: Any, attribute: str, label: str) -> None:
        bound = getattr(owner, attribute)
        timed = self._timed(label, bound)
        setattr(owner, attribute, classmethod(lambda cls, *args, **kwargs: timed(*args, **kwargs)))


def profile_phases(schemas: list[str]) -> dict[str, Any]:
    """Run django-tenants' standard executor in this process over ``schemas`` with the CLI's default options."""
    from django.core.management import load_command_class
    from django.core.management.base import BaseCommand
    from django.core.management.commands import migrate as migrate_command
    from django.db import connections
    from django.db.migrations.autodetector import MigrationAutodetector
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder
    from django.db.migrations.state import ProjectState, StateApps
    from django_tenants.migration_executors.standard import StandardExecutor

    clock = PhaseClock()
    clock.wrap(type(connections["default"]), "connect", "open a new database connection (one per store)")
    clock.wrap(MigrationRecorder, "ensure_schema", "ensure django_migrations exists (introspection)")
    clock.wrap(BaseCommand, "check", "system checks (migrate runs them per store)")
    clock.wrap(MigrationLoader, "build_graph", "load migration files and graph, read applied")
    clock.wrap(MigrationLoader, "check_consistent_history", "check consistent history")
    clock.wrap(MigrationExecutor, "_create_project_state", "build project state from migrations")
    clock.wrap(StateApps, "__init__", "render model states (pre- and post-migrate apps)")
    clock.wrap_classmethod(ProjectState, "from_apps", "autodetector: project state from models")
    clock.wrap(MigrationAutodetector, "changes", "autodetector: compare models with migrations")
    clock.wrap(MigrationExecutor, "migrate", "executor.migrate (empty plan)")
    clock.wrap(migrate_command, "emit_pre_migrate_signal", "pre_migrate signal")
    clock.wrap(migrate_command, "emit_post_migrate_signal", "post_migrate signal (contenttypes, permissions)")

    command = load_command_class("django_tenants", "migrate_schemas")
    options = vars(command.create_parser("manage.py", "migrate_schemas").parse_args(["--noinput"]))
    executor = StandardExecutor((), options)
    started = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        executor.run_migrations(tenants=list(schemas))
    total = time.perf_counter() - started
    accounted = sum(clock.exclusive.values())
    phases = dict(sorted(clock.exclusive.items(), key=lambda item: -item[1]))
    phases["other (command set-up, output, signals, ...)"] = total - accounted
    return {"stores": len(schemas), "total_s": total, "ms_per_store": total / len(schemas) * 1000,
            "phases_ms_per_store": {k: v / len(schemas) * 1000 for k, v in phases.items()},
            "calls": dict(clock.calls)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=1000)
    parser.add_argument("--no-baseline", dest="baseline", action="store_false",
                        help="leave out django-tenants' own executors")
    parser.add_argument("--profile", action="store_true", help="profile one store's no-op migrate by phase")
    parser.add_argument("--profile-stores", type=int, default=200)
    options = parser.parse_args()

    env = benchenv.use_env(DB)
    info = benchenv.print_header(f"Figure 2: no-op migrate_schemas over {options.stores} stores")
    benchenv.create_database(DB)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    tables, migrations = bulk_stores.template_schema_create(TEMPLATE)
    print(f"template schema: {tables} tables, {migrations} recorded migrations")
    schemas = bulk_stores.stores_bulk_create(options.stores, template=TEMPLATE, prefix="noop")
    connections.close_all()

    logs = benchenv.RESULTS / "migrate_noop_logs"
    logs.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": info, "stores": options.stores,
                               "template": {"tables": tables, "migrations": migrations}, "runs": {}}
    runs = results["runs"]
    stores = options.stores
    print()
    print(f"no-op migrate_schemas over {stores} stores + public (wall time of the whole command):")
    runs["ours, standard"] = timed_migrate("--noinput (ours, standard)", ["--noinput"], env, logs, stores)
    runs["ours, multiprocessing"] = timed_migrate(
        "--noinput --executor=multiprocessing (ours)", ["--noinput", "--executor=multiprocessing"], env, logs, stores)
    for run in (runs["ours, standard"], runs["ours, multiprocessing"]):
        assert run["applying_lines"] == 0, run
        assert f"{stores} of {stores} stores are up to date; migrating 0" in Path(run["log"]).read_text()

    # One store taken one migration back for real; the deploy must migrate it, and only it.
    behind = schemas[len(schemas) // 2]
    done = subprocess.run([benchenv.PYTHON, "manage.py", "migrate_schemas", "--noinput", "-s", behind, "audit",
                           "0001"], cwd=benchenv.ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert bulk_stores.schema_shape(behind)[1] == migrations - 1
    connections.close_all()
    runs["ours, one store behind"] = timed_migrate("--noinput, one store behind (ours)", ["--noinput"], env, logs,
                                                   stores)
    text = Path(runs["ours, one store behind"]["log"]).read_text()
    assert f"{stores - 1} of {stores} stores are up to date; migrating 1" in text, text[-2000:]
    assert runs["ours, one store behind"]["applying_lines"] == 1, text[-2000:]
    assert "Applying audit.0002_notification_notificationcursor... OK" in text, text[-2000:]
    assert bulk_stores.schema_shape(behind) == (tables, migrations)
    print(f"  (the store left behind, {behind}, was migrated and is whole again)")
    connections.close_all()

    if options.baseline:
        plain_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.bench_settings", "BENCH_PLAIN_EXECUTOR": "1"}
        runs["django-tenants, standard"] = timed_migrate(
            "--noinput (django-tenants, standard)", ["--noinput"], plain_env, logs, stores)
        runs["django-tenants, multiprocessing"] = timed_migrate(
            "--noinput --executor=multiprocessing (django-tenants)", ["--noinput", "--executor=multiprocessing"],
            plain_env, logs, stores)
        for name in ("django-tenants, standard", "django-tenants, multiprocessing"):
            # A real no-op: one "No migrations to apply" per schema (public + stores), nothing applied.
            assert runs[name]["applying_lines"] == 0, runs[name]
            assert runs[name]["no_op_lines"] == stores + 1, runs[name]
        ours = min(runs["ours, standard"]["wall_s"], runs["ours, multiprocessing"]["wall_s"])
        plain = min(runs["django-tenants, standard"]["wall_s"], runs["django-tenants, multiprocessing"]["wall_s"])
        results["ratio_best_plain_over_best_ours"] = plain / ours
        print(f"  best django-tenants / best ours: {plain / ours:.0f}x")

    if options.profile:
        print()
        count = min(options.profile_stores, len(schemas))
        print(f"where a no-op store migrate spends its time (in-process, standard executor, {count} stores):")
        profile = profile_phases(schemas[:count])
        results["profile"] = profile
        for label, ms in profile["phases_ms_per_store"].items():
            print(f"  {ms:7.1f} ms  {label}")
        print(f"  {profile['ms_per_store']:7.1f} ms  per store in total")
        connection.set_schema_to_public()
        connections.close_all()

    print()
    for name, run in runs.items():
        print(f"  {name:<28} {run['wall_s']:6.1f}s  {run['command']}")
    benchenv.save_results("migrate_noop", results)
    print(f"(migrate output in {logs.relative_to(benchenv.ROOT)})")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
