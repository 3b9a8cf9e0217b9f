"""Importing a filled template: the preview (nothing changes), applying all rows or the valid ones, the rules for
empty cells and #CLEAR, errors with row, column and reason, malformed files, and two imports never interleaving."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from djmoney.money import Money

from audit.models import Activity
from catalog.models import Listing, Product, ProductContent, Stock, StockMovement, Variant
from catalog.services.imports import import_apply, import_create
from catalog.services.inventory import stock_change
from catalog.spreadsheet import validate
from catalog.spreadsheet.apply import LOCK_NAME, import_lock
from catalog.spreadsheet.validate import error_text
from jobs.models import Job
from jobs.services import job_create, job_start
from sellercenter.errors import DomainError
from stores.models import Category
from tests.catalog.factories import make_gtin, make_listing, make_product, make_warehouse
from tests.catalog.sheets import apply, check, csv_data, upload, xlsx_data
from tests.tenancy import connection


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


HEADER = ["product_code", "sku", "brand", "gtin", "title_en", "description_en", "title_zh-hans", "price_US",
          "price_JP", "status_JP", "stock_SZ1"]


def _rows() -> list[list[Any]]:
    return [
        HEADER,
        ["EB-100", "EB-100-BLK", "Youpin", make_gtin(101), "Wireless earbuds", "Small, loud.\nTen hours.",
         "无线耳机", "19.99", "2980", "", "12"],
        ["EB-100", "EB-100-WHT", "", make_gtin(102), "", "", "", "19.99", "2980", "inactive", "0"],
        ["CASE-7", "CASE-7-1", "Acme", make_gtin(103), "Phone case", "Fits.", "手机壳", "9.5", "", "", "40"],
    ]


def _snapshot() -> dict[str, Any]:
    return {
        "products": list(Product.objects.order_by("code").values_list("code", "brand", "status", "updated_at")),
        "variants": list(Variant.objects.order_by("sku").values()),
        "contents": list(ProductContent.objects.order_by("product_id", "language").values()),
        "listings": list(Listing.objects.order_by("pk").values()),
        "stock": list(Stock.objects.order_by("pk").values()),
        "movements": StockMovement.objects.count(),
        "activity": Activity.objects.filter(action="catalog.imported").count(),
    }


def test_the_preview_changes_nothing_and_applying_writes_every_row(in_store_a: Any, owner_a: Any) -> None:
    warehouse = make_warehouse("SZ1")
    job = check(actor=owner_a, data=csv_data(_rows()))
    assert job.status == Job.Status.AWAITING, job.error
    assert job.summary["preview"] == {"total": 3, "create": 3, "update": 0, "unchanged": 0, "error_rows": 0,
                                      "errors": 0}
    assert job.result_file and job.result_name == "catalog-check.csv"
    assert not Product.objects.exists() and not Variant.objects.exists()

    apply(actor=owner_a, job=job)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.summary["applied"]["create"] == 3
    product = Product.objects.get(code="EB-100")
    assert product.brand == "Youpin"
    assert sorted(product.variants.values_list("sku", flat=True)) == ["EB-100-BLK", "EB-100-WHT"]
    content = product.contents.get(language="en")
    assert content.description == "Small, loud.\nTen hours."
    assert product.contents.get(language="zh-hans").title == "无线耳机"
    black = Variant.objects.get(sku="EB-100-BLK")
    us = Listing.objects.get(variant=black, marketplace__code="US")
    assert us.price == Money(Decimal("19.99"), "USD")
    # US shows it (English content, price, stock); JP suppresses it (no Japanese content).
    assert (us.status, us.quantity_offered) == (Listing.Status.ACTIVE, 12)
    jp = Listing.objects.get(variant=black, marketplace__code="JP")
    assert (jp.price, jp.status, jp.suppression) == (Money(2980, "JPY"), "suppressed", "missing_content")
    assert Listing.objects.get(variant__sku="EB-100-WHT", marketplace__code="JP").wanted_status == "inactive"
    assert not Listing.objects.filter(variant__sku="CASE-7-1", marketplace__code="JP").exists()
    # Stock through the inventory service: a movement per change, reason "imported", the person recorded.
    assert Stock.objects.get(variant=black, warehouse=warehouse).on_hand == 12
    movement = StockMovement.objects.get(variant=black)
    assert (movement.reason, movement.on_hand_change, movement.actor_email) == ("imported", 12, owner_a.email)
    assert not Stock.objects.filter(variant__sku="EB-100-WHT").exists()
    # One activity entry for the whole import, with its counts.
    entry = Activity.objects.get(action="catalog.imported")
    assert entry.actor_email == owner_a.email
    assert entry.changes["summary"][1] == {"create": 3, "update": 0, "unchanged": 0, "skipped": 0}


def test_a_second_file_updates_keeps_empty_cells_and_clears_with_the_token(in_store_a: Any, owner_a: Any) -> None:
    make_warehouse("SZ1")
    apply(actor=owner_a, job=check(actor=owner_a, data=csv_data(_rows())))
    rows = [
        ["product_code", "sku", "brand", "gtin", "description_en", "price_US", "stock_SZ1", "weight_g",
         "bullets_en", "options"],
        ["EB-100", "EB-100-BLK", "", "", "", "21.00", "", "#CLEAR", "", ""],    # price changes; empty cells keep
        ["EB-100", "EB-100-WHT", "", "#CLEAR", "", "", "", "", "Loud\nLight", "colour=White"],  # GTIN cleared
        ["CASE-7", "CASE-7-1", "", "", "#CLEAR", "9.50", "40", "", "", ""],     # description cleared; 9.50 == 9.5
    ]
    job = check(actor=owner_a, data=csv_data(rows))
    assert job.summary["preview"] == {"total": 3, "create": 0, "update": 3, "unchanged": 0, "error_rows": 0,
                                      "errors": 0}
    apply(actor=owner_a, job=job)
    black = Variant.objects.get(sku="EB-100-BLK")
    assert Listing.objects.get(variant=black, marketplace__code="US").price.amount == Decimal("21.00")
    assert black.gtin == make_gtin(101) and black.product.brand == "Youpin"
    white = Variant.objects.get(sku="EB-100-WHT")
    assert (white.gtin, white.options) == ("", {"colour": "White"})
    assert white.product.contents.get(language="en").bullets == ["Loud", "Light"]
    case = Product.objects.get(code="CASE-7").contents.get(language="en")
    assert (case.title, case.description) == ("Phone case", "")
    assert Listing.objects.get(variant__sku="CASE-7-1", marketplace__code="US").price.amount == Decimal("9.5")

    again = check(actor=owner_a, data=csv_data([*rows[:1], [*rows[1][:6], "", "", "Loud\nLight", ""]]))
    assert again.summary["preview"]["unchanged"] == 1


def test_errors_carry_row_column_and_reason_and_apply_all_is_refused(in_store_a: Any, owner_a: Any) -> None:
    make_warehouse("SZ1")
    rows = _rows()
    rows[3][3] = make_gtin(103)[:-1] + str((int(make_gtin(103)[-1]) + 1) % 10)  # wrong check digit
    rows[3][10] = "-5"
    rows.append(["MUG-1", "MUG-1-1", "", "6.90123E+12", "Mug", "", "", "3.999", "12.5", "maybe", ""])
    before = _snapshot()
    job = check(actor=owner_a, data=csv_data(rows))
    assert job.status == Job.Status.AWAITING
    preview = job.summary["preview"]
    assert (preview["create"], preview["error_rows"]) == (2, 2)
    found = {(row, column): code for row, column, code, _params in job.summary["errors"]}
    assert found == {(4, "gtin"): "gtin_check", (4, "stock_SZ1"): "negative_stock", (5, "gtin"): "gtin_excel",
                     (5, "price_US"): "decimals", (5, "price_JP"): "no_decimals", (5, "status_JP"): "choice"}
    texts = {column: error_text(code, params) for _row, column, code, params in job.summary["errors"]}
    assert "wrong check digit" in texts["gtin"] or "Excel" in texts["gtin"]
    assert texts["price_US"] == "3.999: at most 2 decimals in this column (USD)."
    assert texts["status_JP"] == "maybe is not allowed here; use one of: active, inactive."
    assert texts["price_JP"] == "12.5: JPY amounts are whole numbers, without decimals."
    with pytest.raises(DomainError, match="errors"):
        import_apply(actor=owner_a, job=job, mode="all", language="en")
    assert _snapshot() == before

    apply(actor=owner_a, job=job, mode="valid")
    assert job.status == Job.Status.SUCCEEDED
    assert set(Variant.objects.values_list("sku", flat=True)) == {"EB-100-BLK", "EB-100-WHT"}
    assert job.summary["applied"]["skipped"] == 2
    assert Activity.objects.get(action="catalog.imported").changes["summary"][1]["skipped"] == 2


def test_a_product_is_imported_with_all_its_rows_or_not_at_all(in_store_a: Any, owner_a: Any) -> None:
    rows = [["product_code", "sku", "gtin", "title_en", "brand"],
            ["P1", "P1-1", make_gtin(1), "Lamp", "Acme"],
            ["P1", "P1-2", "123", "Lamp", ""],
            ["P1", "P1-3", make_gtin(3), "Desk lamp", ""],
            ["P2", "P2-1", make_gtin(4), "Chair", "Acme"]]
    job = check(actor=owner_a, data=csv_data(rows))
    errors = {(row, column, code) for row, column, code, _params in job.summary["errors"]}
    assert errors == {(3, "gtin", "gtin_digits"), (4, "title_en", "conflict"), (2, "product_code", "product_rows")}
    conflict = next(params for row, _c, code, params in job.summary["errors"] if code == "conflict")
    assert conflict == {"row": 2, "value": "Lamp"}
    apply(actor=owner_a, job=job, mode="valid")
    assert list(Product.objects.values_list("code", flat=True)) == ["P2"]


def test_file_level_rules(in_store_a: Any, owner_a: Any) -> None:
    make_product(code="OLD", variants=1)  # SKU OLD-1
    rows = [["product_code", "sku", "gtin"],
            ["P1", "P1-1", make_gtin(7)],
            ["P2", "P1-1", ""],
            ["P3", "P3-1", make_gtin(7)],
            ["NEW", "OLD-1", ""],
            ["", "P4-1", ""],
            ["P5", "#CLEAR", ""]]
    job = check(actor=owner_a, data=csv_data(rows))
    errors = {(row, column, code) for row, column, code, _params in job.summary["errors"]}
    assert {(3, "sku", "sku_duplicate"), (4, "gtin", "gtin_duplicate"), (5, "sku", "sku_other_product"),
            (6, "product_code", "required")} <= errors
    assert job.summary["preview"]["create"] == 2  # P1-1 and the SKU named "#CLEAR" (codes are text)


def test_listing_rules_checked_against_stored_values(in_store_a: Any, owner_a: Any) -> None:
    variant = make_product(code="P1").variants.get()
    make_listing(variant, "US", price="20.00", sale_price=Money("15.00", "USD"))
    rows = [["product_code", "sku", "sale_price_US", "sale_start_US", "sale_end_US"],
            ["P1", variant.sku, "25", "2025-05-02", "2025/05/01 10:00"]]
    job = check(actor=owner_a, data=csv_data(rows))
    codes = {code for _row, _column, code, _params in job.summary["errors"]}
    assert codes == {"sale_below_price", "sale_order"}


def test_stock_below_what_orders_reserved_is_an_error(in_store_a: Any, owner_a: Any) -> None:
    warehouse = make_warehouse("SZ1")
    variant = make_product(code="P1").variants.get()
    stock_change(variant=variant, warehouse=warehouse, on_hand_change=10, reason="received", actor=owner_a)
    stock_change(variant=variant, warehouse=warehouse, reserved_change=6, reason="reserved", actor=None)
    job = check(actor=owner_a, data=csv_data([["product_code", "sku", "stock_SZ1"], ["P1", variant.sku, "4"]]))
    assert [(column, code) for _r, column, code, _p in job.summary["errors"]] == [("stock_SZ1", "below_reserved")]


def test_all_or_nothing_when_the_catalog_changed_since_the_check(in_store_a: Any, owner_a: Any) -> None:
    warehouse = make_warehouse("SZ1")
    variant = make_product(code="P1").variants.get()
    stock_change(variant=variant, warehouse=warehouse, on_hand_change=10, reason="received", actor=owner_a)
    rows = [["product_code", "sku", "stock_SZ1", "brand"], ["NEW", "NEW-1", "5", "Acme"], ["P1", variant.sku, "4", ""]]
    job = check(actor=owner_a, data=csv_data(rows))
    assert job.summary["preview"]["error_rows"] == 0
    stock_change(variant=variant, warehouse=warehouse, reserved_change=6, reason="reserved", actor=None)
    before = _snapshot()
    apply(actor=owner_a, job=job, mode="all")
    assert job.status == Job.Status.FAILED
    assert "nothing was imported" in job.error
    assert _snapshot() == before


def test_a_failure_half_way_rolls_back_every_chunk(in_store_a: Any, owner_a: Any, monkeypatch: Any) -> None:
    rows = [["product_code", "sku", "title_en"]] + [[f"P{n}", f"P{n}-1", f"Thing {n}"] for n in range(12)]
    job = check(actor=owner_a, data=csv_data(rows))
    from catalog.spreadsheet import apply as apply_module

    written: list[int] = []
    original = apply_module.write_plan

    def write_then_fail(plan: Any, **kwargs: Any) -> None:
        original(plan, **kwargs)
        written.append(plan.rows)
        if len(written) == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr(apply_module, "write_plan", write_then_fail)
    monkeypatch.setattr(validate, "chunks", lambda prepared, size=5: _chunks(prepared))
    apply(actor=owner_a, job=job)
    assert written == [5, 5]
    assert job.status == Job.Status.FAILED and "unexpected error" in job.error
    assert not Product.objects.exists()
    assert not Activity.objects.filter(action="catalog.imported").exists()


def _chunks(prepared: Any) -> Any:
    groups = prepared.groups
    for start in range(0, len(groups), 5):
        yield groups[start:start + 5]


def test_category_options_theme_and_money_in_another_currency(in_store_a: Any, owner_a: Any) -> None:
    category = Category.objects.create(code="audio-test", name_en="Audio", path="audio-test")
    rows = [["product_code", "sku", "category", "variation_theme", "options", "base_price", "declared_value",
             "country_of_origin", "product_status"],
            ["P1", "P1-1", "audio-test", "colour|size", "colour=Red|size=M", "99.5", "12.00 USD", "cn", "Draft"]]
    apply(actor=owner_a, job=check(actor=owner_a, data=csv_data(rows)))
    variant = Variant.objects.select_related("product").get(sku="P1-1")
    assert variant.product.category_id == category.pk
    assert variant.product.variation_theme == ["colour", "size"]
    assert variant.options == {"colour": "Red", "size": "M"}
    assert variant.base_price == Money("99.5", "CNY")
    assert variant.declared_value == Money("12", "USD")
    assert (variant.product.country_of_origin, variant.product.status) == ("CN", "draft")


# --- Malformed files: each a clear error, nothing changed ----------------------------------------------------------

@pytest.mark.parametrize(("rows", "words"), [
    ([["product_code", "sku", "colour"], ["P1", "P1-1", "red"]], "colour is not a column"),
    ([["product_code", "sku", "price_FR"], ["P1", "P1-1", "10"]], "does not sell on FR"),
    ([["product_code", "title_en"], ["P1", "x"]], "Required columns missing: sku"),
])
def test_a_file_with_wrong_columns_fails_with_the_reason(in_store_a: Any, owner_a: Any, rows: Any,
                                                          words: str) -> None:
    before = _snapshot()
    job = check(actor=owner_a, data=csv_data(rows))
    assert job.status == Job.Status.FAILED
    assert words in job.error
    assert _snapshot() == before


def test_a_binary_file_renamed_csv_fails_clearly(in_store_a: Any, owner_a: Any) -> None:
    import os

    job = check(actor=owner_a, data=b"\x89PNG\r\n\x1a\n" + os.urandom(2048))
    assert job.status == Job.Status.FAILED and "not a spreadsheet" in job.error
    job = check(actor=owner_a, data=os.urandom(2048) + b"\x00\x00")
    assert job.status == Job.Status.FAILED and "binary" in job.error
    assert not Product.objects.exists()


def test_a_20_mb_file_is_refused_at_upload(in_store_a: Any, owner_a: Any) -> None:
    data = b"product_code,sku,description_en\r\n" + b"P1,P1-1," + b"x" * (20 * 1024 * 1024) + b"\r\n"
    with pytest.raises(DomainError, match=r"up to 16\.0"):
        import_create(actor=owner_a, upload=upload(data), language="en")
    assert not Job.objects.exists()


def test_negative_stock_and_bad_gtin_change_nothing(in_store_a: Any, owner_a: Any) -> None:
    make_warehouse("SZ1")
    rows = [["product_code", "sku", "gtin", "stock_SZ1"], ["P1", "P1-1", "4006381333931", "-1"],
            ["P2", "P2-1", "4006381333932", "3"]]
    job = check(actor=owner_a, data=csv_data(rows))
    assert job.summary["preview"]["error_rows"] == 2
    assert [(row, column, code) for row, column, code, _p in job.summary["errors"]] == [
        (2, "stock_SZ1", "negative_stock"), (3, "gtin", "gtin_check")]
    with pytest.raises(DomainError):
        import_apply(actor=owner_a, job=job, mode="valid", language="en")  # no valid row
    assert not Variant.objects.exists() and not Stock.objects.exists()


def test_xlsx_imports_like_csv(in_store_a: Any, owner_a: Any) -> None:
    make_warehouse("SZ1")
    rows = _rows()
    rows[1][3] = int(rows[1][3])  # a GTIN typed as a number
    rows[1][7] = 19.99
    rows[1][10] = 12
    job = check(actor=owner_a, data=xlsx_data(rows), name="catalog.xlsx")
    assert job.summary["preview"]["create"] == 3 and job.summary["format"] == "xlsx"
    apply(actor=owner_a, job=job)
    assert Variant.objects.get(sku="EB-100-BLK").gtin == make_gtin(101)
    assert Stock.objects.get(variant__sku="EB-100-BLK").on_hand == 12


def test_gb18030_file_with_chinese_titles(in_store_a: Any, owner_a: Any) -> None:
    rows = [["product_code", "sku", "title_zh-hans", "bullets_zh-hans"],
            ["P1", "P1-1", "蓝牙耳机，降噪", "续航长\n音质好"]]
    job = check(actor=owner_a, data=csv_data(rows, encoding="gb18030"))
    assert job.summary["encoding"] == "gb18030"
    apply(actor=owner_a, job=job)
    content = ProductContent.objects.get(language="zh-hans")
    assert (content.title, content.bullets) == ("蓝牙耳机，降噪", ["续航长", "音质好"])


# --- Two imports never interleave ----------------------------------------------------------------------------------

def test_a_second_import_cannot_be_applied_while_one_is_applying(in_store_a: Any, owner_a: Any) -> None:
    rows = [["product_code", "sku"], ["P1", "P1-1"]]
    first = check(actor=owner_a, data=csv_data(rows))
    second = check(actor=owner_a, data=csv_data(rows))
    import_apply(actor=owner_a, job=first, mode="all", language="en")
    with pytest.raises(DomainError, match="Another import"):
        import_apply(actor=owner_a, job=second, mode="all", language="en")
    second.refresh_from_db()
    assert second.status == Job.Status.AWAITING  # still waiting: nothing happened to it


def test_a_check_does_not_start_while_another_import_is_applying(in_store_a: Any, owner_a: Any) -> None:
    busy = job_create(kind="catalog.import", module="catalog", actor=owner_a, exclusive_key="catalog-import")
    assert job_start(job=busy, status=Job.Status.APPLYING)
    job = check(actor=owner_a, data=csv_data([["product_code", "sku"], ["P1", "P1-1"]]))
    assert job.status == Job.Status.FAILED and "Another import" in job.error


def test_the_import_lock_makes_a_second_import_wait(in_store_a: Any) -> None:
    """The advisory lock held by one import's transaction: another connection cannot take it until it ends."""
    held, release, seen = threading.Event(), threading.Event(), []

    def first_import() -> None:
        connection.set_tenant(in_store_a)
        try:
            with transaction.atomic():
                import_lock()
                held.set()
                release.wait(10)
        finally:
            connection.close()

    def try_lock() -> bool:
        key = f"{in_store_a.schema_name}:{LOCK_NAME}"
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [key])
            return bool(cursor.fetchone()[0])

    def second_import() -> None:
        try:
            with transaction.atomic():
                seen.append(try_lock())
        finally:
            connection.close()

    thread = threading.Thread(target=first_import)
    thread.start()
    assert held.wait(10)
    other = threading.Thread(target=second_import)
    other.start()
    other.join(10)
    release.set()
    thread.join(10)
    after = threading.Thread(target=second_import)
    after.start()
    after.join(10)
    assert seen == [False, True]
