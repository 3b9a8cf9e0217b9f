"""Opening a store through POST /stores/new/: the row, its schema, its roles, its Owner, and all-or-nothing failure."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from stores.models import Marketplace, Membership, Role, Store
from stores.services import RESERVED_HANDLES, schema_name_for
from tests.stores.factories import UserFactory, activities, client_for, schema_exists, tables_in_schema

pytestmark = pytest.mark.django_db


def _form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Pearl River Gadgets",
        "handle": "pearl-river",
        "home_country": "CN",
        "base_currency": "CNY",
        "default_language": "en",
        "timezone": "Asia/Shanghai",
        "marketplaces": list(Marketplace.objects.filter(code__in=["US", "JP"]).values_list("pk", flat=True)),
    }
    data.update(overrides)
    return data


@pytest.fixture
def seller() -> User:
    return UserFactory.create(email="seller@example.test")


@pytest.fixture
def seller_client(seller: User) -> Client:
    return client_for(seller)


def test_opening_a_store_provisions_the_row_schema_roles_owner_and_activity(
    seller: User, seller_client: Client, store_a: Store
) -> None:
    response = seller_client.post("/stores/new/", _form())

    assert response.status_code == 302
    assert response["Location"] == "/store/pearl-river/"
    store = Store.objects.get(handle="pearl-river")
    assert store.schema_name == "st_pearl_river"
    assert (store.name, store.home_country, store.base_currency, store.default_language, store.timezone) == (
        "Pearl River Gadgets", "CN", "CNY", "en", "Asia/Shanghai",
    )
    assert sorted(store.marketplaces.values_list("code", flat=True)) == ["JP", "US"]

    assert schema_exists("st_pearl_river")
    assert "audit_activity" in tables_in_schema("st_pearl_river")
    # Store tables live only in store schemas, shared tables only in public.
    assert "stores_store" not in tables_in_schema("st_pearl_river")

    roles = Role.objects.filter(store=store)
    assert sorted(roles.values_list("kind", flat=True)) == [Role.Kind.ADMIN, Role.Kind.OWNER]
    membership = Membership.objects.get(store=store)
    assert membership.user == seller
    assert membership.role.kind == Role.Kind.OWNER

    [opened] = activities(store)
    assert opened.action == "store.opened"
    assert opened.actor_email == seller.email
    assert opened.object_id == str(store.pk)
    assert opened.changes == {"marketplaces": [None, ["JP", "US"]]}
    assert not [a for a in activities(store_a, "store.opened") if a.object_id == str(store.pk)]

    dashboard = seller_client.get(response["Location"])
    assert dashboard.status_code == 200
    assert b"Pearl River Gadgets" in dashboard.content


def test_the_new_store_is_not_reachable_by_someone_else(seller_client: Client, owner_b: User) -> None:
    assert seller_client.post("/stores/new/", _form()).status_code == 302
    assert client_for(owner_b).get("/store/pearl-river/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in() -> None:
    response = Client().post("/stores/new/", _form())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Store.objects.filter(handle="pearl-river").exists()


@pytest.mark.parametrize("handle", ["admin", "static", "new", "store-template", "healthz"])
def test_a_reserved_handle_is_refused_with_a_clear_message(seller_client: Client, handle: str) -> None:
    assert handle in RESERVED_HANDLES
    stores_before = Store.objects.count()

    response = seller_client.post("/stores/new/", _form(handle=handle))

    assert response.status_code == 200
    assert response.context["form"].errors["handle"] == ["This handle is reserved. Please choose another."]
    assert b"This handle is reserved. Please choose another." in response.content
    assert Store.objects.count() == stores_before
    assert not schema_exists(schema_name_for(handle))


def test_a_taken_handle_is_refused(seller: User, seller_client: Client, store_b: Store) -> None:
    response = seller_client.post("/stores/new/", _form(handle="test-b", name="Impostor"))

    assert response.status_code == 200
    assert response.context["form"].errors["handle"] == ["This handle is already taken."]
    store_b.refresh_from_db()
    assert store_b.name == "Store test-b"
    assert not Membership.objects.filter(user=seller).exists()
    assert [m.user.email for m in Membership.objects.filter(store=store_b)] == ["owner-b@example.com"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("handle", "ab", "Use 3 to 40 lowercase letters, digits and hyphens"),
        ("handle", "Pearl_River", "Use 3 to 40 lowercase letters, digits and hyphens"),
        ("handle", "-pearl", "Use 3 to 40 lowercase letters, digits and hyphens"),
        ("handle", "pearl-", "Use 3 to 40 lowercase letters, digits and hyphens"),
        ("handle", "x" * 41, "Ensure this value has at most 40 characters"),
        ("base_currency", "ZZZ", "Select a valid choice. ZZZ is not one of the available choices."),
        ("base_currency", "", "This field is required."),
        ("timezone", "Mars/Olympus_Mons", "Select a valid choice. Mars/Olympus_Mons is not one of the available"),
        ("home_country", "XX", "Select a valid choice. XX is not one of the available choices."),
        ("default_language", "klingon", "Select a valid choice."),
        ("marketplaces", [], "This field is required."),
        ("name", "", "This field is required."),
    ],
)
def test_invalid_input_is_refused_with_a_field_error(
    seller: User, seller_client: Client, field: str, value: Any, message: str
) -> None:
    stores_before = Store.objects.count()

    response = seller_client.post("/stores/new/", _form(**{field: value}))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert errors[field][0].startswith(message)
    assert Store.objects.count() == stores_before
    assert not Membership.objects.filter(user=seller).exists()
    assert not schema_exists("st_pearl_river")


def test_a_failure_midway_leaves_no_store_row_and_no_schema(
    seller: User, seller_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def audit_down(**kwargs: Any) -> None:
        # By now the row, the schema with its tables, the roles and the membership all exist.
        assert schema_exists("st_pearl_river")
        assert Store.objects.filter(handle="pearl-river").exists()
        raise RuntimeError("the activity log is unavailable")

    monkeypatch.setattr("stores.services.activity_record", audit_down)

    with pytest.raises(RuntimeError, match="activity log is unavailable"):
        seller_client.post("/stores/new/", _form())

    assert not Store.objects.filter(handle="pearl-river").exists()
    assert not schema_exists("st_pearl_river")
    assert not Membership.objects.filter(user=seller).exists()
    assert not Role.objects.filter(store__handle="pearl-river").exists()

    # Nothing is left half-done: the same handle can be opened once the fault is gone.
    monkeypatch.undo()
    assert seller_client.post("/stores/new/", _form()).status_code == 302
    assert schema_exists("st_pearl_river")


def test_submitting_the_same_form_twice_opens_one_store(seller: User, seller_client: Client) -> None:
    first = seller_client.post("/stores/new/", _form())
    second = seller_client.post("/stores/new/", _form())

    assert first.status_code == 302
    # The second click either lands on the store just opened or says the handle is taken; it never opens another.
    if second.status_code == 302:
        assert second["Location"] == "/store/pearl-river/"
    else:
        assert second.context["form"].errors["handle"] == ["This handle is already taken."]
    store = Store.objects.get(handle="pearl-river")
    assert Membership.objects.filter(user=seller).count() == 1
    assert Role.objects.filter(store=store).count() == 2
    assert len(activities(store, "store.opened")) == 1


def test_someone_else_submitting_a_taken_handle_is_not_sent_to_that_store(
    seller_client: Client, owner_b: User
) -> None:
    assert seller_client.post("/stores/new/", _form()).status_code == 302

    response = client_for(owner_b).post("/stores/new/", _form(name="Copycat"))

    assert response.status_code == 200
    assert response.context["form"].errors["handle"] == ["This handle is already taken."]
    assert not Membership.objects.filter(user=owner_b, store__handle="pearl-river").exists()


def test_sites_are_named_in_the_readers_language() -> None:
    from django.utils import translation

    japan = Marketplace.objects.get(code="JP")
    named = Marketplace(code="EU1", name="Europe hub", country="DE", currency="EUR", language="de",
                        timezone="Europe/Berlin")
    with translation.override("zh-hans"):
        assert (japan.display_name, str(japan)) == ("日本", "JP · 日本")
        assert named.display_name == "Europe hub"  # a name the platform chose is kept as it was written
    with translation.override("en"):
        assert (japan.display_name, str(japan)) == ("Japan", "JP · Japan")

    page = client_for(UserFactory.create(language="zh-hans")).get("/stores/new/").content.decode()
    assert "JP · 日本 (JPY)" in page and "US · 美国 (USD)" in page
    # Countries by code, each named in the reader's language after its code.
    assert '<option value="JP">JP · 日本</option>' in page
    countries = re.findall(r"<option value=\"([A-Z]{2})\"(?: selected)?>\1 · ", page)
    assert len(countries) > 200 and countries == sorted(countries)
