"""Listing services: create and edit with local overrides, copy to other sites (converted prices, kept overrides,
missing content, validation before anything is written), repricing, bulk actions and suppression reasons."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from djmoney.money import Money
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import Activity
from catalog.models import Listing, ProductContent
from catalog.pricing import round_exact
from catalog.services.inventory import stock_change
from catalog.services.listings import (
    CopyInvalid,
    listing_create,
    listing_update,
    listings_bulk_adjust_price,
    listings_bulk_set_status,
    listings_copy_to_sites,
    listings_reprice,
)
from sellercenter.errors import DomainError
from stores.models import FXRate, Marketplace, Store
from tests.catalog.factories import make_listing, make_product, make_warehouse

RATE_DAY = dt.date(2026, 1, 2)
# Units per euro, the ECB's way.
RATES = {"USD": "1.08", "JPY": "160", "CNY": "7.8", "GBP": "0.85"}


@pytest.fixture
def fx(db: None) -> None:
    FXRate.objects.bulk_create([FXRate(rate_date=RATE_DAY, currency=code, rate=Decimal(rate), source="test")
                                for code, rate in RATES.items()])


def site(code: str) -> Marketplace:
    return Marketplace.objects.get(code=code)


def fields(**values: Any) -> dict[str, Any]:
    data = {"price_mode": "fixed", "price": None, "rounding": "exact", "sale_price": None, "sale_start": None,
            "sale_end": None, "quantity_limit": None, "wanted_status": "active"}
    return {**data, **values}


def per(to: str, frm: str) -> Decimal:
    """Units of ``to`` per unit of ``frm`` at the test rates."""
    return Decimal(RATES.get(to, "1")) / Decimal(RATES.get(frm, "1"))


# --- create and edit -------------------------------------------------------------------------------------------


def test_create_rounds_a_fixed_price_half_even_and_logs_it(in_store_a: Store, owner_a: Any, fx: None) -> None:
    variant = make_product().variants.get()
    listing = listing_create(actor=owner_a, store=in_store_a, variant=variant, marketplace=site("JP"),
                             data=fields(price=Decimal("1234.5")))
    assert listing.price == Money("1234", "JPY")  # half-even: .5 goes to the even yen
    entry = Activity.objects.get(action="listing.created")
    assert entry.object_repr == f"{variant.sku} @ JP"
    assert entry.changes["price"] == [None, "1234 JPY"]


def test_create_derives_the_price_from_the_base_price(in_store_a: Store, owner_a: Any, fx: None) -> None:
    variant = make_product(base_price="100.00").variants.get()  # CNY, the store's base currency
    listing = listing_create(actor=owner_a, store=in_store_a, variant=variant, marketplace=site("JP"),
                             data=fields(price_mode="derived", rounding="ending_99"))
    # 100 CNY = 2051.28 JPY; the smallest price ending in 9 yen at or above it is 2059.
    assert listing.price == Money("2059", "JPY")
    listing_us = listing_create(actor=owner_a, store=in_store_a, variant=variant, marketplace=site("US"),
                                data=fields(price_mode="derived", rounding="ending_99", price=Decimal("1")))
    assert listing_us.price == Money("13.99", "USD")  # 100 * 1.08 / 7.8 = 13.846..., the given price is ignored


def test_create_refuses_a_site_of_another_store_a_second_listing_and_a_bad_sale(in_store_a: Store, owner_a: Any,
                                                                                fx: None) -> None:
    variant = make_product().variants.get()
    with pytest.raises(DomainError) as error:
        listing_create(actor=owner_a, store=in_store_a, variant=variant, marketplace=site("SG"),
                       data=fields(price=Decimal("10")))
    assert error.value.field == "marketplace"
    listing_create(actor=owner_a, store=in_store_a, variant=variant, marketplace=site("US"),
                   data=fields(price=Decimal("10")))
    with pytest.raises(DomainError):
        listing_create(actor=owner_a, store=in_store_a, variant=variant, marketplace=site("US"),
                       data=fields(price=Decimal("12")))
    with pytest.raises(DomainError) as error:
        listing_create(actor=owner_a, store=in_store_a, variant=variant, marketplace=site("UK"),
                       data=fields(price=Decimal("10"), sale_price=Decimal("11")))
    assert error.value.field == "sale_price"
    now = timezone.now()
    with pytest.raises(DomainError) as error:
        listing_create(actor=owner_a, store=in_store_a, variant=variant, marketplace=site("UK"),
                       data=fields(price=Decimal("10"), sale_price=Decimal("8"), sale_start=now,
                                   sale_end=now - dt.timedelta(days=1)))
    assert error.value.field == "sale_end"
    assert Listing.objects.count() == 1


def test_an_edit_of_a_copied_listing_becomes_a_local_override(in_store_a: Store, owner_a: Any, fx: None) -> None:
    variant = make_product().variants.get()
    source = make_listing(variant, "US", "10.00")
    plain = make_listing(make_product().variants.get(), "DE", "9.00")
    listings_copy_to_sites(actor=owner_a, store=in_store_a, listing_ids=[source.pk], marketplaces=[site("DE")])
    copied = Listing.objects.get(variant=variant, marketplace__code="DE")
    assert copied.copied_from_id == source.pk and copied.local_overrides == []

    copied = listing_update(actor=owner_a, listing=copied, data=fields(price=Decimal("8.49"), quantity_limit=5))
    assert copied.local_overrides == ["price", "quantity_limit"]
    entry = Activity.objects.filter(action="listing.changed").latest("id")
    assert entry.changes["price"] == ["9.26 EUR", "8.49 EUR"]
    assert entry.changes["local_overrides"] == [[], ["price", "quantity_limit"]]

    plain = listing_update(actor=owner_a, listing=plain, data=fields(price=Decimal("8.00")))
    assert plain.local_overrides == []  # not a copy: nothing to override

    copied = listing_update(actor=owner_a, listing=copied, data=fields(price=Decimal("8.49"), quantity_limit=5),
                            follow_source=["quantity_limit"])
    assert copied.local_overrides == ["price"]


# --- copy to other sites ----------------------------------------------------------------------------------------


def test_copy_converts_prices_flags_missing_content_and_keeps_overrides_on_the_next_copy(
        in_store_a: Store, owner_a: Any, fx: None) -> None:
    variant = make_product(languages=("en", "de")).variants.get()
    source = make_listing(variant, "US", "19.99", rounding="ending_99", sale_price=Money("17.00", "USD"))

    report = listings_copy_to_sites(actor=owner_a, store=in_store_a, listing_ids=[source.pk],
                                    marketplaces=[site("JP"), site("DE")])
    assert report.applied and (report.creates, report.updates) == (2, 0)
    japan, germany = report.targets
    [jp_line], [de_line] = japan.lines, germany.lines
    # 19.99 USD * 160/1.08 = 2961.48 JPY -> ends in 9 yen: 2969. 19.99 / 1.08 = 18.51 EUR -> 18.99.
    assert jp_line.price == Money("2969", "JPY") and de_line.price == Money("18.99", "EUR")
    assert jp_line.conversion is not None
    assert jp_line.conversion.rate == per("JPY", "USD") and jp_line.conversion.rate_date == RATE_DAY
    assert de_line.sale_price == Money("15.99", "EUR")  # 17.00 / 1.08 = 15.74 -> 15.99
    assert jp_line.missing_content == ["title", "description"] and de_line.missing_content == []
    jp = Listing.objects.get(variant=variant, marketplace__code="JP")
    de = Listing.objects.get(variant=variant, marketplace__code="DE")
    assert (jp.price, jp.rounding, jp.copied_from_id) == (Money("2969", "JPY"), "ending_99", source.pk)
    assert (jp.status, jp.suppression) == ("suppressed", "missing_content")

    # A person edits the price on DE; the source's price then changes and it is copied again.
    listing_update(actor=owner_a, listing=de, data=fields(price=Decimal("17.49"), rounding="ending_99",
                                                          sale_price=Decimal("15.99")))
    source.price = Money("29.99", "USD")
    source.save()
    report = listings_copy_to_sites(actor=owner_a, store=in_store_a, listing_ids=[source.pk],
                                    marketplaces=[site("JP"), site("DE")])
    assert (report.creates, report.updates) == (0, 2)
    japan, germany = report.targets
    assert japan.lines[0].kept == [] and germany.lines[0].kept == ["price"]
    de.refresh_from_db()
    jp.refresh_from_db()
    assert de.price == Money("17.49", "EUR")  # the local edit survived the copy
    assert de.local_overrides == ["price"]
    assert jp.price == Money("4449", "JPY")  # 29.99 * 148.148 = 4442.96 -> 4449

    entries = Activity.objects.filter(action="listing.copied").order_by("id")
    assert len(entries) == 2
    assert entries[0].changes["marketplace"] == [["US"], ["JP", "DE"]]
    assert "2 created" in entries[0].object_repr and "2 updated" in entries[1].object_repr
    assert entries[1].changes["local_overrides"] == [None, [f"{variant.sku} @ DE: price"]]


def test_copy_validates_every_target_first_and_writes_nothing_if_one_is_invalid(
        in_store_a: Store, owner_a: Any, fx: None) -> None:
    FXRate.objects.filter(currency="GBP").delete()  # no rate for the UK site
    first, second = (make_product().variants.get() for _ in range(2))
    sources = [make_listing(first, "US", "10.00"), make_listing(second, "US", "12.00")]
    activity_before = Activity.objects.count()

    with pytest.raises(CopyInvalid) as error:
        listings_copy_to_sites(actor=owner_a, store=in_store_a, listing_ids=[s.pk for s in sources],
                               marketplaces=[site("JP"), site("UK")])
    report = error.value.report
    assert not report.applied and not report.is_valid
    japan, britain = report.targets
    assert japan.errors == 0 and britain.errors == 2
    assert "GBP" in britain.lines[0].errors[0]
    assert Listing.objects.filter(marketplace__code__in=["JP", "UK"]).count() == 0  # not even the valid JP ones
    assert Activity.objects.count() == activity_before


@pytest.mark.parametrize("problem", ["foreign site", "same sku twice", "no price", "sale not below price"])
def test_copy_refuses_invalid_requests(in_store_a: Store, owner_a: Any, fx: None, problem: str) -> None:
    variant = make_product().variants.get()
    sources = [make_listing(variant, "US", "10.00")]
    targets = [site("DE")]
    if problem == "foreign site":
        targets.append(site("SG"))
    elif problem == "same sku twice":
        sources.append(make_listing(variant, "UK", "9.00"))
    elif problem == "no price":
        sources[0].price = None
        sources[0].save()
    else:  # 10.20 and 10.10 both round up to 9.99 EUR with the .99 rule
        sources[0].price, sources[0].sale_price = Money("10.20", "USD"), Money("10.10", "USD")
        sources[0].rounding = "ending_99"
        sources[0].save()
    preview = listings_copy_to_sites(actor=owner_a, store=in_store_a, listing_ids=[s.pk for s in sources],
                                     marketplaces=targets, dry_run=True)
    assert not preview.is_valid
    with pytest.raises(CopyInvalid):
        listings_copy_to_sites(actor=owner_a, store=in_store_a, listing_ids=[s.pk for s in sources],
                               marketplaces=targets)
    assert not Listing.objects.filter(marketplace__code__in=["DE", "SG"]).exists()


def test_a_preview_writes_nothing_and_a_copy_does_not_touch_the_source_site(in_store_a: Store, owner_a: Any,
                                                                          fx: None) -> None:
    variant = make_product().variants.get()
    source = make_listing(variant, "US", "10.00")
    preview = listings_copy_to_sites(actor=owner_a, store=in_store_a, listing_ids=[source.pk],
                                     marketplaces=[site("US"), site("UK")], dry_run=True)
    assert preview.is_valid and not preview.applied
    us, uk = preview.targets
    assert us.lines == [] and uk.lines[0].action == "create"
    assert uk.lines[0].price == Money("7.87", "GBP")  # 10 * 0.85 / 1.08 = 7.870 (exact, half-even)
    assert Listing.objects.count() == 1 and not Activity.objects.filter(action="listing.copied").exists()


def test_copy_of_a_derived_price_derives_it_on_the_target_with_the_chosen_rounding(in_store_a: Store, owner_a: Any,
                                                                                 fx: None) -> None:
    variant = make_product(base_price="100.00").variants.get()
    source = listing_create(actor=owner_a, store=in_store_a, variant=variant, marketplace=site("US"),
                            data=fields(price_mode="derived"))
    report = listings_copy_to_sites(actor=owner_a, store=in_store_a, listing_ids=[source.pk],
                                    marketplaces=[site("JP")], rounding="whole")
    [line] = report.lines
    assert line.price == Money("2052", "JPY")  # from 100 CNY, not from the rounded USD price
    jp = Listing.objects.get(variant=variant, marketplace__code="JP")
    assert (jp.price_mode, jp.rounding) == ("derived", "whole")


def test_reprice_follows_a_new_fx_rate_and_a_new_base_price(in_store_a: Store, owner_a: Any, fx: None) -> None:
    variant = make_product(base_price="100.00").variants.get()
    derived = listing_create(actor=owner_a, store=in_store_a, variant=variant, marketplace=site("US"),
                             data=fields(price_mode="derived"))
    fixed = listing_create(actor=owner_a, store=in_store_a, variant=variant, marketplace=site("UK"),
                           data=fields(price=Decimal("9.00")))
    assert derived.price == Money("13.85", "USD")
    FXRate.objects.create(rate_date=RATE_DAY + dt.timedelta(days=1), currency="USD", rate=Decimal("1.17"))
    assert listings_reprice(variant_ids=[variant.pk], actor=owner_a) == 1
    derived.refresh_from_db()
    fixed.refresh_from_db()
    assert derived.price == Money("15.00", "USD") and fixed.price == Money("9.00", "GBP")
    assert Activity.objects.filter(action="listing.repriced").count() == 1

    variant.base_price = None
    variant.save()
    assert listings_reprice() == 1
    derived.refresh_from_db()
    assert derived.price is None
    assert (derived.status, derived.suppression) == ("suppressed", "price_missing")


# --- bulk actions -----------------------------------------------------------------------------------------------


def test_bulk_price_change_by_percent_applies_each_rounding_and_logs_one_entry(in_store_a: Store, owner_a: Any,
                                                                             fx: None) -> None:
    us = make_listing(make_product().variants.get(), "US", "10.00")
    jp = make_listing(make_product().variants.get(), "JP", "1000", rounding="ending_99")
    unpriced = make_listing(make_product().variants.get(), "US", None)
    result = listings_bulk_adjust_price(actor=owner_a, listing_ids=[us.pk, jp.pk, unpriced.pk],
                                        percent=Decimal("12.5"))
    assert (result.changed, result.skipped) == (2, 1)
    us.refresh_from_db()
    jp.refresh_from_db()
    assert us.price == Money("11.25", "USD") and jp.price == Money("1129", "JPY")
    [entry] = Activity.objects.filter(action="listing.prices_changed")
    assert entry.object_repr == "2 listings"
    assert entry.changes["price"] == [None, "+12.5 %"]
    assert sorted(entry.changes["variant"][1]) == sorted([f"{us.variant.sku} @ US", f"{jp.variant.sku} @ JP"])


def test_bulk_price_change_by_amount_needs_one_currency_and_never_goes_below_zero(in_store_a: Store, owner_a: Any,
                                                                                fx: None) -> None:
    us = make_listing(make_product().variants.get(), "US", "10.00")
    jp = make_listing(make_product().variants.get(), "JP", "1000")
    with pytest.raises(DomainError) as error:
        listings_bulk_adjust_price(actor=owner_a, listing_ids=[us.pk, jp.pk], amount=Decimal("-1"))
    assert error.value.field == "amount"
    assert not Activity.objects.filter(action="listing.prices_changed").exists()

    listings_bulk_adjust_price(actor=owner_a, listing_ids=[us.pk], amount=Decimal("-25"))
    us.refresh_from_db()
    assert us.price == Money("0.00", "USD")
    assert (us.status, us.suppression) == ("suppressed", "price_missing")
    [entry] = Activity.objects.filter(action="listing.prices_changed")
    assert entry.changes["price"] == [None, "-25 USD"] and entry.object_repr == "1 listing"


def test_bulk_changes_on_copied_listings_become_local_overrides(in_store_a: Store, owner_a: Any, fx: None) -> None:
    variant = make_product().variants.get()
    source = make_listing(variant, "US", "10.00")
    listings_copy_to_sites(actor=owner_a, store=in_store_a, listing_ids=[source.pk], marketplaces=[site("DE")])
    de = Listing.objects.get(variant=variant, marketplace__code="DE")
    listings_bulk_adjust_price(actor=owner_a, listing_ids=[de.pk, source.pk], percent=Decimal("-10"))
    listings_bulk_set_status(actor=owner_a, listing_ids=[de.pk], status="inactive")
    de.refresh_from_db()
    source.refresh_from_db()
    assert de.local_overrides == ["price", "wanted_status"] and source.local_overrides == []
    assert (de.price, de.wanted_status, de.status) == (Money("8.33", "EUR"), "inactive", "inactive")
    # The next copy keeps both.
    listings_copy_to_sites(actor=owner_a, store=in_store_a, listing_ids=[source.pk], marketplaces=[site("DE")])
    de.refresh_from_db()
    assert (de.price, de.wanted_status) == (Money("8.33", "EUR"), "inactive")


def test_bulk_status_logs_one_entry_with_the_count_and_skips_unchanged(in_store_a: Store, owner_a: Any) -> None:
    listings = [make_listing(make_product().variants.get(), "US", "5.00") for _ in range(3)]
    listings_bulk_set_status(actor=owner_a, listing_ids=[listings[0].pk], status="inactive")
    result = listings_bulk_set_status(actor=owner_a, listing_ids=[item.pk for item in listings], status="inactive")
    assert (result.changed, result.skipped) == (2, 1)
    entries = Activity.objects.filter(action="listing.status_changed").order_by("id")
    assert [entry.object_repr for entry in entries] == ["1 listing", "2 listings"]
    assert entries[1].changes["wanted_status"] == [None, "inactive"]
    assert set(Listing.objects.values_list("status", flat=True)) == {"inactive"}
    with pytest.raises(DomainError):
        listings_bulk_set_status(actor=owner_a, listing_ids=[], status="inactive")
    with pytest.raises(DomainError):
        listings_bulk_set_status(actor=owner_a, listing_ids=[listings[0].pk], status="suppressed")


# --- what the site shows ------------------------------------------------------------------------------------------


def test_suppression_reasons_follow_price_content_and_stock(in_store_a: Store, owner_a: Any, fx: None) -> None:
    product = make_product(languages=("en",))
    variant = product.variants.get()
    warehouse = make_warehouse()
    jp = listing_create(actor=owner_a, store=in_store_a, variant=variant, marketplace=site("JP"),
                        data=fields(price=Decimal("0")))
    assert (jp.status, jp.suppression) == ("suppressed", "price_missing")
    jp = listing_update(actor=owner_a, listing=jp, data=fields(price=Decimal("1980")))
    assert (jp.status, jp.suppression) == ("suppressed", "missing_content")
    ProductContent.objects.create(product=product, language="ja", title="ワイヤレスイヤホン", description="説明")
    us = listing_create(actor=owner_a, store=in_store_a, variant=variant, marketplace=site("US"),
                        data=fields(price=Decimal("19.99"), quantity_limit=3))
    jp.refresh_from_db()
    assert (jp.status, jp.suppression, us.status, us.suppression) == (
        "suppressed", "no_stock", "suppressed", "no_stock")
    stock_change(variant=variant, warehouse=warehouse, on_hand_change=10, reason="received", actor=owner_a)
    jp.refresh_from_db()
    us.refresh_from_db()
    assert (jp.status, jp.suppression, jp.quantity_offered) == ("active", "", 10)
    assert (us.status, us.quantity_offered) == ("active", 3)  # the quantity limit caps what is offered
    listings_bulk_set_status(actor=owner_a, listing_ids=[jp.pk], status="inactive")
    jp.refresh_from_db()
    assert (jp.status, jp.suppression) == ("inactive", "")


def test_the_daily_task_reprices_in_batches_inside_the_store(in_store_a: Store, owner_a: Any, fx: None) -> None:
    from catalog.tasks_listings import store_listings_reprice

    variants = [make_product(base_price=str(price)).variants.get() for price in (100, 200, 300)]
    listings = [listing_create(actor=owner_a, store=in_store_a, variant=variant, marketplace=site("US"),
                               data=fields(price_mode="derived")) for variant in variants]
    FXRate.objects.create(rate_date=RATE_DAY + dt.timedelta(days=1), currency="USD", rate=Decimal("1.56"))
    assert listings_reprice(batch_size=2) == 3  # two batches
    assert [listing.price for listing in Listing.objects.order_by("pk")] == [
        Money("20.00", "USD"), Money("40.00", "USD"), Money("60.00", "USD")]
    FXRate.objects.create(rate_date=RATE_DAY + dt.timedelta(days=2), currency="USD", rate=Decimal("0.78"))
    assert store_listings_reprice.apply(kwargs={"variant_ids": [variants[0].pk]}).get() == 1
    listings[0].refresh_from_db()
    listings[1].refresh_from_db()
    assert (listings[0].price, listings[1].price) == (Money("10.00", "USD"), Money("40.00", "USD"))
    assert not Activity.objects.filter(action="listing.repriced").exists()  # no person asked: no entry


edits = st.one_of(
    st.tuples(st.just("source"), st.sampled_from(["price", "quantity_limit", "wanted_status"])),
    st.tuples(st.just("target"), st.sampled_from(["price", "quantity_limit", "wanted_status"])),
    st.tuples(st.just("copy"), st.just("")),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(edits, min_size=1, max_size=8), seed=st.integers(min_value=1, max_value=10_000))
def test_local_edits_survive_any_sequence_of_copies(in_store_a: Store, owner_a: Any, fx: None,
                                                    steps: list[tuple[str, str]], seed: int) -> None:
    """Whatever a person edits on the source and on the copy, in any order: after each copy the copy has its own
    value for every field it edited and the source's value (the price converted) for every other."""
    variant = make_product().variants.get()
    source = make_listing(variant, "US", "10.00")
    uk = site("UK")
    listings_copy_to_sites(actor=owner_a, store=in_store_a, listing_ids=[source.pk], marketplaces=[uk])
    target = Listing.objects.get(variant=variant, marketplace=uk)
    edited: dict[str, Any] = {}  # what the person set on the copy
    for number, (where, name) in enumerate(steps):
        if where == "copy":
            listings_copy_to_sites(actor=owner_a, store=in_store_a, listing_ids=[source.pk], marketplaces=[uk])
            continue
        value = {"price": Decimal(seed % 500 + number + 1), "quantity_limit": (seed + number) % 7,
                 "wanted_status": ["active", "inactive"][(seed + number) % 2]}[name]
        listing = source if where == "source" else target
        listing.refresh_from_db()
        current = {"price": listing.price.amount, "quantity_limit": listing.quantity_limit,
                   "wanted_status": listing.wanted_status}
        listing_update(actor=owner_a, listing=listing, data=fields(**current) | {name: value})
        if where == "target" and current[name] != value:  # an edit that changes nothing is no local edit
            edited[name] = value
    listings_copy_to_sites(actor=owner_a, store=in_store_a, listing_ids=[source.pk], marketplaces=[uk])
    source.refresh_from_db()
    target.refresh_from_db()
    assert set(target.local_overrides) == set(edited)
    expected = {"price": Money(round_exact(source.price.amount * per("GBP", "USD"), "GBP"), "GBP"),
                "quantity_limit": source.quantity_limit, "wanted_status": source.wanted_status}
    for name in ("price", "quantity_limit", "wanted_status"):
        if name in edited:
            assert getattr(target, name) == (Money(edited[name], "GBP") if name == "price" else edited[name])
        else:
            assert getattr(target, name) == expected[name]


def test_bulk_price_cut_leaves_listings_whose_sale_price_would_no_longer_be_lower(in_store_a: Store,
                                                                                 owner_a: Any) -> None:
    on_sale = make_listing(make_product().variants.get(), "US", "10.00", sale_price=Money("8.00", "USD"))
    plain = make_listing(make_product().variants.get(), "US", "10.00")
    result = listings_bulk_adjust_price(actor=owner_a, listing_ids=[on_sale.pk, plain.pk], percent=Decimal("-25"))
    assert (result.changed, result.skipped) == (1, 1)
    on_sale.refresh_from_db()
    plain.refresh_from_db()
    assert (on_sale.price, plain.price) == (Money("10.00", "USD"), Money("7.50", "USD"))
