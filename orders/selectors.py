"""Reads of orders shaped for the services and the platform API that need them."""

from __future__ import annotations

from .models import Order


def order_for_marketplace(*, marketplace_code: str, marketplace_order_id: str) -> Order | None:
    """The order a marketplace knows by its own id, or None."""
    return (Order.objects.select_related("marketplace")
            .filter(marketplace__code=marketplace_code, marketplace_order_id=marketplace_order_id).first())
