"""Property tests of the ledger over random histories: orders on two sites and currencies, partial shipments,
returns and refunds of any amount, and the catch-up run at any moment, twice in a row or never until the end.
Every journal balances in its currency, every balance is the sum of its entries, every shipment and refund posts
exactly once, and the ledger's sales and refunds are exactly what the orders say."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import Variant
from finance.models import Balance, Entry, Journal
from finance.services.orders import ledger_catch_up
from orders.models import Order, OrderEvent, Return
from orders.services import order_mark_shipped, order_return_request, refund_issue, return_decide
from sellercenter.errors import DomainError
from stores.models import FXRate, Marketplace, Store
from tests.finance.test_ledger import schedule
from tests.orders.factories import place, stocked, warehouse

D = Decimal
_run = itertools.count(1)

placing = st.tuples(st.just("place"), st.sampled_from(["US", "JP"]),
                    st.lists(st.tuples(st.integers(0, 2), st.integers(1, 3)), min_size=1, max_size=3,
                             unique_by=lambda pair: pair[0]))
acting = st.tuples(st.sampled_from(["ship_one", "ship_all", "return", "refund", "catch_up", "catch_up"]),
                   st.integers(0, 5), st.integers(1, 100))
script = st.tuples(st.lists(placing, min_size=1, max_size=3), st.lists(st.one_of(acting, placing), max_size=25))


def _check(orders: list[Order]) -> None:
    for journal in Journal.objects.prefetch_related("entries"):
        by_currency: dict[str, Decimal] = {}
        for entry in journal.entries.all():
            by_currency[entry.currency] = by_currency.get(entry.currency, D(0)) + entry.amount
        assert set(by_currency.values()) <= {D(0)}, journal.source
    sums = {(row["account"], row["currency"]): row["total"]
            for row in Entry.objects.values("account", "currency").annotate(total=Sum("amount")).order_by()}
    balances = {(row.account, row.currency): row.amount for row in Balance.objects.all()}
    assert {k: v for k, v in balances.items() if v} == {k: v for k, v in sums.items() if v}
    sources = list(Journal.objects.values_list("source", flat=True))
    assert len(sources) == len(set(sources))


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(steps=script)
def test_any_history_posts_once_and_balances(in_store_a: Store, owner_a: Any,
                                             steps: tuple[list[Any], list[Any]]) -> None:
    run = next(_run)
    if not FXRate.objects.exists():
        for currency, rate in (("USD", "1.0850"), ("CNY", "7.8200"), ("JPY", "162.50")):
            FXRate.objects.create(rate_date=dt.date(2026, 1, 2), currency=currency, rate=D(rate))
    if not Marketplace.objects.get(code="US").fee_schedules.exists():
        schedule("US")
        schedule("JP", commission_min_per_unit=D("30"), closing_fee_per_order=D("100"), refund_admin_max=D("500"))
    in_store_a.marketplaces.add(Marketplace.objects.get(code="JP"))
    stocked(f"L{run}", units={warehouse(f"l{run}"): 500}, variants=3)
    skus = list(Variant.objects.filter(product__code=f"L{run}").order_by("sku").values_list("sku", flat=True))
    orders: list[Order] = []
    event_ids = itertools.count(1)
    for step in steps[0] + steps[1]:
        if step[0] == "place":
            _name, site, lines = step
            payload: dict[str, Any] = {"site": site, "currency": "JPY" if site == "JP" else "USD"}
            if site == "JP":
                payload.update(shipping="500", unit_price="1250", tax="125")
            orders.append(place(in_store_a, lines=[(skus[sku], quantity) for sku, quantity in lines], **payload))
            continue
        action, index, number = step
        if action == "catch_up":
            ledger_catch_up(batch=1 + number % 4)
            _check(orders)
            continue
        order = Order.objects.get(pk=orders[index % len(orders)].pk)
        try:
            if action in ("ship_one", "ship_all"):
                line = next((line for line in order.lines.order_by("id") if line.quantity_open), None)
                quantities = {line.pk: 1} if action == "ship_one" and line else None
                order_mark_shipped(actor=owner_a, order=order, carrier="UPS", tracking_number=f"T{run}-{number}",
                                   quantities=quantities)
            elif action == "return":
                order_return_request(order=order, requested_at=order.placed_at, event_id=f"R{next(event_ids)}")
                return_decide(actor=owner_a, rma=Return.objects.filter(order=order).latest("id"), authorise=True)
            elif action == "refund":
                step_size = D(1) if order.currency == "JPY" else D("0.01")
                amount = min(order.refundable, (order.grand_total * number / 100).quantize(step_size))
                refund_issue(actor=owner_a, order=order, amount=max(amount, step_size),
                             idempotency_key=f"K{run}-{next(event_ids)}")
        except DomainError:
            pass
    ledger_catch_up()
    _check(orders)
    assert ledger_catch_up() == 0  # nothing left, and nothing posts twice
    ids = [order.pk for order in orders]
    events = OrderEvent.objects.filter(order_id__in=ids, kind__in=["shipped", "refunded"])
    assert set(Journal.objects.filter(order_id__in=ids).values_list("source", flat=True)) == {
        f"order-event:{event.pk}" for event in events}
    for order in Order.objects.filter(pk__in=ids).prefetch_related("lines"):
        entries = Entry.objects.filter(order_id_ref=order.pk)
        sold = -(entries.filter(account="sales", kind="sale").exclude(sku="").aggregate(s=Sum("amount"))["s"] or 0)
        assert sold == sum((line.unit_price * line.quantity_shipped for line in order.lines.all()), start=D(0))
        refunded = entries.filter(kind="refund", account__in=["refunds", "tax"]).aggregate(s=Sum("amount"))["s"]
        assert (refunded or D(0)) == order.refunded_total
        shipped_all = all(line.quantity_shipped == line.quantity for line in order.lines.all())
        if shipped_all:
            tax = -(entries.filter(kind="sale", account="tax").aggregate(s=Sum("amount"))["s"] or 0)
            assert tax == order.tax_total
