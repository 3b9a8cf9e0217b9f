"""The finance pages: balances and transactions (page, fragment, filters, export), the order page's money panel,
permission levels and another store's money."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from finance.services.orders import ledger_catch_up
from orders.models import Order
from stores.models import Store
from stores.permissions import NO_ACCESS, Level
from tests.finance.test_ledger import _rates, _shipped, schedule  # noqa: F401 - the rates fixture
from tests.responses import streamed
from tests.stores.factories import RoleFactory, client_for, member_add

pytestmark = pytest.mark.django_db
D = Decimal
BASE = "/store/test-a/finance/"


def _posted(store: Store, actor: Any, **payload: Any) -> Order:
    with schema_context(store.schema_name):
        order = _shipped(store, actor, **payload)
        ledger_catch_up()
        return order


def test_balances_and_transactions_with_filters_and_the_fragment(client_a: Client, store_a: Store,
                                                                owner_a: Any) -> None:
    schedule()
    first = _posted(store_a, owner_a, lines=[("MUG-1", 2)])
    second = _posted(store_a, owner_a, lines=[("MUG-2", 1)])
    page = client_a.get(BASE).content.decode()
    assert "Available to pay out, USD" in page and first.number in page and second.number in page
    assert "$24.44" in page  # 25.00 + 4.99 shipping - 3.75 commission - 1.80 closing fee
    only = client_a.get(BASE, {"sku": "MUG-2"}, headers={"HX-Request": "true"}).content.decode()
    assert second.number in only and first.number not in only and "<html" not in only
    assert first.number in client_a.get(BASE, {"order": first.number.lower()}).content.decode()
    assert "No transaction matches" in client_a.get(BASE, {"kind": "refund"}).content.decode()


def test_the_export_has_one_row_per_entry_that_adds_up(client_a: Client, store_a: Store, owner_a: Any) -> None:
    schedule()
    order = _posted(store_a, owner_a, lines=[("MUG-1", 2)])
    response = client_a.get(BASE + "transactions.csv")
    assert response["Content-Disposition"].startswith('attachment; filename="transactions-')
    rows = list(csv.reader(io.StringIO(streamed(response).decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Date", "Type", "Transaction", "Order number"]
    assert {row[3] for row in body} == {order.number}
    assert sum(Decimal(row[9]) for row in body) == 0
    assert any(row[7] == "Commission" and row[5] == "MUG-1" and row[9] == "3.75" for row in body)


def test_the_order_page_loads_the_money_panel(client_a: Client, store_a: Store, owner_a: Any) -> None:
    schedule()
    order = _posted(store_a, owner_a, lines=[("MUG-1", 2)])
    assert f"/store/test-a/finance/orders/{order.number}/money/" in client_a.get(
        f"/store/test-a/orders/{order.number}/").content.decode()
    panel = client_a.get(f"{BASE}orders/{order.number}/money/").content.decode()
    assert "Commission" in panel and "Net to you" in panel and "Sales" in panel


def test_finance_needs_its_level_and_other_stores_are_unreachable(store_a: Store, store_b: Store, owner_a: Any,
                                                                 owner_b: Any) -> None:
    schedule()
    order = _posted(store_a, owner_a, lines=[("MUG-1", 1)])
    role = RoleFactory.create(store=store_a, levels={**NO_ACCESS, "orders": int(Level.MANAGE)})
    orders_only = client_for(member_add(store_a, role).user)
    assert orders_only.get(BASE).status_code == 403
    assert orders_only.get(f"{BASE}orders/{order.number}/money/").status_code == 403
    assert "finance/orders" not in orders_only.get(f"/store/test-a/orders/{order.number}/").content.decode()
    foreign = _posted(store_b, owner_b, lines=[("MUG-1", 1)])
    owner = client_for(owner_a)
    assert owner.get(f"{BASE}orders/{foreign.number}/money/").status_code == 404
    assert foreign.number not in owner.get(BASE).content.decode()
    assert foreign.number not in streamed(owner.get(BASE + "transactions.csv")).decode()


def test_profit_by_sku_order_and_site_after_every_fee_and_the_unit_cost(store_b: Store, owner_b: Any) -> None:
    """Store B keeps its books in USD: 2 mugs at 12.50 with 4.99 shipping, 15 % commission (3.75) and a 1.80
    closing fee, 4.00 a mug to make: 29.99 - 5.55 - 8.00 = 16.44, a 54.8 % margin."""
    from djmoney.money import Money

    from catalog.models import Variant

    schedule()
    order = _posted(store_b, owner_b, lines=[("MUG-1", 2)])
    with schema_context(store_b.schema_name):
        Variant.objects.filter(sku="MUG-1").update(unit_cost=Money(D("4.00"), "USD"))
    client = client_for(owner_b)
    url = "/store/test-b/finance/profit/"
    by_sku = client.get(url).content.decode()
    for figure in ("$29.99", "$5.55", "$8.00", "$16.44", "54.8%"):
        assert figure in by_sku, figure
    assert order.number in client.get(url, {"by": "order"}).content.decode()
    by_site = client.get(url, {"by": "site"}, headers={"HX-Request": "true"}).content.decode()
    assert "$16.44" in by_site and "<html" not in by_site
    with schema_context(store_b.schema_name):
        Variant.objects.filter(sku="MUG-1").update(unit_cost=None)
    assert "No unit cost" in client.get(url).content.decode()
    long_ago = client.get(url, {"date_from": "2020-01-01", "date_to": "2020-01-31"}).content.decode()
    assert "Nothing sold in this period." in long_ago


def test_the_xlsx_export_has_the_csvs_rows_with_dates_and_amounts_typed(client_a: Client, store_a: Store,
                                                                        owner_a: Any) -> None:
    import datetime as dt

    import openpyxl

    schedule()
    order = _posted(store_a, owner_a, lines=[("MUG-1", 2)])
    response = client_a.get(BASE + "transactions.csv", {"format": "xlsx"})
    assert response["Content-Disposition"].startswith('attachment; filename="transactions-')
    sheet = openpyxl.load_workbook(io.BytesIO(streamed(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Date", "Type", "Transaction", "Order number")
    body = rows[1:]
    assert {row[3] for row in body} == {order.number}
    assert all(isinstance(row[0], dt.datetime) for row in body)
    assert sum(Decimal(str(row[9])) for row in body) == 0
    assert any(row[7] == "Commission" and row[9] == 3.75 for row in body)
