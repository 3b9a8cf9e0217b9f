"""The marketplace simulator: deterministic for a seed, idempotent when run again, local buyers in local scripts,
the sites' currencies and their decimals, stock never negative, and no other store touched."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django_tenants.utils import schema_context
from djmoney.money import Money

from catalog.models import Stock, StockMovement
from orders.models import Order, OrderEvent, OrderLine
from orders.simulator import Offer, Site, plan, simulate_marketplace
from orders.simulator_buyers import buyer_make
from stores.models import PlatformToken, Store
from tests.catalog.factories import make_listing
from tests.orders.factories import place, stocked, warehouse

pytestmark = pytest.mark.django_db

PRICES = {"US": "19.99", "UK": "15.49", "DE": "17.95", "JP": "2980"}
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
THAI = re.compile(r"[\u0e00-\u0e7f]")
ARABIC = re.compile(r"[\u0600-\u06ff]")


def _sites(*codes: tuple[str, str, str]) -> list[Site]:
    offers = tuple(Offer(sku=f"SKU-{n}", title=f"Item {n}", price=Decimal("1234.5"), sale_price=None,
                         sale_start=None, sale_end=None) for n in range(6))
    return [Site(code=code, country=country, currency=currency, offers=offers) for code, country, currency in codes]


SITES = _sites(("US", "US", "USD"), ("JP", "JP", "JPY"), ("TH", "TH", "THB"), ("AE", "AE", "AED"),
               ("SA", "SA", "SAR"), ("DE", "DE", "EUR"))


def _catalog(store: Store) -> None:
    """Three SKUs with a little stock, listed on each of the store's sites in the site's currency."""
    with schema_context(store.schema_name):
        variants = stocked("SIM", units={warehouse("sz1"): 4}, variants=3)
        for variant in variants:
            for site in store.marketplaces.all():
                make_listing(variant, site=site.code, price=PRICES.get(site.code, "9.90"))


def _state(store: Store) -> dict[str, Any]:
    with schema_context(store.schema_name):
        return {
            "orders": sorted(Order.objects.values_list("marketplace__code", "marketplace_order_id", "status",
                                                       "buyer_name", "ship_postal_code", "currency", "grand_total")),
            "lines": sorted(OrderLine.objects.values_list("order__marketplace_order_id", "sku", "quantity",
                                                          "unit_price", "tax", "quantity_shipped")),
            "events": sorted(OrderEvent.objects.values_list("order__marketplace_order_id", "kind", "source_id",
                                                            "payload_hash")),
            "movements": StockMovement.objects.count(),
            "stock": sorted(Stock.objects.values_list("variant__sku", "on_hand", "reserved")),
        }


def test_the_same_seed_plans_the_same_orders_and_event_ids() -> None:
    today = dt.date(2026, 3, 11)
    first = plan(sites=SITES, days=5, orders_per_day=12, seed=1, today=today)
    again = plan(sites=SITES, days=5, orders_per_day=12, seed=1, today=today)
    other = plan(sites=SITES, days=5, orders_per_day=12, seed=2, today=today)
    assert first == again
    assert first[0] > 40 and first != other
    # A run a day later plans the same orders for the days both runs cover.
    later = plan(sites=SITES, days=5, orders_per_day=12, seed=1, today=today + dt.timedelta(days=1))
    overlap = {step.order_id: step.body for step in first[1] if step.event == "placed"
               and step.at.date() > today - dt.timedelta(days=4)}
    assert overlap and all(step.body == overlap[step.order_id] for step in later[1]
                           if step.event == "placed" and step.order_id in overlap)
    ids = [step.body["event_id"] for step in first[1] if "event_id" in step.body]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"(PAY|CXL|DLV|RET)-\w+", event_id) for event_id in ids)


def test_buyers_are_local_in_their_own_scripts_and_formats() -> None:
    import random

    rng = random.Random(5)
    for _ in range(20):
        jp_buyer, jp = buyer_make("JP", rng)
        th_buyer, th = buyer_make("TH", rng)
        ae_buyer, ae = buyer_make("AE", rng)
        sa_buyer, sa = buyer_make("SA", rng)
        _gb_buyer, gb = buyer_make("GB", rng)
        _br_buyer, br = buyer_make("BR", rng)
        assert JAPANESE.search(jp_buyer["name"]) and JAPANESE.search(jp["line1"]) and JAPANESE.search(jp["region"])
        assert re.fullmatch(r"\d{3}-\d{4}", jp["postal_code"]) and jp["phone"].startswith("090-")
        assert THAI.search(th_buyer["name"]) and THAI.search(th["line1"]) and re.fullmatch(r"\d{5}", th["postal_code"])
        assert ARABIC.search(ae_buyer["name"]) and ARABIC.search(ae["city"]) and "postal_code" not in ae
        assert ARABIC.search(sa_buyer["name"]) and re.fullmatch(r"\d{5}", sa["postal_code"])
        assert re.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}", gb["postal_code"])
        assert re.fullmatch(r"\d{5}-\d{3}", br["postal_code"])
        assert ae["phone"].startswith("+971 5") and sa["phone"].startswith("+966 5")


def test_amounts_are_in_the_sites_currency_and_its_minor_units() -> None:
    _count, steps = plan(sites=SITES, days=5, orders_per_day=30, seed=4, today=dt.date(2026, 3, 11))
    placed = [step.body for step in steps if step.event == "placed"]
    currencies = {"US": "USD", "JP": "JPY", "TH": "THB", "AE": "AED", "SA": "SAR", "DE": "EUR"}
    assert {body["marketplace"] for body in placed} == set(currencies)
    for body in placed:
        assert body["currency"] == currencies[body["marketplace"]]
        amounts = [body["shipping"], body["discount"]] + [line[key] for line in body["lines"]
                                                          for key in ("unit_price", "tax")]
        pattern = r"\d+" if body["currency"] == "JPY" else r"\d+\.\d{2}"
        assert all(re.fullmatch(pattern, amount) for amount in amounts), body
        assert len({line["sku"] for line in body["lines"]}) == len(body["lines"]) >= 1
        assert all(line["unit_price"] == ("1234" if body["currency"] == "JPY" else "1234.50")
                   for line in body["lines"])
        assert body["placed_at"] <= body.get("paid_at", body["placed_at"]) <= body["ship_by"] < body["deliver_by"]


def test_a_run_sends_orders_through_the_api_and_running_again_changes_nothing(
    store_a: Store, store_b: Store, owner_a: Any
) -> None:
    _catalog(store_a)
    with schema_context(store_b.schema_name):
        stocked("OTHER", units={warehouse("b1"): 5})
        place(store_b, lines=[("OTHER-1", 2)], order_id="B-1")
    untouched = _state(store_b)

    first = simulate_marketplace(store=store_a, days=6, orders_per_day=8, seed=3, actor=owner_a)

    assert first.errors == []
    assert first.created["placed"] == first.sent["placed"] > 20
    assert first.seller["shipped"] > 0 and first.created["delivery-confirmed"] > 0
    state = _state(store_a)
    assert len(state["orders"]) == first.created["placed"]
    with schema_context(store_a.schema_name):
        by_site = {code: currency for code, _id, _status, _name, _postal, currency, _total in state["orders"]}
        assert by_site == {"US": "USD", "UK": "GBP", "DE": "EUR", "JP": "JPY"}
        for order in Order.objects.filter(marketplace__code="JP"):
            assert JAPANESE.search(order.buyer_name) and order.grand_total == order.grand_total.to_integral_value()
            assert all(line.unit_price == Decimal("2980") for line in order.lines.all())
        assert all(line.unit_price == Money(Decimal(PRICES["UK"]), "GBP").amount
                   for line in OrderLine.objects.filter(order__marketplace__code="UK"))
        # Stock is never negative, and what is reserved is what the open lines hold.
        assert not Stock.objects.filter(on_hand__lt=0).exists()
        assert all(0 <= stock.reserved <= stock.on_hand for stock in Stock.objects.all())
        held = OrderLine.objects.aggregate(units=Sum("quantity_reserved"))["units"] or 0
        assert Stock.objects.aggregate(units=Sum("reserved"))["units"] == held
    # The token made for the run no longer works.
    assert PlatformToken.objects.filter(store=store_a).exists()
    assert not PlatformToken.objects.filter(store=store_a, revoked_at__isnull=True).exists()

    again = simulate_marketplace(store=store_a, days=6, orders_per_day=8, seed=3, actor=owner_a)

    assert again.errors == [] and sum(again.created.values()) == 0 and not again.seller
    assert again.sent == first.sent
    assert _state(store_a) == state
    assert _state(store_b) == untouched


def test_the_command_runs_the_simulator(store_a: Store, capsys: pytest.CaptureFixture[str]) -> None:
    _catalog(store_a)
    call_command("simulate_marketplace", "--store", store_a.handle, "--days", "2", "--orders-per-day", "5",
                 "--seed", "9")
    out = capsys.readouterr().out
    assert "orders planned over 2 days" in out and "placed" in out
    with schema_context(store_a.schema_name):
        assert Order.objects.exists()


def test_seed_demo_runs_the_simulator_once_after_the_catalog(store_a: Store, owner_a: Any,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from orders import demo
    from stores.demo import demo_seeders

    names = [name for name, _seeder in demo_seeders()]
    assert names.index("catalog") < names.index("orders")
    _catalog(store_a)
    monkeypatch.setattr(demo, "DEMO_DAYS", 3)
    with schema_context(store_a.schema_name):
        demo.orders_demo(store=store_a, owner=owner_a, profile="electronics")
    first = _state(store_a)
    assert first["orders"]
    with schema_context(store_a.schema_name):
        demo.orders_demo(store=store_a, owner=owner_a, profile="electronics")
    assert _state(store_a) == first
