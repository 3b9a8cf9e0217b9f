"""Product.available: the units available to sell that the product list shows and filters "out of stock" by. Every
stock change keeps it equal to what the stock table says, in the change's own transaction."""

from __future__ import annotations

import importlib
import random
import threading
from typing import Any

import pytest
from django.db import OperationalError
from django.db.models import F, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import Activity
from catalog.models import Product, Stock, StockMovement, Variant, Warehouse
from catalog.services.inventory import (
    stock_adjust,
    stock_bulk_set,
    stock_change,
    stock_release,
    stock_reserve,
    stock_return,
    stock_set_counts,
    stock_ship,
    warehouse_deactivate,
    warehouse_reactivate,
)
from catalog.services.products import variant_delete
from sellercenter.errors import DomainError
from stores.models import Store
from tests.catalog.factories import make_product, make_warehouse
from tests.tenancy import connection


def _truth(product: Product) -> int:
    """What the product list summed on every page before the total was stored."""
    units = Stock.objects.filter(variant__product=product, warehouse__is_active=True).aggregate(
        units=Sum(F("on_hand") - F("reserved")))["units"]
    return int(units or 0)


def _stored(product: Product) -> int:
    return Product.objects.values_list("available", flat=True).get(pk=product.pk)


def test_every_kind_of_stock_change_keeps_the_total(in_store_a: Any, owner_a: Any) -> None:
    product = make_product(variants=2)
    bystander = make_product()
    first, second = product.variants.order_by("sku")
    sz, la = make_warehouse("SZ1"), make_warehouse("LA1", city="Los Angeles", country="US")
    steps = [
        ("received", lambda: stock_adjust(actor=owner_a, variant=first, warehouse=sz, reason="received",
                                          quantity=10), 10),
        ("returned", lambda: stock_adjust(actor=owner_a, variant=second, warehouse=la, reason="returned",
                                          quantity=4), 14),
        ("damaged", lambda: stock_adjust(actor=owner_a, variant=first, warehouse=sz, reason="damaged",
                                         quantity=3), 11),
        ("counted", lambda: stock_adjust(actor=owner_a, variant=first, warehouse=sz, reason="counted",
                                         quantity=6), 10),
        ("reserved", lambda: stock_reserve(variant=first, warehouse=sz, quantity=2, reference="O-1"), 8),
        ("released", lambda: stock_release(variant=first, warehouse=sz, quantity=1, reference="O-1"), 9),
        ("shipped", lambda: stock_ship(variant=first, warehouse=sz, quantity=1, reference="O-1"), 9),
        ("buyer return", lambda: stock_return(variant=second, warehouse=la, quantity=2, reference="R-1"), 11),
        ("bulk set", lambda: stock_bulk_set(actor=owner_a, warehouse=la, variant_ids=[first.pk, second.pk],
                                            on_hand=5), 15),
        ("spreadsheet", lambda: stock_set_counts(counts=[(first.pk, sz.pk, 20), (second.pk, sz.pk, 3)],
                                                 reason="imported", actor=owner_a), 33),
        ("nothing changes", lambda: stock_set_counts(counts=[(first.pk, sz.pk, 20)], reason="imported",
                                                     actor=owner_a), 33),
    ]
    for name, step, expected in steps:
        step()
        assert (_stored(product), _truth(product)) == (expected, expected), name
    assert _stored(bystander) == 0


def test_a_refused_change_leaves_the_total_as_it_was(in_store_a: Any, owner_a: Any) -> None:
    product = make_product()
    variant, warehouse = product.variants.get(), make_warehouse()
    stock_change(variant=variant, warehouse=warehouse, on_hand_change=5, reason="received", actor=owner_a)
    with pytest.raises(DomainError):
        stock_ship(variant=variant, warehouse=warehouse, quantity=1, reference="O-1")  # nothing reserved
    with pytest.raises(DomainError):
        stock_set_counts(counts=[(variant.pk, warehouse.pk, 9), (variant.pk, warehouse.pk + 1000, -1)],
                         reason="imported", actor=owner_a)
    stock_reserve(variant=variant, warehouse=warehouse, quantity=4, reference="O-2")
    with pytest.raises(DomainError):
        stock_set_counts(counts=[(variant.pk, warehouse.pk, 3)], reason="counted", actor=owner_a)  # below reserved
    assert (_stored(product), _truth(product)) == (1, 1)


def test_stock_in_a_warehouse_out_of_use_counts_again_when_it_is_back(in_store_a: Any, owner_a: Any) -> None:
    product = make_product()
    variant = product.variants.get()
    sz, old = make_warehouse("SZ1"), make_warehouse("OLD")
    stock_set_counts(counts=[(variant.pk, sz.pk, 8), (variant.pk, old.pk, 4)], reason="received", actor=owner_a)
    with pytest.raises(DomainError):
        warehouse_deactivate(actor=owner_a, warehouse=old)  # still holds stock
    stock_set_counts(counts=[(variant.pk, old.pk, 0)], reason="counted", actor=owner_a)
    warehouse_deactivate(actor=owner_a, warehouse=old)
    assert (_stored(product), _truth(product)) == (8, 8)

    # An import and an order can still move stock there; none of it counts while the warehouse is out of use.
    old.refresh_from_db()
    stock_set_counts(counts=[(variant.pk, old.pk, 7)], reason="imported", actor=owner_a)
    stock_reserve(variant=variant, warehouse=old, quantity=2, reference="O-1")
    assert (_stored(product), _truth(product)) == (8, 8)

    warehouse_reactivate(actor=owner_a, warehouse=old)
    assert (_stored(product), _truth(product)) == (13, 13)
    warehouse_reactivate(actor=owner_a, warehouse=old)  # again: nothing more
    assert _stored(product) == 13


def test_a_sku_with_stock_cannot_be_deleted_and_one_without_leaves_the_total(in_store_a: Any, owner_a: Any) -> None:
    product = make_product(variants=2)
    first, second = product.variants.order_by("sku")
    warehouse = make_warehouse()
    stock_set_counts(counts=[(first.pk, warehouse.pk, 6), (second.pk, warehouse.pk, 2)], reason="received",
                     actor=owner_a)
    with pytest.raises(DomainError):
        variant_delete(actor=owner_a, variant=second)
    stock_set_counts(counts=[(second.pk, warehouse.pk, 0)], reason="counted", actor=owner_a)
    variant_delete(actor=owner_a, variant=second)
    assert not Variant.objects.filter(pk=second.pk).exists()
    assert (_stored(product), _truth(product)) == (6, 6)


def test_the_migration_sums_existing_stock(in_store_a: Any, owner_a: Any) -> None:
    backfill = importlib.import_module("catalog.migrations.0006_product_available").BACKFILL
    stocked, empty, closed_only = make_product(variants=2), make_product(), make_product()
    first, second = stocked.variants.order_by("sku")
    sz, old = make_warehouse("SZ1"), make_warehouse("OLD")
    stock_set_counts(counts=[(first.pk, sz.pk, 5), (second.pk, sz.pk, 7), (second.pk, old.pk, 100),
                             (closed_only.variants.get().pk, old.pk, 9)], reason="received", actor=owner_a)
    stock_reserve(variant=second, warehouse=sz, quantity=3, reference="O-1")
    Warehouse.objects.filter(pk=old.pk).update(is_active=False)
    Product.objects.update(available=0)  # as the column is when it is added
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    assert [_stored(product) for product in (stocked, empty, closed_only)] == [9, 0, 0]


OPERATIONS = st.lists(st.tuples(
    st.sampled_from(["receive", "damage", "count", "reserve", "release", "ship", "import", "bulk", "deactivate",
                     "reactivate"]),
    st.integers(min_value=0, max_value=3),  # which SKU
    st.integers(min_value=0, max_value=1),  # which warehouse
    st.integers(min_value=0, max_value=12),  # how many
), min_size=1, max_size=25)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_any_sequence_of_stock_changes_keeps_every_total(in_store_a: Any, owner_a: Any,
                                                         operations: list[tuple[str, int, int, int]]) -> None:
    products = [make_product(variants=2), make_product(variants=2)]
    skus = [variant for product in products for variant in product.variants.order_by("sku")]
    tag = skus[0].pk
    warehouses = [make_warehouse(f"A{tag}"), make_warehouse(f"B{tag}")]
    for name, sku, place, units in operations:
        variant, warehouse = skus[sku], Warehouse.objects.get(pk=warehouses[place].pk)
        try:
            if name in ("receive", "damage", "count"):
                reason = {"receive": "received", "damage": "damaged", "count": "counted"}[name]
                stock_adjust(actor=owner_a, variant=variant, warehouse=warehouse, reason=reason, quantity=units)
            elif name == "reserve":
                stock_reserve(variant=variant, warehouse=warehouse, quantity=units, reference="O")
            elif name == "release":
                stock_release(variant=variant, warehouse=warehouse, quantity=units, reference="O")
            elif name == "ship":
                stock_ship(variant=variant, warehouse=warehouse, quantity=units, reference="O")
            elif name == "import":
                stock_set_counts(counts=[(variant.pk, warehouse.pk, units), (skus[-1 - sku].pk, warehouse.pk, sku)],
                                 reason="imported", actor=owner_a)
            elif name == "bulk":
                stock_bulk_set(actor=owner_a, warehouse=warehouse, variant_ids=[skus[0].pk, variant.pk],
                               on_hand=units)
            elif name == "deactivate":
                warehouse_deactivate(actor=owner_a, warehouse=warehouse)
            else:
                warehouse_reactivate(actor=owner_a, warehouse=warehouse)
        except DomainError:
            pass
        for product in products:
            assert _stored(product) == _truth(product), (name, sku, place, units)


def test_concurrent_changes_and_a_warehouse_coming_back_keep_the_total(store_a: Store, owner_a: Any) -> None:
    """Several connections at once, committed for real: SKUs of one product received, reserved and shipped in one
    warehouse, set by imports in another that is out of use, while that one is put back in use."""
    ids: dict[str, Any] = {}

    def in_store(work: Any) -> Any:
        connection.set_tenant(store_a)
        try:
            return work()
        finally:
            connection.close()

    def setup() -> None:
        product = make_product(code="RACE", variants=3)
        sz, back = make_warehouse("RACE-SZ"), make_warehouse("RACE-BACK")
        variants = list(product.variants.order_by("sku"))
        stock_set_counts(counts=[(variant.pk, warehouse.pk, 50) for variant in variants for warehouse in (sz, back)],
                         reason="received", actor=None)
        stock_set_counts(counts=[(variant.pk, back.pk, 0) for variant in variants], reason="counted", actor=None)
        warehouse_deactivate(actor=owner_a, warehouse=back)
        ids.update(product=product.pk, variants=[variant.pk for variant in variants], sz=sz.pk, back=back.pk)

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        variants = list(Variant.objects.filter(pk__in=ids["variants"]))
        sz, back = Warehouse.objects.get(pk=ids["sz"]), Warehouse.objects.get(pk=ids["back"])
        for _ in range(25):
            variant = rng.choice(variants)
            try:
                action = rng.randrange(4)
                if action == 0:
                    stock_change(variant=variant, warehouse=sz, on_hand_change=rng.randint(1, 5), reason="received",
                                 actor=None)
                elif action == 1:
                    stock_reserve(variant=variant, warehouse=sz, quantity=rng.randint(1, 3), reference="RACE")
                elif action == 2:
                    stock_ship(variant=variant, warehouse=sz, quantity=1, reference="RACE")
                else:
                    stock_set_counts(counts=[(pk, back.pk, rng.randint(0, 9)) for pk in ids["variants"]],
                                     reason="imported", actor=None)
            except DomainError:
                pass  # not enough stock: refused, nothing changed
            except OperationalError as error:  # a deadlock would be a bug in the order locks are taken
                errors.append(error)

    def comeback() -> None:
        warehouse_reactivate(actor=owner_a, warehouse=Warehouse.objects.get(pk=ids["back"]))

    def check() -> tuple[int, int]:
        product = Product.objects.get(pk=ids["product"])
        return _stored(product), _truth(product)

    def cleanup() -> None:
        Activity.objects.filter(action__startswith="warehouse.", object_id=str(ids["back"])).delete()
        StockMovement.objects.filter(variant__product_id=ids["product"]).delete()
        Product.objects.filter(pk=ids["product"]).delete()
        Warehouse.objects.filter(pk__in=[ids["sz"], ids["back"]]).delete()

    errors: list[Exception] = []
    runner = threading.Thread(target=in_store, args=(setup,))
    runner.start()
    runner.join(30)
    try:
        threads = [threading.Thread(target=in_store, args=(lambda seed=seed: worker(seed),)) for seed in range(4)]
        threads.insert(2, threading.Thread(target=in_store, args=(comeback,)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        results: list[tuple[int, int]] = []
        checker = threading.Thread(target=in_store, args=(lambda: results.append(check()),))
        checker.start()
        checker.join(30)
        assert errors == []
        stored, truth = results[0]
        assert stored == truth > 0
    finally:
        cleaner = threading.Thread(target=in_store, args=(cleanup,))
        cleaner.start()
        cleaner.join(30)
