"""Exporting the whole catalog and importing the export again changes nothing; exports never carry formulas."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
from djmoney.money import Money
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.models import Listing, Product, ProductContent, Stock, StockMovement, Variant
from catalog.services.imports import export_create
from catalog.spreadsheet.columns import Column
from catalog.spreadsheet.validate import CellError, _parse_money
from catalog.spreadsheet.writer import format_amount
from catalog.tasks_spreadsheet import catalog_export
from jobs.models import Job
from stores.models import Category
from tests.catalog.factories import make_listing, make_product, make_warehouse
from tests.catalog.sheets import apply, check, table


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def _catalog() -> None:
    """A catalog with everything the template can hold, and the awkward values sellers really have."""
    sz, la = make_warehouse("SZ1"), make_warehouse("LA1", name="Los Angeles")
    category = Category.objects.create(code="audio-rt", name_en="Audio", path="audio-rt")
    product = make_product(code="=EB-100", variants=2, languages=(), brand="=cmd|' /C calc'!A0",
                           variation_theme=["colour", "size"], hs_code="8518.30", country_of_origin="CN",
                           status=Product.Status.DRAFT, category=category)
    ProductContent.objects.create(product=product, language="en", title='-20% off, "quoted"',
                                  bullets=["one", "two, with a comma", "+plus", ""],
                                  description="Line 1\r\nLine 2\n\"q\", and commas", keywords="@handle, earbuds")
    ProductContent.objects.create(product=product, language="zh-hans", title="蓝牙耳机，降噪", bullets=["续航长"],
                                  description="中文描述")
    ProductContent.objects.create(product=product, language="fr", title="Écouteurs")  # not a template language
    first, second = product.variants.order_by("sku")
    first.options = {"colour": "Red", "size": "M"}
    first.declared_value = Money("12.5", "USD")
    first.unit_cost = Money("40.125", "CNY")
    first.length_mm, first.width_mm, first.height_mm = 80, 60, 30
    first.save()
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    make_listing(first, "US", price="19.99", sale_price=Money("15", "USD"), wanted_status="inactive",
                 sale_start=dt.datetime(2025, 3, 1, 10, 0, 30, tzinfo=shanghai),
                 sale_end=dt.datetime(2025, 3, 10, tzinfo=dt.UTC))
    make_listing(first, "JP", price="2980")
    make_listing(second, "DE", price="17.99", price_mode=Listing.PriceMode.DERIVED)
    make_listing(second, "UK", price=None)
    Stock.objects.create(variant=first, warehouse=sz, on_hand=7, reserved=2)
    Stock.objects.create(variant=first, warehouse=la, on_hand=0)
    make_product(code="B", variants=1, languages=("en",), base_price="0.5")
    Product.objects.create(code="NO-VARIANTS")
    Variant.objects.filter(sku="B-1").update(gtin="036000291452")  # a UPC-A, 12 digits


def _state() -> dict[str, Any]:
    return {
        "products": list(Product.objects.order_by("pk").values()),
        "variants": list(Variant.objects.order_by("pk").values()),
        "contents": list(ProductContent.objects.order_by("pk").values()),
        "listings": list(Listing.objects.order_by("pk").values()),
        "stock": list(Stock.objects.order_by("pk").values()),
        "movements": StockMovement.objects.count(),
    }


def _export(actor: Any, file_format: str) -> tuple[Job, bytes]:
    job = export_create(actor=actor, file_format=file_format, language="en")
    catalog_export.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    with job.result_file.open("rb") as handle:
        return job, handle.read()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(in_store_a: Any, owner_a: Any, file_format: str) -> None:
    _catalog()
    before = _state()
    job, data = _export(owner_a, file_format)
    assert job.result_name.endswith(f".{file_format}")
    imported = check(actor=owner_a, data=data, name=f"export.{file_format}")
    assert imported.status == Job.Status.AWAITING, imported.error
    assert imported.summary["errors"] == []
    assert imported.summary["preview"] == {"total": 3, "create": 0, "update": 0, "unchanged": 3, "error_rows": 0,
                                           "errors": 0}
    apply(actor=owner_a, job=imported)
    assert imported.status == Job.Status.SUCCEEDED, imported.error
    assert _state() == before


def test_the_csv_export_holds_everything_without_formulas(in_store_a: Any, owner_a: Any) -> None:
    _catalog()
    _job, data = _export(owner_a, "csv")
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = table(data)
    header, body = rows[0], rows[1:]
    assert header[:2] == ["product_code", "sku"] and "title_fr" in header and "stock_LA1" in header
    assert [row[1] for row in body] == ["'=EB-100-1", "'=EB-100-2", "B-1"]
    for row in rows:
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@"), cell
    first = dict(zip(header, body[0], strict=True))
    assert first["product_code"] == "'=EB-100" and first["brand"] == "'=cmd|' /C calc'!A0"
    assert first["title_en"] == "'-20% off, \"quoted\"" and first["keywords_en"] == "'@handle, earbuds"
    assert first["bullets_en"] == "one\ntwo, with a comma\n+plus"
    assert first["title_zh-hans"] == "蓝牙耳机，降噪" and first["title_fr"] == "Écouteurs"
    assert (first["price_US"], first["sale_price_US"], first["status_US"]) == ("19.99", "15.00", "inactive")
    assert (first["sale_start_US"], first["sale_end_US"]) == ("2025-03-01 10:00:30", "2025-03-10 08:00")
    assert (first["price_JP"], first["unit_cost"], first["declared_value"]) == ("2980", "40.125", "12.50 USD")
    assert (first["stock_SZ1"], first["stock_LA1"], first["options"]) == ("7", "0", "colour=Red|size=M")
    assert "NO-VARIANTS" not in data.decode("utf-8-sig")


def test_the_xlsx_export_has_definitions_and_no_formula_cells(in_store_a: Any, owner_a: Any) -> None:
    import openpyxl

    _catalog()
    _job, data = _export(owner_a, "xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Catalog", "Definitions"]
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
    catalog = workbook["Catalog"]
    assert catalog["A2"].value == "'=EB-100"
    definitions = {row[0]: row for row in workbook["Definitions"].iter_rows(values_only=True)}
    assert definitions["sku"][1] == "Required" and definitions["price_JP"][1] == "Optional"
    assert "0 decimals" in definitions["price_JP"][2] and "JPY" in definitions["price_JP"][2]
    assert definitions["status_US"][3] == "active, inactive"
    assert definitions["brand"][4] == "#CLEAR" and definitions["stock_SZ1"][4] == "cannot be cleared"


# --- Money: the currency's exponent, both ways -------------------------------------------------------------------

CURRENCIES = {"USD": 2, "JPY": 0, "KWD": 3, "CNY": 2}


@settings(max_examples=200, deadline=None)
@given(currency=st.sampled_from(sorted(CURRENCIES)), units=st.integers(min_value=1, max_value=10**10),
       extra=st.integers(min_value=0, max_value=2))
def test_amounts_are_accepted_exactly_at_the_currencys_exponent(currency: str, units: int, extra: int) -> None:
    digits = CURRENCIES[currency] + extra
    amount = Decimal(units).scaleb(-digits)
    column = Column(key="price_X", scope="listing", field="price", kind="money", currency=currency)
    text = format(amount, "f")
    fits = amount == amount.quantize(Decimal(1).scaleb(-CURRENCIES[currency]))
    if fits:
        parsed, parsed_currency = _parse_money(text, column, None)  # type: ignore[arg-type]
        assert (parsed, parsed_currency) == (amount, currency)
        assert Decimal(format_amount(parsed, currency)) == amount
        assert len(format_amount(parsed, currency).partition(".")[2]) == CURRENCIES[currency]
    else:
        with pytest.raises(CellError) as error:
            _parse_money(text, column, None)  # type: ignore[arg-type]
        assert error.value.code == ("no_decimals" if CURRENCIES[currency] == 0 else "decimals")


@pytest.mark.parametrize(("text", "code"), [("-1", "negative"), ("12,50", "number"), ("¥12", "number"),
                                            ("1,234.50", None), ("１２.５０", None), ("12.50 JPY", "currency"),
                                            ("0", "positive"), ("12.50 XYZ", "unknown_currency")])
def test_amount_spellings(text: str, code: str | None) -> None:
    column = Column(key="price_US", scope="listing", field="price", kind="money", currency="USD")
    if code is None:
        assert _parse_money(text, column, None)[1] == "USD"  # type: ignore[arg-type]
    else:
        with pytest.raises(CellError) as error:
            _parse_money(text, column, None)  # type: ignore[arg-type]
        assert error.value.code == code
