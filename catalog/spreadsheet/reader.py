"""Reading what sellers' spreadsheet programs really write: CSV in UTF-8 (with or without a byte-order mark),
GB18030/GBK (Excel on Chinese Windows) or UTF-16 ("Unicode text"), comma, semicolon or tab separated, CRLF line
ends, quoted cells with commas and line breaks; and XLSX workbooks. Anything else is refused with a message that
says what the file is and what to do instead.

The reader returns the header and the rows as tuples of strings (compact: a 100,000-row file stays well under
100 MB), with the apostrophe that our exports put before formula-like text taken off again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from sellercenter.errors import DomainError

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
# What a spreadsheet program would run as a formula; exports put an apostrophe before such text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ENCODINGS = ("utf-8-sig", "gb18030")
SIGNATURES = {
    b"\xd0\xcf\x11\xe0": "xls",
    b"%PDF": "pdf",
    b"\x89PNG": "image",
    b"\xff\xd8\xff": "image",
    b"GIF8": "image",
    b"\x1f\x8b": "archive",
    b"Rar!": "archive",
    b"7z\xbc\xaf": "archive",
}
CSV_FIELD_LIMIT = 1024 * 1024


class SpreadsheetError(DomainError):
    """The file cannot be read as a spreadsheet; nothing was imported."""

    def __init__(self, message: Any) -> None:
        super().__init__(message, field="file")


@dataclass
class Sheet:
    header: list[str]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    # The spreadsheet row number of each row (the header is row 1), for error messages.
    numbers: list[int] = field(default_factory=list)
    encoding: str = ""
    format: str = "csv"


def max_bytes() -> int:
    return int(getattr(settings, "CATALOG_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def check_size(size: int) -> None:
    limit = max_bytes()
    if size > limit:
        raise SpreadsheetError(_("The file is %(size)s; files of up to %(limit)s can be imported. Split it into "
                                 "smaller files.") % {"size": filesizeformat(size), "limit": filesizeformat(limit)})


def unescape(cell: str) -> str:
    """Take off the apostrophe our exports put before text a spreadsheet would run as a formula."""
    if cell[:1] == "'" and len(cell) > 1:
        rest = cell[1:]
        if rest[0] in FORMULA_STARTS or (rest[0] == "'" and rest[1:2] in FORMULA_STARTS):
            return rest
    return cell


def read_sheet(data: bytes, filename: str = "") -> Sheet:
    """The header and rows of a CSV or XLSX file. Raises SpreadsheetError for anything else."""
    check_size(len(data))
    if not data.strip():
        raise SpreadsheetError(_("The file is empty."))
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise SpreadsheetError(_("The file is named .xlsx but is not an Excel workbook. Save it again from your "
                                 "spreadsheet program as .xlsx or as CSV."))
    for signature, kind in SIGNATURES.items():
        if data.startswith(signature):
            if kind == "xls":
                raise SpreadsheetError(_("This is an old Excel 97-2003 (.xls) file. Save it as an Excel workbook "
                                         "(.xlsx) or as CSV UTF-8, then upload it again."))
            raise SpreadsheetError(_("This is not a spreadsheet (it looks like a %(kind)s file). Upload the "
                                     "template as CSV or XLSX.") % {"kind": kind})
    text, encoding = _decode(data)
    return _read_csv(text, encoding)


def _binary() -> SpreadsheetError:
    return SpreadsheetError(_("This is not a text (CSV) file or an Excel workbook; it may be a binary file renamed "
                              "to .csv. Upload the template as CSV or XLSX."))


def _decode(data: bytes) -> tuple[str, str]:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as error:
            raise _binary() from error
    if b"\x00" in data:
        raise _binary()
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:65536]
        controls = sum(1 for char in sample if char < " " and char not in "\t\r\n")
        if controls > max(2, len(sample) // 200):
            raise _binary()
        return text, "utf-8" if encoding == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf") else encoding
    raise SpreadsheetError(_("The file's text is neither UTF-8 nor GB18030/GBK. Save it as \"CSV UTF-8\" from "
                             "your spreadsheet program and upload it again."))


def _delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda key: counts[key])
    return best if counts[best] else ","


def _read_csv(text: str, encoding: str) -> Sheet:
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    sheet: Sheet | None = None
    try:
        for number, record in enumerate(reader, start=1):
            sheet = _add_record(sheet, record, number, "csv", encoding)
    except csv.Error as error:
        raise SpreadsheetError(_("The CSV file cannot be read at line %(line)s: a quote is not closed or a cell is "
                                 "malformed (%(error)s).") % {"line": reader.line_num, "error": error}) from error
    if sheet is None:
        raise SpreadsheetError(_("The file is empty."))
    return sheet


def _add_record(sheet: Sheet | None, record: list[str], number: int, kind: str, encoding: str = "") -> Sheet:
    """Add one record; the first non-empty one is the header. ``number`` is the row a spreadsheet program shows
    (records, not lines: a cell with line breaks is still one row)."""
    if sheet is None:
        if not any(cell.strip() for cell in record):
            return None  # type: ignore[return-value]
        header = [unescape(cell).strip().lstrip("\ufeff") for cell in record]
        while header and not header[-1]:
            header.pop()
        return Sheet(header=header, encoding=encoding, format=kind, numbers=[], rows=[])
    width = len(sheet.header)
    if len(record) > width:
        if any(cell.strip() for cell in record[width:]):
            raise SpreadsheetError(_("Row %(row)s has more cells than the header has columns. Check for a missing "
                                     "column name or a stray separator.") % {"row": number})
        record = record[:width]
    if not any(record):
        return sheet
    if len(record) < width:
        record = record + [""] * (width - len(record))
    sheet.rows.append(tuple(cell if cell[:1] != "'" else unescape(cell) for cell in record))
    sheet.numbers.append(number)
    return sheet


# --- XLSX ---------------------------------------------------------------------------------------------------------

def _read_xlsx(data: bytes) -> Sheet:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as error:
        raise SpreadsheetError(_("The file looks like a ZIP archive but cannot be opened. Save it again as .xlsx "
                                 "and upload it again.")) from error
    if "xl/workbook.xml" not in names:
        raise SpreadsheetError(_("This ZIP file is not an Excel workbook (.xlsx). Upload the template as CSV or "
                                 "XLSX."))
    if unpacked > max(15 * max_bytes(), 256 * 1024 * 1024):
        raise SpreadsheetError(_("The workbook is too large once unpacked. Split it into smaller files."))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise SpreadsheetError(_("The Excel workbook cannot be read (%(error)s). Save it again as .xlsx and "
                                 "upload it again.") % {"error": error}) from error
    try:
        sheets = [ws for ws in workbook.worksheets if ws.title.strip().casefold() != "definitions"]
        if not sheets:
            raise SpreadsheetError(_("The workbook has no sheet with data."))
        sheet: Sheet | None = None
        for number, values in enumerate(sheets[0].iter_rows(values_only=True), start=1):
            record = [_xlsx_text(value) for value in values]
            while record and record[-1] == "":
                record.pop()
            sheet = _add_record(sheet, record, number, "xlsx")
    finally:
        workbook.close()
    if sheet is None:
        raise SpreadsheetError(_("The workbook's first sheet is empty."))
    return sheet


def _xlsx_text(value: Any) -> str:
    """A cell's value as the text a person would have typed."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        text = value.strftime("%Y-%m-%d %H:%M")
        if value.second or value.microsecond:
            text += value.strftime(":%S")
        return text
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value)
