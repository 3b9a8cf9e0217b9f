"""A plain table as an XLSX workbook, for the exports of lists (orders, ledger entries): one header row in bold,
then one row per record, each cell of its column's kind — dates as dates, amounts as numbers shown with their
currency's decimals, integers as numbers, everything else as text that never runs as a formula. openpyxl's
write-only mode writes each row as it comes, into a temporary file that moves to disk past 8 MB, so memory stays
flat however many rows there are."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from ..pricing import currency_exponent
from .writer import neutralise

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "text"  # text, date (naive, already in the reader's time zone), amount or integer
    width: int | None = None


def _amount_format(currency: str, cache: dict[str, str]) -> str:
    if currency not in cache:
        exponent = currency_exponent(currency)
        cache[currency] = "#,##0" + ("." + "0" * exponent if exponent else "")
    return cache[currency]


def table_xlsx_file(*, title: str, columns: Sequence[Column], rows: Iterable[tuple[Sequence[Any], str]]) -> IO[bytes]:
    """The workbook in a temporary file positioned at 0. ``rows`` are (values in the columns' order, the currency
    of the row's amounts)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns):
        sheet.column_dimensions[get_column_letter(index + 1)].width = column.width or max(len(column.title) + 4, 12)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FFF4E6")

    def text(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=neutralise(value))
        cell.data_type = "s"
        return cell

    header = []
    for column in columns:
        cell = text(column.title)
        cell.font, cell.fill = bold, fill
        header.append(cell)
    sheet.append(header)
    formats: dict[str, str] = {}
    for values, currency in rows:
        cells: list[Any] = []
        for column, value in zip(columns, values, strict=True):
            if value is None or value == "":
                cells.append(None)
            elif column.kind in ("date", "amount"):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = DATE_FORMAT if column.kind == "date" else _amount_format(currency, formats)
                cells.append(cell)
            elif column.kind == "integer":
                cells.append(value)
            else:
                cells.append(text(str(value)))
        sheet.append(cells)
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(spool)
    spool.seek(0)
    return spool
