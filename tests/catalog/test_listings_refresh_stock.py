"""A change of stock refreshes its SKUs' listings in one statement; what it leaves is exactly what the full refresh
would compute, from every state a listing can be in."""

from __future__ import annotations

import random
from typing import Any

from catalog.models import Listing, Variant
from catalog.services.inventory import (
    stock_change,
    stock_set_counts,
    warehouse_deactivate,
    warehouse_reactivate,
)
from catalog.services.listings import listings_refresh, listings_refresh_stock
from tests.catalog.factories import make_listing, make_product, make_warehouse


def _listings(variants: list[Variant]) -> list[Listing]:
    made = []
    for index, variant in enumerate(variants):
        kind = index % 5
        if kind == 0:
            made.append(make_listing(variant, "US"))  # shown while there is stock
        elif kind == 1:
            made.append(make_listing(variant, "US", quantity_limit=3))  # offers at most 3
        elif kind == 2:
            made.append(make_listing(variant, "US", wanted_status=Listing.Status.INACTIVE))
        elif kind == 3:
            made.append(make_listing(variant, "US", price=None))  # suppressed: no price
        else:
            made.append(make_listing(variant, "JP", price="1980"))  # suppressed: no Japanese content
    listings_refresh(variant_ids=[variant.pk for variant in variants])
    return made


def _state() -> list[tuple[Any, ...]]:
    return list(Listing.objects.order_by("pk").values_list("pk", "status", "suppression", "quantity_offered"))


def test_stock_changes_leave_what_the_full_refresh_would(in_store_a: Any) -> None:
    first, second = make_warehouse("SZ1"), make_warehouse("LA2")
    products = [make_product(code=f"P{n}") for n in range(10)]
    variants = [product.variants.get() for product in products]
    _listings(variants)
    rng = random.Random(7)
    for _step in range(60):
        variant, warehouse = rng.choice(variants), rng.choice((first, second))
        roll = rng.random()
        if roll < 0.5:
            stock_change(variant=variant, warehouse=warehouse, reason="received", actor=None,
                         on_hand_change=rng.randint(1, 6))
        elif roll < 0.8:
            stock_set_counts(counts=[(variant.pk, warehouse.pk, rng.randint(0, 4))], reason="counted", actor=None)
        else:
            try:
                stock_change(variant=variant, warehouse=warehouse, reason="reserved", actor=None,
                             reserved_change=1)
            except Exception:  # noqa: BLE001 - nothing available to reserve: refused, nothing changed
                pass
        before = _state()
        assert listings_refresh(variant_ids=[v.pk for v in variants]) == 0, "the full refresh found changes"
        assert _state() == before


def test_each_state_follows_stock_as_the_rules_say(in_store_a: Any) -> None:
    warehouse = make_warehouse("SZ1")
    variants = [make_product(code=f"S{n}").variants.get() for n in range(5)]
    shown, limited, inactive, no_price, no_content = _listings(variants)
    assert (Listing.objects.get(pk=shown.pk).status, Listing.objects.get(pk=shown.pk).suppression) == (
        "suppressed", "no_stock")

    for variant in variants:
        stock_change(variant=variant, warehouse=warehouse, reason="received", actor=None, on_hand_change=5)

    got = {listing.pk: (listing.status, listing.suppression, listing.quantity_offered)
           for listing in Listing.objects.all()}
    assert got[shown.pk] == ("active", "", 5)
    assert got[limited.pk] == ("active", "", 3)
    assert got[inactive.pk] == ("inactive", "", 5)
    assert got[no_price.pk] == ("suppressed", "price_missing", 5)
    assert got[no_content.pk] == ("suppressed", "missing_content", 5)
    assert listings_refresh_stock(variant_ids=[v.pk for v in variants]) == 0  # nothing left to change


def test_a_warehouse_back_in_use_offers_its_units_again(in_store_a: Any, owner_a: Any) -> None:
    home, overseas = make_warehouse("SZ1"), make_warehouse("LA2")
    variant = make_product(code="W1").variants.get()
    listing = make_listing(variant, "US")
    stock_change(variant=variant, warehouse=overseas, reason="received", actor=None, on_hand_change=4)
    stock_set_counts(counts=[(variant.pk, overseas.pk, 0)], reason="counted", actor=None)
    warehouse_deactivate(actor=owner_a, warehouse=overseas)
    # Units arrive in the warehouse while it is out of use (a return): not offered yet.
    stock_change(variant=variant, warehouse=overseas, reason="returned", actor=None, on_hand_change=2)
    stock_change(variant=variant, warehouse=home, reason="received", actor=None, on_hand_change=1)
    assert Listing.objects.get(pk=listing.pk).quantity_offered == 1

    warehouse_reactivate(actor=owner_a, warehouse=overseas)

    assert Listing.objects.get(pk=listing.pk).quantity_offered == 3
    assert listings_refresh(variant_ids=[variant.pk]) == 0
