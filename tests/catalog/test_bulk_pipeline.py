"""The bulk writer's pipeline: COPYs sent from a thread of their own keep the order of the calls, a query waits
for them, and an error in a sent COPY fails the block with nothing written."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.bulk import insert_rows, pipeline
from catalog.models import Product, Variant
from catalog.services.inventory import stock_set_counts
from tests.catalog.factories import make_warehouse


def _writers() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "catalog-bulk-writer"]


def _product(code: str, **fields: Any) -> dict[str, Any]:
    now = timezone.now()
    return {"code": code, "created_at": now, "updated_at": now, **fields}


def test_rows_sent_in_a_pipeline_are_seen_by_the_next_query(in_store_a: Any) -> None:
    with transaction.atomic(), pipeline():
        ids = [pk for (pk,) in insert_rows(Product, [_product(f"P{n}") for n in range(50)], returning=("id",))]
        insert_rows(Variant, [{"product_id": pk, "sku": f"S{pk}", "created_at": timezone.now(),
                               "updated_at": timezone.now()} for pk in ids])
        # A query through Django waits for both COPYs, in the order they were sent.
        assert Variant.objects.filter(product_id__in=ids).count() == 50
    assert not _writers()
    assert Product.objects.count() == 50


def test_a_failing_copy_fails_the_block_and_nothing_is_written(in_store_a: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic(), pipeline():
        insert_rows(Product, [_product("P1"), _product("P2")])
        insert_rows(Product, [_product("P3"), _product("P1")])  # P1 twice: the second COPY fails
        insert_rows(Product, [_product("P4")])
    assert not _writers()
    assert not Product.objects.exists()


def test_foreign_keys_are_checked_within_the_pipeline(in_store_a: Any) -> None:
    missing = (Product.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1000
    with pytest.raises(IntegrityError), transaction.atomic(), pipeline():
        insert_rows(Variant, [{"product_id": missing, "sku": "ORPHAN", "created_at": timezone.now(),
                               "updated_at": timezone.now()}])
        Product.objects.exists()  # the statement's error comes back with the next query
    assert not Variant.objects.exists()


def test_an_error_in_the_caller_stops_the_writer(in_store_a: Any) -> None:
    with pytest.raises(RuntimeError, match="stop"), transaction.atomic(), pipeline():
        insert_rows(Product, [_product("P1")])
        raise RuntimeError("stop")
    assert not _writers()
    assert not Product.objects.exists()


def test_new_skus_stock_is_written_without_looking_up_rows(in_store_a: Any) -> None:
    warehouse = make_warehouse("SZ1")
    with transaction.atomic(), pipeline():
        product_id = insert_rows(Product, [_product("P1")], returning=("id",))[0][0]
        variant_ids = [pk for (pk,) in insert_rows(
            Variant, [{"product_id": product_id, "sku": f"S{n}", "created_at": timezone.now(),
                       "updated_at": timezone.now()} for n in range(3)], returning=("id",))]
        changed = stock_set_counts(counts=[(pk, warehouse.pk, 5) for pk in variant_ids], reason="imported",
                                   actor=None, refresh_listings=False, in_use={warehouse.pk},
                                   without_stock=variant_ids)
    assert changed == 3
    product = Product.objects.get(pk=product_id)
    assert product.available == 15
    assert sorted(Variant.objects.get(pk=pk).stock.get().on_hand for pk in variant_ids) == [5, 5, 5]

