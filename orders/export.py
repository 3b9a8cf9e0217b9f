"""The order list as CSV: one row per order, written as it is read, with the buyer masked unless the reader may
see buyers in lists (orders:manage). Text that a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

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
