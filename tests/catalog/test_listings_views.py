"""Listing pages: the list (full page, htmx fragment, filters, search, keyset pages, bounded queries), bulk actions,
the edit page, the copy dialog with its preview, a product's listings panel, permission levels and isolation."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from djmoney.money import Money

from catalog.models import Listing, ProductContent, Variant
from catalog.services.listings import listings_copy_to_sites, listings_refresh
from stores.models import FXRate, Marketplace, Store
from stores.permissions import NO_ACCESS, Level
from tests.catalog.factories import make_listing, make_product
from tests.stores.factories import RoleFactory, activities, client_for, member_add

pytestmark = pytest.mark.django_db

BASE = "/store/test-a/catalog/listings/"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def fx(db: None) -> None:
    FXRate.objects.bulk_create([FXRate(rate_date=dt.date(2026, 1, 2), currency=code, rate=Decimal(rate))
                                for code, rate in {"USD": "1.08", "JPY": "160", "CNY": "7.8", "GBP": "0.85"}.items()])


def _member_with(store: Store, catalog: Level) -> Client:
    role = RoleFactory.create(store=store, levels={**NO_ACCESS, "catalog": int(catalog)})
    return client_for(member_add(store, role).user)


def _rows(response: Any) -> list[str]:
    """The SKU@site of each row of the listing table, in order."""
    return [f"{sku}@{site}" for sku, site in re.findall(r'aria-label="Select ([^"]+) · ([A-Z]+)"',
                                                         response.content.decode())]


def _catalog(store: Store, count: int, sites: tuple[str, ...] = ("US",)) -> list[Listing]:
    with schema_context(store.schema_name):
        listings = []
        for _ in range(count):
            variant = make_product().variants.get()
            listings += [make_listing(variant, code, "19.99" if code != "JP" else "1980") for code in sites]
        return listings


def test_the_list_renders_as_a_page_and_as_an_htmx_fragment(client_a: Client, store_a: Store) -> None:
    listings = _catalog(store_a, 2, ("US", "JP"))
    page = client_a.get(BASE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html and 'id="listing-table"' in html and 'id="listing-bulk"' in html
    assert listings[0].variant.sku in html and "¥1,980" in html and "$19.99" in html
    assert "No stock" in html  # the suppression reason is shown with the badge

    fragment = client_a.get(BASE, headers=HTMX)
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "<html" not in body and body.lstrip().startswith('<div id="listing-table"')
    assert len(_rows(fragment)) == 4

    boosted = client_a.get(BASE, headers={**HTMX, "HX-Boosted": "true"})
    assert "<html" in boosted.content.decode()  # a boosted link wants the whole page


def test_rows_show_sales_copies_and_escape_what_sellers_typed(client_a: Client, store_a: Store) -> None:
    now = dt.datetime.now(dt.UTC)
    with schema_context(store_a.schema_name):
        product = make_product(code="P<b>1", variants=3)
        ProductContent.objects.filter(product=product).update(title='Lamp "A" & <i>B</i>')
        first, second, third = product.variants.order_by("sku")
        running = make_listing(first, "US", "20.00", sale_price=Money(Decimal("15.00"), "USD"),
                               sale_start=now - dt.timedelta(days=1), sale_end=now + dt.timedelta(days=1))
        make_listing(second, "US", "20.00", sale_price=Money(Decimal("12.00"), "USD"),
                     sale_start=now + dt.timedelta(days=2))
        copy = make_listing(third, "US", "20.00", copied_from=running, local_overrides=["price", "sale_price"])
    html = client_a.get(BASE).content.decode()
    assert "P&lt;b&gt;1-1" in html and "P<b>1" not in html
    assert "Lamp &quot;A&quot; &amp; &lt;i&gt;B&lt;/i&gt;" in html and "<i>B</i>" not in html
    # The running sale first, the list price struck through; the scheduled one under the list price.
    assert '<span class="fw-semibold text-danger">$15.00</span> <del class="small text-secondary">$20.00</del>' in html
    assert '$20.00<div class="small text-secondary">Sale $12.00</div>' in html
    assert "copied · 2 local edits</div>" in html
    assert 'aria-label="Select P&lt;b&gt;1-3 · US"' in html and f'href="{BASE}{copy.pk}/"' in html


def test_filters_by_site_status_reason_stock_and_search(client_a: Client, store_a: Store) -> None:
    with schema_context(store_a.schema_name):
        earbuds = make_product(code="EARBUDS")
        ProductContent.objects.create(product=earbuds, language="zh-hans", title="无线蓝牙耳机", description="好")
        cable = make_product(code="CABLE")
        bare = make_product(code="BARE")
        ear_variant, cable_variant, bare_variant = (p.variants.get() for p in (earbuds, cable, bare))
        make_listing(ear_variant, "US", "19.99")
        make_listing(ear_variant, "JP", "1980")
        make_listing(cable_variant, "US", "5.00", wanted_status="inactive")
        make_listing(bare_variant, "UK", None)
        listings_refresh(variant_ids=[ear_variant.pk, cable_variant.pk, bare_variant.pk])
        us, jp = Marketplace.objects.get(code="US"), Marketplace.objects.get(code="JP")
        gtin = cable_variant.gtin

    def rows(**query: str) -> list[str]:
        return sorted(_rows(client_a.get(BASE, query, headers=HTMX)))

    assert rows(site=str(us.pk)) == ["CABLE-1@US", "EARBUDS-1@US"]
    assert rows(status="inactive") == ["CABLE-1@US"]
    assert rows(status="suppressed:price_missing") == ["BARE-1@UK"]
    assert rows(status="suppressed:missing_content") == ["EARBUDS-1@JP"]  # no Japanese content
    assert rows(status="suppressed:no_stock") == ["EARBUDS-1@US"]
    assert rows(site=str(jp.pk), status="suppressed") == ["EARBUDS-1@JP"]
    assert rows(stock="out") == ["BARE-1@UK", "CABLE-1@US", "EARBUDS-1@JP", "EARBUDS-1@US"]
    assert rows(stock="in") == []
    assert rows(q="earb") == ["EARBUDS-1@JP", "EARBUDS-1@US"]  # SKU, any case
    assert rows(q=gtin) == ["CABLE-1@US"]  # GTIN
    assert rows(q="蓝牙") == ["EARBUDS-1@JP", "EARBUDS-1@US"]  # a title in another language
    assert rows(q="nothing-like-this") == []
    assert rows(site="999999", status="inactive") == ["CABLE-1@US"]  # an unknown site is ignored, not an error


def test_a_broad_search_walks_the_list_instead_of_counting(client_a: Client, store_a: Store,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with schema_context(store_a.schema_name):
        for code in ("CABLE-A", "CABLE-B", "LAMP"):
            make_listing(make_product(code=code).variants.get(), "US", "9.99")
        ProductContent.objects.filter(product__code="LAMP").update(title="Desk lamp with 100% cable_tidy")
    narrow = client_a.get(BASE, {"q": "cable"}, headers=HTMX)
    assert sorted(_rows(narrow)) == ["CABLE-A-1@US", "CABLE-B-1@US", "LAMP-1@US"]
    assert "3 listings" in narrow.content.decode()
    monkeypatch.setattr("catalog.selectors.LISTING_SEARCH_IDS", 1)  # as if "cable" matched thousands of SKUs
    broad = client_a.get(BASE, {"q": "CABLE"}, headers=HTMX)
    assert _rows(broad) == ["CABLE-A-1@US", "CABLE-B-1@US", "LAMP-1@US"]
    assert "Many listings match" in broad.content.decode()
    # LIKE's wildcards in the search are plain text.
    assert _rows(client_a.get(BASE, {"q": "100%"}, headers=HTMX)) == ["LAMP-1@US"]
    assert _rows(client_a.get(BASE, {"q": "e_t"}, headers=HTMX)) == ["LAMP-1@US"]
    assert _rows(client_a.get(BASE, {"q": "%"}, headers=HTMX)) == ["LAMP-1@US"]


def test_keyset_pages_reach_the_last_page_and_queries_stay_bounded(client_a: Client, store_a: Store) -> None:
    _catalog(store_a, 3)
    with CaptureQueriesContext(connection) as small:
        client_a.get(BASE, {"per_page": "50"})
    _catalog(store_a, 70)
    with CaptureQueriesContext(connection) as large:
        first = client_a.get(BASE, {"per_page": "50"})
    assert len(large) == len(small) <= 15  # the same queries for 3 rows and for 50: no N+1
    assert all("OFFSET" not in query["sql"] for query in large.captured_queries)

    assert len(_rows(first)) == 50 and "73 listings" in first.content.decode()
    found = re.search(r"cursor=([\w-]+)&amp;dir=next", first.content.decode())
    assert found is not None
    second = client_a.get(BASE, {"per_page": "50", "cursor": found[1], "dir": "next"})
    assert len(_rows(second)) == 23
    everything = _rows(first) + _rows(second)
    skus = [row.split("@")[0] for row in everything]
    assert skus == sorted(skus) and len(set(skus)) == 73
    last = client_a.get(BASE, {"per_page": "50", "dir": "last"})
    assert _rows(last) == everything[-50:]
    assert _rows(client_a.get(BASE)) == everything[:25]  # 25 a page unless asked
    previous = re.search(r"cursor=([\w-]+)&amp;dir=previous", last.content.decode())
    assert previous is not None
    assert _rows(client_a.get(BASE, {"per_page": "50", "cursor": previous[1], "dir": "previous"})) == everything[:23]
    descending = client_a.get(BASE, {"sort": "-sku"})
    assert _rows(descending)[0] == everything[-1]


def test_bulk_actions_from_the_list_change_the_rows_and_log_one_entry(client_a: Client, store_a: Store) -> None:
    listings = _catalog(store_a, 3)
    ids = [str(item.pk) for item in listings]
    response = client_a.post(f"{BASE}bulk/", {"ids": ids, "action": "percent", "value": "10", "query": "sort=-sku"})
    assert response.status_code == 302 and response["Location"] == f"{BASE}?sort=-sku"
    with schema_context(store_a.schema_name):
        assert set(Listing.objects.values_list("price", flat=True)) == {Decimal("21.99")}  # 19.99 * 1.1 = 21.989
    [entry] = activities(store_a, "listing.prices_changed")
    assert entry.object_repr == "3 listings" and entry.actor_email == "owner-a@example.com"

    client_a.post(f"{BASE}bulk/", {"ids": ids[:2], "action": "deactivate"})
    with schema_context(store_a.schema_name):
        assert Listing.objects.filter(wanted_status="inactive").count() == 2
    assert [entry.object_repr for entry in activities(store_a, "listing.status_changed")] == ["2 listings"]

    copy = client_a.post(f"{BASE}bulk/", {"ids": ids, "action": "copy", "query": "q=x"})
    assert copy.status_code == 302 and copy["Location"].startswith(f"{BASE}copy/?ids=")


def test_bad_bulk_input_changes_nothing_and_says_why(client_a: Client, store_a: Store) -> None:
    listings = _catalog(store_a, 1, ("US", "JP"))
    ids = [str(item.pk) for item in listings]
    for data, message in [
        ({"action": "percent", "value": "5"}, "Select at least one listing."),
        ({"ids": ids, "action": "percent"}, "Enter by how much to change the price."),
        ({"ids": ids, "action": "amount", "value": "1"}, "An amount needs listings in one currency"),
        ({"ids": ["x"], "action": "activate"}, "The selection is not valid"),
    ]:
        response = client_a.post(f"{BASE}bulk/", data, follow=True)
        assert any(message in str(item) for item in response.context["messages"]), message
    with schema_context(store_a.schema_name):
        assert sorted(str(price) for price in Listing.objects.values_list("price", flat=True)) == ["19.990",
                                                                                                    "1980.000"]
    assert activities(store_a, "listing.prices_changed") == []


def test_edit_page_saves_and_shows_local_edits(client_a: Client, store_a: Store, fx: None) -> None:
    [source] = _catalog(store_a, 1)
    with schema_context(store_a.schema_name):
        listings_copy_to_sites(actor=None, store=store_a, listing_ids=[source.pk],
                               marketplaces=[Marketplace.objects.get(code="UK")])
        copied = Listing.objects.get(marketplace__code="UK")
    url = f"{BASE}{copied.pk}/"
    page = client_a.get(url)
    assert page.status_code == 200 and "Copied from the listing on" in page.content.decode()
    data = {"price_mode": "fixed", "price": "14.49", "rounding": "exact", "sale_price": "",
            "sale_start": "", "sale_end": "", "quantity_limit": "", "wanted_status": "active"}
    response = client_a.post(url, data)
    assert response.status_code == 302
    with schema_context(store_a.schema_name):
        copied.refresh_from_db()
    assert copied.price == Money("14.49", "GBP") and copied.local_overrides == ["price"]
    page = client_a.get(url)
    assert "Local edits kept on this site" in page.content.decode()

    bad = client_a.post(url, {**data, "sale_price": "20"})
    assert bad.status_code == 200 and "The sale price must be below the price." in bad.content.decode()
    missing = client_a.post(url, {**data, "price": ""})
    assert missing.status_code == 200 and "Enter the price" in missing.content.decode()


def test_create_page_lists_a_sku_on_a_site(client_a: Client, store_a: Store, fx: None) -> None:
    with schema_context(store_a.schema_name):
        variant = make_product(base_price="100").variants.get()
        jp = Marketplace.objects.get(code="JP")
    form = client_a.get(f"{BASE}new/", {"sku": variant.sku, "site": str(jp.pk)})
    assert form.status_code == 200 and variant.sku in form.content.decode()
    data = {"sku": variant.sku, "marketplace": jp.pk, "price_mode": "derived", "price": "", "rounding": "whole",
            "wanted_status": "active"}
    response = client_a.post(f"{BASE}new/", data)
    assert response.status_code == 302
    with schema_context(store_a.schema_name):
        listing = Listing.objects.get(variant=variant, marketplace=jp)
    assert listing.price == Money("2052", "JPY")
    unknown = client_a.post(f"{BASE}new/", {**data, "sku": "NO-SUCH-SKU"})
    assert unknown.status_code == 200 and "The store has no SKU NO-SUCH-SKU." in unknown.content.decode()
    again = client_a.post(f"{BASE}new/", data)
    assert "is already listed on JP" in again.content.decode()


def test_copy_dialog_previews_then_copies(client_a: Client, store_a: Store, fx: None) -> None:
    [source] = _catalog(store_a, 1)
    with schema_context(store_a.schema_name):
        jp, de = Marketplace.objects.get(code="JP"), Marketplace.objects.get(code="DE")
    empty = client_a.get(f"{BASE}copy/")
    assert empty.status_code == 200 and "Select the listings to copy" in empty.content.decode()

    dialog = client_a.get(f"{BASE}copy/", {"ids": source.pk})
    assert dialog.status_code == 200 and source.variant.sku in dialog.content.decode()
    query: dict[str, Any] = {"ids": source.pk, "sites": [jp.pk, de.pk], "rounding": "ending_99"}
    preview = client_a.get(f"{BASE}copy/", query, headers=HTMX)
    html = preview.content.decode()
    assert html.lstrip().startswith('<div id="copy-preview"')
    assert "¥2,969" in html and "€18.99" in html and "Create" in html and "Missing in Japanese" in html
    assert "Confirm and copy" in html
    with schema_context(store_a.schema_name):
        assert Listing.objects.count() == 1  # a preview writes nothing

    response = client_a.post(f"{BASE}copy/", {"ids": source.pk, "sites": [jp.pk, de.pk], "rounding": "ending_99",
                                              "back": "site=1"})
    assert response.status_code == 302 and response["Location"] == f"{BASE}?site=1"
    with schema_context(store_a.schema_name):
        assert Listing.objects.count() == 3
    assert len(activities(store_a, "listing.copied")) == 1


def test_copy_dialog_shows_why_nothing_was_copied(client_a: Client, store_a: Store, fx: None) -> None:
    FXRate.objects.filter(currency="GBP").delete()
    [source] = _catalog(store_a, 1)
    with schema_context(store_a.schema_name):
        uk = Marketplace.objects.get(code="UK")
    response = client_a.post(f"{BASE}copy/", {"ids": source.pk, "sites": [uk.pk]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is no FX rate for GBP" in html and "Confirm and copy" not in html
    with schema_context(store_a.schema_name):
        assert Listing.objects.count() == 1


def test_product_listings_panel(client_a: Client, store_a: Store) -> None:
    with schema_context(store_a.schema_name):
        product = make_product(variants=2)
        first, second = product.variants.order_by("sku")
        make_listing(first, "US", "19.99")
        make_listing(first, "JP", "1980")
    url = f"/store/test-a/catalog/products/{product.pk}/listings/"
    panel = client_a.get(url, headers=HTMX)
    html = panel.content.decode()
    assert panel.status_code == 200 and html.lstrip().startswith('<div class="card mb-3" id="product-listings"')
    assert first.sku in html and second.sku in html and "¥1,980" in html
    assert f"sku={second.sku}" in html  # "list on" links for the sites it is not on
    assert "Copy to other sites" in html
    assert "<html" in client_a.get(url).content.decode()
    assert client_a.get("/store/test-a/catalog/products/999999/listings/").status_code == 404


def test_a_catalog_viewer_can_read_but_not_change(store_a: Store, fx: None) -> None:
    [listing] = _catalog(store_a, 1)
    viewer = _member_with(store_a, Level.VIEW)
    assert viewer.get(BASE).status_code == 200
    page = viewer.get(f"{BASE}{listing.pk}/")
    assert page.status_code == 200 and "<fieldset disabled>" in page.content.decode()
    assert 'name="ids"' not in viewer.get(BASE).content.decode()  # no bulk selection without the edit level
    data = {"price_mode": "fixed", "price": "1.00", "rounding": "exact", "wanted_status": "active"}
    assert viewer.post(f"{BASE}{listing.pk}/", data).status_code == 403
    assert viewer.post(f"{BASE}bulk/", {"ids": [listing.pk], "action": "deactivate"}).status_code == 403
    assert viewer.get(f"{BASE}copy/", {"ids": listing.pk}).status_code == 403
    assert viewer.post(f"{BASE}copy/", {"ids": listing.pk, "sites": [1]}).status_code == 403
    assert viewer.get(f"{BASE}new/").status_code == 403
    with schema_context(store_a.schema_name):
        listing.refresh_from_db()
    assert (listing.price, listing.wanted_status) == (Money("19.99", "USD"), "active")

    editor = _member_with(store_a, Level.EDIT)
    assert editor.post(f"{BASE}bulk/", {"ids": [listing.pk], "action": "deactivate"}).status_code == 302


def test_another_stores_listing_is_not_found(client_a: Client, store_a: Store, store_b: Store,
                                             owner_b: Any) -> None:
    [theirs] = _catalog(store_b, 1)
    with schema_context(store_a.schema_name):
        assert not Listing.objects.filter(pk=theirs.pk).exists()
        assert not Variant.objects.filter(product_id=theirs.variant.product_id).exists()
    assert client_a.get(f"{BASE}{theirs.pk}/").status_code == 404
    assert client_a.get(f"/store/test-a/catalog/products/{theirs.variant.product_id}/listings/").status_code == 404
    # Their ids in a bulk action or a copy touch nothing here, and nothing there.
    client_a.post(f"{BASE}bulk/", {"ids": [theirs.pk], "action": "deactivate"})
    copy = client_a.get(f"{BASE}copy/", {"ids": theirs.pk})
    assert "Select the listings to copy" in copy.content.decode()
    with schema_context(store_b.schema_name):
        theirs.refresh_from_db()
    assert theirs.wanted_status == "active"
    assert client_for(owner_b).get(f"/store/test-b/catalog/listings/{theirs.pk}/").status_code == 200
    assert client_for(owner_b).get(f"/store/test-a/catalog/listings/{theirs.pk}/").status_code == 404
