"""Reading what spreadsheet programs really write, and refusing what is not a spreadsheet, with a clear message."""

from __future__ import annotations

import io
import os
import zipfile
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.spreadsheet.columns import template_for_store
from catalog.spreadsheet.reader import SpreadsheetError, read_sheet
from catalog.spreadsheet.writer import csv_bytes, neutralise, xlsx_bytes
from sellercenter.errors import DomainError
from tests.catalog.factories import make_warehouse
from tests.catalog.sheets import csv_data, xlsx_data

HEADER = ["product_code", "sku", "title_zh-hans", "description_en"]
ROWS = [
    ["P1", "P1-RED", "无线蓝牙耳机 红色", "Light, loud\nand \"small\""],
    ["P1", "P1-BLUE", "无线蓝牙耳机 蓝色", ""],
    ["P2", "P2-1", "手机壳", "Fits, most phones"],
]


@pytest.mark.parametrize(("encoding", "bom", "crlf", "expected"), [
    ("utf-8", False, True, "utf-8"),
    ("utf-8", True, True, "utf-8-sig"),
    ("utf-8", False, False, "utf-8"),
    ("gb18030", False, True, "gb18030"),
    ("gbk", False, True, "gb18030"),
])
def test_csv_in_each_encoding_reads_the_same(encoding: str, bom: bool, crlf: bool, expected: str) -> None:
    sheet = read_sheet(csv_data([HEADER, *ROWS], encoding=encoding, bom=bom, crlf=crlf), "catalog.csv")
    assert sheet.header == HEADER
    assert [list(row) for row in sheet.rows] == ROWS
    assert sheet.encoding == expected
    # A cell with a line break is still one row: row numbers are what a spreadsheet program shows.
    assert sheet.numbers == [2, 3, 4]


def test_gb18030_is_not_mistaken_for_utf8() -> None:
    data = "product_code,sku,title_zh-hans\r\nP1,P1-1,蓝牙耳机\r\n".encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert read_sheet(data).rows == [("P1", "P1-1", "蓝牙耳机")]


def test_unicode_text_semicolons_and_tabs() -> None:
    utf16 = "product_code\tsku\ttitle_en\r\nP1\tP1-1\tA, B\r\n".encode("utf-16")  # with a byte-order mark
    assert read_sheet(utf16).rows == [("P1", "P1-1", "A, B")]
    semicolons = b"product_code;sku;price_US\r\nP1;P1-1;19.99\r\n"
    assert read_sheet(semicolons).rows == [("P1", "P1-1", "19.99")]


def test_empty_rows_are_skipped_and_short_rows_padded() -> None:
    sheet = read_sheet(b"product_code,sku,brand\r\n\r\n,,\r\nP1,P1-1\r\n")
    assert sheet.rows == [("P1", "P1-1", "")]
    assert sheet.numbers == [4]


def test_xlsx_values_read_as_typed() -> None:
    import datetime as dt

    data = xlsx_data([["product_code", "sku", "gtin", "price_US", "price_JP", "sale_start_US", "stock_SZ1"],
                      ["P1", "P1-1", 6901234567892, 19.99, 2500, dt.datetime(2025, 3, 1, 9, 30), 12],
                      [None, None, None, None, None, None, None],
                      ["P1", "P1-2", "0012345678905", 0.1, 2500.0, dt.date(2025, 3, 2), None]])
    sheet = read_sheet(data, "catalog.xlsx")
    assert sheet.format == "xlsx"
    assert sheet.rows == [("P1", "P1-1", "6901234567892", "19.99", "2500", "2025-03-01 09:30", "12"),
                          ("P1", "P1-2", "0012345678905", "0.1", "2500", "2025-03-02 00:00", "")]
    assert sheet.numbers == [2, 4]


def test_xlsx_definitions_sheet_is_skipped() -> None:
    data = xlsx_bytes([("Definitions", ["Column"], [["sku"]], {}),
                       ("Catalog", ["product_code", "sku"], [["P1", "P1-1"]], {})])
    assert read_sheet(data, "catalog.xlsx").rows == [("P1", "P1-1")]


def test_formula_apostrophe_is_taken_off() -> None:
    data = csv_bytes(["product_code", "sku", "title_en"], [["P1", "P1-1", "=HYPERLINK(\"x\")"], ["P1", "P1-2", "-20%"]])
    assert b"'=HYPERLINK" in data and b"'-20%" in data
    assert read_sheet(data).rows == [("P1", "P1-1", '=HYPERLINK("x")'), ("P1", "P1-2", "-20%")]


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\r\t,;\"'=+-@ "),
               max_size=30)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.lists(TEXT, min_size=3, max_size=3).filter(lambda row: any(row)), min_size=1, max_size=6))
def test_any_text_survives_a_csv_round_trip(rows: list[list[str]]) -> None:
    sheet = read_sheet(csv_bytes(["a", "b", "c"], rows))
    assert [list(row) for row in sheet.rows] == rows


XLSX_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t,\"'=+-@ "),
                    max_size=30).filter(lambda text: text.strip() == text or text.strip())


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.lists(XLSX_TEXT, min_size=2, max_size=2).filter(lambda row: all(row)), min_size=1,
                     max_size=4))
def test_any_text_survives_an_xlsx_round_trip(rows: list[list[str]]) -> None:
    sheet = read_sheet(xlsx_bytes([("Catalog", ["a", "b"], rows, {})]), "x.xlsx")
    assert [list(row) for row in sheet.rows] == rows


def test_neutralise_keeps_an_apostrophe_the_person_typed() -> None:
    assert neutralise("'=x") == "''=x"
    assert read_sheet(csv_bytes(["a"], [["'=x"], ["'plain"]])).rows == [("'=x",), ("'plain",)]


@pytest.mark.parametrize(("data", "name", "words"), [
    (os.urandom(4096) + b"\x00", "catalog.csv", "binary"),
    (b"\x89PNG\r\n\x1a\n" + os.urandom(200), "catalog.csv", "not a spreadsheet"),
    (b"%PDF-1.7\n" + os.urandom(200), "catalog.csv", "not a spreadsheet"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "catalog.xls", "97-2003"),
    (b"product_code,sku\r\nP1,P1-1\r\n", "catalog.xlsx", "not an Excel workbook"),
    (b"", "catalog.csv", "empty"),
    (b"product_code,sku\r\nP1,\"P1-1\r\nP2,P2-1\r\n", "catalog.csv", "quote"),
    (b"product_code,sku\r\nP1,P1-1,extra\r\n", "catalog.csv", "more cells"),
])
def test_what_is_not_a_spreadsheet_is_refused_clearly(data: bytes, name: str, words: str) -> None:
    with pytest.raises(SpreadsheetError) as error:
        read_sheet(data, name)
    assert words.lower() in str(error.value.message).lower()


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(SpreadsheetError, match="not an Excel workbook"):
        read_sheet(buffer.getvalue(), "catalog.xlsx")


def test_control_characters_mean_binary() -> None:
    with pytest.raises(SpreadsheetError, match="binary"):
        read_sheet(b"product_code,sku\r\n" + bytes(range(1, 9)) * 50, "catalog.csv")


def test_files_over_the_limit_are_refused(settings: Any) -> None:
    settings.CATALOG_IMPORT_MAX_BYTES = 16 * 1024 * 1024
    big = b"product_code,sku,description_en\r\n" + b"P1,P1-1," + b"x" * (20 * 1024 * 1024) + b"\r\n"
    with pytest.raises(SpreadsheetError, match=r"16\.0"):
        read_sheet(big)


# --- The header against the store's template ----------------------------------------------------------------------

def _header_error(store: Any, header: list[str]) -> str:
    template = template_for_store(store=store)
    with pytest.raises(DomainError) as error:
        template.match_header(header)
    return str(error.value.message)


def test_the_template_has_the_stores_sites_languages_and_warehouses(in_store_a: Any) -> None:
    make_warehouse("SZ1")
    make_warehouse("LA1", is_active=False)
    keys = [column.key for column in template_for_store(store=in_store_a).columns]
    assert keys[:2] == ["product_code", "sku"]
    for key in ("title_en", "title_zh-hans", "title_de", "title_ja", "bullets_ja", "price_US", "price_JP",
                "sale_price_UK", "sale_start_DE", "status_JP", "stock_SZ1"):
        assert key in keys
    assert "stock_LA1" not in keys and "price_SG" not in keys and "title_fr" not in keys


def test_header_problems_are_named_in_one_message(in_store_a: Any) -> None:
    make_warehouse("SZ1")
    message = _header_error(in_store_a, ["product_code", "colour", "price_FR", "price_ZZ", "stock_NOPE", "title_xx",
                                         "brand", "BRAND"])
    assert "colour is not a column" in message
    assert "does not sell on FR" in message and "US, UK, DE, JP" in message
    assert "ZZ is not a marketplace site" in message
    assert "no warehouse in use with the code NOPE" in message
    assert "xx is not a supported content language" in message
    assert "BRAND appears more than once" in message
    assert "Required columns missing: sku" in message


def test_header_matching_ignores_case_and_accepts_other_content_languages(in_store_a: Any) -> None:
    template = template_for_store(store=in_store_a)
    columns = template.match_header([" Product_Code ", "SKU", "title_fr", "PRICE_us", ""])
    assert [column.key if column else None for column in columns] == ["product_code", "sku", "title_fr",
                                                                      "price_US", None]
