"""The platform API runs its statements as prepared statements of the connection: each store still reads and
writes only its own tables, a statement PostgreSQL will not prepare still runs, and nothing else changes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django_tenants.utils import schema_context

from catalog.models import Stock
from orders.models import Order
from sellercenter.platform_api import prepared_statements
from stores.models import Store
from tests.orders.factories import placed_payload, stocked, token_for, warehouse

pytestmark = pytest.mark.django_db


def _post(client: Client, handle: str, body: dict[str, Any], token: str) -> Any:
    return client.post(f"/api/platform/v1/stores/{handle}/orders", data=json.dumps(body),
                       content_type="application/json", headers={"Authorization": f"Bearer {token}"})


def _reserved(store: Store) -> tuple[list[str], list[int]]:
    with schema_context(store.schema_name):
        return (sorted(Order.objects.values_list("marketplace_order_id", flat=True)),
                list(Stock.objects.values_list("reserved", flat=True)))


def test_stores_taking_turns_on_one_connection_each_keep_their_own_orders(store_a: Store, store_b: Store) -> None:
    for store, units in ((store_a, 5), (store_b, 7)):
        with schema_context(store.schema_name):
            stocked("MUG", units={warehouse("w1"): units})
    token_a, token_b = token_for(store_a), token_for(store_b)
    client = Client()
    for handle, token, order_id, quantity in (("test-a", token_a, "A-1", 1), ("test-b", token_b, "B-1", 2),
                                              ("test-a", token_a, "A-2", 3), ("test-b", token_b, "B-2", 4)):
        response = _post(client, handle, placed_payload(lines=[("MUG-1", quantity)], order_id=order_id), token)
        assert response.status_code == 201, response.content
    assert _reserved(store_a) == (["A-1", "A-2"], [4])
    assert _reserved(store_b) == (["B-1", "B-2"], [6])
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('INSERT INTO "orders_order"' in statement for statement in prepared)
    assert any("FOR UPDATE" in statement and "catalog_stock" in statement for statement in prepared)


def test_a_statement_postgresql_will_not_prepare_runs_as_it_is_inside_the_transaction(db: None) -> None:
    with transaction.atomic(), connection.execute_wrapper(prepared_statements):
        with connection.cursor() as cursor:
            # unknown + unknown: PostgreSQL cannot choose the operator for two untyped parameters.
            cursor.execute("SELECT %s + %s", [1, 2])
            assert cursor.fetchone() == (3,)
            cursor.execute("SELECT %s + %s", [4, 5])
            assert cursor.fetchone() == (9,)
            # Named parameters, a repeated one, and a literal percent sign.
            for number in (1, 2):
                cursor.execute("SELECT %(n)s::int * %(n)s::int, %(text)s::text LIKE 'a%%'", {"n": number,
                                                                                             "text": "abc"})
                assert cursor.fetchone() == (number * number, True)
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%LIKE 'a%'%"])
            assert cursor.fetchone() == (1,)


def test_a_connection_keeps_at_most_so_many_prepared_statements(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from sellercenter import platform_api

    monkeypatch.setattr(platform_api, "PREPARED_MAX", 2)
    marker = "sc_prepared_cap_test"
    with connection.execute_wrapper(prepared_statements), connection.cursor() as cursor:
        for number in range(4):
            cursor.execute(f"SELECT %s::int + {number} AS {marker}", [number])
            assert cursor.fetchone() == (2 * number,)
        cursor.execute("SELECT 0")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{marker}%"])
        assert cursor.fetchone()[0] <= 2
