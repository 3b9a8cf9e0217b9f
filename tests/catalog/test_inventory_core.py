"""Stock changes through the services: movements recorded, never negative, listings kept in step."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import Listing, Stock, StockMovement
from catalog.services.inventory import stock_change, stock_set_counts
from sellercenter.errors import DomainError
from tests.catalog.factories import make_listing, make_product, make_warehouse


def test_stock_change_records_a_movement_and_refreshes_the_listing(in_store_a: Any, owner_a: Any) -> None:
    variant = make_product().variants.get()
    warehouse = make_warehouse()
    listing = make_listing(variant)
    stock_change(variant=variant, warehouse=warehouse, on_hand_change=12, reason="received", actor=owner_a)
    listing.refresh_from_db()
    assert (listing.status, listing.quantity_offered) == (Listing.Status.ACTIVE, 12)
    movement = StockMovement.objects.get()
    assert (movement.on_hand_change, movement.on_hand_after, movement.actor_email) == (12, 12, owner_a.email)

    stock_change(variant=variant, warehouse=warehouse, on_hand_change=-12, reason="damaged", actor=owner_a)
    listing.refresh_from_db()
    assert (listing.status, listing.suppression) == (Listing.Status.SUPPRESSED, Listing.Suppression.NO_STOCK)


def test_stock_never_goes_negative_and_nothing_changes(in_store_a: Any, owner_a: Any) -> None:
    variant = make_product().variants.get()
    warehouse = make_warehouse()
    stock_change(variant=variant, warehouse=warehouse, on_hand_change=3, reason="received", actor=owner_a)
    with pytest.raises(DomainError):
        stock_change(variant=variant, warehouse=warehouse, on_hand_change=-4, reason="damaged", actor=owner_a)
    with pytest.raises(DomainError):
        stock_change(variant=variant, warehouse=warehouse, reserved_change=4, reason="reserved", actor=None)
    assert Stock.objects.get().on_hand == 3
    assert StockMovement.objects.count() == 1


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.integers(min_value=-20, max_value=20).filter(bool), min_size=1, max_size=15))
def test_any_sequence_of_changes_keeps_stock_equal_to_accepted_movements(in_store_a: Any, changes: list[int]) -> None:
    variant = make_product().variants.get()
    warehouse = make_warehouse(code=f"W{variant.pk}")
    for change in changes:
        try:
            stock_change(variant=variant, warehouse=warehouse, on_hand_change=change, reason="counted", actor=None)
        except DomainError:
            pass
    stock = Stock.objects.filter(variant=variant, warehouse=warehouse).first()
    movements = list(StockMovement.objects.filter(variant=variant).order_by("id"))
    assert (stock.on_hand if stock else 0) == sum(m.on_hand_change for m in movements) >= 0
    assert all(m.on_hand_after >= 0 for m in movements)


def test_set_counts_skips_unchanged_rows_and_refuses_below_reserved(in_store_a: Any, owner_a: Any) -> None:
    first, second = make_product(variants=2).variants.order_by("sku")
    warehouse = make_warehouse()
    assert stock_set_counts(counts=[(first.pk, warehouse.pk, 5), (second.pk, warehouse.pk, 0)],
                            reason="imported", actor=owner_a) == 1
    assert stock_set_counts(counts=[(first.pk, warehouse.pk, 5)], reason="imported", actor=owner_a) == 0
    stock_change(variant=first, warehouse=warehouse, reserved_change=4, reason="reserved", actor=None)
    with pytest.raises(DomainError):
        stock_set_counts(counts=[(first.pk, warehouse.pk, 3)], reason="counted", actor=owner_a)
    assert Stock.objects.get(variant=first).on_hand == 5
