"""Reads of the catalog shaped for the pages and services that need them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404
from djmoney.money import Money

from sellercenter.pagination import KeysetPage, keyset_page

from .models import Listing, LowStockRule, Product, ProductContent, Stock, StockMovement, Variant, Warehouse


def available_by_variant(*, variant_ids: Iterable[int]) -> dict[int, int]:
    """Units available to sell (on hand minus reserved) per SKU, over the warehouses in use."""
    rows: Iterable[Mapping[str, Any]] = (
        Stock.objects.filter(variant_id__in=list(variant_ids), warehouse__is_active=True)
        # The plugin takes this annotation for the Stock.available property; the rows are plain dicts.
        .values("variant_id").annotate(available=Sum(F("on_hand") - F("reserved")))  # type: ignore[no-redef]
    )
    return {row["variant_id"]: int(row["available"] or 0) for row in rows}


def languages_with_required_content(*, product_ids: Iterable[int], fields: Iterable[str]) -> dict[int, set[str]]:
    """For each product, the languages whose content has every one of ``fields`` filled in."""
    condition = Q()
    for field in fields:
        condition &= ~Q(**{field: ""})
    result: dict[int, set[str]] = defaultdict(set)
    for product_id, language in ProductContent.objects.filter(condition, product_id__in=list(product_ids)) \
            .values_list("product_id", "language"):
        result[product_id].add(language)
    return result


# --- Inventory: warehouses, stock, movements, low-stock rules (inventory engineer) ----------------------------

STOCK_PAGE_SIZE = 50


def warehouse_list() -> list[Warehouse]:
    """Warehouses in use first, each with the units it holds (``units_on_hand``). Two queries: the units are
    summed straight from the stock table, without joining every stock row to its warehouse."""
    units = dict(Stock.objects.order_by().values("warehouse_id").annotate(units=Sum("on_hand"))
                 .values_list("warehouse_id", "units"))
    warehouses = list(Warehouse.objects.order_by("-is_active", "code"))
    for warehouse in warehouses:
        warehouse.units_on_hand = int(units.get(warehouse.pk) or 0)  # type: ignore[attr-defined]
    return warehouses


def warehouse_choices() -> QuerySet[Warehouse]:
    """Warehouses in use, for pickers."""
    return Warehouse.objects.filter(is_active=True).only("id", "code", "name").order_by("code")


def warehouse_get(*, pk: int) -> Warehouse:
    return get_object_or_404(Warehouse, pk=pk)


def stock_variant_get(*, pk: int) -> Variant:
    """A SKU for the stock pages, with its product and low-stock rule."""
    return get_object_or_404(Variant.objects.select_related("product", "low_stock_rule"), pk=pk)


def stock_list(*, filters: dict[str, Any], cursor: str = "", direction: str = "next",
               size: int = STOCK_PAGE_SIZE) -> KeysetPage:
    """SKUs with their stock, one row per SKU, walked by SKU. ``filters``: ``q`` (SKU contains, or the GTIN),
    ``warehouse`` (stock in that warehouse only; otherwise the total over warehouses in use) and ``state``
    ("low": flagged by its low-stock rule, "out": nothing available, "rule": has a rule).

    Three queries whatever the page: the SKUs, their stock, their titles. Each row gets ``on_hand``,
    ``reserved``, ``available``, ``title`` and ``rule`` (or None)."""
    warehouse = filters.get("warehouse")
    queryset = Variant.objects.select_related("product", "low_stock_rule").only(
        "id", "sku", "options", "product__id", "product__code", "low_stock_rule__id",
        "low_stock_rule__min_available", "low_stock_rule__min_days_of_cover", "low_stock_rule__is_low",
        "low_stock_rule__variant_id",
    )
    if filters.get("q"):
        query = filters["q"].strip()
        # icontains compares UPPER(sku), the expression of the trigram index (catalog migration 0004).
        queryset = queryset.filter(Q(sku__icontains=query) | Q(gtin=query))
    state = filters.get("state")
    if state == "low":
        queryset = queryset.filter(low_stock_rule__is_low=True)
    elif state == "rule":
        queryset = queryset.filter(low_stock_rule__isnull=False)
    elif state == "out":
        # An anti-join walked in SKU order: quick when out-of-stock SKUs are common, a scan of the stock index
        # when almost none are (about 0.3 s at 100,000 SKUs), still one query.
        places = Stock.objects.filter(variant=OuterRef("pk"), on_hand__gt=F("reserved"))
        places = places.filter(warehouse=warehouse) if warehouse else places.filter(warehouse__is_active=True)
        queryset = queryset.filter(~Exists(places))
    page = keyset_page(queryset, order=("sku",), cursor=cursor, direction=direction, size=size)
    ids = [variant.pk for variant in page.items]
    stock = Stock.objects.filter(variant_id__in=ids)
    stock = stock.filter(warehouse=warehouse) if warehouse else stock.filter(warehouse__is_active=True)
    sums = stock.order_by().values("variant_id").annotate(on_hand_sum=Sum("on_hand"), reserved_sum=Sum("reserved"))
    totals: dict[int, dict[str, Any]] = {row["variant_id"]: dict(row) for row in sums}
    titles = product_titles(product_ids={variant.product_id for variant in page.items})
    for variant in page.items:
        row: dict[str, Any] = totals.get(variant.pk, {})
        variant.on_hand = int(row.get("on_hand_sum") or 0)
        variant.reserved = int(row.get("reserved_sum") or 0)
        variant.available = variant.on_hand - variant.reserved
        variant.title = titles.get(variant.product_id, "")
        variant.rule = getattr(variant, "low_stock_rule", None)
    return page


def product_titles(*, product_ids: Iterable[int], language: str | None = None) -> dict[int, str]:
    """A title per product for lists: in ``language`` (or the active language) if written, else English, else any."""
    from django.utils.translation import get_language

    wanted = (language or get_language() or "en").lower()
    ranked: dict[int, tuple[int, str]] = {}
    # order_by(): the default ordering would join the products only to sort by their code.
    for product_id, code, title in ProductContent.objects.filter(product_id__in=list(product_ids)).exclude(
            title="").order_by().values_list("product_id", "language", "title"):
        rank = 0 if code.lower() == wanted else 1 if code == "en" else 2
        if product_id not in ranked or rank < ranked[product_id][0]:
            ranked[product_id] = (rank, title)
    return {product_id: title for product_id, (_rank, title) in ranked.items()}


def stock_places(*, variant: Variant) -> list[Stock]:
    """Where a SKU is kept: one row per warehouse that has held it, warehouses in use first."""
    return list(Stock.objects.filter(variant=variant).select_related("warehouse")
                .order_by("-warehouse__is_active", "warehouse__code"))


def movement_list(*, variant: Variant, cursor: str = "", direction: str = "next",
                  size: int = STOCK_PAGE_SIZE) -> KeysetPage:
    """A SKU's stock history, newest first, walked by id."""
    queryset = StockMovement.objects.filter(variant=variant).select_related("warehouse").only(
        "id", "at", "reason", "note", "reference", "on_hand_change", "reserved_change", "on_hand_after",
        "reserved_after", "actor_email", "warehouse__id", "warehouse__code")
    return keyset_page(queryset, order=("-id",), cursor=cursor, direction=direction, size=size)


def units_shipped_by_variant(*, variant_ids: Iterable[int], since: dt.datetime) -> dict[int, int]:
    """Units shipped per SKU since ``since``, from the "shipped" stock movements orders record."""
    ids = list(variant_ids)
    if not ids:
        return {}
    rows = (StockMovement.objects.filter(variant_id__in=ids, reason=StockMovement.Reason.SHIPPED, at__gte=since)
            .values("variant_id").annotate(units=Sum("on_hand_change")))
    return {row["variant_id"]: -int(row["units"] or 0) for row in rows}


def low_stock_rule_get(*, variant: Variant) -> LowStockRule | None:
    return LowStockRule.objects.filter(variant=variant).first()


# --- Listings: the listing list, one listing, a product's listings (listings engineer) -------------------------

LISTING_PAGE_SIZE = 25
# Counting stops here: the list says "10,000+" instead of counting every row of a large store on each page.
LISTING_COUNT_CAP = 10_000
# A search matching at most this many SKUs is run once and its ids reused for the page and its count.
LISTING_SEARCH_IDS = 500
LISTING_SORTS: dict[str, tuple[str, ...]] = {
    "sku": ("sort_sku", "id"),
    "-sku": ("-sort_sku", "-id"),
    "-updated": ("-updated_at", "-id"),
    "quantity": ("quantity_offered", "id"),
    "-quantity": ("-quantity_offered", "-id"),
}
LISTING_ROW_FIELDS = (
    "id", "variant_id", "marketplace_id", "price_mode", "rounding", "price", "price_currency", "sale_price",
    "sale_price_currency", "sale_start", "sale_end", "wanted_status", "status", "suppression", "quantity_offered",
    "quantity_limit", "local_overrides", "copied_from_id", "updated_at",
    "variant__id", "variant__sku", "variant__gtin", "variant__product_id",
    "marketplace__id", "marketplace__code", "marketplace__name", "marketplace__currency", "marketplace__language",
    "marketplace__sort_order",
)


def listing_search_variants(query: str) -> QuerySet[Variant, int]:
    """Ids of the SKUs that contain ``query`` (any case), whose GTIN is ``query``, or whose product has ``query`` in
    its title in any language (a SKU may appear twice). ``icontains`` compares UPPER(column), which is what the
    trigram indexes cover (catalog migration 0004)."""
    by_variant = Variant.objects.filter(Q(sku__icontains=query) | Q(gtin=query)).order_by() \
        .values_list("pk", flat=True)
    by_title = Variant.objects.filter(
        product_id__in=ProductContent.objects.filter(title__icontains=query).order_by().values("product_id")
    ).order_by().values_list("pk", flat=True)
    return by_variant.union(by_title, all=True)


def listing_filters_resolve(filters: dict[str, Any]) -> dict[str, Any]:
    """``filters`` with the search decided once for the page and its count.

    A search matching at most LISTING_SEARCH_IDS SKUs becomes their ids: the page joins those few SKUs and sorts
    them. A search matching more ("cable") is left as a condition checked row by row while the list is walked in
    its sort order, which finds a page of matches after a short walk; its total is then not counted."""
    query = (filters.get("q") or "").strip()
    if not query:
        return filters
    ids = list(listing_search_variants(query)[: LISTING_SEARCH_IDS + 1])
    if len(ids) <= LISTING_SEARCH_IDS:
        return {**filters, "variant_ids": ids}
    return {**filters, "search_walk": True}


def _listing_filtered(filters: dict[str, Any]) -> QuerySet[Listing]:
    queryset = Listing.objects.all()
    query = (filters.get("q") or "").strip()
    if filters.get("variant_ids") is not None:
        # An array parameter, not IN (%s, %s, ...): one parameter, and PostgreSQL joins the few SKUs by key.
        queryset = queryset.filter(variant_id__in=RawSQL("SELECT unnest(%s::bigint[])", [filters["variant_ids"]]))
    elif query and filters.get("search_walk"):
        titled = ProductContent.objects.filter(product_id=OuterRef("variant__product_id"), title__icontains=query)
        queryset = queryset.filter(Q(variant__sku__icontains=query) | Q(variant__gtin=query) | Exists(titled))
    elif query:
        queryset = queryset.filter(variant_id__in=listing_search_variants(query))
    if filters.get("site"):
        queryset = queryset.filter(marketplace=filters["site"])
    status = filters.get("status") or ""
    if status:
        state, _sep, reason = status.partition(":")
        queryset = queryset.filter(status=state)
        if reason:
            queryset = queryset.filter(suppression=reason)
    stock = filters.get("stock")
    if stock == "out":
        queryset = queryset.filter(quantity_offered=0)
    elif stock == "in":
        queryset = queryset.filter(quantity_offered__gt=0)
    elif stock == "low":
        queryset = queryset.filter(variant__low_stock_rule__is_low=True)
    return queryset


def listing_list(*, filters: dict[str, Any]) -> QuerySet[Listing]:
    """Listings filtered for the list page. ``filters``: ``q`` (SKU, GTIN or title in any language), ``site`` (a
    marketplace), ``status`` ("active", "inactive", "suppressed" or "suppressed:<reason>"), ``stock`` ("out":
    nothing offered, "low": its low-stock rule says low, "in": something offered)."""
    return (_listing_filtered(filters).select_related("variant", "marketplace").only(*LISTING_ROW_FIELDS)
            .annotate(sort_sku=F("variant__sku")))


def listing_count(*, filters: dict[str, Any], cap: int = LISTING_COUNT_CAP) -> tuple[int | None, bool]:
    """How many listings match, counting at most ``cap`` + 1 rows: (count, whether there are more than ``cap``).
    The count is None for a search too broad to count quickly (see ``listing_filters_resolve``)."""
    if filters.get("search_walk"):
        return None, True
    count = _listing_filtered(filters).order_by()[: cap + 1].count()
    return min(count, cap), count > cap


def listing_page(*, filters: dict[str, Any], cursor: str = "", direction: str = "next",
                 size: int = LISTING_PAGE_SIZE) -> KeysetPage:
    """One page of the listing list, walked by its sort keys (``filters["sort"]``, SKU by default): the last page
    costs what the first does. Three queries whatever the page (the rows, the capped count, the titles), and one
    more for a search. Each row gets ``title`` (in the site's language if written, else English, else any);
    ``page.extra`` holds ``count`` (capped at LISTING_COUNT_CAP; None for a broad search) and ``count_capped``."""
    order = LISTING_SORTS.get(filters.get("sort") or "", LISTING_SORTS["sku"])
    filters = listing_filters_resolve(filters)
    page = keyset_page(listing_list(filters=filters), order=order, cursor=cursor, direction=direction, size=size)
    count, capped = listing_count(filters=filters)
    page.extra = {"count": count, "count_capped": capped}
    listing_attach_titles(page.items)
    return page


def listing_attach_titles(listings: Iterable[Listing]) -> None:
    """Give each listing a ``title``: its product's title in the site's language, else English, else any. One query."""
    listings = list(listings)
    titles: dict[int, dict[str, str]] = defaultdict(dict)
    for product_id, language, title in ProductContent.objects.filter(
            product_id__in={listing.variant.product_id for listing in listings}).exclude(title="").order_by() \
            .values_list("product_id", "language", "title"):
        titles[product_id][language] = title
    for listing in listings:
        written = titles.get(listing.variant.product_id, {})
        listing.title = (written.get(listing.marketplace.language) or written.get("en")
                         or next(iter(written.values()), ""))


def listing_get(*, pk: int) -> Listing:
    """One listing with its SKU, product and site; 404 if the store has no such listing."""
    related = ("variant__product", "marketplace", "copied_from__marketplace", "copied_from__variant")
    return get_object_or_404(Listing.objects.select_related(*related), pk=pk)


def listings_for_ids(*, ids: Iterable[int]) -> list[Listing]:
    """The listings of a selection, in SKU and site order, with titles (for the copy dialog)."""
    listings = list(Listing.objects.select_related("variant", "marketplace").only(*LISTING_ROW_FIELDS)
                    .filter(pk__in=list(ids)).order_by("variant__sku", "marketplace__sort_order"))
    listing_attach_titles(listings)
    return listings


def product_listings(*, pk: int, sites: Sequence[Any] = ()) -> tuple[Product, list[Variant]]:
    """A product (404 if none) and its SKUs, each with ``site_listings`` (its listings in site order) and
    ``unlisted_sites`` (those of ``sites`` it is not listed on). Three queries."""
    product = get_object_or_404(Product.objects.only("id", "code"), pk=pk)
    variants = list(Variant.objects.filter(product=product).only("id", "sku", "product_id", "base_price",
                                                                 "base_price_currency").order_by("sku"))
    by_variant: dict[int, list[Listing]] = defaultdict(list)
    for listing in Listing.objects.filter(variant__product=product).select_related("marketplace") \
            .order_by("marketplace__sort_order", "marketplace__code"):
        by_variant[listing.variant_id].append(listing)
    for variant in variants:
        site_listings = by_variant.get(variant.pk, [])
        listed = {listing.marketplace_id for listing in site_listings}
        variant.site_listings = site_listings  # type: ignore[attr-defined]
        variant.unlisted_sites = [site for site in sites if site.pk not in listed]  # type: ignore[attr-defined]
    return product, variants


def variant_by_sku(*, sku: str) -> Variant | None:
    return Variant.objects.filter(sku=sku.strip()).select_related("product").first()


def content_missing(*, product_ids: Iterable[int], languages: Iterable[str],
                    fields: Iterable[str]) -> dict[tuple[int, str], list[str]]:
    """For each (product, language) pair, which of ``fields`` the content lacks (all of them when the product has
    no content in that language). Pairs with everything written are left out."""
    product_ids, languages, fields = list(product_ids), list(languages), list(fields)
    written: dict[tuple[int, str], dict[str, Any]] = {
        (row["product_id"], row["language"]): row
        for row in ProductContent.objects.filter(product_id__in=product_ids, language__in=languages)
        .values("product_id", "language", *fields)
    }
    result: dict[tuple[int, str], list[str]] = {}
    for product_id in product_ids:
        for language in languages:
            row = written.get((product_id, language), {})
            lacking = [name for name in fields if not row.get(name)]
            if lacking:
                result[(product_id, language)] = lacking
    return result


@dataclass(frozen=True)
class VariantFacts:
    """What the finance module needs of a SKU: its category (for commission), size and weight (for fulfilment
    fees)."""

    sku: str
    category_id: int | None
    sides_mm: tuple[int, int, int] | None
    weight_g: int | None


def variant_facts(*, skus: Iterable[str]) -> dict[str, VariantFacts]:
    """SKU -> its facts, in one query; SKUs not in the catalog are left out."""
    rows = Variant.objects.filter(sku__in=sorted(set(skus))).order_by().values_list(
        "sku", "product__category_id", "length_mm", "width_mm", "height_mm", "weight_g")
    return {sku: VariantFacts(sku=sku, category_id=category_id,
                              sides_mm=(length, width, height) if length and width and height else None,
                              weight_g=weight)
            for sku, category_id, length, width, height, weight in rows}


def variant_unit_costs(*, skus: Iterable[str]) -> dict[str, Money | None]:
    """SKU -> its unit cost with its currency (None when not set); SKUs not in the catalog are left out."""
    return {variant.sku: variant.unit_cost for variant in
            Variant.objects.filter(sku__in=sorted(set(skus))).only("sku", "unit_cost", "unit_cost_currency")}


def variant_ids_by_sku(*, skus: Iterable[str]) -> dict[str, int]:
    """The ids of these SKUs, in one query (plain SQL: orders look them up for every order the marketplace sends);
    SKUs not in the catalog are left out."""
    table = connection.ops.quote_name(Variant._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT sku, id FROM {table} WHERE sku = ANY(%s)", [sorted(set(skus))])  # noqa: S608
        return dict(cursor.fetchall())


def warehouse_first_in_use(*, kinds: Iterable[str]) -> Warehouse | None:
    """The first warehouse in use of these kinds, by code (where orders take units from first)."""
    return Warehouse.objects.filter(is_active=True, kind__in=list(kinds)).order_by("code").first()


@dataclass(frozen=True)
class StoredUnits:
    """Units of one SKU on hand in one of the platform's fulfilment centres, and the space one unit takes."""

    warehouse_id: int
    warehouse_country: str
    sku: str
    units: int
    unit_volume_mm3: int | None  # None when the SKU's size is not in the catalog


def platform_stored_units() -> list[StoredUnits]:
    """What the store keeps in the platform's fulfilment centres in use (the storage fee's base), in one query."""
    rows = (Stock.objects.filter(warehouse__kind=Warehouse.Kind.PLATFORM, warehouse__is_active=True, on_hand__gt=0)
            .order_by("warehouse_id", "variant__sku")
            .values_list("warehouse_id", "warehouse__country", "variant__sku", "on_hand", "variant__length_mm",
                         "variant__width_mm", "variant__height_mm"))
    return [StoredUnits(warehouse_id=warehouse_id, warehouse_country=country, sku=sku, units=units,
                        unit_volume_mm3=length * width * height if length and width and height else None)
            for warehouse_id, country, sku, units, length, width, height in rows]
