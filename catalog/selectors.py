"""Reads of the catalog shaped for the pages and services that need them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import F, Q, Sum

from .models import ProductContent, Stock


def available_by_variant(*, variant_ids: Iterable[int]) -> dict[int, int]:
    """Units available to sell (on hand minus reserved) per SKU, over the warehouses in use."""
    rows = (
        Stock.objects.filter(variant_id__in=list(variant_ids), warehouse__is_active=True)
        .values("variant_id").annotate(available=Sum(F("on_hand") - F("reserved")))
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
