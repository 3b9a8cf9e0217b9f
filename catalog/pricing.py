"""Listing prices: converting between currencies, the rounding rules of ``Listing.Rounding``, sale windows and
price adjustments. Pure functions of their arguments (no database, no clock): the services look up the FX rate
and the time and pass them in, so every rule here can be property-tested.

Exponent. A currency's exponent is the number of decimals its prices are shown and rounded with, taken from
CLDR through Babel (USD 2, JPY 0, KWD 3) -- the same digits the ``money`` template filter prints, so a stored
price is exactly the price a buyer sees. CLDR differs from the ISO 4217 table for a few currencies that are not
priced in their minor unit in practice (IDR, HUF: whole units), which is also how the marketplaces price them.

Rounding rules (``Listing.Rounding``):

* EXACT: to the currency's exponent, half-even (banker's rounding), so that rounding many prices does not drift
  upwards on average.
* ENDING_99 / ENDING_95: the smallest price at or above the amount whose decimals are .99 / .95 (12.30 -> 12.99,
  12.99 -> 12.99, 13.00 -> 13.99). For a three-decimal currency that is .990 / .950. For a currency without
  decimals (JPY, KRW, VND) both rules mean "ends in 9 of whole units": the smallest whole amount ending in the
  digit 9 at or above the amount (1,234.5 -> 1,239; 1,240 -> 1,249), because ".99 yen" does not exist and a
  trailing 9 is the charm-price convention there. For a one-decimal currency the ending is .9.
* WHOLE: rounded up to a whole unit (12.01 -> 13.00), never down, so the seller never receives less than the
  converted amount.

Every rule except EXACT rounds up: the result is never below the amount and less than one step (one unit, ten
units for the whole-unit 9 endings) above it. Zero stays zero: an empty price is not turned into 0.99.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

from babel.numbers import get_currency_precision

EXACT = "exact"
ENDING_99 = "ending_99"
ENDING_95 = "ending_95"
WHOLE = "whole"
RULES = (EXACT, ENDING_99, ENDING_95, WHOLE)


@functools.lru_cache(maxsize=256)
def currency_exponent(currency: str) -> int:
    """Decimals of a currency's prices (CLDR, through Babel): USD 2, JPY 0, KWD 3."""
    return int(get_currency_precision(currency))


def quantum(currency: str) -> Decimal:
    """The smallest step of a currency's prices: 0.01 for USD, 1 for JPY, 0.001 for KWD."""
    return Decimal(1).scaleb(-currency_exponent(currency))


def round_exact(amount: Decimal, currency: str) -> Decimal:
    """To the currency's exponent, half-even."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_EVEN)


def _ceil(amount: Decimal, step: Decimal) -> Decimal:
    return (amount / step).to_integral_value(rounding=ROUND_CEILING) * step


def ending_step_and_offset(rule: str, currency: str) -> tuple[Decimal, Decimal]:
    """For a charm-price rule, the step between candidate prices and the ending within a step.

    Candidates are ``k * step + offset`` for whole ``k >= 0``: 0.99, 1.99, ... for ENDING_99 in USD;
    9, 19, 29, ... for either ending in JPY.
    """
    exponent = currency_exponent(currency)
    if exponent == 0:
        return Decimal(10), Decimal(9)
    if exponent == 1:
        return Decimal(1), Decimal("0.9")
    ending = Decimal("0.99") if rule == ENDING_99 else Decimal("0.95")
    return Decimal(1), ending.quantize(quantum(currency))


def round_price(amount: Decimal, currency: str, rule: str) -> Decimal:
    """Apply a rounding rule of ``Listing.Rounding`` to an amount in ``currency`` (see the module docstring)."""
    if rule not in RULES:
        raise ValueError(f"Unknown rounding rule: {rule!r}")
    if amount < 0:
        raise ValueError("A price cannot be negative.")
    places = quantum(currency)
    if rule == EXACT or amount == 0:
        return round_exact(amount, currency)
    if rule == WHOLE:
        return _ceil(amount, Decimal(1)).quantize(places)
    step, offset = ending_step_and_offset(rule, currency)
    if amount <= offset:
        return offset.quantize(places)
    return (_ceil(amount - offset, step) + offset).quantize(places)


@dataclass(frozen=True)
class Conversion:
    """A converted price and what it was made from, so the caller can show and record the rate and its date."""

    amount: Decimal  # rounded, in ``currency``
    currency: str
    unrounded: Decimal
    rate: Decimal
    rate_date: dt.date


def convert(amount: Decimal, *, rate: Decimal, rate_date: dt.date, to_currency: str, rule: str) -> Conversion:
    """``amount`` times ``rate`` (units of ``to_currency`` per unit of the source currency, as of ``rate_date``),
    rounded with ``rule`` in the target currency."""
    if rate <= 0:
        raise ValueError("An FX rate must be above zero.")
    unrounded = amount * rate
    return Conversion(round_price(unrounded, to_currency, rule), to_currency, unrounded, rate, rate_date)


def adjust(amount: Decimal, *, currency: str, rule: str, percent: Decimal | None = None,
           change: Decimal | None = None) -> Decimal:
    """A price moved by a percentage (``percent=-10`` is 10 % off) or by an amount in its own currency, never below
    zero, then rounded with ``rule``."""
    if (percent is None) == (change is None):
        raise ValueError("Give either a percentage or an amount.")
    moved = amount * (1 + percent / 100) if percent is not None else amount + change  # type: ignore[operator]
    return round_price(max(moved, Decimal(0)), currency, rule)


def sale_is_on(*, sale_price: Decimal | None, sale_start: dt.datetime | None, sale_end: dt.datetime | None,
               now: dt.datetime) -> bool:
    """Whether a sale price applies at ``now``: start inclusive, end exclusive, an empty bound is open."""
    if sale_price is None:
        return False
    return (sale_start is None or sale_start <= now) and (sale_end is None or now < sale_end)


def effective_price(*, price: Decimal | None, sale_price: Decimal | None, sale_start: dt.datetime | None,
                    sale_end: dt.datetime | None, now: dt.datetime) -> Decimal | None:
    """What a buyer pays at ``now``: the sale price inside its window, the price otherwise."""
    if sale_is_on(sale_price=sale_price, sale_start=sale_start, sale_end=sale_end, now=now):
        return sale_price
    return price
