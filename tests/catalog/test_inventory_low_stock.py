"""Low-stock alerts: once per crossing, days of cover from shipped units, the per-store task and its dispatcher."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import Notification
from catalog import tasks
from catalog.models import LowStockRule, StockMovement, Variant, Warehouse
from catalog.services.inventory import (
    days_of_cover,
    low_stock_check,
    low_stock_rule_set,
    stock_change,
    stock_reserve,
    stock_set_counts,
    stock_ship,
)
from sellercenter.celery import StoreTaskOutsideStore
from stores.models import Store
from tests.catalog.factories import make_product, make_warehouse
from tests.tenancy import connection

pytestmark = pytest.mark.django_db


def _set(variant: Variant, warehouse: Warehouse, on_hand: int) -> None:
    stock_set_counts(counts=[(variant.pk, warehouse.pk, on_hand)], reason="counted", actor=None)


def _alerts() -> list[dict[str, Any]]:
    return list(Notification.objects.filter(kind="catalog.low_stock").order_by("id").values_list("params", flat=True))


def test_one_notification_per_crossing_over_repeated_runs(in_store_a: Store, owner_a: Any) -> None:
    variant = make_product(code="LOW").variants.get()
    warehouse = make_warehouse()
    _set(variant, warehouse, 10)
    low_stock_rule_set(actor=owner_a, variant=variant, min_available=5, min_days_of_cover=None)

    assert low_stock_check() == {"alerted": 0, "recovered": 0}
    _set(variant, warehouse, 3)
    assert low_stock_check() == {"alerted": 1, "recovered": 0}
    for _ in range(3):
        assert low_stock_check() == {"alerted": 0, "recovered": 0}
    assert _alerts() == [{"sku": "LOW-1", "available": 3, "threshold": 5, "days_of_cover": None,
                          "min_days_of_cover": None}]
    notification = Notification.objects.get()
    assert (notification.module, notification.emailed_at) == ("catalog", None)
    assert notification.link == f"/store/test-a/catalog/stock/{variant.pk}/"
    rule = LowStockRule.objects.get()
    assert rule.is_low and rule.last_alert_at is not None

    _set(variant, warehouse, 5)  # not below 5 any more: recovered
    assert low_stock_check() == {"alerted": 0, "recovered": 1}
    assert not LowStockRule.objects.get().is_low
    assert low_stock_check() == {"alerted": 0, "recovered": 0}
    assert len(_alerts()) == 1

    # Reserving counts: available is on hand minus reserved.
    stock_reserve(variant=variant, warehouse=warehouse, quantity=4, reference="ORDER-1")
    assert low_stock_check()["alerted"] == 1
    assert [params["available"] for params in _alerts()] == [3, 1]


def test_stock_in_warehouses_out_of_use_does_not_count(in_store_a: Store, owner_a: Any) -> None:
    variant = make_product().variants.get()
    closed = make_warehouse(code="old")
    _set(variant, closed, 50)
    Warehouse.objects.filter(pk=closed.pk).update(is_active=False)
    low_stock_rule_set(actor=owner_a, variant=variant, min_available=5, min_days_of_cover=None)
    assert low_stock_check()["alerted"] == 1


def _ship(variant: Variant, warehouse: Warehouse, units: int, days_ago: float = 1) -> None:
    stock_reserve(variant=variant, warehouse=warehouse, quantity=units, reference="ORDER")
    stock_ship(variant=variant, warehouse=warehouse, quantity=units, reference="ORDER")
    StockMovement.objects.filter(reference="ORDER", at__gte=timezone.now() - dt.timedelta(minutes=5)).update(
        at=timezone.now() - dt.timedelta(days=days_ago))


def test_days_of_cover_uses_units_shipped_in_the_last_30_days(in_store_a: Store, owner_a: Any) -> None:
    variant = make_product(code="DOC").variants.get()
    warehouse = make_warehouse()
    stock_change(variant=variant, warehouse=warehouse, on_hand_change=1000, reason="received", actor=owner_a)
    _ship(variant, warehouse, 500, days_ago=45)  # too old to count
    low_stock_rule_set(actor=owner_a, variant=variant, min_available=None, min_days_of_cover=10)

    # 500 left and no sales in the window: no rate, so no alert on days of cover.
    assert low_stock_check()["alerted"] == 0

    _ship(variant, warehouse, 90, days_ago=3)  # 3 a day
    _set(variant, warehouse, 30)  # 30 / 3 = 10.0 days: not below 10
    assert low_stock_check()["alerted"] == 0

    _ship(variant, warehouse, 3, days_ago=1)  # 27 left at 93 / 30 = 3.1 a day: 8.7 days
    assert low_stock_check()["alerted"] == 1
    assert _alerts() == [{"sku": "DOC-1", "available": 27, "threshold": None, "days_of_cover": "8.7",
                          "min_days_of_cover": 10}]


def test_days_of_cover_arithmetic() -> None:
    assert days_of_cover(available=30, units_shipped=90) == 10
    assert days_of_cover(available=0, units_shipped=1) == 0
    assert days_of_cover(available=-2, units_shipped=5) == 0
    assert days_of_cover(available=100, units_shipped=0) is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(levels=st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=12))
def test_alerts_equal_downward_crossings(in_store_a: Store, levels: list[int]) -> None:
    """Whatever the sequence of stock levels (with a check after each), alerts = times it went from >= 5 to < 5."""
    variant = make_product().variants.get()
    warehouse = make_warehouse(code=f"w{variant.pk}")
    LowStockRule.objects.create(variant=variant, min_available=5)
    before = Notification.objects.count()
    expected, was_low = 0, False
    for level in levels:
        _set(variant, warehouse, level)
        low_stock_check()
        low_stock_check()  # a second run in the same state never adds anything
        expected += level < 5 and not was_low
        was_low = level < 5
    assert Notification.objects.count() - before == expected
    assert LowStockRule.objects.get(variant=variant).is_low == was_low


# --- The tasks ------------------------------------------------------------------------------------------------------


def test_the_dispatcher_enqueues_each_active_store_in_its_own_schema(store_a: Store, store_b: Store,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    Store.objects.filter(pk=store_b.pk).update(status=Store.Status.SUSPENDED)
    sent: list[tuple[str, int]] = []
    monkeypatch.setattr(tasks.store_low_stock_check, "apply_async",
                        lambda countdown=0, **kwargs: sent.append((connection.schema_name, countdown)))

    assert tasks.low_stock_dispatch() == len(sent)

    schemas = [schema for schema, _ in sent]
    assert store_a.schema_name in schemas
    assert store_b.schema_name not in schemas  # suspended
    assert "public" not in schemas
    assert len(set(schemas)) == len(schemas)
    assert [countdown for _, countdown in sent] == [tasks.stagger(index) for index in range(len(sent))]
    assert connection.schema_name == "public"


def test_the_store_task_runs_in_the_store_it_was_sent_from(store_a: Store, store_b: Store) -> None:
    with tenant_context(store_a):
        variant = make_product(code="TASK").variants.get()
        LowStockRule.objects.create(variant=variant, min_available=1)
    with tenant_context(store_b):
        assert tasks.store_low_stock_check.apply(throw=True).get() == {"alerted": 0, "recovered": 0}
    with tenant_context(store_a):
        assert tasks.store_low_stock_check.apply(throw=True).get() == {"alerted": 1, "recovered": 0}
        assert Notification.objects.filter(kind="catalog.low_stock").count() == 1
    with tenant_context(store_b):
        assert not Notification.objects.exists()


def test_the_store_task_refuses_the_public_schema(db: None) -> None:
    assert connection.schema_name == "public"
    with pytest.raises(StoreTaskOutsideStore):
        tasks.store_low_stock_check.apply(throw=True)


def test_the_check_links_to_the_store_also_under_a_bare_schema_context(store_a: Store) -> None:
    from django_tenants.utils import schema_context

    with schema_context(store_a.schema_name):
        variant = make_product().variants.get()
        LowStockRule.objects.create(variant=variant, min_available=1)
        assert low_stock_check()["alerted"] == 1
        assert Notification.objects.get().link == f"/store/test-a/catalog/stock/{variant.pk}/"
