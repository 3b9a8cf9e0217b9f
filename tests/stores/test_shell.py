"""The page shell: the store switcher loads the person's own stores when opened, and the store navigation, kept
once rendered, always shows what the role, the language, the page and the store's name call for."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sellercenter.kept import Kept
from stores.models import Role, Store
from stores.permissions import Level, Module
from stores.templatetags import shell
from tests.stores.factories import RoleFactory, client_for, member_add

pytestmark = pytest.mark.django_db


def _nav(html: bytes) -> str:
    found = re.search(r'<nav id="sc-nav".*?</nav>', html.decode(), re.S)
    assert found, "no store navigation on the page"
    return found.group(0)


def test_the_switcher_lists_only_the_persons_own_stores_and_marks_the_current_one(client_a: Client,
                                                                                 store_b: Store) -> None:
    page = client_a.get("/store/test-a/")
    assert page.status_code == 200
    assert b'hx-get="/stores/switcher/?current=test-a"' in page.content
    assert store_b.name.encode() not in page.content  # nothing is listed until the switcher is opened

    response = client_a.get("/stores/switcher/", {"current": "test-a"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    items = response.content.decode()
    assert 'href="/store/test-a/"' in items and 'aria-current="true"' in items
    assert "test-b" not in items  # owner A is not a member of store B


def test_the_switcher_of_a_person_in_two_stores_lists_both(store_a: Store, store_b: Store) -> None:
    membership = member_add(store_a, "admin")
    member_add(store_b, "owner", user=membership.user)
    items = client_for(membership.user).get("/stores/switcher/").content.decode()
    assert 'href="/store/test-a/"' in items and 'href="/store/test-b/"' in items
    assert 'aria-current' not in items  # opened outside a store


def test_the_switcher_needs_a_login() -> None:
    response = Client().get("/stores/switcher/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_navigation_follows_the_role_even_once_kept(store_a: Store, client_a: Client) -> None:
    role = RoleFactory.create(store=store_a, levels={Module.CATALOG.value: Level.VIEW})
    member = client_for(member_add(store_a, role).user)
    owner_nav = _nav(client_a.get("/store/test-a/").content)
    member_nav = _nav(member.get("/store/test-a/").content)
    assert "/store/test-a/orders/" in owner_nav
    assert "/store/test-a/catalog/products/" in member_nav and "/store/test-a/orders/" not in member_nav

    Role.objects.filter(pk=role.pk).update(levels={Module.CATALOG.value: Level.VIEW, Module.ORDERS.value: Level.VIEW})
    assert "/store/test-a/orders/" in _nav(member.get("/store/test-a/").content)


def test_the_navigation_marks_the_page_and_speaks_the_language(client_a: Client) -> None:
    products = _nav(client_a.get("/store/test-a/catalog/products/").content)
    assert re.search(r'class="nav-link active" href="/store/test-a/catalog/products/" aria-current="page"', products)
    orders = _nav(client_a.get("/store/test-a/orders/").content)
    assert 'href="/store/test-a/catalog/products/" aria-current' not in orders
    assert re.search(r'class="nav-link active" href="/store/test-a/orders/" aria-current="page"', orders)

    chinese = _nav(client_a.get("/store/test-a/orders/", HTTP_ACCEPT_LANGUAGE="zh-hans").content)
    assert "商品" in chinese and "Products" not in chinese


def test_the_notifications_page_marks_no_navigation_entry(client_a: Client) -> None:
    """Notifications are reached from the header's bell; the activity log (same module) is not the page shown."""
    activity = _nav(client_a.get("/store/test-a/activity/").content)
    assert re.search(r'class="nav-link active" href="/store/test-a/activity/"', activity)
    notifications = _nav(client_a.get("/store/test-a/activity/notifications/").content)
    assert "nav-link active" not in notifications


def test_a_renamed_store_shows_its_new_name(client_a: Client, store_a: Store) -> None:
    assert store_a.name in _nav(client_a.get("/store/test-a/").content)
    Store.objects.filter(pk=store_a.pk).update(name="Renamed Lamps")
    assert "Renamed Lamps" in _nav(client_a.get("/store/test-a/").content)


def test_the_kept_navigations_are_bounded(client_a: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shell, "_navs", Kept(2))
    for page in ("", "catalog/products/", "orders/", "catalog/stock/"):
        assert client_a.get(f"/store/test-a/{page}").status_code == 200
    assert len(shell._navs) <= 2


@pytest.mark.parametrize("language", ["en", "zh-hans", "de", "ja"])
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York"])
def test_times_read_as_babel_writes_them(language: str, zone: str) -> None:
    import datetime as dt
    import zoneinfo

    from babel.dates import format_datetime
    from django.utils import timezone, translation

    from stores.reference import babel_locale

    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        for minutes in range(0, 60 * 24 * 400, 997):  # a year of times, both sides of summer time
            value = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
            for style in ("short", "medium", "long"):
                assert shell.when(value, style) == format_datetime(
                    timezone.localtime(value), format=style, tzinfo=timezone.get_current_timezone(),
                    locale=babel_locale())
