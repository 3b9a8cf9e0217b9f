"""Orders for tests: payloads as the marketplace sends them, and orders placed through the services. Call inside a
store's schema (the ``in_store_a`` fixture)."""

from __future__ import annotations

import itertools
from typing import Any

from catalog.models import Variant, Warehouse
from catalog.services.inventory import stock_change
from orders.api.payloads import ORDER_PLACED
from orders.models import Order
from orders.services import order_ingest_placed
from sellercenter.platform_api import canonical_hash
from stores.models import Store
from stores.platform_tokens import platform_token_create
from tests.catalog.factories import make_product, make_warehouse

_serial = itertools.count(1)


def placed_payload(*, lines: list[tuple[str, int]] | None = None, site: str = "US", currency: str = "USD",
                   order_id: str | None = None, paid: bool = True, unit_price: str = "12.50", tax: str = "1.00",
                 **overrides: Any) -> dict[str, Any]:
    """An order-placed body as JSON would carry it; ``lines`` are (SKU, quantity) at ``unit_price`` each, with
    ``tax`` a line."""
    body: dict[str, Any] = {
        "marketplace": site,
        "marketplace_order_id": order_id or f"111-{next(_serial):07d}-0000001",
        "placed_at": "2026-03-11T09:30:00Z",
        "currency": currency,
        "ship_by": "2026-03-13T23:59:59+00:00",
        "buyer": {"name": "Jane Doe", "email": "jane@buyers.example"},
        "shipping_address": {"name": "Jane Doe", "line1": "410 Terry Ave N", "city": "Seattle", "region": "WA",
                             "postal_code": "98109", "country": "US"},
        "lines": [{"sku": sku, "title": f"Item {sku}", "quantity": quantity, "unit_price": unit_price, "tax": tax}
                  for sku, quantity in (lines or [("SKU-1", 1)])],
        "shipping": "4.99",
    }
    if paid:
        body["paid_at"] = "2026-03-11T09:31:00Z"
    body.update(overrides)
    return body


def place(store: Store, **payload: Any) -> Order:
    """An order placed through the ingest service, as the API would after validating ``placed_payload(...)``."""
    cleaned, errors = ORDER_PLACED.validate(placed_payload(**payload))
    assert not errors, errors
    assert cleaned is not None
    result = order_ingest_placed(store=store, data=cleaned, payload_hash=canonical_hash(cleaned))
    return Order.objects.get(pk=result.event.order_id)


def stocked(sku_prefix: str, *, units: dict[Warehouse, int], variants: int = 1) -> list[Variant]:
    """A product whose variants (SKUs ``<prefix>-1``, ``-2`` ...) each hold ``units`` per warehouse."""
    product = make_product(code=sku_prefix, variants=variants)
    result = list(product.variants.order_by("sku"))
    for variant in result:
        for warehouse, count in units.items():
            if count:
                stock_change(variant=variant, warehouse=warehouse, on_hand_change=count, reason="received",
                             actor=None)
    return result


def warehouse(code: str, **extra: Any) -> Warehouse:
    return make_warehouse(code=code, **extra)


def token_for(store: Store, name: str = "Order feed") -> str:
    _token, secret = platform_token_create(actor=None, store=store, name=name)
    return secret
