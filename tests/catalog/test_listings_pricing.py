"""Listing prices: currency exponents, the rounding rules, conversion, adjustments and sale windows.

Pure functions, so most of this is property tests over arbitrary amounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog import pricing
from catalog.models import Listing

CURRENCIES = ["USD", "EUR", "GBP", "CNY", "JPY", "KRW", "VND", "KWD", "BHD", "IDR"]
CHARM = [pricing.ENDING_99, pricing.ENDING_95]
UP_RULES = [pricing.ENDING_99, pricing.ENDING_95, pricing.WHOLE]

amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("10000000"), places=6, allow_nan=False,
                      allow_infinity=False)
currencies = st.sampled_from(CURRENCIES)
rules = st.sampled_from(pricing.RULES)


def test_the_rules_are_the_listing_rounding_choices() -> None:
    assert set(pricing.RULES) == set(Listing.Rounding.values)


@pytest.mark.parametrize(("currency", "exponent"), [("USD", 2), ("EUR", 2), ("CNY", 2), ("JPY", 0), ("KRW", 0),
                                                    ("KWD", 3), ("BHD", 3)])
def test_currency_exponent(currency: str, exponent: int) -> None:
    assert pricing.currency_exponent(currency) == exponent


@pytest.mark.parametrize(("amount", "currency", "rule", "expected"), [
    ("12.30", "USD", pricing.ENDING_99, "12.99"),
    ("12.99", "USD", pricing.ENDING_99, "12.99"),
    ("13.00", "USD", pricing.ENDING_99, "13.99"),
    ("12.991", "USD", pricing.ENDING_99, "13.99"),
    ("0.40", "USD", pricing.ENDING_99, "0.99"),
    ("12.96", "EUR", pricing.ENDING_95, "13.95"),
    ("12.95", "EUR", pricing.ENDING_95, "12.95"),
    ("1.2", "KWD", pricing.ENDING_99, "1.990"),
    ("1234.5", "JPY", pricing.ENDING_99, "1239"),
    ("1240", "JPY", pricing.ENDING_99, "1249"),
    ("1239", "JPY", pricing.ENDING_95, "1239"),
    ("3", "JPY", pricing.ENDING_99, "9"),
    ("12.01", "USD", pricing.WHOLE, "13.00"),
    ("12.00", "USD", pricing.WHOLE, "12.00"),
    ("1234.01", "JPY", pricing.WHOLE, "1235"),
    ("0.125", "USD", pricing.EXACT, "0.12"),  # half-even: ties go to the even cent
    ("0.135", "USD", pricing.EXACT, "0.14"),
    ("2.5", "JPY", pricing.EXACT, "2"),
    ("3.5", "JPY", pricing.EXACT, "4"),
    ("1.2345", "KWD", pricing.EXACT, "1.234"),
    ("0", "USD", pricing.ENDING_99, "0.00"),  # an empty price is not turned into 0.99
])
def test_rounding_examples(amount: str, currency: str, rule: str, expected: str) -> None:
    result = pricing.round_price(Decimal(amount), currency, rule)
    assert result == Decimal(expected)
    assert str(result) == expected  # carries the currency's exponent, no more, no fewer


def test_round_price_refuses_negative_amounts_and_unknown_rules() -> None:
    with pytest.raises(ValueError):
        pricing.round_price(Decimal("-1"), "USD", pricing.EXACT)
    with pytest.raises(ValueError):
        pricing.round_price(Decimal("1"), "USD", "nearest_dime")


@given(amount=amounts, currency=currencies, rule=rules)
def test_every_rule_gives_the_currency_exponent_and_is_idempotent(amount: Decimal, currency: str, rule: str) -> None:
    result = pricing.round_price(amount, currency, rule)
    assert result.as_tuple().exponent == -pricing.currency_exponent(currency)
    assert pricing.round_price(result, currency, rule) == result


@given(amount=amounts, currency=currencies)
def test_exact_is_within_half_a_step(amount: Decimal, currency: str) -> None:
    result = pricing.round_price(amount, currency, pricing.EXACT)
    assert abs(result - amount) <= pricing.quantum(currency) / 2


@given(amount=amounts.filter(lambda value: value > 0), currency=currencies, rule=st.sampled_from(UP_RULES))
def test_up_rules_never_go_below_the_amount_and_stay_within_one_step(amount: Decimal, currency: str,
                                                                      rule: str) -> None:
    result = pricing.round_price(amount, currency, rule)
    step = Decimal(1)
    if rule in CHARM:
        step, _offset = pricing.ending_step_and_offset(rule, currency)
    assert amount <= result
    assert result - amount < step


@given(amount=amounts.filter(lambda value: value > 0), currency=currencies, rule=st.sampled_from(CHARM))
def test_charm_prices_end_as_promised(amount: Decimal, currency: str, rule: str) -> None:
    result = pricing.round_price(amount, currency, rule)
    exponent = pricing.currency_exponent(currency)
    if exponent == 0:
        assert result % 10 == 9  # whole-unit currencies: ends in the digit 9
    else:
        ending = Decimal("0.99") if rule == pricing.ENDING_99 else Decimal("0.95")
        assert result % 1 == ending
    # ...and is the smallest such price: one step lower is below the amount.
    step, offset = pricing.ending_step_and_offset(rule, currency)
    assert result == offset or result - step < amount


@given(first=amounts, second=amounts, currency=currencies, rule=rules)
def test_rounding_keeps_the_order_of_prices(first: Decimal, second: Decimal, currency: str, rule: str) -> None:
    low, high = sorted((first, second))
    assert pricing.round_price(low, currency, rule) <= pricing.round_price(high, currency, rule)


@given(amount=amounts, currency=currencies, rule=rules,
       rate=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1000"), places=6))
def test_convert_multiplies_then_rounds_in_the_target_currency(amount: Decimal, currency: str, rule: str,
                                                               rate: Decimal) -> None:
    day = dt.date(2026, 11, 20)
    result = pricing.convert(amount, rate=rate, rate_date=day, to_currency=currency, rule=rule)
    assert result.unrounded == amount * rate
    assert result.amount == pricing.round_price(amount * rate, currency, rule)
    assert (result.currency, result.rate, result.rate_date) == (currency, rate, day)


def test_convert_example_cny_to_jpy_with_whole_yen() -> None:
    # 100 CNY at 20.5128 JPY per CNY is 2051.28 JPY: whole yen rounds up, the 9 ending goes to 2059.
    rate = Decimal("160") / Decimal("7.8")
    assert pricing.convert(Decimal("100"), rate=rate, rate_date=dt.date(2026, 1, 2), to_currency="JPY",
                           rule=pricing.WHOLE).amount == Decimal("2052")
    assert pricing.convert(Decimal("100"), rate=rate, rate_date=dt.date(2026, 1, 2), to_currency="JPY",
                           rule=pricing.ENDING_99).amount == Decimal("2059")


def test_convert_refuses_a_rate_of_zero() -> None:
    with pytest.raises(ValueError):
        pricing.convert(Decimal("1"), rate=Decimal(0), rate_date=dt.date(2026, 1, 1), to_currency="USD",
                        rule=pricing.EXACT)


@given(amount=amounts, currency=currencies, rule=rules,
       percent=st.decimals(min_value=Decimal("-100"), max_value=Decimal("500"), places=2))
def test_adjust_by_percent_never_goes_below_zero(amount: Decimal, currency: str, rule: str, percent: Decimal) -> None:
    result = pricing.adjust(amount, currency=currency, rule=rule, percent=percent)
    assert result >= 0
    assert result == pricing.round_price(max(amount * (1 + percent / 100), Decimal(0)), currency, rule)


@given(amount=amounts, currency=currencies, rule=rules,
       change=st.decimals(min_value=Decimal("-20000000"), max_value=Decimal("1000"), places=3))
def test_adjust_by_amount_never_goes_below_zero(amount: Decimal, currency: str, rule: str, change: Decimal) -> None:
    result = pricing.adjust(amount, currency=currency, rule=rule, change=change)
    assert result >= 0
    if amount + change <= 0:
        assert result == 0


def test_adjust_needs_exactly_one_way() -> None:
    with pytest.raises(ValueError):
        pricing.adjust(Decimal("1"), currency="USD", rule=pricing.EXACT)
    with pytest.raises(ValueError):
        pricing.adjust(Decimal("1"), currency="USD", rule=pricing.EXACT, percent=Decimal(1), change=Decimal(1))


NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.mark.parametrize(("start", "end", "on"), [
    (None, None, True),
    (NOW - HOUR, NOW + HOUR, True),
    (NOW, NOW + HOUR, True),  # the start is inclusive
    (NOW - HOUR, NOW, False),  # the end is exclusive
    (NOW + HOUR, None, False),
    (None, NOW - HOUR, False),
    (NOW - HOUR, None, True),
])
def test_effective_price_is_the_sale_price_inside_its_window(start: dt.datetime | None, end: dt.datetime | None,
                                                             on: bool) -> None:
    price, sale = Decimal("20.00"), Decimal("15.00")
    assert pricing.effective_price(price=price, sale_price=sale, sale_start=start, sale_end=end, now=NOW) == (
        sale if on else price)
    assert pricing.effective_price(price=price, sale_price=None, sale_start=start, sale_end=end, now=NOW) == price


@given(start=st.datetimes(timezones=st.just(dt.UTC)), length=st.timedeltas(min_value=dt.timedelta(seconds=1)),
       now=st.datetimes(timezones=st.just(dt.UTC)))
def test_sale_is_on_exactly_inside_the_window(start: dt.datetime, length: dt.timedelta, now: dt.datetime) -> None:
    try:
        end = start + length
    except OverflowError:
        return
    assert pricing.sale_is_on(sale_price=Decimal(1), sale_start=start, sale_end=end, now=now) == (start <= now < end)
