"""The ledger's flat file: one row per entry, as the marketplaces' settlement files are, so every amount can be
traced to its order, SKU and cause. Text cells a spreadsheet would run as a formula are neutralised; amounts are
plain numbers (a credit is negative)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO, Any

from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog.spreadsheet.table import Column, table_xlsx_file
from catalog.spreadsheet.writer import format_amount, neutralise

from .models import Account, Journal
from .selectors import entry_export_rows
from .services.ledger import store_base_currency


class _Line:
    def write(self, text: str) -> str:
        return text


def _header() -> list[str]:
    return [_("Date"), _("Type"), _("Transaction"), _("Order number"), _("Site"), _("SKU"), _("Quantity"),
            _("Account"), _("Currency"), _("Amount"), _("Base currency"), _("Amount in the base currency"),
            _("Rate"), _("Rate date"), _("Description")]


def _values(entry: Any, base: str) -> list[Any]:
    """One entry's cells in the header's order."""
    return [
        timezone.localtime(entry.occurred_at).strftime("%Y-%m-%d %H:%M"), str(Journal.Kind(entry.kind).label),
        entry.journal.source, entry.order_number, entry.marketplace_code, entry.sku,
        "" if entry.quantity is None else str(entry.quantity), str(Account(entry.account).label), entry.currency,
        format_amount(entry.amount, entry.currency), base, format_amount(entry.base_amount, base),
        format(entry.fx_rate.normalize(), "f"), entry.fx_date.isoformat(), entry.journal.memo,
    ]


TEXT_COLUMNS = (2, 3, 5, 14)  # written by people or the marketplace: neutralised in the CSV


def entry_csv_lines(*, filters: dict[str, Any]) -> Iterator[str]:
    """The CSV text line by line, UTF-8 with a byte-order mark; the store, language and time zone of the request
    are put back around the rows while the response streams."""
    tenant = connection.tenant  # type: ignore[attr-defined]
    language, zone = translation.get_language(), timezone.get_current_timezone()
    base = store_base_currency()

    def lines() -> Iterator[str]:
        connection.set_tenant(tenant)  # type: ignore[attr-defined]
        with translation.override(language), timezone.override(zone):
            writer = csv.writer(_Line(), lineterminator="\r\n")
            yield "\ufeff" + writer.writerow(_header())
            for entry in entry_export_rows(filters=filters):
                row = _values(entry, base)
                yield writer.writerow([neutralise(cell) if index in TEXT_COLUMNS else cell
                                       for index, cell in enumerate(row)])

    return lines()


def entry_xlsx_file(*, filters: dict[str, Any]) -> IO[bytes]:
    """The same entries and columns as the CSV in a workbook: the date as a date in the store's time zone, amounts
    as numbers with their currency's decimals."""
    base = store_base_currency()
    kinds = {0: "date", 6: "integer", 9: "amount"}
    columns = [Column(title, kinds.get(index, "text"), 18 if index in (0, 2) else None)
               for index, title in enumerate(_header())]

    def rows() -> Iterator[tuple[list[Any], str]]:
        for entry in entry_export_rows(filters=filters):
            row = _values(entry, base)
            row[0] = timezone.localtime(entry.occurred_at).replace(tzinfo=None)
            row[6] = entry.quantity
            row[9] = entry.amount
            yield row, entry.currency

    return table_xlsx_file(title=_("Transactions"), columns=columns, rows=rows())
