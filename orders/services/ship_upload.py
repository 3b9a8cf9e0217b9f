"""Mark orders shipped from a spreadsheet of order number, carrier and tracking number: each row passes the same
service as the order page, and each row's outcome is reported with its row number, as the catalog import does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from audit.services import activity_record
from catalog.spreadsheet.reader import Sheet
from sellercenter.errors import DomainError

from ..models import Order
from .fulfilment import order_mark_shipped

# A file is worked while the person waits; more rows than this belong in several files.
SHIP_UPLOAD_MAX_ROWS = 500
COLUMNS = {"number": "Order number", "carrier": "Carrier", "tracking_number": "Tracking number"}


@dataclass
class ShipRow:
    row: int
    number: str
    ok: bool
    message: str = ""


@dataclass
class ShipUploadResult:
    rows: list[ShipRow] = field(default_factory=list)

    @property
    def shipped(self) -> int:
        return sum(row.ok for row in self.rows)

    @property
    def failed(self) -> int:
        return sum(not row.ok for row in self.rows)


def _names(english: str) -> set[str]:
    """A column's heading as the template writes it in each language, compared without case or spaces."""
    names = {english}
    for language in ("zh-hans",):
        with translation.override(language):
            names.add(_(english))
    return {name.casefold().replace(" ", "") for name in names}


def _positions(header: list[str]) -> dict[str, int]:
    found = {cell.casefold().replace(" ", ""): index for index, cell in enumerate(header)}
    positions: dict[str, int] = {}
    for key, english in COLUMNS.items():
        index = next((found[name] for name in _names(english) if name in found), None)
        if index is None:
            raise DomainError(_("The file has no “%(column)s” column. Its first row must name the columns: "
                                "Order number, Carrier, Tracking number.") % {"column": _(english)}, field="file")
        positions[key] = index
    return positions


def orders_ship_from_sheet(*, actor: Any, sheet: Sheet) -> ShipUploadResult:
    """Mark every open unit of each row's order shipped with the row's carrier and tracking number. A row that
    cannot be (unknown order, blank cell, a status that cannot ship) is reported and the others go ahead."""
    positions = _positions(sheet.header)
    if len(sheet.rows) > SHIP_UPLOAD_MAX_ROWS:
        raise DomainError(_("The file has %(count)s rows; upload at most %(max)s at a time.")
                          % {"count": len(sheet.rows), "max": SHIP_UPLOAD_MAX_ROWS}, field="file")

    def cell(values: tuple[str, ...], key: str) -> str:
        index = positions[key]
        return values[index].strip() if index < len(values) else ""

    numbers = {cell(values, "number").upper() for values in sheet.rows}
    orders = {order.number: order for order in Order.objects.filter(number__in=numbers).only("id", "number")}
    result = ShipUploadResult()
    for row_number, values in zip(sheet.numbers, sheet.rows, strict=True):
        number = cell(values, "number").upper()
        order = orders.get(number)
        if not number:
            result.rows.append(ShipRow(row_number, number, False, _("The order number is blank.")))
            continue
        if order is None:
            result.rows.append(ShipRow(row_number, number, False, _("The store has no order %(number)s.")
                                       % {"number": number}))
            continue
        try:
            order_mark_shipped(actor=actor, order=order, carrier=cell(values, "carrier"),
                               tracking_number=cell(values, "tracking_number"))
        except DomainError as error:
            result.rows.append(ShipRow(row_number, number, False, str(error.message)))
        else:
            result.rows.append(ShipRow(row_number, number, True))
    with transaction.atomic():
        activity_record(actor=actor, action="orders.shipped_from_file",
                        target_repr=", ".join(row.number for row in result.rows if row.ok)[:200],
                        changes={"shipped": [None, result.shipped], "failed": [None, result.failed]})
    return result
