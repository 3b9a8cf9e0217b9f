"""The product list at scale: a capped count as in the listing list, the stock filter on the stored totals, search
by ids or by walking the list, and queries that do not grow with the rows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from catalog.models import Product, ProductContent
from catalog.services.inventory import stock_reserve, stock_set_counts, warehouse_deactivate
from stores.models import Store
from tests.catalog.factories import make_listing, make_product, make_warehouse

pytestmark = pytest.mark.django_db

PRODUCTS = "/store/test-a/catalog/products/"
HTMX = {"HX-Request": "true"}


def _codes(response: Any) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<div class="small text-secondary">([^<·]+?)(?: · [^<]*)?</div></td>', html)


def _header(response: Any) -> str:
    match = re.search(r'card-header[^>]*>\s*<span>([^<]*)</span>', response.content.decode())
    assert match is not None
    return match[1]


def test_the_count_stops_at_the_cap(client_a: Client, store_a: Store) -> None:
    with schema_context(store_a.schema_name):
        Product.objects.bulk_create([Product(code=f"C{number:04d}") for number in range(500)])
    assert _header(client_a.get(PRODUCTS, headers=HTMX)) == "500 products"
    assert _header(client_a.get(PRODUCTS, {"q": "C0001"}, headers=HTMX)) == "1 product"
    with schema_context(store_a.schema_name):
        Product.objects.create(code="C0500")
    assert _header(client_a.get(PRODUCTS, headers=HTMX)) == "More than 500 products"


def test_stock_filters_read_the_stored_totals(client_a: Client, store_a: Store, owner_a: Any) -> None:
    with schema_context(store_a.schema_name):
        stocked, reserved, closed = (make_product(code=code) for code in ("STOCKED", "RESERVED", "CLOSED"))
        make_product(code="EMPTY")
        sz, old = make_warehouse("SZ1"), make_warehouse("OLD")
        stock_set_counts(counts=[(stocked.variants.get().pk, sz.pk, 1500), (reserved.variants.get().pk, sz.pk, 2),
                                 (closed.variants.get().pk, old.pk, 9)], reason="received", actor=owner_a)
        stock_reserve(variant=reserved.variants.get(), warehouse=sz, quantity=2, reference="O-1")
        stock_set_counts(counts=[(closed.variants.get().pk, old.pk, 0)], reason="counted", actor=owner_a)
        warehouse_deactivate(actor=owner_a, warehouse=old)
        stock_set_counts(counts=[(closed.variants.get().pk, old.pk, 9)], reason="imported", actor=owner_a)
    out = client_a.get(PRODUCTS, {"stock": "out", "sort": "code"}, headers=HTMX)
    assert _codes(out) == ["CLOSED", "EMPTY", "RESERVED"]
    assert _header(out) == "3 products"
    some = client_a.get(PRODUCTS, {"stock": "in"}, headers=HTMX)
    assert _codes(some) == ["STOCKED"]
    assert '<td class="text-end">1,500</td>' in some.content.decode()  # the Available column


def test_site_and_status_filters(client_a: Client, store_a: Store) -> None:
    with schema_context(store_a.schema_name):
        on_jp = make_product(code="ON-JP")
        make_listing(on_jp.variants.get(), "JP", price="1500")
        make_listing(make_product(code="ON-US").variants.get(), "US")
        make_listing(make_product(code="DRAFT-JP", status="draft").variants.get(), "JP", price="900")
    assert _codes(client_a.get(PRODUCTS, {"site": "JP", "sort": "code"}, headers=HTMX)) == ["DRAFT-JP", "ON-JP"]
    assert _codes(client_a.get(PRODUCTS, {"site": "JP", "status": "active", "stock": "out"}, headers=HTMX)) == [
        "ON-JP"]
    assert _codes(client_a.get(PRODUCTS, {"site": "DE"}, headers=HTMX)) == []


def test_a_broad_search_walks_the_list_instead_of_counting(client_a: Client, store_a: Store,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with schema_context(store_a.schema_name):
        for code in ("CABLE-A", "CABLE-B", "LAMP", "OTHER"):
            make_product(code=code)
        ProductContent.objects.filter(product__code="LAMP").update(title="Desk lamp with 100% cable_tidy")
    narrow = client_a.get(PRODUCTS, {"q": "cable", "sort": "code"}, headers=HTMX)
    assert _codes(narrow) == ["CABLE-A", "CABLE-B", "LAMP"]
    assert _header(narrow) == "3 products"
    monkeypatch.setattr("catalog.selectors_products.PRODUCT_SEARCH_IDS", 1)  # as if thousands matched
    broad = client_a.get(PRODUCTS, {"q": "CABLE", "sort": "code"}, headers=HTMX)
    assert _codes(broad) == ["CABLE-A", "CABLE-B", "LAMP"]
    assert _header(broad) == "Many products match; a longer search or a filter narrows them."
    assert _codes(client_a.get(PRODUCTS, {"q": "cable", "sort": "code", "dir": "last"}, headers=HTMX)) == [
        "CABLE-A", "CABLE-B", "LAMP"]
    # LIKE's wildcards in the search are plain text, both ways.
    for query in ("100%", "e_t"):
        assert _codes(client_a.get(PRODUCTS, {"q": query}, headers=HTMX)) == ["LAMP"], query
    monkeypatch.setattr("catalog.selectors_products.PRODUCT_SEARCH_IDS", 500)
    for query in ("100%", "e_t"):
        assert _codes(client_a.get(PRODUCTS, {"q": query}, headers=HTMX)) == ["LAMP"], query


def test_queries_do_not_grow_with_the_rows(client_a: Client, store_a: Store) -> None:
    client_a.get(PRODUCTS)  # warm caches (session, content types)

    def count(query: dict[str, str]) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client_a.get(PRODUCTS, query)
        return len(queries), len(response.context["page"].items)

    with schema_context(store_a.schema_name):
        make_product(code="FEW-1", variants=2)
    few = count({})
    with schema_context(store_a.schema_name):
        for number in range(60):
            product = make_product(code=f"MANY-{number:02d}", variants=2)
            variant = product.variants.first()
            assert variant is not None
            make_listing(variant, "US")
    many = count({})
    assert (few[1], many[1]) == (1, 50)
    assert few[0] == many[0] <= 20
    assert count({"site": "US", "stock": "out", "q": "many"})[0] == many[0] + 2  # the site's id; the search's ids
