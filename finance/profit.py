"""True profit, in the store's base currency: what buyers paid for each SKU (price and shipping, less discounts),
less every fee the marketplace charged, the refunds and the units' cost, by SKU, by order or by site, over a
period. Ledger amounts are converted at the rate of the day each happened (kept with the entry); unit costs at the
latest rate on or before the period's end."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, cast

from django.db.models import Case, DecimalField, IntegerField, Q, Sum, Value, When

from catalog.pricing import quantum
from catalog.selectors import variant_unit_costs
from sellercenter.errors import DomainError
from stores.fx import fx_rate

from .models import Account, Entry, JournalKind

A = Account
REVENUE = (A.SALES, A.SHIPPING)
FEES = (A.COMMISSION, A.CLOSING_FEE, A.FULFILMENT, A.STORAGE, A.REFUND_ADMIN, A.CONVERSION_FEE)
GROUPS = {"sku": "sku", "order": "order_number", "site": "marketplace_code"}
ROW_LIMIT = 500


@dataclass
class ProfitRow:
    key: str
    revenue: Decimal
    fees: Decimal
    refunds: Decimal
    units: int
    cost: Decimal | None  # None: a SKU sold has no unit cost
    net: Decimal
    margin: Decimal | None  # net / revenue, as a percentage


def _amount(accounts: tuple[str, ...], sign: int) -> Sum:
    return Sum(Case(When(account__in=accounts, then="base_amount"), default=Value(Decimal(0)),
                    output_field=DecimalField(max_digits=18, decimal_places=3)) * sign)


def profit_rows(*, by: str, start: dt.datetime, end: dt.datetime, base_currency: str) -> dict[str, Any]:
    """Rows of profit for each SKU, order or site with ledger entries in [start, end), largest revenue first (at
    most ROW_LIMIT), and their total. Units sold net of returned units refunded are not deducted: cost counts what
    left the warehouse."""
    field = GROUPS[by]
    # The payable balance and the tax the marketplace collects and remits are not the seller's income or cost.
    entries = Entry.objects.filter(occurred_at__gte=start, occurred_at__lt=end).exclude(
        account__in=[A.PAYABLE, A.TAX, A.MARKETPLACE_TAX])
    grouped = (entries.values(field).annotate(
        revenue=_amount(REVENUE, -1), fees=_amount(FEES, 1), refunds=_amount((A.REFUNDS,), 1),
        units=Sum(Case(When(Q(account=A.SALES, kind=JournalKind.SALE), then="quantity"), default=Value(0),
                       output_field=IntegerField())))
        .order_by("-revenue", field))
    # Each SKU's units per group, to cost them.
    units_by = (entries.filter(account=A.SALES, kind=JournalKind.SALE).exclude(sku="")
                .values(field, "sku").annotate(units=Sum("quantity")).order_by())
    sku_units: dict[str, dict[str, int]] = {}
    for row in units_by:
        sku_units.setdefault(row[field], {})[row["sku"]] = int(row["units"] or 0)
    skus = {sku for by_sku in sku_units.values() for sku in by_sku}
    unit_cost = _unit_costs_in(skus, base_currency=base_currency, on=(end - dt.timedelta(seconds=1)).date())
    step = quantum(base_currency)
    rows: list[ProfitRow] = []
    for row in grouped[:ROW_LIMIT]:
        key = row[field] or ""
        costs = [unit_cost.get(sku) for sku in sku_units.get(key, {})]
        cost = None if any(value is None for value in costs) else sum(
            # None is ruled out just above: every unit cost is known here.
            (cast(Decimal, unit_cost[sku]) * units for sku, units in sku_units.get(key, {}).items()), start=Decimal(0))
        cost = cost.quantize(step, rounding=ROUND_HALF_EVEN) if cost is not None else None
        revenue, fees, refunds = row["revenue"] or Decimal(0), row["fees"] or Decimal(0), row["refunds"] or Decimal(0)
        net = revenue - fees - refunds - (cost or Decimal(0))
        margin = (net * 100 / revenue).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN) if revenue else None
        rows.append(ProfitRow(key=key, revenue=revenue, fees=fees, refunds=refunds, units=int(row["units"] or 0),
                              cost=cost, net=net, margin=margin))
    total_revenue = sum((row.revenue for row in rows), start=Decimal(0))
    total_net = sum((row.net for row in rows), start=Decimal(0))
    total = ProfitRow(key="", revenue=total_revenue, fees=sum((row.fees for row in rows), start=Decimal(0)),
                      refunds=sum((row.refunds for row in rows), start=Decimal(0)),
                      units=sum(row.units for row in rows),
                      cost=sum((row.cost or Decimal(0) for row in rows), start=Decimal(0)), net=total_net,
                      margin=(total_net * 100 / total_revenue).quantize(Decimal("0.1")) if total_revenue else None)
    return {"rows": rows, "total": total, "uncosted": any(row.cost is None for row in rows),
            "truncated": grouped.count() > ROW_LIMIT}


def _unit_costs_in(skus: set[str], *, base_currency: str, on: dt.date) -> dict[str, Decimal | None]:
    """SKU -> unit cost in the base currency (None when the catalog has none, or no rate converts it)."""
    costs: dict[str, Decimal | None] = {}
    rates: dict[str, Decimal | None] = {}
    for sku, money in variant_unit_costs(skus=skus).items():
        if money is None:
            costs[sku] = None
            continue
        currency = str(money.currency)
        if currency not in rates:
            try:
                rates[currency] = fx_rate(from_currency=currency, to_currency=base_currency, on=on)[0]
            except DomainError:
                rates[currency] = None
        rate = rates[currency]
        costs[sku] = money.amount * rate if rate is not None else None
    for sku in skus - set(costs):
        costs[sku] = None
    return costs
