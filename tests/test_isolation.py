"""Every store URL, enumerated from the store URLconf: isolation between stores, log-in, and permission levels."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from stores.permissions import store_permission_of

SAMPLE_VALUES = {"int": "1", "str": "x", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000001", "path": "x"}


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + _route(entry), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + _route(entry), f"{namespace}{entry.name}", entry.callback


def _route(entry: URLPattern | URLResolver) -> str:
    route = str(entry.pattern)
    for converter, value in SAMPLE_VALUES.items():
        while f"<{converter}:" in route:
            start = route.index(f"<{converter}:")
            route = route[:start] + value + route[route.index(">", start) + 1 :]
    return route


STORE_URLS = list(_walk(get_resolver(settings.STORE_URLCONF).url_patterns))


def test_the_store_urlconf_is_not_empty() -> None:
    assert len(STORE_URLS) >= 15


@pytest.mark.parametrize(("path", "name", "view"), STORE_URLS, ids=[name for _, name, _ in STORE_URLS])
def test_every_store_view_declares_its_permission(path: str, name: str, view: Any) -> None:
    assert store_permission_of(view) is not None, f"{name} declares no module and level"


@pytest.mark.parametrize(("path", "name", "view"), STORE_URLS, ids=[name for _, name, _ in STORE_URLS])
def test_anonymous_is_sent_to_log_in(db: None, path: str, name: str, view: Any) -> None:
    response = Client().get(f"/store/test-a/{path}")
    assert response.status_code == 302
    assert response["Location"].startswith(settings.LOGIN_URL)


@pytest.mark.parametrize(("path", "name", "view"), STORE_URLS, ids=[name for _, name, _ in STORE_URLS])
def test_a_member_of_another_store_gets_404(owner_b: Any, path: str, name: str, view: Any) -> None:
    client = Client()
    client.force_login(owner_b)
    for method in (client.get, client.post):
        response = method(f"/store/test-a/{path}")
        assert response.status_code == 404
        assert b"Store test-a" not in response.content


def test_an_unknown_store_and_a_foreign_store_look_the_same(owner_b: Any) -> None:
    client = Client()
    client.force_login(owner_b)
    unknown = client.get("/store/no-such-store/")
    foreign = client.get("/store/test-a/")
    assert unknown.status_code == foreign.status_code == 404
    # Identical but for the per-response CSRF mask and the requested address echoed in the language switch.
    def normalise(content: bytes, handle: bytes) -> bytes:
        content = re.sub(rb'(X-CSRFToken": "|csrfmiddlewaretoken" value=")[^"]+', rb"\1", content)
        return content.replace(handle, b"HANDLE")

    assert normalise(unknown.content, b"no-such-store") == normalise(foreign.content, b"test-a")


@pytest.mark.parametrize(("path", "name", "view"), STORE_URLS, ids=[name for _, name, _ in STORE_URLS])
def test_a_member_without_the_level_gets_403_naming_it(no_access_a: Any, path: str, name: str, view: Any) -> None:
    permission = store_permission_of(view)
    assert permission is not None
    module, _level, _post = permission
    client = Client()
    client.force_login(no_access_a)
    response = client.get(f"/store/test-a/{path}")
    if module is None:
        # Open to every member; a view of one object that guards it by the object's own module (a job: its
        # module's view level, jobs.views) answers 403, or 404 for an object that does not exist.
        assert response.status_code == 200 or ("1" in path and response.status_code in (403, 404)), name
        return
    assert response.status_code in (403, 405)
    if response.status_code == 405:  # POST-only views: the POST must be refused for the level
        response = client.post(f"/store/test-a/{path}")
        assert response.status_code == 403
    assert str(module.label).encode() in response.content


# Pages that need a password given in the last minutes, even from the Owner (where the store's money goes).
REAUTHENTICATED = {"finance:payout-account-new"}


def test_owner_reaches_every_page_of_their_store(client_a: Client) -> None:
    for path, name, _view in STORE_URLS:
        if "1" in path or "/x/" in path:
            continue  # needs a real object id, or a real key such as an order number
        response = client_a.get(f"/store/test-a/{path}")
        if name in REAUTHENTICATED:  # asks for the password first, then comes back
            assert response.status_code == 302 and "/finance/payouts/confirm/" in response["Location"], name
            continue
        assert response.status_code in (200, 405), name
