"""The order list as CSV or XLSX: one row per order, written as it is read, with the buyer masked unless the
reader may see buyers in lists (orders:manage). Text that a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import csv
import datetime as dt
import zoneinfo
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog.spreadsheet.table import Column, table_xlsx_file
from catalog.spreadsheet.writer import format_amount, neutralise

from .buyer_data import mask_email, mask_name
from .models import Order
from .selectors import order_export_rows


class _Line:
    """A file-like object for csv.writer that hands back what was written."""

    def write(self, text: str) -> str:
        return text


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _header() -> list[str]:
    return [_("Order number"), _("Status"), _("Site"), _("Fulfilment"), _("Ordered"), _("Ship by"), _("Buyer"),
            _("Buyer e-mail"), _("Buyer country"), _("SKUs"), _("Units"), _("Currency"), _("Items"),
            _("Shipping"), _("Tax"), _("Discount"), _("Total"), _("Carrier"), _("Tracking number"),
            _("Needs attention")]


def _row(order: Order, reveal: bool) -> list[str]:
    amount = format_amount
    return [
        order.number, str(Order.Status(order.status).label), order.marketplace.code,
        str(Order.Channel(order.channel).label), _when(order.placed_at), _when(order.ship_by),
        order.buyer_name if reveal else mask_name(order.buyer_name),
        order.buyer_email if reveal else mask_email(order.buyer_email), order.ship_country,
        "; ".join(f"{line['sku']} x {line['quantity']}" for line in order.line_list),  # type: ignore[attr-defined]
        str(order.units), order.currency,  # type: ignore[attr-defined]
        amount(order.items_total, order.currency), amount(order.shipping_total, order.currency),
        amount(order.tax_total, order.currency), amount(order.discount_total, order.currency),
        amount(order.grand_total, order.currency), order.carrier, order.tracking_number,
        str(Order.Attention(order.attention).label) if order.attention else "",
    ]


def order_csv_lines(*, filters: dict[str, Any], reveal: bool) -> Iterator[str]:
    """The CSV text line by line (UTF-8 with a byte-order mark so spreadsheet programs read Chinese right). The
    lines are written while the response streams, after the view has returned: the store, language and time
    zone of the request are taken now and put back around each batch."""
    tenant = connection.tenant  # type: ignore[attr-defined]
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def lines() -> Iterator[str]:
        connection.set_tenant(tenant)  # type: ignore[attr-defined]
        with translation.override(language), timezone.override(zone):
            writer = csv.writer(_Line(), lineterminator="\r\n")
            yield "\ufeff" + writer.writerow([neutralise(cell) for cell in _header()])
            for order in order_export_rows(filters=filters):
                yield writer.writerow([neutralise(cell) for cell in _row(order, reveal)])

    return lines()


# --- XLSX ---------------------------------------------------------------------------------------------------------

# The columns of ``_header()`` by what their cells hold (the others are text), and their widths.
XLSX_KINDS = {4: "date", 5: "date", 10: "integer", 12: "amount", 13: "amount", 14: "amount", 15: "amount",
              16: "amount"}
XLSX_WIDTHS = {0: 22, 4: 17, 5: 17, 6: 20, 7: 28, 9: 30, 18: 22}


def _local(value: dt.datetime | None, zone: dt.tzinfo) -> dt.datetime | None:
    """A spreadsheet has no time zones: the wall-clock time in the store's zone."""
    return timezone.localtime(value, zone).replace(tzinfo=None) if value else None


def _xlsx_values(order: Order, reveal: bool, zone: dt.tzinfo) -> list[Any]:
    """The CSV's columns, each as its own type: dates as dates, amounts and units as numbers."""
    row: list[Any] = _row(order, reveal)
    row[4], row[5] = _local(order.placed_at, zone), _local(order.ship_by, zone)
    row[10] = order.units  # type: ignore[attr-defined]
    amounts = (order.items_total, order.shipping_total, order.tax_total, order.discount_total, order.grand_total)
    for index, amount in zip((12, 13, 14, 15, 16), amounts, strict=True):
        row[index] = Decimal(amount)
    return row


def order_xlsx_file(*, filters: dict[str, Any], reveal: bool) -> IO[bytes]:
    """The same orders and columns as the CSV in a workbook (catalog.spreadsheet.table), the orders read a batch
    at a time. Dates are in the store's time zone; amounts are numbers shown with their currency's decimals, the
    currency in its own column."""
    store_zone = getattr(connection.tenant, "timezone", "")  # type: ignore[attr-defined]
    zone = zoneinfo.ZoneInfo(store_zone) if store_zone else timezone.get_current_timezone()
    columns = [Column(title, XLSX_KINDS.get(index, "text"), XLSX_WIDTHS.get(index))
               for index, title in enumerate(_header())]
    rows = ((_xlsx_values(order, reveal, zone), order.currency) for order in order_export_rows(filters=filters))
    return table_xlsx_file(title=_("Orders"), columns=columns, rows=rows)
