"""Posting to the ledger: one journal transaction per event, balanced, in one currency, with each amount also in
the store's base currency at the FX rate of the day it happened. Posting is idempotent by the event's ``source``:
the database's unique key refuses a second journal for it, and the second posting returns None."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from catalog.pricing import quantum
from stores.fx import fx_rate
from stores.models import Store

from ..models import Balance, Entry, Journal


@dataclass(frozen=True)
class Line:
    """One amount of a journal: positive debits ``account``, negative credits it."""

    account: str
    amount: Decimal
    sku: str = ""
    quantity: int | None = None


class Unbalanced(ValueError):
    """The lines of a journal do not add up to zero: a bug in the caller, never the seller's input."""


def _merged(lines: Iterable[Line]) -> list[Line]:
    """Lines of the same account and SKU added together; zero amounts dropped."""
    totals: dict[tuple[str, str], tuple[Decimal, int | None]] = {}
    for line in lines:
        amount, quantity = totals.get((line.account, line.sku), (Decimal(0), None))
        if line.quantity is not None:
            quantity = (quantity or 0) + line.quantity
        totals[(line.account, line.sku)] = (amount + line.amount, quantity)
    return [Line(account, amount, sku, quantity) for (account, sku), (amount, quantity) in totals.items() if amount]


def journal_post(*, kind: str, source: str, currency: str, lines: Iterable[Line], occurred_at: dt.datetime,
                 order: Any = None, marketplace_code: str = "", memo: str = "",
                 reverses: Journal | None = None) -> Journal | None:
    """Post ``lines`` as one journal transaction of ``kind``. Returns None when ``source`` was posted before.

    The lines must balance (their sum is zero); amounts must already be rounded to the currency's exponent.
    Amounts in the base currency are rounded half-even to its exponent, with the rate and its date kept."""
    lines = _merged(lines)
    if sum((line.amount for line in lines), start=Decimal(0)) != 0:
        raise Unbalanced(f"{source}: {lines}")
    step = quantum(currency)
    if any(line.amount != line.amount.quantize(step) for line in lines) or not lines:
        raise Unbalanced(f"{source}: amounts not in {currency}'s units, or nothing to post")
    base_currency = store_base_currency()
    rate, rate_date = fx_rate(from_currency=currency, to_currency=base_currency, on=occurred_at.date())
    base_step = quantum(base_currency)
    try:
        with transaction.atomic():
            journal = Journal.objects.create(
                kind=kind, source=source, order=order, order_number=getattr(order, "number", ""),
                marketplace_code=marketplace_code, occurred_at=occurred_at, posted_at=timezone.now(),
                memo=memo[:255], reverses=reverses)
            Entry.objects.bulk_create([
                Entry(journal=journal, account=line.account, currency=currency, amount=line.amount,
                      base_amount=(line.amount * rate).quantize(base_step, rounding=ROUND_HALF_EVEN),
                      fx_rate=rate.quantize(Decimal("1e-10")), fx_date=rate_date, kind=kind, occurred_at=occurred_at,
                      order_id_ref=getattr(order, "pk", None), order_number=journal.order_number,
                      marketplace_code=marketplace_code, sku=line.sku, quantity=line.quantity)
                for line in lines])
            _balances_add(currency, lines)
    except IntegrityError:
        if Journal.objects.filter(source=source).exists():
            return None
        raise
    return journal


def store_base_currency() -> str:
    """The base currency of the store whose schema is active."""
    tenant = connection.tenant  # type: ignore[attr-defined]
    if getattr(tenant, "base_currency", None):
        return str(tenant.base_currency)
    return str(Store.objects.values_list("base_currency", flat=True).get(
        schema_name=connection.schema_name))  # type: ignore[attr-defined]


def _balances_add(currency: str, lines: list[Line]) -> None:
    by_account: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        by_account[line.account] += line.amount
    table = connection.ops.quote_name(Balance._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (account, currency, amount) VALUES (%s, %s, %s) "  # noqa: S608 - our table name
            f"ON CONFLICT (account, currency) DO UPDATE SET amount = {table}.amount + EXCLUDED.amount",
            [(account, currency, amount) for account, amount in sorted(by_account.items())])


def journal_reverse(*, journal: Journal, source: str, memo: str = "") -> Journal | None:
    """Correct a journal by posting its opposite; the journal itself stays as it was."""
    entries = list(journal.entries.order_by("id"))
    return journal_post(
        kind=Journal.Kind.REVERSAL, source=source, currency=entries[0].currency,
        lines=[Line(entry.account, -entry.amount, entry.sku, entry.quantity) for entry in entries],
        occurred_at=timezone.now(), order=journal.order, marketplace_code=journal.marketplace_code,
        memo=memo or f"Reverses {journal.source}", reverses=journal)
