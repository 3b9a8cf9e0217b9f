"""The ledger: fees worked out by hand from a fee schedule, a shipment and a refund posted from the orders'
history, posting once per event however often the catch-up runs, journals that balance, balances that are the sum
of their entries, and rows the database refuses to change or delete."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from finance.fees import UnitsSold, refund_admin_fee, sale_fees
from finance.models import Balance, Entry, Journal
from finance.services.ledger import Line, Unbalanced, journal_post, journal_reverse
from finance.services.orders import ledger_catch_up
from orders.models import Order, Return
from orders.services import order_mark_shipped, order_return_request, refund_issue, return_decide
from stores.fees import CommissionRate, FeeSchedule, FulfilmentFeeBand
from stores.models import Category, FXRate, Marketplace, Store
from tests.orders.factories import place, stocked, warehouse

pytestmark = pytest.mark.django_db
D = Decimal
RATE_DAY = dt.date(2026, 1, 2)


@pytest.fixture(autouse=True)
def _rates(db: None) -> None:
    """Units per euro on one day, as the ECB publishes them; store A's base currency is CNY."""
    for currency, rate in (("USD", "1.0850"), ("CNY", "7.8200"), ("JPY", "162.50"), ("GBP", "0.8450")):
        FXRate.objects.create(rate_date=RATE_DAY, currency=currency, rate=D(rate))


def schedule(code: str = "US", **fields: Any) -> FeeSchedule:
    """A schedule like the big marketplaces': 15 % commission, at least 0.30 a unit, electronics 8 % (its
    accessories 12 %, at least 1.00), a 1.80 closing fee, two fulfilment bands."""
    defaults = {"name": "2026", "effective_from": timezone.now() - dt.timedelta(days=365),
                "commission_percent": D("15"), "commission_min_per_unit": D("0.30"),
                "closing_fee_per_order": D("1.80"), "refund_admin_percent": D("20"), "refund_admin_max": D("5.00")}
    fees = FeeSchedule.objects.create(marketplace=Marketplace.objects.get(code=code), **{**defaults, **fields})
    electronics = Category.objects.get_or_create(code="t-electronics", defaults={
        "name_en": "Electronics", "path": "t-electronics"})[0]
    accessories = Category.objects.get_or_create(code="t-accessories", defaults={
        "name_en": "Accessories", "parent": electronics, "path": "t-electronics/t-accessories"})[0]
    CommissionRate.objects.create(schedule=fees, category=electronics, percent=D("8"))
    CommissionRate.objects.create(schedule=fees, category=accessories, percent=D("12"), min_per_unit=D("1.00"))
    FulfilmentFeeBand.objects.create(schedule=fees, position=1, tier="Small standard", max_longest_mm=380,
                                     max_median_mm=300, max_shortest_mm=20, max_weight_g=450, fee_per_unit=D("3.22"))
    FulfilmentFeeBand.objects.create(schedule=fees, position=2, tier="Large standard", max_longest_mm=450,
                                     max_median_mm=350, max_shortest_mm=200, max_weight_g=9000,
                                     fee_per_unit=D("5.40"))
    return fees


def test_commission_takes_the_nearest_category_rate_and_the_minimum() -> None:
    fees = schedule()
    electronics, accessories = (Category.objects.get(code=code).pk for code in ("t-electronics", "t-accessories"))
    units = [
        # 12 % of 15.00 = 1.80, below 3 x 1.00
        UnitsSold("CABLE", 3, D("5.00"), category_lineage=[accessories, electronics]),
        UnitsSold("PHONE", 1, D("199.99"), category_lineage=[electronics]),  # 8 % = 15.9992 -> 16.00
        UnitsSold("MUG", 2, D("1.00")),  # default 15 % = 0.30 < 2 x 0.30 = 0.60
    ]
    found = {(fee.kind, fee.sku): fee.amount for fee in sale_fees(fees, units, currency="USD", closing_fee=True,
                                                                  platform_fulfilled=False)}
    assert found == {("commission", "CABLE"): D("3.00"), ("commission", "PHONE"): D("16.00"),
                     ("commission", "MUG"): D("0.60"), ("closing_fee", ""): D("1.80")}


def test_fulfilment_bands_and_whole_yen() -> None:
    fees = schedule()
    small = UnitsSold("A", 2, D("1000"), sides_mm=(20, 300, 380), weight_g=450)  # on every edge of band 1
    large = UnitsSold("B", 1, D("1000"), sides_mm=(381, 10, 10), weight_g=100)
    unknown = UnitsSold("C", 1, D("1000"))
    found = {(fee.kind, fee.sku): fee.amount for fee in sale_fees(fees, [small, large, unknown], currency="JPY",
                                                                  closing_fee=False, platform_fulfilled=True)}
    assert found[("fulfilment", "A")] == D("6")  # 6.44 -> 6 yen
    assert found[("fulfilment", "B")] == D("5")  # 5.40 -> 5 yen
    assert ("fulfilment", "C") not in found and found[("commission", "A")] == D("300")


def test_refund_administration_is_a_share_up_to_a_cap() -> None:
    fees = schedule()
    assert refund_admin_fee(fees, D("10.00"), currency="USD") == D("2.00")
    assert refund_admin_fee(fees, D("40.00"), currency="USD") == D("5.00")
    assert refund_admin_fee(fees, D("0.125"), currency="USD") == D("0.02")  # 0.025 half-even


def _ledger_matches() -> None:
    """Every journal balances per currency; every balance row is the sum of its entries."""
    for journal in Journal.objects.all():
        totals = journal.entries.values("currency").annotate(total=Sum("amount"))
        assert all(row["total"] == 0 for row in totals), journal.source
    sums = {(row["account"], row["currency"]): row["total"]
            for row in Entry.objects.values("account", "currency").annotate(total=Sum("amount")).order_by()}
    balances = {(row.account, row.currency): row.amount for row in Balance.objects.all()}
    assert {key: value for key, value in balances.items() if value} == {k: v for k, v in sums.items() if v}


def _shipped(store: Store, actor: Any, **payload: Any) -> Order:
    if not Store.objects.filter(pk=store.pk).exists():
        raise AssertionError
    from catalog.models import Variant

    if not Variant.objects.filter(sku="MUG-1").exists():
        stocked("MUG", units={warehouse("main"): 100}, variants=2)
    order = place(store, **payload)
    order_mark_shipped(actor=actor, order=order, carrier="UPS", tracking_number=f"1Z{order.pk:016d}")
    return Order.objects.get(pk=order.pk)


def test_a_shipment_posts_the_sale_its_fees_and_what_is_payable_once(in_store_a: Store, owner_a: Any) -> None:
    schedule()
    order = _shipped(in_store_a, owner_a, lines=[("MUG-1", 2), ("MUG-2", 1)])  # 3 x 12.50, tax 2.00, ship 4.99
    assert ledger_catch_up() == 1
    assert ledger_catch_up() == 0  # read already
    journal = Journal.objects.get(kind="sale")
    entries = {(entry.account, entry.sku): entry.amount for entry in journal.entries.all()}
    assert entries[("sales", "MUG-1")] == D("-25.00") and entries[("sales", "MUG-2")] == D("-12.50")
    # The order's shipping and closing fee shared over its SKUs by value (2:1), the last SKU taking the remainder.
    assert entries[("shipping", "MUG-1")] == D("-3.33") and entries[("shipping", "MUG-2")] == D("-1.66")
    assert entries[("tax", "MUG-1")] == D("-1.00") and entries[("marketplace_tax", "MUG-1")] == D("1.00")
    assert entries[("commission", "MUG-1")] == D("3.75") and entries[("commission", "MUG-2")] == D("1.88")
    assert entries[("closing_fee", "MUG-1")] == D("1.20") and entries[("closing_fee", "MUG-2")] == D("0.60")
    # 37.50 + 4.99 - 3.75 - 1.88 - 1.80
    assert entries[("payable", "")] == D("35.06")
    assert Balance.objects.get(account="payable", currency="USD").amount == D("35.06")
    assert journal.order_id == order.pk and journal.source.startswith("order-event:")
    _ledger_matches()


def test_a_refund_gives_back_commission_less_the_administration_fee(in_store_a: Store, owner_a: Any) -> None:
    schedule()
    order = _shipped(in_store_a, owner_a, lines=[("MUG-1", 2)])  # 2 x 12.50, tax 1.00, shipping 4.99
    order_return_request(order=order, requested_at=timezone.now(), event_id="R1")
    return_decide(actor=owner_a, rma=Return.objects.get(order=order), authorise=True)
    refund_issue(actor=owner_a, order=order, amount=order.grand_total, idempotency_key="full")
    assert ledger_catch_up() == 2
    refund = {entry.account: entry.amount for entry in Journal.objects.get(kind="refund").entries.all()}
    assert {entry.sku for entry in Journal.objects.get(kind="refund").entries.exclude(
        account__in=["payable", "tax", "marketplace_tax"])} == {
        "MUG-1"}
    # Commission 3.75 all given back, 20 % kept (0.75); tax 1.00 back through the marketplace.
    assert refund["refunds"] == order.grand_total - D("1.00")
    assert refund["commission"] == D("-3.75") and refund["refund_admin"] == D("0.75")
    assert refund["payable"] == -(order.grand_total - D("1.00")) + D("3.00")
    _ledger_matches()
    payable = Balance.objects.get(account="payable", currency="USD").amount
    assert payable == -D("1.80") - D("0.75")  # what the seller is left paying: the closing fee and the admin fee


def test_amounts_in_the_base_currency_use_the_rate_of_the_day(in_store_a: Store, owner_a: Any) -> None:
    later = timezone.now().date() - dt.timedelta(days=3)
    FXRate.objects.create(rate_date=later, currency="USD", rate=D("1.08"))
    FXRate.objects.create(rate_date=later, currency="CNY", rate=D("7.83"))
    _shipped(in_store_a, owner_a, lines=[("MUG-1", 1)])
    ledger_catch_up()
    sales = Entry.objects.get(account="sales", sku="MUG-1")
    assert sales.fx_rate == (D("7.83") / D("1.08")).quantize(D("1e-10"))
    assert sales.base_amount == (D("-12.50") * D("7.83") / D("1.08")).quantize(D("0.01"))
    assert sales.fx_date == later


def test_a_journal_that_does_not_balance_is_refused_by_the_service_and_the_database(in_store_a: Store) -> None:
    now = timezone.now()
    with pytest.raises(Unbalanced):
        journal_post(kind="adjustment", source="x", currency="USD", occurred_at=now,
                     lines=[Line("payable", D("1.00")), Line("adjustments", D("-0.99"))])
    journal = journal_post(kind="adjustment", source="ok", currency="USD", occurred_at=now,
                           lines=[Line("payable", D("1.00")), Line("adjustments", D("-1.00"))])
    assert journal is not None
    assert journal_post(kind="adjustment", source="ok", currency="USD", occurred_at=now,
                        lines=[Line("payable", D("1.00")), Line("adjustments", D("-1.00"))]) is None
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(journal=journal, account="payable", currency="USD", amount=D("5"), base_amount=D("5"),
                             fx_rate=D(1), fx_date=now.date(), kind="adjustment", occurred_at=now)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for change in (lambda: Entry.objects.filter(journal=journal).update(amount=D("2")),
                   lambda: Entry.objects.filter(journal=journal).delete(),
                   lambda: Journal.objects.filter(pk=journal.pk).update(memo="edited")):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
    reversal = journal_reverse(journal=journal, source="ok:reversed")
    assert reversal is not None and reversal.reverses_id == journal.pk
    assert Balance.objects.get(account="payable", currency="USD").amount == 0
    _ledger_matches()
