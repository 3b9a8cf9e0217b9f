"""Writing spreadsheets: the template and its definitions, the export of the whole catalog in the template's
columns (so that exporting and importing again changes nothing), and the error report.

CSV is UTF-8 with a byte-order mark (without one, Excel on Chinese Windows reads UTF-8 as GBK and garbles the
titles) and CRLF line ends. Text a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
return) gets an apostrophe in front, in every file we write; the reader takes it off again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Listing, Product, ProductContent, Stock, Variant
from ..pricing import currency_exponent
from .columns import CLEAR, PRODUCT, VARIANT, Column, Template
from .reader import FORMULA_STARTS
from .validate import error_text

EXPORT_PRODUCTS_PER_QUERY = 1000


def neutralise(value: str) -> str:
    """Text that cannot run as a formula when the file is opened in a spreadsheet program. Text that already
    starts with an apostrophe before such a character gets one more, so the reader gives back exactly what was
    written."""
    if value and (value[0] in FORMULA_STARTS or (value[0] == "'" and value[1:2] in FORMULA_STARTS and value[1:2])):
        return "'" + value
    return value


# --- Files --------------------------------------------------------------------------------------------------------

def csv_file(header: list[str], rows: Iterable[Iterable[str]]) -> IO[bytes]:
    """A CSV file (UTF-8 with BOM, CRLF) in a temporary file that spills to disk when large; positioned at 0."""
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    text = io.TextIOWrapper(spool, encoding="utf-8-sig", newline="")  # type: ignore[arg-type]
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    text.flush()
    text.detach()
    spool.seek(0)
    return spool


def csv_bytes(header: list[str], rows: Iterable[Iterable[str]]) -> bytes:
    return csv_file(header, rows).read()


def xlsx_bytes(sheets: list[tuple[str, list[str], Iterable[Iterable[Any]], dict[int, str]]]) -> bytes:
    """A workbook with one sheet per (title, header, rows, {column index: "number" | "text"}).

    Strings are always written as text cells, never as formulas; columns marked "number" hold numbers where the
    cell is one, so that Excel can sum prices and stock.
    """
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = openpyxl.Workbook(write_only=True)
    for title, header, rows, kinds in sheets:
        sheet = workbook.create_sheet(title)
        sheet.freeze_panes = "A2"
        for index, key in enumerate(header, start=1):
            letter = openpyxl.utils.get_column_letter(index)
            sheet.column_dimensions[letter].width = min(max(len(key) + 4, 14), 60)
        bold, fill = Font(bold=True), PatternFill("solid", fgColor="FFF4E6")
        header_cells = []
        for key in header:
            cell = WriteOnlyCell(sheet, value=neutralise(key))
            cell.font, cell.fill = bold, fill
            header_cells.append(cell)
        sheet.append(header_cells)
        wrap = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            cells: list[Any] = []
            for index, value in enumerate(row):
                if value == "" or value is None:
                    cells.append(None)
                    continue
                if kinds.get(index) == "number" and isinstance(value, str) and _is_number(value):
                    cells.append(int(value) if value.isdigit() else Decimal(value))
                    continue
                cell = WriteOnlyCell(sheet, value=neutralise(str(value)))
                cell.data_type = "s"
                if "\n" in str(value):
                    cell.alignment = wrap
                cells.append(cell)
            sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _is_number(value: str) -> bool:
    if not value or len(value) > 15:
        return False
    head, _dot, tail = value.partition(".")
    return head.isdigit() and (not tail or tail.isdigit()) and (head == "0" or not head.startswith("0"))


def column_kinds(columns: list[Column]) -> dict[int, str]:
    return {index: "number" for index, column in enumerate(columns) if column.kind in ("integer", "money")}


# --- Template and definitions -------------------------------------------------------------------------------------

def definitions_rows(template: Template) -> tuple[list[str], list[list[str]]]:
    header = [_("Column"), _("Required"), _("Format"), _("Allowed values"), _("To empty it"), _("Description")]
    rows = [[d["column"], d["required"], d["format"], d["allowed"], d["clear"], d["description"]]
            for d in map(template.describe, template.columns)]
    notes = [
        _("One row per SKU. Rows with the same product_code are the variants of one product; a product's own columns "
          "(brand, category, content...) can repeat on each of its rows or be filled in on one row only."),
        _("An empty cell keeps what is stored. To empty an optional field, write %(clear)s in the cell.")
        % {"clear": CLEAR},
        _("Every row is checked first; you see what would be created, updated and left unchanged, and each error "
          "with its row and column, before anything changes. A product is imported with all its rows or not at all."),
        _("Text starting with = + - or @ is written with an apostrophe in front so that spreadsheet programs do not "
          "run it as a formula; the apostrophe is taken off on import."),
        _("Save CSV files as \"CSV UTF-8\"; files from Excel on Chinese Windows (GB18030/GBK) are read as well."),
    ]
    rows += [[""] * len(header)] + [[_("Note"), "", "", "", "", note] for note in notes]
    return header, rows


def template_csv(template: Template) -> bytes:
    return csv_bytes([column.key for column in template.columns], [])


def definitions_csv(template: Template) -> bytes:
    header, rows = definitions_rows(template)
    return csv_bytes(header, rows)


def template_xlsx(template: Template, rows: Iterable[Iterable[str]] = ()) -> bytes:
    header = [column.key for column in template.columns]
    definitions_header, definitions = definitions_rows(template)
    return xlsx_bytes([
        (_("Catalog"), header, rows, column_kinds(template.columns)),
        ("Definitions", definitions_header, definitions, {}),
    ])


# --- Export -------------------------------------------------------------------------------------------------------

def format_amount(amount: Decimal, currency: str) -> str:
    """An amount with its currency's decimals when that loses nothing (19.990 -> 19.99), else all of them."""
    step = Decimal(1).scaleb(-currency_exponent(currency))
    quantized = amount.quantize(step)
    return format(quantized if quantized == amount else amount.normalize(), "f")


def _format_money(amount: Decimal | None, currency: str | None, column: Column) -> str:
    if amount is None:
        return ""
    text = format_amount(amount, currency or column.currency)
    return text if not currency or currency == column.currency else f"{text} {currency}"


def format_datetime(value: dt.datetime | None, template: Template) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value, template.timezone)
    text = local.strftime("%Y-%m-%d %H:%M")
    if local.microsecond:
        return text + local.strftime(":%S.%f")
    return text + local.strftime(":%S") if local.second else text


def export_languages() -> list[str]:
    """Every language the catalog has content in, so that the export holds all of it."""
    return list(ProductContent.objects.order_by().values_list("language", flat=True).distinct())


def export_rows(template: Template, *, progress: Any = None) -> Iterator[list[str]]:
    """Every SKU in the template's columns, product by product, a thousand products per set of queries.
    Products without a SKU have no row (a row needs a SKU)."""
    columns = template.columns
    sites = {site.id: site for site in template.sites.values()}
    warehouses = {warehouse_id: code for code, (warehouse_id, _name) in template.warehouses.items()}
    languages = set(template.languages)
    position = {column.key: index for index, column in enumerate(columns)}
    product_ids = list(Product.objects.order_by("code").values_list("pk", flat=True))
    total, done = len(product_ids), 0
    for start in range(0, total, EXPORT_PRODUCTS_PER_QUERY):
        ids = product_ids[start:start + EXPORT_PRODUCTS_PER_QUERY]
        products = {p.pk: p for p in Product.objects.filter(pk__in=ids).only(
            "code", "status", "brand", "category_id", "variation_theme", "hs_code", "country_of_origin")}
        contents: dict[int, list[ProductContent]] = {}
        for content in ProductContent.objects.filter(product_id__in=ids, language__in=languages):
            contents.setdefault(content.product_id, []).append(content)
        variants = list(Variant.objects.filter(product_id__in=ids).order_by("sku"))
        variant_ids = [variant.pk for variant in variants]
        listings: dict[int, list[Listing]] = {}
        for listing in Listing.objects.filter(variant_id__in=variant_ids, marketplace_id__in=sites):
            listings.setdefault(listing.variant_id, []).append(listing)
        stock: dict[int, list[tuple[int, int]]] = {}
        for variant_id, warehouse_id, on_hand in Stock.objects.filter(
                variant_id__in=variant_ids, warehouse_id__in=warehouses).values_list(
                "variant_id", "warehouse_id", "on_hand"):
            stock.setdefault(variant_id, []).append((warehouse_id, on_hand))
        by_product: dict[int, list[Variant]] = {}
        for variant in variants:
            by_product.setdefault(variant.product_id, []).append(variant)
        for product_id in ids:
            product = products[product_id]
            shared = [""] * len(columns)
            _fill_product(shared, product, columns, template)
            for content in contents.get(product_id, ()):
                for name in ("title", "bullets", "description", "keywords"):
                    key = f"{name}_{content.language}"
                    if key in position:
                        value = getattr(content, name)
                        shared[position[key]] = "\n".join(b for b in value if b and b.strip()) \
                            if name == "bullets" else value
            for variant in by_product.get(product_id, ()):
                row = list(shared)
                _fill_variant(row, variant, columns, product.variation_theme or [])
                for listing in listings.get(variant.pk, ()):
                    site = sites[listing.marketplace_id]
                    _fill_listing(row, listing, site.code, position, template)
                for warehouse_id, on_hand in stock.get(variant.pk, ()):
                    row[position[f"stock_{warehouses[warehouse_id]}"]] = str(on_hand)
                yield row
        done += len(ids)
        if progress is not None:
            progress(done, total)


def _fill_product(row: list[str], product: Product, columns: list[Column], template: Template) -> None:
    for index, column in enumerate(columns):
        if column.scope != PRODUCT:
            continue
        if column.field == "category":
            row[index] = template.category_codes.get(product.category_id, "") if product.category_id else ""
        elif column.field == "variation_theme":
            row[index] = "|".join(product.variation_theme or [])
        else:
            row[index] = str(getattr(product, column.field) or "")


def _fill_variant(row: list[str], variant: Variant, columns: list[Column], theme: list[str]) -> None:
    for index, column in enumerate(columns):
        if column.scope != VARIANT:
            continue
        value: Any = getattr(variant, column.field)
        if column.kind == "money":
            row[index] = "" if value is None else _format_money(value.amount, value.currency.code, column)
        elif column.field == "options":
            # In the order of the variation theme (the database keeps no key order), then by name.
            order = {name: position for position, name in enumerate(theme)}
            names = sorted(value or {}, key=lambda name: (order.get(name, len(order)), name))
            row[index] = "|".join(f"{name}={value[name]}" for name in names)
        else:
            row[index] = "" if value is None else str(value)


def _fill_listing(row: list[str], listing: Listing, site: str, position: dict[str, int],
                  template: Template) -> None:
    prices: tuple[tuple[str, Any], ...] = (("price", listing.price), ("sale_price", listing.sale_price))
    for prefix, value in prices:
        column = template.column(f"{prefix}_{site}")
        assert column is not None
        row[position[column.key]] = "" if value is None else _format_money(value.amount, value.currency.code, column)
    row[position[f"sale_start_{site}"]] = format_datetime(listing.sale_start, template)
    row[position[f"sale_end_{site}"]] = format_datetime(listing.sale_end, template)
    row[position[f"status_{site}"]] = listing.wanted_status


# --- Error report -------------------------------------------------------------------------------------------------

def report_csv(sheet_header: list[str], rows: list[tuple[str, ...]], numbers: list[int],
               errors: list[tuple[int, str, str, dict[str, Any]]]) -> bytes:
    """One line per error: the row, its SKU, the column, what the cell says, and what is wrong, in the active
    language."""
    import bisect

    folded = {key.strip().casefold(): index for index, key in enumerate(sheet_header)}
    sku_index = folded.get("sku")

    def lines() -> Iterator[list[str]]:
        for number, column_key, code, params in errors:
            index = bisect.bisect_left(numbers, number)
            cells = rows[index] if index < len(numbers) and numbers[index] == number else ()
            cell_index = folded.get(column_key.casefold())
            yield [
                str(number),
                cells[sku_index].strip() if cells and sku_index is not None else "",
                column_key,
                cells[cell_index] if cells and cell_index is not None else "",
                error_text(code, params),
            ]

    return csv_bytes([_("Row"), _("SKU"), _("Column"), _("Value"), _("Problem")], lines())

