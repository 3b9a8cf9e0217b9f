"""The project's settings with the few overrides a benchmark run needs; everything else is production as is.

Used as ``DJANGO_SETTINGS_MODULE=bench.bench_settings`` by the benchmark scripts (from the project root):

* ``BENCH_STATIC_ROOT``: collect static files into a temporary folder instead of the project's ``.data/static``.
* ``BENCH_PLAIN_EXECUTOR=1``: ``migrate_schemas`` uses django-tenants' own executors, which migrate every store
  (the baseline of figure 2), instead of the project's, which migrates only the stores that are behind.
"""

import os

from sellercenter.settings import *  # noqa: F403

if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]

if os.environ.get("BENCH_PLAIN_EXECUTOR") == "1":
    GET_EXECUTOR_FUNCTION = "django_tenants.migration_executors.get_executor"
