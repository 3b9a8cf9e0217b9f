"""Figure 3: URL work per store request, our StoreRoutingMiddleware against django-tenants' TenantSubfolderMiddleware.

A micro-benchmark of the URL part of a request to a store page, in one process, no database and no HTTP:

A. ours (stores/routing.py): the store URLconf's resolver is built once and stays cached; per request the middleware
   only moves the script prefix to ``/store/<handle>/``, then Django resolves the path and the page reverses.
B. the same resolve + reverse of the same store URLconf, but after ``clear_url_caches()`` as TenantSubfolderMiddleware
   does on every request.
C. TenantSubfolderMiddleware's full URL work (its tenant lookup in the database left out): ``clear_url_caches()``, a
   new URLconf module from ``get_subfolder_urlconf()`` (with TENANT_SUBFOLDER_PREFIX = "store" and the store
   URLconf as its root), ``set_urlconf()``, resolve the full path, reverse.

Each is timed two ways, ``--requests`` (5,000) times after a warm-up:
* "resolve + reverse": one resolve() and one reverse() of the store dashboard (the figure asked for);
* "dashboard page": one resolve() plus the reverses the dashboard page really does (8 store URLs from
  templates/_partials/store_nav.html and templates/stores/dashboard.html, 7 public URLs from templates/base.html
  and the dashboard). In C the public URLconf's resolver is rebuilt too, as clear_url_caches() empties all of them.

    .venv/bin/python bench/subfolder_routing.py [--requests 5000]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import benchenv

HANDLE = "sz-electronics"
PATH = f"/store/{HANDLE}/"
STORE_NAMES = ["dashboard", "team:members", "audit:activity-list", "settings:profile",
               "settings:profile", "settings:tax", "team:members", "team:members"]
PUBLIC_NAMES = ["home", "stores:store-list", "stores:store-new", "accounts:language-set", "accounts:profile",
                "accounts:logout", "accounts:two-factor-setup"]


def sample(function: Callable[[], Any], count: int, warmup: int = 200) -> list[float]:
    for _ in range(warmup):
        function()
    times = []
    clock = time.perf_counter
    for _ in range(count):
        started = clock()
        function()
        times.append(clock() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=5000)
    options = parser.parse_args()

    benchenv.use_env("sc_bench_routing")  # settings need a DATABASE_URL; nothing here connects
    info = benchenv.print_header("Figure 3: URL resolution + reverse per store request")

    import django

    django.setup()
    from django.conf import settings
    from django.test import override_settings
    from django.urls import clear_url_caches, get_resolver, resolve, reverse, set_urlconf
    from django_tenants.urlresolvers import get_subfolder_urlconf

    from stores.routing import STORE_PATH, _script_prefix, public_reverse

    store_urlconf = settings.STORE_URLCONF

    # A. ours ---------------------------------------------------------------------------------------------------
    def ours(store_names: list[str], public_names: list[str]) -> Callable[[], None]:
        def request() -> None:
            match = STORE_PATH.match(PATH)
            with _script_prefix(f"/store/{match['handle']}/"):
                set_urlconf(store_urlconf)
                match_ = get_resolver(store_urlconf).resolve(match["rest"])
                assert match_.url_name == "dashboard"
                for name in store_names:
                    reverse(name)
                for name in public_names:
                    public_reverse(name)
            set_urlconf(None)

        return request

    # B. same URLconf, caches cleared ---------------------------------------------------------------------------
    def cleared(store_names: list[str], public_names: list[str]) -> Callable[[], None]:
        inner = ours(store_names, public_names)

        def request() -> None:
            clear_url_caches()
            inner()

        return request

    # C. TenantSubfolderMiddleware's URL work ----------------------------------------------------------------------
    tenant = SimpleNamespace(domain_subfolder=HANDLE)

    def subfolder(store_names: list[str], public_names: list[str]) -> Callable[[], None]:
        def request() -> None:
            clear_url_caches()
            urlconf = get_subfolder_urlconf(tenant)
            set_urlconf(urlconf)
            match_ = resolve(PATH)
            assert match_.url_name == "dashboard"
            for name in store_names:
                reverse(name)
            for name in public_names:
                reverse(name, urlconf=settings.ROOT_URLCONF_PUBLIC)
            set_urlconf(None)

        return request

    # The URLs each way produces must be the same before anything is timed.
    with _script_prefix(f"/store/{HANDLE}/"):
        ours_urls = [reverse(name, urlconf=store_urlconf) for name in STORE_NAMES]
    with override_settings(ROOT_URLCONF=store_urlconf, TENANT_SUBFOLDER_PREFIX="store"):
        subfolder_urls = [reverse(name, urlconf=get_subfolder_urlconf(tenant)) for name in STORE_NAMES]
    assert ours_urls == subfolder_urls, (ours_urls, subfolder_urls)
    print("store URLs, identical both ways: " + " ".join(sorted(set(ours_urls))))
    print()

    results: dict[str, Any] = {"machine": info, "requests": options.requests, "path": PATH}
    public_urlconf = settings.ROOT_URLCONF
    for workload, store_names, public_names in (
        ("resolve + reverse", ["dashboard"], []),
        ("dashboard page", STORE_NAMES, PUBLIC_NAMES),
    ):
        print(f"{workload}: 1 resolve, {len(store_names)} store reverse(s), {len(public_names)} public reverse(s); "
              f"{options.requests} requests each (microseconds per request)")
        clear_url_caches()
        row: dict[str, Any] = {}
        row["A ours (StoreRoutingMiddleware, warm caches)"] = sample(ours(store_names, public_names), options.requests)
        row["B clear_url_caches() + same resolve/reverse"] = sample(cleared(store_names, public_names),
                                                                    options.requests)
        with override_settings(ROOT_URLCONF=store_urlconf, TENANT_SUBFOLDER_PREFIX="store",
                               ROOT_URLCONF_PUBLIC=public_urlconf):
            row["C TenantSubfolderMiddleware URL work"] = sample(subfolder(store_names, public_names),
                                                                options.requests)
        clear_url_caches()
        baseline = benchenv.summary(row["A ours (StoreRoutingMiddleware, warm caches)"], 1e6)
        results[workload] = {}
        for label, times in row.items():
            stats = benchenv.summary(times, 1e6)
            ratio = stats["mean"] / baseline["mean"]
            results[workload][label] = {"stats_us": stats, "ratio_mean_vs_A": ratio,
                                        "ratio_p50_vs_A": stats["p50"] / baseline["p50"]}
            print(f"  {label:<46} {benchenv.fmt(stats, 'us', 1)}  x{ratio:.1f} (mean vs A)")
        print()
    benchenv.save_results("subfolder_routing", results)


if __name__ == "__main__":
    main()
