"""The project's settings with the few overrides a benchmark run needs; everything else is production as is.

Used as ``DJANGO_SETTINGS_MODULE=bench.bench_settings`` by the benchmark scripts (from the project root):

* ``BENCH_STATIC_ROOT``: collect static files into a temporary folder instead of the project's ``.data/static``.
* ``BENCH_SKIP_CURRENT_STORES=1``: ``migrate_schemas`` uses the prototype executor of ``bench/skip_current_executor.py``
  (the proposal of figure 2).
"""

import os

from sellercenter.settings import *  # noqa: F403

if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]

if os.environ.get("BENCH_SKIP_CURRENT_STORES") == "1":
    GET_EXECUTOR_FUNCTION = "bench.skip_current_executor.get_executor"
