"""Reads for the product pages: the product list (search, filters, keyset pages) and one product in full."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404

from sellercenter.pagination import KeysetPage, keyset_page
from stores.models import Category, Marketplace

from .models import Listing, LowStockRule, Product, ProductContent, ProductImage, Stock, Variant

SORTS: dict[str, tuple[str, ...]] = {
    "updated": ("-updated_at", "-id"),
    "code": ("code", "id"),
    "created": ("-created_at", "-id"),
}
PRODUCT_PAGE_SIZE = 50
# Counting stops here, as in the listing list: "More than 500 products" instead of counting every match of a large
# store's filters on each page.
PRODUCT_COUNT_CAP = 500
# A search matching at most this many products is run once and its ids reused for the page and its count.
PRODUCT_SEARCH_IDS = 500


def product_search_ids(query: str) -> QuerySet[Product, int]:
    """Ids of the products whose code or one of whose SKUs contains ``query`` (any case), one of whose GTINs is
    ``query``, or whose title in some language contains it (a product may appear more than once). ``icontains``
    compares UPPER(column), which is what the trigram indexes cover (catalog migration 0004)."""
    by_code = Product.objects.filter(code__icontains=query).order_by().values_list("pk", flat=True)
    by_variant = Variant.objects.filter(Q(sku__icontains=query) | Q(gtin=query)).order_by() \
        .values_list("product_id", flat=True)
    by_title = ProductContent.objects.filter(title__icontains=query).order_by().values_list("product_id", flat=True)
    return by_code.union(by_variant, by_title, all=True)


def product_filters_resolve(filters: dict[str, Any]) -> dict[str, Any]:
    """``filters`` with the search decided once for the page and its count, as the listing list does.

    A search matching at most PRODUCT_SEARCH_IDS products becomes their ids: the page sorts those few. A search
    matching more ("cable") is left as a condition checked row by row while the list is walked in its sort order,
    which finds a page of matches after a short walk; its total is then not counted.

    The site's code becomes the site's id, which PostgreSQL's statistics of the listings know: through a join on
    the code it would guess that a site has few listings, and pick a plan that reads all of them. The category
    becomes the ids of its branch."""
    if filters.get("resolved"):
        return filters
    resolved = {**filters, "resolved": True}
    if filters.get("site"):
        resolved["site_id"] = Marketplace.objects.filter(code=filters["site"]).values_list("pk", flat=True).first()
    category: Category | None = filters.get("category")
    if category is not None:
        resolved["category_ids"] = list(Category.objects.filter(
            Q(pk=category.pk) | Q(path__startswith=category.path + "/")).values_list("pk", flat=True))
    query = (filters.get("q") or "").strip()
    if query:
        ids = list(dict.fromkeys(product_search_ids(query)[: PRODUCT_SEARCH_IDS + 1]))
        if len(ids) <= PRODUCT_SEARCH_IDS:
            resolved["product_ids"] = ids
        else:
            resolved["search_walk"] = True
    return resolved


def _product_filtered(filters: dict[str, Any]) -> QuerySet[Product]:
    filters = product_filters_resolve(filters)
    queryset = Product.objects.all()
    query = (filters.get("q") or "").strip()
    if filters.get("product_ids") is not None:
        # An array parameter, not IN (%s, %s, ...): one parameter, and PostgreSQL joins the few products by key.
        queryset = queryset.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [filters["product_ids"]]))
    elif query:
        by_variant = Variant.objects.filter(Q(sku__icontains=query) | Q(gtin=query), product_id=OuterRef("pk"))
        by_title = ProductContent.objects.filter(title__icontains=query, product_id=OuterRef("pk"))
        queryset = queryset.filter(Q(code__icontains=query) | Exists(by_variant) | Exists(by_title))
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("brand"):
        queryset = queryset.filter(brand__iexact=filters["brand"])
    if filters.get("category") is not None:
        queryset = queryset.filter(category_id__in=filters["category_ids"])
    if filters.get("site"):
        if filters.get("site_id") is None:
            return queryset.none()
        queryset = queryset.filter(Exists(Listing.objects.filter(variant__product=OuterRef("pk"),
                                                                 marketplace=filters["site_id"])))
    stock = filters.get("stock")
    # "In" and "out" read the stored total (kept by the inventory services), not a scan of every stock row.
    if stock == "out":
        queryset = queryset.filter(out_of_stock=True)
    elif stock == "in":
        queryset = queryset.filter(available__gt=0)
    elif stock == "low":
        queryset = queryset.filter(Exists(LowStockRule.objects.filter(variant__product=OuterRef("pk"), is_low=True)))
    return queryset


def product_list(*, filters: dict[str, Any]) -> QuerySet[Product]:
    """Products filtered for the list page. ``filters``: ``q`` (code, SKU, GTIN or title in any language),
    ``status``, ``brand``, ``category`` (with its subcategories), ``site`` (listed on that site's code), ``stock``
    ("out": nothing available, "in": something available, "low": a SKU's low-stock rule says low)."""
    return _product_filtered(filters).only(
        "id", "code", "brand", "status", "category_id", "available", "updated_at", "created_at")


def product_count(*, filters: dict[str, Any], cap: int = PRODUCT_COUNT_CAP) -> tuple[int | None, bool]:
    """How many products match, counting at most ``cap`` + 1 rows: (count, whether there are more than ``cap``).
    The count is None for a search too broad to count quickly (see ``product_filters_resolve``)."""
    filters = product_filters_resolve(filters)
    if filters.get("search_walk"):
        return None, True
    count = _product_filtered(filters).order_by()[: cap + 1].count()
    return min(count, cap), count > cap


@dataclass
class ProductRow:
    product: Product
    title: str
    variants: int
    available: int
    sites: list[str]
    thumbnail_url: str
    category: Category | None


def product_page(*, filters: dict[str, Any], cursor: str, direction: str, language: str,
                 fallback_language: str, size: int = PRODUCT_PAGE_SIZE) -> KeysetPage:
    """A page of the product list with what each row shows, walked by its sort keys: the last page costs what the
    first does. A fixed number of queries whatever the page (one more for a search); ``page.extra`` holds
    ``count`` (capped at PRODUCT_COUNT_CAP; None for a broad search) and ``count_capped``."""
    order = SORTS.get(filters.get("sort") or "updated", SORTS["updated"])
    filters = product_filters_resolve(filters)
    page = keyset_page(product_list(filters=filters), order=order, cursor=cursor, direction=direction, size=size)
    count, capped = product_count(filters=filters)
    page.extra = {"count": count, "count_capped": capped}
    ids = [product.pk for product in page.items]
    titles: dict[int, dict[str, str]] = defaultdict(dict)
    # order_by(): the models' default orderings would join the product table only to sort by its code.
    for product_id, lang, title in ProductContent.objects.filter(product_id__in=ids).exclude(title="").order_by() \
            .values_list("product_id", "language", "title"):
        titles[product_id][lang] = title
    variant_counts = dict(Variant.objects.filter(product_id__in=ids).order_by().values("product_id")
                          .annotate(n=Count("id")).values_list("product_id", "n"))
    sites: dict[int, set[str]] = defaultdict(set)
    for product_id, code in Listing.objects.filter(variant__product_id__in=ids).order_by() \
            .values_list("variant__product_id", "marketplace__code").distinct():
        sites[product_id].add(code)
    thumbs = {image.product_id: image for image in
              ProductImage.objects.filter(product_id__in=ids, is_main=True).order_by()}
    categories = {category.pk: category for category in
                  Category.objects.filter(pk__in={p.category_id for p in page.items if p.category_id})}
    rows = []
    for product in page.items:
        names = titles.get(product.pk, {})
        image = thumbs.get(product.pk)
        rows.append(ProductRow(
            product=product,
            title=(names.get(language) or names.get(fallback_language) or names.get("en")
                   or next(iter(names.values()), "")),
            variants=variant_counts.get(product.pk, 0),
            available=product.available,
            sites=sorted(sites.get(product.pk, set())),
            thumbnail_url=(image.thumbnail.url if image.thumbnail else image.file.url) if image else "",
            category=categories.get(product.category_id) if product.category_id else None,
        ))
    page.items = rows
    return page


def brand_names() -> list[str]:
    return list(Product.objects.exclude(brand="").order_by("brand").values_list("brand", flat=True).distinct()[:500])


def product_get(*, pk: int) -> Product:
    return get_object_or_404(Product.objects.all(), pk=pk)


def product_variants(*, product: Product) -> list[Variant]:
    available = Stock.objects.filter(variant=OuterRef("pk"), warehouse__is_active=True).values("variant") \
        .annotate(n=Sum(F("on_hand") - F("reserved"))).values("n")
    return list(product.variants.annotate(available=Subquery(available)).order_by("sku"))


def product_contents(*, product: Product) -> dict[str, ProductContent]:
    return {content.language: content for content in product.contents.all()}


def product_images(*, product: Product) -> list[ProductImage]:
    return list(product.images.select_related("variant").order_by("-is_main", "position", "id"))


@dataclass
class SiteCompleteness:
    code: str
    name: str
    language: str
    missing: list[str]


def content_completeness(*, contents: dict[str, ProductContent], marketplaces: list[Any]) -> list[SiteCompleteness]:
    """For each of the store's sites, what its language's content still lacks (title, bullets, description)."""
    result = []
    for marketplace in marketplaces:
        content = contents.get(marketplace.language)
        missing = content.missing() if content is not None else ["title", "bullets", "description"]
        result.append(SiteCompleteness(marketplace.code, marketplace.display_name, marketplace.language, missing))
    return result
