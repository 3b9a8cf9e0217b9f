"""An import in a worker checks its next chunks on a second connection while it writes the current one: the
result is the same as checking each chunk just before writing it, and a failure on either side stops both."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction

from catalog.models import Listing, Product, ProductContent, Stock, Variant
from catalog.spreadsheet import validate
from catalog.spreadsheet.apply import MODE_ALL, ImportHasErrors, apply_sheet
from catalog.spreadsheet.columns import template_for_store
from catalog.spreadsheet.reader import read_sheet
from tests.catalog.factories import make_gtin, make_warehouse
from tests.catalog.sheets import csv_data

HEADER = ["product_code", "sku", "gtin", "title_en", "description_en", "price_US", "stock_SZ1"]


def _file(products: int, *, bad_at: int | None = None) -> bytes:
    rows: list[list[Any]] = [HEADER]
    for n in range(products):
        for colour in ("BLK", "WHT"):
            gtin = "12345" if n == bad_at and colour == "WHT" else make_gtin(1000 + n * 2 + (colour == "WHT"))
            rows.append([f"P{n:03d}", f"P{n:03d}-{colour}", gtin, f"Lamp {n}", "Bright.", "9.99", str(n % 4)])
    return csv_data(rows)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    def chunks(prepared: Any, size: int = 3) -> Iterator[list[list[int]]]:
        groups = prepared.groups
        for start in range(0, len(groups), 3):
            yield groups[start:start + 3]

    monkeypatch.setattr(validate, "chunks", chunks)


def _apply(data: bytes, store: Any, owner: Any, *, read_ahead: bool) -> Any:
    sheet = read_sheet(data, "catalog.csv")
    with transaction.atomic():
        return apply_sheet(sheet=sheet, template=template_for_store(store=store), mode=MODE_ALL, actor=owner,
                           reference="import-test", read_ahead=read_ahead)


def _catalog() -> dict[str, Any]:
    return {
        "products": list(Product.objects.order_by("code").values_list("code", "available")),
        "variants": list(Variant.objects.order_by("sku").values_list("sku", "gtin", "product__code")),
        "contents": list(ProductContent.objects.order_by("product__code").values_list("product__code", "title")),
        "listings": list(Listing.objects.order_by("variant__sku").values_list(
            "variant__sku", "price", "status", "suppression", "quantity_offered")),
        "stock": list(Stock.objects.order_by("variant__sku").values_list("variant__sku", "on_hand")),
    }


def _checking_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "catalog-import-check"]


def test_reading_ahead_writes_what_checking_in_turn_writes(in_store_a: Any, store_a: Any, owner_a: Any,
                                                           small_chunks: None) -> None:
    make_warehouse("SZ1")
    data = _file(10)
    with transaction.atomic():
        in_turn = _apply(data, store_a, owner_a, read_ahead=False)
        expected = _catalog()
        transaction.set_rollback(True)
    assert not Product.objects.exists()

    ahead = _apply(data, store_a, owner_a, read_ahead=True)

    assert _catalog() == expected
    assert len(expected["variants"]) == 20 and len(expected["listings"]) == 20
    assert ahead.counts == in_turn.counts and ahead.counts["create"] == 20
    assert not _checking_threads()


def test_a_row_with_an_error_stops_the_checking_thread(in_store_a: Any, store_a: Any, owner_a: Any,
                                                       small_chunks: None) -> None:
    make_warehouse("SZ1")
    with pytest.raises(ImportHasErrors) as raised:
        _apply(_file(10, bad_at=4), store_a, owner_a, read_ahead=True)
    assert raised.value.result.counts["error"] == 2
    assert not _checking_threads()
    assert connection.in_atomic_block  # the test's own transaction is untouched
    assert not Variant.objects.filter(product__code="P004").exists()


def test_a_failure_in_the_checking_thread_reaches_the_import(in_store_a: Any, store_a: Any, owner_a: Any,
                                                             small_chunks: None,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    make_warehouse("SZ1")
    original = validate.Planner.plan
    calls: list[int] = []

    def plan_then_fail(self: Any, batch: Any) -> Any:
        calls.append(len(batch))
        if len(calls) == 2:
            raise RuntimeError("connection lost")
        return original(self, batch)

    monkeypatch.setattr(validate.Planner, "plan", plan_then_fail)
    with pytest.raises(RuntimeError, match="connection lost"):
        _apply(_file(10), store_a, owner_a, read_ahead=True)
    assert not _checking_threads()
    assert not Product.objects.exists()
