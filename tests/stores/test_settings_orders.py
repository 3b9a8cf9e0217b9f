"""The store's order settings page: what happens to orders without stock and when unshipped orders are cancelled.
Anyone who may view settings reads it; only settings:manage saves it; bad values are refused with a message; each
change goes to the activity log."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import User
from stores.models import Store
from stores.permissions import NO_ACCESS, Level
from tests.stores.factories import RoleFactory, activities, client_for, member_add

pytestmark = pytest.mark.django_db

PAGE = "/store/test-a/settings/orders/"


def _member_with(store: Store, settings: Level) -> Client:
    role = RoleFactory.create(store=store, levels={**NO_ACCESS, "settings": int(settings)})
    return client_for(member_add(store, role).user)


def test_the_page_explains_each_choice_and_shows_the_current_values(client_a: Client, store_a: Store) -> None:
    response = client_a.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="nav-link active" href="/store/test-a/settings/orders/"' in html
    assert re.search(r'<input type="radio" name="orders_without_stock" value="hold"[^>]* checked>', html)
    assert not re.search(r'value="reject"[^>]* checked>', html)
    assert 'name="orders_auto_cancel_days" value="30"' in html
    assert "marked “Needs attention”" in html and "with the reason “Out of stock”" in html
    assert "with the reason “Not shipped in time”" in html
    assert "Orders whose buyer asked to cancel, and orders already partly shipped" in html


def test_a_manager_saves_and_the_change_is_logged_once(client_a: Client, store_a: Store, owner_a: User) -> None:
    response = client_a.post(PAGE, {"orders_without_stock": "reject", "orders_auto_cancel_days": "7"})
    assert response.status_code == 302 and response["Location"] == PAGE
    store_a.refresh_from_db()
    assert (store_a.orders_without_stock, store_a.orders_auto_cancel_days) == ("reject", 7)
    (entry,) = activities(store_a, "store.order_settings_changed")
    assert entry.actor_email == owner_a.email
    assert entry.changes == {"orders_auto_cancel_days": [30, 7], "orders_without_stock": ["hold", "reject"]}
    assert "Order settings are saved." in client_a.get(response["Location"]).content.decode()

    # Saving the same values again changes nothing and logs nothing.
    client_a.post(PAGE, {"orders_without_stock": "reject", "orders_auto_cancel_days": "7"})
    assert len(activities(store_a, "store.order_settings_changed")) == 1


@pytest.mark.parametrize(("days", "choice"), [("2", "hold"), ("91", "hold"), ("ten", "hold"), ("", "hold"),
                                              ("3.5", "hold"), ("30", "drop"), ("30", "")])
def test_bad_values_are_refused_with_a_message(client_a: Client, store_a: Store, days: str, choice: str) -> None:
    response = client_a.post(PAGE, {"orders_without_stock": choice, "orders_auto_cancel_days": days})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="invalid-feedback d-block" role="alert"' in html
    if choice == "hold":
        assert "Enter a whole number of days between 3 and 90." in html or "This field is required." in html
    store_a.refresh_from_db()
    assert (store_a.orders_without_stock, store_a.orders_auto_cancel_days) == ("hold", 30)
    assert activities(store_a, "store.order_settings_changed") == []


def test_the_edges_of_the_window_are_accepted(client_a: Client, store_a: Store) -> None:
    for days in (3, 90):
        assert client_a.post(PAGE, {"orders_without_stock": "hold", "orders_auto_cancel_days": str(days)}
                             ).status_code == 302
        store_a.refresh_from_db()
        assert store_a.orders_auto_cancel_days == days


def test_the_service_refuses_values_outside_the_window(store_a: Store, owner_a: User) -> None:
    from sellercenter.errors import DomainError
    from stores.services import store_update_order_settings

    with pytest.raises(DomainError) as refused:
        store_update_order_settings(actor=owner_a, store=store_a, orders_without_stock="hold",
                                    orders_auto_cancel_days=120)
    assert refused.value.field == "orders_auto_cancel_days"
    with pytest.raises(DomainError):
        store_update_order_settings(actor=owner_a, store=store_a, orders_without_stock="maybe",
                                    orders_auto_cancel_days=30)
    store_a.refresh_from_db()
    assert (store_a.orders_without_stock, store_a.orders_auto_cancel_days) == ("hold", 30)


@pytest.mark.parametrize("level", [Level.VIEW, Level.EDIT])
def test_viewers_and_editors_read_it_but_cannot_change_it(store_a: Store, level: Level) -> None:
    client = _member_with(store_a, level)
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<fieldset disabled>" in html and '<button class="btn btn-primary" type="submit">' not in html
    assert "Only members who manage the store's settings can change these." in html
    refused = client.post(PAGE, {"orders_without_stock": "reject", "orders_auto_cancel_days": "7"})
    assert refused.status_code == 403
    store_a.refresh_from_db()
    assert (store_a.orders_without_stock, store_a.orders_auto_cancel_days) == ("hold", 30)


def test_a_manager_who_is_not_the_owner_may_change_it(store_a: Store) -> None:
    client = _member_with(store_a, Level.MANAGE)
    response = client.post(PAGE, {"orders_without_stock": "reject", "orders_auto_cancel_days": "14"})
    assert response.status_code == 302
    store_a.refresh_from_db()
    assert store_a.orders_auto_cancel_days == 14


def test_without_settings_access_the_page_is_refused(no_access_a: User) -> None:
    client = client_for(no_access_a)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"orders_without_stock": "reject", "orders_auto_cancel_days": "7"}).status_code == 403
