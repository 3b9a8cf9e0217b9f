"""The ledger's flat file: one row per entry, as the marketplaces' settlement files are, so every amount can be
traced to its order, SKU and cause. Text cells a spreadsheet would run as a formula are neutralised; amounts are
plain numbers (a credit is negative)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

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
                yield writer.writerow([
                    timezone.localtime(entry.occurred_at).strftime("%Y-%m-%d %H:%M"),
                    str(Journal.Kind(entry.kind).label), neutralise(entry.journal.source),
                    neutralise(entry.order_number), entry.marketplace_code, neutralise(entry.sku),
                    "" if entry.quantity is None else str(entry.quantity), str(Account(entry.account).label),
                    entry.currency, format_amount(entry.amount, entry.currency), base,
                    format_amount(entry.base_amount, base), format(entry.fx_rate.normalize(), "f"),
                    entry.fx_date.isoformat(), neutralise(entry.journal.memo),
                ])

    return lines()
