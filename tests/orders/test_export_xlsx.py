"""The order list as XLSX: the same filters and columns as the CSV, buyers masked for roles without
orders:manage, text never run as a formula, dates as dates in the store's time zone, amounts as numbers with the
currency in its own column, and memory that stays flat (write-only workbook, orders read a batch at a time)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django_tenants.utils import schema_context

from orders.models import Order
from orders.services import order_mark_shipped
from stores.models import Store
from stores.permissions import NO_ACCESS, Level
from tests.orders.factories import place, stocked, warehouse
from tests.stores.factories import RoleFactory, client_for, member_add

pytestmark = pytest.mark.django_db

EXPORT = "/store/test-a/orders/export.csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _member_with(store: Store, orders: Level) -> Client:
    role = RoleFactory.create(store=store, levels={**NO_ACCESS, "orders": int(orders)})
    return client_for(member_add(store, role).user)


def _orders(store: Store) -> tuple[Order, Order]:
    with schema_context(store.schema_name):
        stocked("MUG", units={warehouse("main"): 100}, variants=3)
        us = place(store, lines=[("MUG-1", 2), ("MUG-2", 1)], placed_at="2026-03-10T16:30:00Z",
                   paid_at="2026-03-10T16:31:00Z", ship_by="2026-03-12T23:59:59Z",
                   buyer={"name": "=HYPERLINK(\"http://evil\")", "email": "evil@example.com"},
                   discount="1.25")
        uk = place(store, site="UK", currency="GBP", lines=[("MUG-3", 3)], placed_at="2026-03-11T01:00:00Z",
                   paid_at="2026-03-11T01:05:00Z", ship_by="2026-03-13T00:00:00Z",
                   buyer={"name": "Wang Fang", "email": "wang@example.cn"})
        order_mark_shipped(actor=None, order=uk, tracking_number="-00123", carrier="@Post")
    return us, uk


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith('attachment; filename="orders-')
    assert response["Content-Disposition"].endswith('.xlsx"')
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    (sheet,) = workbook.worksheets
    assert sheet.title == "Orders"
    return list(sheet.iter_rows())


def _values(rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    return [[cell.value for cell in row] for row in rows]


def _csv(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_workbook_has_the_csv_columns_with_real_types(client_a: Client, store_a: Store) -> None:
    us, uk = _orders(store_a)
    rows = _sheet(client_a.get(EXPORT, {"format": "xlsx"}))
    header, *body = _values(rows)
    assert header == _csv(client_a.get(EXPORT))[0]
    by_number = {row[0]: (row, cells) for row, cells in zip(body, rows[1:], strict=True)}
    assert set(by_number) == {us.number, uk.number}

    row, cells = by_number[us.number]
    # The store's time zone is Asia/Shanghai: 16:30 UTC is 00:30 the next day there.
    assert row[4] == dt.datetime(2026, 3, 11, 0, 30) and cells[4].is_date
    assert cells[4].number_format == "yyyy-mm-dd hh:mm"
    assert row[5] == dt.datetime(2026, 3, 13, 7, 59, 59)
    assert row[10] == 3 and isinstance(row[10], int)
    assert row[11] == "USD"
    # Items 3 x 12.50, shipping 4.99, tax 1.00 a line, discount 1.25, total 43.24: numbers, not text.
    assert row[12:17] == [37.5, 4.99, 2, 1.25, 43.24]
    assert all(cells[index].data_type == "n" for index in range(12, 17))
    assert cells[16].number_format == "#,##0.00"
    assert row[9] == "MUG-1 x 2; MUG-2 x 1" and row[2] == "US"
    assert row[17] is None and row[18] is None  # no carrier, no tracking number yet

    uk_row, _cells = by_number[uk.number]
    assert uk_row[11] == "GBP" and uk_row[16] == 43.49


def test_text_that_would_run_as_a_formula_is_neutralised(client_a: Client, store_a: Store) -> None:
    us, uk = _orders(store_a)
    rows = _sheet(client_a.get(EXPORT, {"format": "xlsx"}))
    by_number = {row[0].value: row for row in rows[1:]}
    buyer = by_number[us.number][6]
    assert buyer.value == "'=HYPERLINK(\"http://evil\")" and buyer.data_type == "s"
    carrier, tracking = by_number[uk.number][17], by_number[uk.number][18]
    assert (carrier.value, tracking.value) == ("'@Post", "'-00123")
    assert all(cell.data_type != "f" for row in rows for cell in row)


def test_buyers_are_masked_exactly_as_in_the_csv_for_roles_without_orders_manage(
    client_a: Client, store_a: Store
) -> None:
    us, uk = _orders(store_a)
    owner = {row[0]: row for row in _values(_sheet(client_a.get(EXPORT, {"format": "xlsx"})))[1:]}
    assert (owner[uk.number][6], owner[uk.number][7]) == ("Wang Fang", "wang@example.cn")

    for level in (Level.VIEW, Level.EDIT):
        member = _member_with(store_a, level)
        sheet = {row[0]: row for row in _values(_sheet(member.get(EXPORT, {"format": "xlsx"})))[1:]}
        text = {row[0]: row for row in _csv(member.get(EXPORT))[1:]}
        assert (sheet[uk.number][6], sheet[uk.number][7]) == ("Wang ***", "w***@example.cn")
        assert (sheet[us.number][6], sheet[us.number][7]) == (text[us.number][6], text[us.number][7])
        assert (sheet[uk.number][6], sheet[uk.number][7]) == (text[uk.number][6], text[uk.number][7])


def test_the_filters_apply_and_an_empty_result_still_opens(client_a: Client, store_a: Store) -> None:
    _us, uk = _orders(store_a)
    rows = _values(_sheet(client_a.get(EXPORT, {"format": "xlsx", "site": "UK"})))
    assert [row[0] for row in rows[1:]] == [uk.number]
    rows = _values(_sheet(client_a.get(EXPORT, {"format": "xlsx", "status": "delivered"})))
    assert len(rows) == 1 and rows[0][0] == "Order number"
    assert client_a.get(EXPORT)["Content-Type"].startswith("text/csv")  # CSV stays the default


def test_amount_formats_follow_the_currency_decimals() -> None:
    from catalog.spreadsheet.table import _amount_format

    cache: dict[str, str] = {}
    assert [_amount_format(code, cache) for code in ("USD", "JPY", "KWD")] == ["#,##0.00", "#,##0", "#,##0.000"]


def test_the_list_offers_both_exports_with_the_current_filters(client_a: Client, store_a: Store) -> None:
    html = client_a.get("/store/test-a/orders/", {"site": "UK"}).content.decode()
    assert 'href="/store/test-a/orders/export.csv?site=UK"' in html
    assert 'href="/store/test-a/orders/export.csv?site=UK&amp;format=xlsx"' in html
    unfiltered = client_a.get("/store/test-a/orders/").content.decode()
    assert 'href="/store/test-a/orders/export.csv?format=xlsx"' in unfiltered


def test_no_orders_access_is_refused(no_access_a: Any) -> None:
    assert client_for(no_access_a).get(EXPORT, {"format": "xlsx"}).status_code == 403


def test_an_xlsx_export_past_the_limit_asks_to_narrow_it(client_a: Client, store_a: Store,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from orders import views

    _orders(store_a)
    monkeypatch.setattr(views, "XLSX_MAX_ORDERS", 1)
    refused = client_a.get(EXPORT, {"format": "xlsx", "channel": "seller"})
    assert refused.status_code == 302 and refused["Location"] == "/store/test-a/orders/?channel=seller"
    assert "More than 1 orders match" in client_a.get(refused["Location"]).content.decode()
    assert client_a.get(EXPORT, {"channel": "seller"}).status_code == 200  # the CSV has no limit
