"""Stock pages: adjusting one SKU, bulk set, the list (filters, keyset pages, bounded queries), history, levels,
and the helpers orders will call."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from catalog.models import LowStockRule, Stock, StockMovement, Variant, Warehouse
from catalog.services.inventory import (
    low_stock_rule_set,
    stock_adjust,
    stock_change,
    stock_release,
    stock_reserve,
    stock_ship,
)
from sellercenter.errors import DomainError
from stores.models import Store
from stores.permissions import NO_ACCESS, Level
from tests.catalog.factories import make_product, make_warehouse
from tests.stores.factories import RoleFactory, activities, client_for, member_add

pytestmark = pytest.mark.django_db

STOCK = "/store/test-a/catalog/stock/"


def _messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _skus(content: bytes) -> list[str]:
    return re.findall(r'class="fw-semibold" href="/store/test-a/catalog/stock/\d+/">([^<]+)</a>', content.decode())


@pytest.fixture
def sku(store_a: Store, owner_a: Any) -> tuple[Variant, Warehouse]:
    """One SKU with 10 units in warehouse SZ1 (3 of them reserved)."""
    with schema_context(store_a.schema_name):
        variant = make_product(code="HDP").variants.get()
        warehouse = make_warehouse(code="sz1")
        stock_change(variant=variant, warehouse=warehouse, on_hand_change=10, reason="received", actor=owner_a)
        stock_change(variant=variant, warehouse=warehouse, reserved_change=3, reason="reserved", actor=None)
    return variant, warehouse


def _state(store: Store) -> tuple[list[tuple[int, int]], int, int]:
    with schema_context(store.schema_name):
        return (list(Stock.objects.values_list("on_hand", "reserved")), StockMovement.objects.count(),
                len(activities(store, "stock.adjusted")))


# --- Adjusting one SKU -----------------------------------------------------------------------------------------


def test_adjust_needs_a_reason(client_a: Client, store_a: Store, sku: tuple[Variant, Warehouse]) -> None:
    variant, warehouse = sku
    before = _state(store_a)
    response = client_a.post(f"{STOCK}{variant.pk}/adjust/", {"warehouse": warehouse.pk, "quantity": 5})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Choose why the stock changes."]
    assert _state(store_a) == before


def test_removing_more_than_on_hand_is_refused_with_a_message(client_a: Client, store_a: Store,
                                                              sku: tuple[Variant, Warehouse]) -> None:
    variant, warehouse = sku
    before = _state(store_a)
    response = client_a.post(f"{STOCK}{variant.pk}/adjust/",
                             {"warehouse": warehouse.pk, "reason": "damaged", "quantity": 11})
    assert response.status_code == 200
    assert "Not enough stock of HDP-1 in sz1" in response.content.decode()
    assert _state(store_a) == before

    # A count below what orders have reserved is refused too, with its own reason.
    response = client_a.post(f"{STOCK}{variant.pk}/adjust/",
                             {"warehouse": warehouse.pk, "reason": "counted", "quantity": 2})
    assert response.context["form"].errors["quantity"] == [
        "On hand cannot go below the 3 units that orders have reserved."]
    assert _state(store_a) == before


def test_adjustments_move_stock_with_reason_actor_and_log(client_a: Client, store_a: Store, owner_a: Any,
                                                          sku: tuple[Variant, Warehouse]) -> None:
    variant, warehouse = sku
    response = client_a.post(f"{STOCK}{variant.pk}/adjust/",
                             {"warehouse": warehouse.pk, "reason": "damaged", "quantity": 2, "note": "crushed box"})
    assert response.status_code == 302
    assert response["Location"] == f"{STOCK}{variant.pk}/"
    client_a.post(f"{STOCK}{variant.pk}/adjust/", {"warehouse": warehouse.pk, "reason": "counted", "quantity": 20})
    client_a.post(f"{STOCK}{variant.pk}/adjust/", {"warehouse": warehouse.pk, "reason": "received", "quantity": 5})

    with schema_context(store_a.schema_name):
        stock = Stock.objects.get()
        assert (stock.on_hand, stock.reserved, stock.available) == (25, 3, 22)
        moves = list(StockMovement.objects.order_by("id").values_list("reason", "on_hand_change", "actor_email",
                                                                      "note"))
    assert moves[-3:] == [("damaged", -2, owner_a.email, "crushed box"), ("counted", 12, owner_a.email, ""),
                          ("received", 5, owner_a.email, "")]
    logged = activities(store_a, "stock.adjusted")
    assert [entry.changes["on_hand_after"] for entry in logged] == [[10, 8], [8, 20], [20, 25]]
    assert logged[0].changes["reason"] == [None, "damaged"]
    assert (logged[0].object_type, logged[0].object_repr) == ("stockmovement", "HDP-1 @ sz1")

    history = client_a.get(f"{STOCK}{variant.pk}/")
    assert history.status_code == 200
    text = history.content.decode()
    assert "crushed box" in text
    assert "Adjusted after a count" in text


def test_stock_cannot_be_adjusted_in_a_warehouse_out_of_use(in_store_a: Store, owner_a: Any) -> None:
    variant = make_product().variants.get()
    warehouse = make_warehouse(is_active=False)
    with pytest.raises(DomainError):
        stock_adjust(actor=owner_a, variant=variant, warehouse=warehouse, reason="received", quantity=3)
    assert not Stock.objects.exists()


# --- Bulk set ----------------------------------------------------------------------------------------------------


def test_bulk_set_changes_the_selected_rows_as_one_logged_action(client_a: Client, store_a: Store,
                                                                 owner_a: Any) -> None:
    with schema_context(store_a.schema_name):
        first, second, third = make_product(code="BULK", variants=3).variants.order_by("sku")
        warehouse = make_warehouse(code="sz1")
        stock_change(variant=first, warehouse=warehouse, on_hand_change=4, reason="received", actor=owner_a)

    response = client_a.post(f"{STOCK}set/", {"variant": [first.pk, second.pk], "warehouse": warehouse.pk,
                                             "on_hand": 30, "note": "stocktake", "return_query": "q=BULK"},
                             follow=True)

    assert response.redirect_chain[0][0] == f"{STOCK}?q=BULK"
    assert "for 2 SKUs" in " ".join(_messages(response))
    with schema_context(store_a.schema_name):
        assert dict(Stock.objects.values_list("variant__sku", "on_hand")) == {"BULK-1": 30, "BULK-2": 30}
        assert set(StockMovement.objects.filter(reference="bulk:sz1").values_list("reason", "on_hand_change")) == {
            ("counted", 26), ("counted", 30)}
    [entry] = activities(store_a, "stock.bulk_set")
    assert entry.actor_email == owner_a.email
    assert entry.changes == {"on_hand": [None, 30], "sku": [None, ["BULK-1", "BULK-2"]], "note": [None, "stocktake"]}
    assert entry.object_repr == "2 SKUs @ sz1"
    assert third.pk not in [first.pk, second.pk]


def test_bulk_set_is_all_or_nothing(client_a: Client, store_a: Store, sku: tuple[Variant, Warehouse]) -> None:
    variant, warehouse = sku
    with schema_context(store_a.schema_name):
        other = make_product(code="OTHER").variants.get()
    before = _state(store_a)

    refused = client_a.post(f"{STOCK}set/", {"variant": [variant.pk, other.pk], "warehouse": warehouse.pk,
                                            "on_hand": 1}, follow=True)
    assert "below the 3 units that orders have reserved" in " ".join(_messages(refused))
    nothing = client_a.post(f"{STOCK}set/", {"warehouse": warehouse.pk, "on_hand": 1}, follow=True)
    assert "Select at least one SKU." in _messages(nothing)
    negative = client_a.post(f"{STOCK}set/", {"variant": [other.pk], "warehouse": warehouse.pk, "on_hand": -1},
                             follow=True)
    assert _messages(negative)
    assert _state(store_a) == before
    assert activities(store_a, "stock.bulk_set") == []


# --- The list ---------------------------------------------------------------------------------------------------


@pytest.fixture
def many(store_a: Store, owner_a: Any) -> Warehouse:
    """120 SKUs (LIST-001 ... LIST-120) with stock in two warehouses; every tenth has a rule and is low."""
    with schema_context(store_a.schema_name):
        one, two = make_warehouse(code="w1"), make_warehouse(code="w2")
        counts = []
        for number in range(1, 121):
            variant = make_product(code=f"LIST-{number:03d}").variants.get()
            counts += [(variant.pk, one.pk, number), (variant.pk, two.pk, 1 if number % 2 else 0)]
            if number % 10 == 0:
                LowStockRule.objects.create(variant=variant, min_available=500, is_low=True)
        from catalog.services.inventory import stock_set_counts

        stock_set_counts(counts=counts, reason="counted", actor=owner_a)
    return one


def test_the_list_walks_every_sku_once_by_keyset_pages(client_a: Client, many: Warehouse) -> None:
    first = client_a.get(STOCK)
    assert first.status_code == 200
    page = first.context["page"]
    assert _skus(first.content)[0] == "LIST-001-1" and len(page.items) == 50
    seen = _skus(first.content)
    while page.has_next:
        response = client_a.get(f"{STOCK}?cursor={page.next_cursor}&dir=next")
        page = response.context["page"]
        seen += _skus(response.content)
    assert seen == [f"LIST-{n:03d}-1" for n in range(1, 121)]

    last = client_a.get(f"{STOCK}?dir=last")
    assert _skus(last.content) == [f"LIST-{n:03d}-1" for n in range(71, 121)]
    back = client_a.get(f"{STOCK}?cursor={last.context['page'].previous_cursor}&dir=previous")
    assert _skus(back.content) == [f"LIST-{n:03d}-1" for n in range(21, 71)]

    # Totals over warehouses in use: LIST-003 has 3 in w1 and 1 in w2.
    row = next(item for item in first.context["page"].items if item.sku == "LIST-003-1")
    assert (row.on_hand, row.reserved, row.available) == (4, 0, 4)


def test_filters_and_the_fragment(client_a: Client, many: Warehouse) -> None:
    assert _skus(client_a.get(f"{STOCK}?q=LIST-11").content) == [f"LIST-11{n}-1" for n in range(10)]
    low = client_a.get(f"{STOCK}?state=low")
    assert _skus(low.content) == [f"LIST-{n:03d}-1" for n in range(10, 121, 10)]
    # In w2 only odd numbers have stock: the even ones have nothing available there.
    out = client_a.get(f"{STOCK}?state=out&warehouse={many.pk + 1}&q=LIST-00")
    assert _skus(out.content) == ["LIST-002-1", "LIST-004-1", "LIST-006-1", "LIST-008-1"]

    fragment = client_a.get(f"{STOCK}?q=LIST-003", headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith('<div id="stock-table">')
    assert b"<html" not in fragment.content
    assert _skus(fragment.content) == ["LIST-003-1"]


def test_list_queries_do_not_grow_with_the_rows(client_a: Client, many: Warehouse) -> None:
    client_a.get(STOCK)  # warm caches (session, content types)

    def count(url: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client_a.get(url)
        return len(queries), len(response.context["page"].items)

    full, rows = count(STOCK)
    small, few = count(f"{STOCK}?q=LIST-003")
    first_in_one, _ = count(f"{STOCK}?warehouse={many.pk}")
    last_in_one, _ = count(f"{STOCK}?dir=last&warehouse={many.pk}")
    assert (rows, few) == (50, 1)
    assert full == small
    assert first_in_one == last_in_one
    assert full <= 15


def test_a_viewer_sees_stock_but_cannot_change_it(store_a: Store, sku: tuple[Variant, Warehouse]) -> None:
    variant, warehouse = sku
    role = RoleFactory.create(store=store_a, levels={**NO_ACCESS, "catalog": int(Level.VIEW)})
    viewer = client_for(member_add(store_a, role).user)
    before = _state(store_a)

    page = viewer.get(STOCK)
    assert page.status_code == 200
    assert b'name="variant"' not in page.content  # no bulk selection
    assert viewer.get(f"{STOCK}{variant.pk}/").status_code == 200
    assert viewer.get(f"{STOCK}{variant.pk}/adjust/").status_code == 403
    for url, data in ((f"{STOCK}{variant.pk}/adjust/", {"warehouse": warehouse.pk, "reason": "received",
                                                      "quantity": 1}),
                      (f"{STOCK}set/", {"variant": [variant.pk], "warehouse": warehouse.pk, "on_hand": 50}),
                      (f"{STOCK}{variant.pk}/alert/", {"min_available": 5})):
        assert viewer.post(url, data).status_code == 403
    assert _state(store_a) == before
    with schema_context(store_a.schema_name):
        assert not LowStockRule.objects.exists()


def test_another_stores_sku_is_not_found(client_a: Client, store_b: Store) -> None:
    with schema_context(store_b.schema_name):
        theirs = make_product(code="B-ONLY").variants.get()
    for url in (f"{STOCK}{theirs.pk}/", f"{STOCK}{theirs.pk}/adjust/", f"{STOCK}{theirs.pk}/alert/"):
        assert client_a.get(url).status_code == 404


# --- Low-stock rules -----------------------------------------------------------------------------------------------


def test_setting_and_removing_a_low_stock_rule(client_a: Client, store_a: Store,
                                               sku: tuple[Variant, Warehouse]) -> None:
    variant, _warehouse = sku
    url = f"{STOCK}{variant.pk}/alert/"
    empty = client_a.post(url, {"min_available": "", "min_days_of_cover": ""})
    assert "Enter a number of units, a number of days of cover, or both." in empty.content.decode()
    assert client_a.post(url, {"min_available": "0"}).context["form"].errors["min_available"]

    assert client_a.post(url, {"min_available": "5", "min_days_of_cover": "14"}).status_code == 302
    with schema_context(store_a.schema_name):
        rule = LowStockRule.objects.get(variant=variant)
    assert (rule.min_available, rule.min_days_of_cover) == (5, 14)
    assert client_a.get(url).context["form"].initial == {"min_available": 5, "min_days_of_cover": 14}

    client_a.post(url, {"clear": "1"})
    with schema_context(store_a.schema_name):
        assert not LowStockRule.objects.exists()
    assert [entry.action for entry in activities(store_a) if entry.action.startswith("low_stock_rule.")] == [
        "low_stock_rule.set", "low_stock_rule.cleared"]


def test_the_rule_service_needs_a_threshold(in_store_a: Store, owner_a: Any) -> None:
    variant = make_product().variants.get()
    with pytest.raises(DomainError):
        low_stock_rule_set(actor=owner_a, variant=variant, min_available=None, min_days_of_cover=None)
    low_stock_rule_set(actor=owner_a, variant=variant, min_available=3, min_days_of_cover=None)
    low_stock_rule_set(actor=owner_a, variant=variant, min_available=3, min_days_of_cover=None)
    assert len(activities(in_store_a, "low_stock_rule.set")) == 1  # unchanged: not logged twice


# --- What orders will call -------------------------------------------------------------------------------------------


def test_reserve_release_and_ship(in_store_a: Store) -> None:
    variant = make_product().variants.get()
    warehouse = make_warehouse()
    stock_change(variant=variant, warehouse=warehouse, on_hand_change=5, reason="received", actor=None)
    stock_reserve(variant=variant, warehouse=warehouse, quantity=4, reference="ORDER-1")
    with pytest.raises(DomainError):
        stock_reserve(variant=variant, warehouse=warehouse, quantity=2, reference="ORDER-2")
    stock_release(variant=variant, warehouse=warehouse, quantity=1, reference="ORDER-1")
    stock = stock_ship(variant=variant, warehouse=warehouse, quantity=3, reference="ORDER-1")
    assert (stock.on_hand, stock.reserved) == (2, 0)
    with pytest.raises(DomainError):
        stock_ship(variant=variant, warehouse=warehouse, quantity=1, reference="ORDER-3")  # nothing reserved
    with pytest.raises(DomainError):
        stock_reserve(variant=variant, warehouse=warehouse, quantity=0, reference="ORDER-4")
    assert list(StockMovement.objects.filter(reference="ORDER-1").order_by("id").values_list(
        "reason", "on_hand_change", "reserved_change")) == [
        ("reserved", 0, 4), ("released", 0, -1), ("shipped", -3, -3)]
