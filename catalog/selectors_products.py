"""Reads for the product pages: the product list (search, filters, keyset pages) and one product in full."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.shortcuts import get_object_or_404

from sellercenter.pagination import KeysetPage, keyset_page
from stores.models import Category

from .models import Listing, LowStockRule, Product, ProductContent, ProductImage, Stock, Variant

SORTS: dict[str, tuple[str, ...]] = {
    "updated": ("-updated_at", "-id"),
    "code": ("code", "id"),
    "created": ("-created_at", "-id"),
}


def product_search(queryset: QuerySet[Product], query: str) -> QuerySet[Product]:
    """Products whose code, SKU, GTIN or title in any language contains ``query`` (trigram indexes)."""
    query = query.strip()
    if not query:
        return queryset
    by_variant = Variant.objects.filter(Q(sku__icontains=query) | Q(gtin=query)).values("product_id")
    by_title = ProductContent.objects.filter(title__icontains=query).values("product_id")
    return queryset.filter(Q(code__icontains=query) | Q(pk__in=by_variant) | Q(pk__in=by_title))


def product_list(*, filters: dict[str, Any]) -> QuerySet[Product]:
    queryset = Product.objects.all()
    queryset = product_search(queryset, filters.get("q") or "")
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("brand"):
        queryset = queryset.filter(brand__iexact=filters["brand"])
    category: Category | None = filters.get("category")
    if category is not None:
        branch = Category.objects.filter(Q(pk=category.pk) | Q(path__startswith=category.path + "/"))
        queryset = queryset.filter(category_id__in=list(branch.values_list("pk", flat=True)))
    if filters.get("site"):
        queryset = queryset.filter(Exists(Listing.objects.filter(variant__product=OuterRef("pk"),
                                                                 marketplace__code=filters["site"])))
    stock = filters.get("stock")
    if stock:
        in_stock = Stock.objects.filter(variant__product=OuterRef("pk"), warehouse__is_active=True,
                                        on_hand__gt=F("reserved"))
        if stock == "out":
            queryset = queryset.filter(~Exists(in_stock))
        elif stock == "in":
            queryset = queryset.filter(Exists(in_stock))
        elif stock == "low":
            queryset = queryset.filter(Exists(LowStockRule.objects.filter(variant__product=OuterRef("pk"),
                                                                          is_low=True)))
    return queryset.only("id", "code", "brand", "status", "category_id", "updated_at", "created_at")


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
                 fallback_language: str, size: int = 50) -> KeysetPage:
    """A page of the product list with what each row shows, in a fixed number of queries."""
    order = SORTS.get(filters.get("sort") or "updated", SORTS["updated"])
    page = keyset_page(product_list(filters=filters), order=order, cursor=cursor, direction=direction, size=size)
    ids = [product.pk for product in page.items]
    titles: dict[int, dict[str, str]] = defaultdict(dict)
    for product_id, lang, title in ProductContent.objects.filter(product_id__in=ids).exclude(title="") \
            .values_list("product_id", "language", "title"):
        titles[product_id][lang] = title
    variant_counts = dict(Variant.objects.filter(product_id__in=ids).values("product_id")
                          .annotate(n=Count("id")).values_list("product_id", "n"))
    available = dict(Stock.objects.filter(variant__product_id__in=ids, warehouse__is_active=True)
                     .values("variant__product_id").annotate(n=Sum(F("on_hand") - F("reserved")))
                     .values_list("variant__product_id", "n"))
    sites: dict[int, set[str]] = defaultdict(set)
    for product_id, code in Listing.objects.filter(variant__product_id__in=ids) \
            .values_list("variant__product_id", "marketplace__code").distinct():
        sites[product_id].add(code)
    thumbs = {image.product_id: image for image in ProductImage.objects.filter(product_id__in=ids, is_main=True)}
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
            available=int(available.get(product.pk) or 0),
            sites=sorted(sites.get(product.pk, set())),
            thumbnail_url=(image.thumbnail.url if image.thumbnail else image.file.url) if image else "",
            category=categories.get(product.category_id) if product.category_id else None,
        ))
    page.items = rows
    return page


def product_count(*, filters: dict[str, Any]) -> int:
    return product_list(filters=filters).count()


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
        result.append(SiteCompleteness(marketplace.code, marketplace.name, marketplace.language, missing))
    return result
