"""Warehouses: add, edit, validation, taking out of use (refused while it holds stock), levels and isolation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from catalog.models import Warehouse
from catalog.services.inventory import stock_change, warehouse_create, warehouse_deactivate, warehouse_update
from sellercenter.errors import DomainError
from stores.models import Store
from stores.permissions import NO_ACCESS, Level
from tests.catalog.factories import make_product, make_warehouse
from tests.stores.factories import RoleFactory, activities, client_for, member_add

pytestmark = pytest.mark.django_db

BASE = "/store/test-a/catalog/warehouses/"
VALID = {"code": "us-lax", "name": "Los Angeles 3PL", "kind": "third_party", "contact_name": "Ann", "phone": "",
         "address_line1": "100 Harbor Way", "address_line2": "", "city": "Los Angeles", "region": "CA",
         "postal_code": "90731", "country": "US"}


def _messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _member_with(store: Store, catalog: Level) -> Client:
    role = RoleFactory.create(store=store, levels={**NO_ACCESS, "catalog": int(catalog)})
    return client_for(member_add(store, role).user)


def test_owner_adds_a_warehouse_and_it_is_logged(client_a: Client, store_a: Store) -> None:
    response = client_a.post(f"{BASE}new/", VALID)

    assert response.status_code == 302
    assert response["Location"] == BASE
    with schema_context(store_a.schema_name):
        warehouse = Warehouse.objects.get(code="us-lax")
    assert (warehouse.kind, warehouse.city, warehouse.country, warehouse.is_active) == (
        "third_party", "Los Angeles", "US", True)
    [entry] = activities(store_a, "warehouse.created")
    assert entry.object_repr == str(warehouse)
    assert entry.changes["city"] == [None, "Los Angeles"]
    assert "phone" not in entry.changes  # blank fields are not noise in the log

    page = client_a.get(BASE)
    assert b"Los Angeles 3PL" in page.content
    assert "Overseas third-party warehouse" in page.content.decode()


@pytest.mark.parametrize(("change", "field"), [
    ({"code": ""}, "code"),
    ({"code": "has space"}, "code"),
    ({"country": "XX"}, "country"),
    ({"address_line1": ""}, "address_line1"),
    ({"kind": "moon"}, "kind"),
])
def test_bad_input_is_shown_inline_and_nothing_is_saved(client_a: Client, store_a: Store, change: dict[str, str],
                                                        field: str) -> None:
    response = client_a.post(f"{BASE}new/", {**VALID, **change})

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert b"invalid-feedback" in response.content
    with schema_context(store_a.schema_name):
        assert not Warehouse.objects.exists()
    assert activities(store_a, "warehouse.created") == []


def test_a_code_already_taken_is_refused(client_a: Client, store_a: Store) -> None:
    with schema_context(store_a.schema_name):
        make_warehouse(code="us-lax")
    response = client_a.post(f"{BASE}new/", VALID)
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    with schema_context(store_a.schema_name):
        assert Warehouse.objects.count() == 1


def test_editing_records_only_what_changed(client_a: Client, store_a: Store) -> None:
    with schema_context(store_a.schema_name):
        warehouse = make_warehouse(code="sz1")
    form = client_a.get(f"{BASE}{warehouse.pk}/")
    assert form.status_code == 200
    assert form.context["form"].initial["code"] == "sz1"

    data = {**VALID, "code": "sz1", "name": "Shenzhen main", "city": "Shenzhen", "country": "CN", "kind": "own",
            "address_line1": "1 Keyuan Road", "region": "", "postal_code": "", "contact_name": ""}
    response = client_a.post(f"{BASE}{warehouse.pk}/", data)

    assert response.status_code == 302
    with schema_context(store_a.schema_name):
        warehouse.refresh_from_db()
    assert warehouse.name == "Shenzhen main"
    [entry] = activities(store_a, "warehouse.changed")
    assert entry.changes == {"name": ["Shenzhen warehouse", "Shenzhen main"]}


def test_the_service_validates_too(in_store_a: Store, owner_a: Any) -> None:
    with pytest.raises(DomainError) as error:
        warehouse_create(actor=owner_a, data={**VALID, "country": "ZZ"})
    assert error.value.field == "country"
    warehouse = warehouse_create(actor=owner_a, data=VALID)
    with pytest.raises(DomainError):
        warehouse_update(actor=owner_a, warehouse=warehouse, data={"city": ""})
    assert Warehouse.objects.get().city == "Los Angeles"


def test_a_warehouse_holding_stock_cannot_be_taken_out_of_use(client_a: Client, store_a: Store,
                                                             owner_a: Any) -> None:
    with schema_context(store_a.schema_name):
        warehouse = make_warehouse(code="sz1")
        variant = make_product().variants.get()
        stock_change(variant=variant, warehouse=warehouse, on_hand_change=7, reason="received", actor=owner_a)

    response = client_a.post(f"{BASE}{warehouse.pk}/deactivate/", follow=True)

    assert "still holds 7 units of 1 SKUs" in " ".join(_messages(response))
    # The person lands on that warehouse's stock, where they can move or count it out.
    assert response.redirect_chain[-1][0] == f"/store/test-a/catalog/stock/?warehouse={warehouse.pk}"
    with schema_context(store_a.schema_name):
        assert Warehouse.objects.get(pk=warehouse.pk).is_active
        stock_change(variant=variant, warehouse=warehouse, on_hand_change=-7, reason="counted", actor=owner_a)

    response = client_a.post(f"{BASE}{warehouse.pk}/deactivate/")
    assert response.status_code == 302
    with schema_context(store_a.schema_name):
        assert not Warehouse.objects.get(pk=warehouse.pk).is_active
        # Out of use: no stock can be put there by a person.
        with pytest.raises(DomainError):
            from catalog.services.inventory import stock_adjust

            stock_adjust(actor=owner_a, variant=variant, warehouse=Warehouse.objects.get(pk=warehouse.pk),
                         reason="received", quantity=1)
    assert [entry.changes for entry in activities(store_a, "warehouse.deactivated")] == [{"is_active": [True, False]}]

    client_a.post(f"{BASE}{warehouse.pk}/reactivate/")
    with schema_context(store_a.schema_name):
        assert Warehouse.objects.get(pk=warehouse.pk).is_active
    assert len(activities(store_a, "warehouse.reactivated")) == 1


def test_deactivating_twice_is_harmless(in_store_a: Store, owner_a: Any) -> None:
    warehouse = make_warehouse()
    warehouse_deactivate(actor=owner_a, warehouse=warehouse)
    warehouse_deactivate(actor=owner_a, warehouse=warehouse)
    assert len(activities(in_store_a, "warehouse.deactivated")) == 1


def test_levels_view_sees_edit_cannot_manage(store_a: Store) -> None:
    with schema_context(store_a.schema_name):
        warehouse = make_warehouse(code="sz1")
    viewer = _member_with(store_a, Level.VIEW)
    editor = _member_with(store_a, Level.EDIT)

    page = viewer.get(BASE)
    assert page.status_code == 200
    assert b"sz1" in page.content
    assert f"{BASE}new/".encode() not in page.content  # no "Add" button without manage
    for client in (viewer, editor):
        assert client.get(f"{BASE}new/").status_code == 403
        assert client.post(f"{BASE}new/", VALID).status_code == 403
        assert client.post(f"{BASE}{warehouse.pk}/", {**VALID, "code": "sz1"}).status_code == 403
        assert client.post(f"{BASE}{warehouse.pk}/deactivate/").status_code == 403
    with schema_context(store_a.schema_name):
        assert list(Warehouse.objects.values_list("code", "is_active")) == [("sz1", True)]


def test_another_stores_warehouse_is_not_found(client_a: Client, store_b: Store) -> None:
    with schema_context(store_b.schema_name):
        theirs = make_warehouse(code="b-only")
    for url in (f"{BASE}{theirs.pk}/", f"{BASE}{theirs.pk}/deactivate/"):
        method = client_a.get if url.endswith(f"{theirs.pk}/") else client_a.post
        assert method(url).status_code == 404
    with schema_context(store_b.schema_name):
        assert Warehouse.objects.get(pk=theirs.pk).is_active
