"""Catalog rows for tests. Call inside a store's schema (the ``in_store_a`` fixture)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from djmoney.money import Money

from catalog.gtin import gtin_check_digit
from catalog.models import Listing, Product, ProductContent, Variant, Warehouse
from stores.models import Marketplace

_serial = itertools.count(1)


def make_gtin(seed: int) -> str:
    body = f"{690_000_000_000 + seed:012d}"[-12:]
    return body + str(gtin_check_digit(body))


def make_product(*, code: str | None = None, variants: int = 1, languages: tuple[str, ...] = ("en",),
                 base_price: str = "100.00", currency: str = "CNY", **extra: Any) -> Product:
    number = next(_serial)
    product = Product.objects.create(code=code or f"P{number:05d}", brand=extra.pop("brand", "Acme"), **extra)
    for language in languages:
        ProductContent.objects.create(product=product, language=language, title=f"Product {number} [{language}]",
                                      description=f"Description {number} [{language}]",
                                      bullets=[f"Bullet {number}"])
    for index in range(variants):
        Variant.objects.create(product=product, sku=f"{product.code}-{index + 1}", gtin=make_gtin(number * 10 + index),
                               base_price=Money(Decimal(base_price), currency), weight_g=250)
    return product


def make_warehouse(code: str = "SZ1", **extra: Any) -> Warehouse:
    defaults = {"name": "Shenzhen warehouse", "address_line1": "1 Keyuan Road", "city": "Shenzhen", "country": "CN"}
    return Warehouse.objects.create(code=code, **{**defaults, **extra})


def make_listing(variant: Variant, site: str = "US", price: str | None = "19.99", **extra: Any) -> Listing:
    marketplace = Marketplace.objects.get(code=site)
    return Listing.objects.create(
        variant=variant, marketplace=marketplace,
        price=Money(Decimal(price), marketplace.currency) if price is not None else None, **extra,
    )
