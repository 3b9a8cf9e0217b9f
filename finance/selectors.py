"""Reads of the ledger shaped for the finance pages: balances per currency, the transaction list (one row per
journal, its amounts by kind of account), its flat export (one row per entry), and one order's money."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Sum

from sellercenter.pagination import KeysetPage, keyset_page

from .models import Account, Balance, Entry, Journal

A = Account
# The transaction list's columns: what the buyer paid for, what the marketplace charged, what went back.
COLUMNS = {
    "charges": (A.SALES, A.SHIPPING),
    "fees": (A.COMMISSION, A.CLOSING_FEE, A.FULFILMENT, A.STORAGE, A.REFUND_ADMIN, A.CONVERSION_FEE),
    "refunds": (A.REFUNDS,),
    "other": (A.ADJUSTMENTS,),
}
TRANSACTION_PAGE_SIZE = 50


def balance_summary() -> list[dict[str, Any]]:
    """Per currency: available to pay out, held in reserve, payouts in progress."""
    by_currency: dict[str, dict[str, Any]] = defaultdict(lambda: {"available": Decimal(0), "reserve": Decimal(0),
                                                                  "in_progress": Decimal(0)})
    names = {A.PAYABLE: "available", A.RESERVE: "reserve", A.PAYOUTS_PENDING: "in_progress"}
    for balance in Balance.objects.filter(account__in=list(names)):
        by_currency[balance.currency][names[Account(balance.account)]] = balance.amount
    return [{"currency": currency, **amounts} for currency, amounts in sorted(by_currency.items())]


def _journals_filtered(filters: dict[str, Any]) -> QuerySet[Journal]:
    journals = Journal.objects.all()
    if filters.get("kind"):
        journals = journals.filter(kind=filters["kind"])
    if filters.get("date_from"):
        journals = journals.filter(occurred_at__gte=filters["date_from"])
    if filters.get("date_to"):
        journals = journals.filter(occurred_at__lt=filters["date_to"])
    if filters.get("order"):
        journals = journals.filter(order_number=filters["order"].strip().upper())
    if filters.get("site"):
        journals = journals.filter(marketplace_code=filters["site"])
    entries = Entry.objects.filter(journal_id=OuterRef("pk"))
    if filters.get("sku"):
        journals = journals.filter(Exists(entries.filter(sku=filters["sku"].strip())))
    if filters.get("currency"):
        journals = journals.filter(Exists(entries.filter(currency=filters["currency"])))
    return journals


def transaction_page(*, filters: dict[str, Any], cursor: str = "", direction: str = "next",
                     size: int = TRANSACTION_PAGE_SIZE) -> KeysetPage:
    """One page of journals, newest first, each with ``currency``, ``amounts`` (column -> amount, as the seller
    reads them: charges and refunds positive when money comes in) and ``net`` (what it did to the payable
    balance), and ``skus``. Two queries."""
    page = keyset_page(_journals_filtered(filters), order=("-occurred_at", "-id"), cursor=cursor,
                       direction=direction, size=size)
    rows = (Entry.objects.filter(journal_id__in=[journal.pk for journal in page.items])
            .values("journal_id", "account", "currency", "sku").annotate(total=Sum("amount")).order_by())
    details: dict[int, dict[str, Any]] = defaultdict(lambda: {"amounts": defaultdict(Decimal), "net": Decimal(0),
                                                              "skus": set(), "currency": ""})
    column_of: dict[str, str] = {account: column for column, accounts in COLUMNS.items() for account in accounts}
    for row in rows:
        detail = details[row["journal_id"]]
        detail["currency"] = row["currency"]
        if row["sku"]:
            detail["skus"].add(row["sku"])
        if row["account"] == A.PAYABLE:
            detail["net"] += row["total"]
        elif row["account"] in column_of:
            # Credits are income: shown with the sign the seller expects (a sale +, a fee -, a refund -).
            detail["amounts"][column_of[row["account"]]] -= row["total"]
    for journal in page.items:
        detail = details[journal.pk]
        journal.currency = detail["currency"]  # type: ignore[attr-defined]
        journal.amounts = dict(detail["amounts"])  # type: ignore[attr-defined]
        journal.net = detail["net"]  # type: ignore[attr-defined]
        journal.skus = sorted(detail["skus"])  # type: ignore[attr-defined]
    return page


def entry_export_rows(*, filters: dict[str, Any], batch: int = 2000) -> Iterator[Entry]:
    """Every entry of the filtered journals, newest journal first, walked by key in batches."""
    journals = _journals_filtered(filters)
    cursor = ""
    while True:
        page = keyset_page(journals, order=("-occurred_at", "-id"), cursor=cursor, size=batch)
        entries = Entry.objects.filter(journal_id__in=[journal.pk for journal in page.items]).select_related(
            "journal").order_by("-occurred_at", "-journal_id", "id")
        if filters.get("sku"):
            entries = entries.filter(sku=filters["sku"].strip())
        yield from entries
        if not page.has_next:
            return
        cursor = page.next_cursor


def order_money(*, order_id: int) -> dict[str, Any]:
    """One order's money as posted so far, in its currency: ``rows`` of (account label, amount as the seller reads
    it: sales positive, fees and refunds negative), and the ``net`` payable. The tax the buyer paid shows twice,
    collected and remitted by the marketplace, so that it adds nothing to the net."""
    totals = {row["account"]: row["total"] for row in Entry.objects.filter(order_id_ref=order_id)
              .values("account").annotate(total=Sum("amount")).order_by()}
    currency = Entry.objects.filter(order_id_ref=order_id).values_list("currency", flat=True).first() or ""
    hidden = {A.PAYABLE}
    rows = [(label, -totals[account]) for account, label in Account.choices
            if totals.get(account) and account not in hidden]
    return {"rows": rows, "currency": currency, "posted": bool(totals), "net": totals.get(A.PAYABLE, Decimal(0))}
