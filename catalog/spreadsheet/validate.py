"""Checking every row of a file and working out what it would change: the same code produces the preview (no
writes) and, inside the import's transaction, the changes that ``apply`` writes.

Rules that make a file safe to upload again and again:

* An empty cell keeps the stored value; ``#CLEAR`` empties an optional field.
* A product's rows are imported together: product and content cells may repeat on every row of the product, or
  be filled in on one row only, but two rows may not disagree. If any row of a product has an error, none of the
  product's rows is imported (they are listed with the reason).
* The file is processed in chunks of whole products, each with a handful of queries for the current data of its
  rows (``values_list`` tuples, no model instances), so memory stays flat and nothing is queried per row.

Errors are kept as (row, column, code, parameters) and turned into sentences in the reader's language only when
shown (``error_text``), so the preview reads in Chinese for one team member and in English for another.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.reference import COUNTRY_CODES, CURRENCY_CODES

from ..bulk import select_rows
from ..gtin import gtin_check_digit, gtin_is_valid
from ..models import MAX_BULLETS, Listing, Product, ProductContent, Stock, Variant
from ..pricing import currency_exponent
from .columns import CLEAR, CONTENT, LISTING, PRODUCT, STOCK, VARIANT, Column, Template
from .reader import Sheet

CHUNK_ROWS = 5000
MAX_INT = 2_147_483_647
MAX_AMOUNT = Decimal("99999999999")  # MoneyField(max_digits=14, decimal_places=3)
CLEARED = object()  # the parsed value of #CLEAR
VARIANT_DECIMALS = 3  # Variant's MoneyFields

ERRORS: dict[str, Any] = {
    "required": _("This column is required."),
    "too_long": _("At most %(max)s characters (this cell has %(length)s)."),
    "line_break": _("Line breaks are not allowed in this column."),
    "not_clearable": _("This column cannot be cleared with #CLEAR."),
    "choice": _("%(value)s is not allowed here; use one of: %(allowed)s."),
    "category": _("%(value)s is not the code of a category open for listing."),
    "country": _("%(value)s is not a two-letter ISO 3166 country code."),
    "hs_code": _("%(value)s is not an HS code: use digits (and dots), at most 12 characters."),
    "list": _("%(value)s: separate the names with |, each name once."),
    "options": _("%(value)s: write name=value pairs separated by |, each name once."),
    "integer": _("%(value)s is not a whole number."),
    "negative": _("%(value)s: cannot be negative."),
    "negative_stock": _("%(value)s: stock cannot be negative."),
    "too_big": _("%(value)s is too large."),
    "number": _("%(value)s is not an amount: write digits with a dot as the decimal separator, without a currency "
                "sign or thousands separators."),
    "decimals": _("%(value)s: at most %(digits)s decimals in this column (%(currency)s)."),
    "no_decimals": _("%(value)s: %(currency)s amounts are whole numbers, without decimals."),
    "currency": _("%(value)s: amounts in this column are in %(currency)s."),
    "unknown_currency": _("%(value)s: %(currency)s is not an ISO 4217 currency code."),
    "positive": _("%(value)s: must be above zero."),
    "gtin_digits": _("%(value)s is not a GTIN: use 8, 12, 13 or 14 digits."),
    "gtin_check": _("%(value)s has a wrong check digit: a GTIN starting like this ends in %(digit)s."),
    "gtin_excel": _("%(value)s looks like a number shortened by Excel: format the column as text and type the full "
                    "GTIN again."),
    "gtin_duplicate": _("Row %(row)s has the same GTIN."),
    "sku_duplicate": _("Row %(row)s has the same SKU."),
    "sku_other_product": _("SKU %(sku)s belongs to product %(product)s; a spreadsheet cannot move a SKU to another "
                           "product."),
    "date": _("%(value)s is not a date: use YYYY-MM-DD or YYYY-MM-DD HH:MM."),
    "bullets": _("At most %(max)s bullet points (this cell has %(count)s)."),
    "conflict": _("Row %(row)s of the same product says something else here (%(value)s)."),
    "product_rows": _("Not imported, because row %(row)s of the same product has an error."),
    "below_reserved": _("%(value)s: orders have reserved %(reserved)s units here, so on hand cannot go below that."),
    "sale_order": _("The sale must end after it starts."),
    "sale_below_price": _("The sale price must be below the price."),
    "sale_needs_price": _("Enter the sale price for these sale dates."),
}


def error_text(code: str, params: dict[str, Any]) -> str:
    """An error as a sentence in the active language."""
    return str(ERRORS.get(code, code)) % params if params else str(ERRORS.get(code, code))


class CellError(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# --- Parsing one cell ---------------------------------------------------------------------------------------------

_INTEGER = re.compile(r"^\d+(?:\.0*)?$")
_AMOUNT = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$")
_EXCEL_NUMBER = re.compile(r"^\d(?:[.,]\d+)?E\+?\d+$", re.IGNORECASE)
_HS_CODE = re.compile(r"^[0-9][0-9.]{0,11}$")


def _ascii(value: str) -> str:
    # Full-width digits and letters typed with a Chinese input method become their ASCII forms.
    return value if value.isascii() else unicodedata.normalize("NFKC", value)


def _parse_text(value: str, column: Column, template: Template) -> str:
    if column.max_length and len(value) > column.max_length:
        raise CellError("too_long", max=column.max_length, length=len(value))
    if column.kind in ("code", "text") and ("\n" in value or "\r" in value):
        raise CellError("line_break")
    return value


def _parse_bullets(value: str, column: Column, template: Template) -> list[str]:
    bullets = [line.strip() for line in value.splitlines() if line.strip()]
    if len(bullets) > MAX_BULLETS:
        raise CellError("bullets", max=MAX_BULLETS, count=len(bullets))
    return bullets


def _parse_choice(value: str, column: Column, template: Template) -> str:
    folded = _ascii(value).lower()
    if folded not in column.allowed:
        raise CellError("choice", value=value, allowed=", ".join(column.allowed))
    return folded


def _parse_category(value: str, column: Column, template: Template) -> int:
    found = template.categories.get(value) or template.categories.get(value.lower())
    if found is None:
        raise CellError("category", value=value)
    return found


def _parse_country(value: str, column: Column, template: Template) -> str:
    code = _ascii(value).upper()
    if code not in COUNTRY_CODES:
        raise CellError("country", value=value)
    return code


def _parse_hs_code(value: str, column: Column, template: Template) -> str:
    code = _ascii(value)
    if not _HS_CODE.match(code):
        raise CellError("hs_code", value=value)
    return code


def _parse_list(value: str, column: Column, template: Template) -> list[str]:
    names = [name.strip() for name in value.split("|") if name.strip()]
    if len(value) > 200 or len(set(names)) != len(names) or any("=" in name for name in names):
        raise CellError("list", value=value)
    return names


def _parse_options(value: str, column: Column, template: Template) -> dict[str, str]:
    options: dict[str, str] = {}
    for part in value.split("|"):
        if not part.strip():
            continue
        name, sep, option = part.partition("=")
        name, option = name.strip(), option.strip()
        if not sep or not name or not option or name in options or len(option) > 60:
            raise CellError("options", value=value)
        options[name] = option
    return options


def _gtin_ok(gtin: bytes) -> bool:
    # catalog.gtin's mod-10 rule (weights 3 and 1 from the right of the body), on bytes: ``ord("0")`` is 48.
    odd, even = gtin[-2::-2], gtin[-3::-2]
    total = 3 * (sum(odd) - 48 * len(odd)) + sum(even) - 48 * len(even)
    return (10 - total % 10) % 10 == gtin[-1] - 48


def _parse_gtin(value: str, column: Column, template: Template) -> str:
    gtin = _ascii(value).replace(" ", "")
    if not gtin.isdigit() or not gtin.isascii() or len(gtin) not in (8, 12, 13, 14):
        if _EXCEL_NUMBER.match(gtin):
            raise CellError("gtin_excel", value=value)
        raise CellError("gtin_digits", value=value)
    if not _gtin_ok(gtin.encode()):
        assert not gtin_is_valid(gtin)
        raise CellError("gtin_check", value=value, digit=gtin_check_digit(gtin[:-1]))
    return gtin


def _parse_integer(value: str, column: Column, template: Template) -> int:
    text = _ascii(value).replace(" ", "")
    if not _INTEGER.match(text):
        if text.startswith("-") and _INTEGER.match(text[1:]):
            raise CellError("negative_stock" if column.scope == STOCK else "negative", value=value)
        raise CellError("integer", value=value)
    number = int(text.split(".")[0])
    if number > MAX_INT:
        raise CellError("too_big", value=value)
    return number


def _parse_money(value: str, column: Column, template: Template) -> tuple[Decimal, str]:
    text = _ascii(value).strip()
    currency = column.currency
    parts = text.split()
    if len(parts) == 2 and parts[1].isalpha():  # "12.99 USD"
        text, named = parts[0], parts[1].upper()
        if named not in CURRENCY_CODES:
            raise CellError("unknown_currency", value=value, currency=parts[1])
        if named != currency and column.scope != VARIANT:
            raise CellError("currency", value=value, currency=currency)
        currency = named
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if text.startswith("-") and _AMOUNT.match(text[1:]):
        raise CellError("negative", value=value)
    if not _AMOUNT.match(text):
        raise CellError("number", value=value)
    try:
        amount = Decimal(text)
    except InvalidOperation as error:
        raise CellError("number", value=value) from error
    if amount > MAX_AMOUNT:
        raise CellError("too_big", value=value)
    # Listing prices are what buyers pay: the currency's own decimals. A SKU's amounts (base price, cost, declared
    # value) may be finer, as the product form allows: the field's three decimals.
    digits = currency_exponent(currency) if column.scope == LISTING else VARIANT_DECIMALS
    if amount != amount.quantize(_quantum(digits)):
        raise CellError("decimals" if digits else "no_decimals", value=value, currency=currency, digits=digits)
    if column.scope == LISTING and amount <= 0:
        raise CellError("positive", value=value)
    return amount, currency


@functools.lru_cache(maxsize=8)
def _quantum(digits: int) -> Decimal:
    return Decimal(1).scaleb(-digits)


def _parse_datetime(value: str, column: Column, template: Template) -> dt.datetime:
    text = _ascii(value).strip()
    match = _DATE.match(text)
    try:
        if match:
            year, month, day, hour, minute, second, fraction = match.groups()
            moment = dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                 int(second or 0), int((fraction or "0").ljust(6, "0")))
            return timezone.make_aware(moment, template.timezone)
        moment = dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise CellError("date", value=value) from error
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment, template.timezone)
    return moment


PARSERS: dict[str, Callable[[str, Column, Template], Any]] = {
    "code": _parse_text, "text": _parse_text, "longtext": _parse_text, "bullets": _parse_bullets,
    "choice": _parse_choice, "category": _parse_category, "country": _parse_country, "hs_code": _parse_hs_code,
    "list": _parse_list, "options": _parse_options, "gtin": _parse_gtin, "integer": _parse_integer,
    "money": _parse_money, "datetime": _parse_datetime,
}

# What #CLEAR stores in each field.
EMPTY: dict[str, Any] = {
    "brand": "", "category": None, "variation_theme": [], "hs_code": "", "country_of_origin": "", "gtin": "",
    "options": {}, "weight_g": None, "length_mm": None, "width_mm": None, "height_mm": None, "base_price": None,
    "unit_cost": None, "declared_value": None, "title": "", "bullets": [], "description": "", "keywords": "",
    "price": None, "sale_price": None, "sale_start": None, "sale_end": None,
}


# --- The plan -----------------------------------------------------------------------------------------------------

@dataclass
class ChunkPlan:
    """What one chunk of whole products changes. References to rows that do not exist yet use their key (product
    code, SKU); existing rows use their id."""

    rows: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[int, str, str, dict[str, Any]]] = field(default_factory=list)
    products_new: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> fields
    products_changed: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> changed fields
    variants_new: list[tuple[int | str, str, dict[str, Any]]] = field(default_factory=list)  # product, sku, fields
    variants_changed: dict[int, dict[str, Any]] = field(default_factory=dict)
    # (product id or code, language, content id or None, fields to set)
    contents: list[tuple[int | str, str, int | None, dict[str, Any]]] = field(default_factory=list)
    # (variant id or SKU, marketplace id, listing id or None, fields to set)
    listings: list[tuple[int | str, int, int | None, dict[str, Any]]] = field(default_factory=list)
    stock: list[tuple[int | str, int, int]] = field(default_factory=list)  # variant id or SKU, warehouse id, on hand
    # What may change the shown state of listings: existing SKUs with listing changes, existing products with
    # content or product changes (all their SKUs). Stock changes refresh their own SKUs.
    refresh: set[int] = field(default_factory=set)
    refresh_products: set[int] = field(default_factory=set)
    product_ids: dict[str, int] = field(default_factory=dict)  # code -> id of the existing products
    site_languages: dict[int, str] = field(default_factory=dict)  # marketplace id -> its language
    # Ids drawn ahead for the new products and SKUs, in the order of products_new and variants_new (when empty,
    # the writes draw them).
    product_pks: list[int] = field(default_factory=list)
    variant_pks: list[int] = field(default_factory=list)


@dataclass
class Prepared:
    """The file checked as a whole: columns matched, rows grouped by product, duplicates found."""

    sheet: Sheet
    columns: list[Column | None]
    code_index: int
    sku_index: int
    groups: list[list[int]]  # row indexes per product, products in the order they first appear
    file_errors: dict[int, list[tuple[str, str, dict[str, Any]]]]  # row index -> errors found across the file


def prepare(sheet: Sheet, template: Template) -> Prepared:
    columns = template.match_header(sheet.header)
    keys = [column.key if column else "" for column in columns]
    code_index, sku_index = keys.index("product_code"), keys.index("sku")
    gtin_index = keys.index("gtin") if "gtin" in keys else None
    groups: dict[str, list[int]] = {}
    loose: list[list[int]] = []
    seen_skus: dict[str, int] = {}
    seen_gtins: dict[str, int] = {}
    file_errors: dict[int, list[tuple[str, str, dict[str, Any]]]] = {}
    numbers = sheet.numbers
    for index, cells in enumerate(sheet.rows):
        code = cells[code_index].strip()
        sku = cells[sku_index].strip()
        if code:
            groups.setdefault(code, []).append(index)
        else:
            loose.append([index])
        if sku:
            first = seen_skus.setdefault(sku, index)
            if first != index:
                file_errors.setdefault(index, []).append(("sku", "sku_duplicate", {"row": numbers[first]}))
        if gtin_index is not None:
            gtin = cells[gtin_index].strip()
            if gtin and gtin != CLEAR:
                first = seen_gtins.setdefault(gtin, index)
                if first != index:
                    file_errors.setdefault(index, []).append(("gtin", "gtin_duplicate", {"row": numbers[first]}))
    ordered = sorted([*groups.values(), *loose], key=lambda rows: rows[0])
    return Prepared(sheet=sheet, columns=columns, code_index=code_index, sku_index=sku_index, groups=ordered,
                    file_errors=file_errors)


def chunks(prepared: Prepared, size: int = CHUNK_ROWS) -> Iterator[list[list[int]]]:
    """Groups of whole products, about ``size`` rows each."""
    batch: list[list[int]] = []
    count = 0
    for group in prepared.groups:
        batch.append(group)
        count += len(group)
        if count >= size:
            yield batch
            batch, count = [], 0
    if batch:
        yield batch


# --- Current data -------------------------------------------------------------------------------------------------

PRODUCT_FIELDS = ("status", "brand", "category", "variation_theme", "hs_code", "country_of_origin")
VARIANT_FIELDS = ("gtin", "options", "weight_g", "length_mm", "width_mm", "height_mm")
MONEY_FIELDS = ("base_price", "unit_cost", "declared_value")
CONTENT_FIELDS = ("title", "bullets", "description", "keywords")
LISTING_FIELDS = ("price", "sale_price", "sale_start", "sale_end", "wanted_status")


def _same_text(a: str, b: str) -> bool:
    return a == b or a.replace("\r\n", "\n") == b.replace("\r\n", "\n")


def _same(field_name: str, current: Any, new: Any) -> bool:
    if field_name == "bullets":
        return [item.strip() for item in (current or []) if item and item.strip()] == new
    if isinstance(current, str) and isinstance(new, str):
        return _same_text(current, new)
    if isinstance(new, tuple):  # money (amount, currency)
        return current is not None and current[0] is not None and current == new
    return bool(current == new)


@dataclass
class Current:
    products: dict[str, tuple[int, dict[str, Any]]]  # code -> (id, fields)
    variants: dict[str, tuple[int, int, dict[str, Any]]]  # sku -> (id, product id, fields)
    product_codes: dict[int, str]  # product id -> code, for SKUs that belong to another product
    contents: dict[tuple[int, str], tuple[int, dict[str, Any]]]  # (product id, language) -> (id, fields)
    listings: dict[tuple[int, int], tuple[int, dict[str, Any]]]  # (variant id, marketplace id) -> (id, fields)
    stock: dict[tuple[int, int], tuple[int, int]]  # (variant id, warehouse id) -> (on hand, reserved)


def _money(amount: Decimal | None, currency: str | None) -> tuple[Decimal, str] | None:
    return None if amount is None else (amount, currency or "")


def load_current(*, codes: list[str], skus: list[str], languages: set[str], site_ids: set[int],
                 warehouse_ids: set[int], fields: dict[str, set[str]]) -> Current:
    """The stored data of a chunk's products and SKUs, as plain values: a few queries per chunk, each an index
    lookup with one array of keys (no model instances, no default orderings that would join whole tables to
    sort). Each query filters on its selective key only (SKU, product, variant) and the language, site or
    warehouse is picked here: with a second condition PostgreSQL, without statistics for rows the import itself
    wrote, walks the index of that low-selectivity column over the whole table, once per chunk. Only the fields
    the file has columns for are read (``fields``: scope -> field names)."""
    with transaction.atomic():
        _btree_lookups_only()
        return _load_current(codes=codes, skus=skus, languages=languages, site_ids=site_ids,
                             warehouse_ids=warehouse_ids, fields=fields)


def _btree_lookups_only() -> None:
    """Keep PostgreSQL from answering ``code IN (...)`` / ``sku IN (...)`` with the trigram GIN indexes of the
    catalog search: pg_trgm serves equality too, and the planner rates it cheap, but SKUs and codes share most of
    their trigrams, so one lookup of 2,000 SKUs reads every posting list (34 s instead of 10 ms measured on 20,000
    SKUs). GIN is only ever used through bitmap scans; without them the unique B-tree indexes answer. ``SET LOCAL``
    lasts until the end of the transaction: the whole import's, or the savepoint's of a check."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")


def _columns(names: Iterable[str]) -> list[str]:
    """Model columns for plan field names: a money field is its amount and currency, a category its id."""
    columns: list[str] = []
    for name in names:
        if name in MONEY_FIELDS or name in ("price", "sale_price"):
            columns += [name, f"{name}_currency"]
        else:
            columns.append("category_id" if name == "category" else name)
    return columns


def _values(names: list[str], row: Sequence[Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    position = 0
    for name in names:
        if name in MONEY_FIELDS or name in ("price", "sale_price"):
            values[name] = _money(row[position], row[position + 1])
            position += 2
        else:
            values[name] = row[position]
            position += 1
    return values


LISTING_STORED = ["price", "sale_price", "sale_start", "sale_end", "wanted_status", "price_mode", "copied_from_id"]


def _load_current(*, codes: list[str], skus: list[str], languages: set[str], site_ids: set[int],
                  warehouse_ids: set[int], fields: dict[str, set[str]]) -> Current:
    names = [name for name in PRODUCT_FIELDS if name in fields.get(PRODUCT, ())]
    products = {
        code: (pk, _values(names, values))
        for pk, code, *values in select_rows(Product, ["id", "code", *_columns(names)], code=codes)
    }
    names = [name for name in (*VARIANT_FIELDS, *MONEY_FIELDS) if name in fields.get(VARIANT, ())]
    variants: dict[str, tuple[int, int, dict[str, Any]]] = {
        sku: (pk, product_id, _values(names, values))
        for pk, product_id, sku, *values in select_rows(Variant, ["id", "product_id", "sku", *_columns(names)],
                                                        sku=skus)
    }
    known_products = {pk for pk, _fields in products.values()}
    stray = {product_id for _pk, product_id, _f in variants.values() if product_id not in known_products}
    product_codes = dict(select_rows(Product, ["id", "code"], id=list(stray))) if stray else {}
    product_ids = [pk for pk, _fields in products.values()]
    contents: dict[tuple[int, str], tuple[int, dict[str, Any]]] = {}
    names = [name for name in CONTENT_FIELDS if name in fields.get(CONTENT, ())]
    if languages and product_ids:
        for pk, product_id, language, *values in select_rows(
                ProductContent, ["id", "product_id", "language", *names], product_id=product_ids):
            if language in languages:
                contents[(product_id, language)] = (pk, dict(zip(names, values, strict=True)))
    variant_ids = [pk for pk, _product, _fields in variants.values()]
    listings: dict[tuple[int, int], tuple[int, dict[str, Any]]] = {}
    if site_ids and variant_ids:
        for pk, variant_id, site_id, *values in select_rows(
                Listing, ["id", "variant_id", "marketplace_id", *_columns(LISTING_STORED)], variant_id=variant_ids):
            if site_id in site_ids:
                listings[(variant_id, site_id)] = (pk, {**_values(LISTING_STORED, values), "local_overrides": []})
        copied = [pk for pk, stored in listings.values() if stored["copied_from_id"] is not None]
        if copied:  # only listings copied from another site keep local overrides
            overrides = dict(select_rows(Listing, ["id", "local_overrides"], id=copied))
            for pk, stored in listings.values():
                if pk in overrides:
                    stored["local_overrides"] = overrides[pk]
    stock: dict[tuple[int, int], tuple[int, int]] = {}
    if warehouse_ids and variant_ids:
        for variant_id, warehouse_id, on_hand, reserved in select_rows(
                Stock, ["variant_id", "warehouse_id", "on_hand", "reserved"], variant_id=variant_ids):
            if warehouse_id in warehouse_ids:
                stock[(variant_id, warehouse_id)] = (on_hand, reserved)
    return Current(products=products, variants=variants, product_codes=product_codes, contents=contents,
                   listings=listings, stock=stock)


# --- Planning a chunk ---------------------------------------------------------------------------------------------

RowErrors = list[tuple[str, str, dict[str, Any]]]


class Planner:
    """Turns chunks of rows into ChunkPlans against the current data."""

    def __init__(self, prepared: Prepared, template: Template) -> None:
        self.prepared = prepared
        self.template = template
        self.columns = prepared.columns
        self.active = [(index, column, PARSERS[column.kind]) for index, column in enumerate(prepared.columns)
                       if column is not None and column.key not in ("product_code", "sku")]
        self.languages = {column.language for _i, column, _p in self.active if column.scope == CONTENT}
        self.site_ids = {template.sites[column.site].id for _i, column, _p in self.active if column.scope == LISTING}
        self.warehouse_ids = {template.warehouses[column.warehouse][0] for _i, column, _p in self.active
                              if column.scope == STOCK}
        self.fields: dict[str, set[str]] = {}
        for _index, column, _parser in self.active:
            self.fields.setdefault(column.scope, set()).add(column.field)
        # Per column position: the columns shared by a product's rows, and each stock column's warehouse.
        self.shared_positions = {index for index, column, _p in self.active if column.scope in (PRODUCT, CONTENT)}
        self.warehouse_of = {index: template.warehouses[column.warehouse][0] for index, column, _p in self.active
                             if column.scope == STOCK}

    def plans(self) -> Iterator[ChunkPlan]:
        for batch in chunks(self.prepared):
            yield self.plan(batch)

    def plan(self, batch: list[list[int]]) -> ChunkPlan:
        prepared = self.prepared
        rows = prepared.sheet.rows
        plan = ChunkPlan(rows=sum(len(group) for group in batch),
                         site_languages={site.id: site.language for site in self.template.sites.values()})
        codes = [rows[group[0]][prepared.code_index].strip() for group in batch]
        skus = [rows[index][prepared.sku_index].strip() for group in batch for index in group]
        current = load_current(codes=[code for code in codes if code], skus=[sku for sku in skus if sku],
                               languages=self.languages, site_ids=self.site_ids, warehouse_ids=self.warehouse_ids,
                               fields=self.fields)
        for group in batch:
            self._plan_product(plan, group, current)
        plan.errors.sort(key=lambda error: error[0])
        plan.product_ids = {code: pk for code, (pk, _fields) in current.products.items()}
        return plan

    def _parse_row(self, cells: tuple[str, ...], errors: RowErrors) -> dict[int, Any]:
        """The row's non-empty cells, parsed, by column position; errors are added to ``errors``."""
        values: dict[int, Any] = {}
        template = self.template
        for index, column, parser in self.active:
            raw = cells[index]
            if not raw:
                continue
            value = raw.strip()
            if not value:
                continue
            if value == CLEAR:
                if column.clearable:
                    values[index] = CLEARED
                else:
                    errors.append((column.key, "not_clearable", {}))
                continue
            try:
                values[index] = parser(value, column, template)
            except CellError as error:
                errors.append((column.key, error.code, error.params))
        return values

    def _plan_product(self, plan: ChunkPlan, group: list[int], current: Current) -> None:
        prepared, columns, template = self.prepared, self.columns, self.template
        rows, numbers = prepared.sheet.rows, prepared.sheet.numbers
        code = rows[group[0]][prepared.code_index].strip()
        product = current.products.get(code) if code else None
        product_id = product[0] if product else None
        row_errors: dict[int, RowErrors] = {}
        parsed: list[tuple[int, str, dict[int, Any]]] = []
        shared: dict[int, tuple[Any, int]] = {}  # product or content column -> (value, row index that gave it)
        file_errors, shared_positions = prepared.file_errors, self.shared_positions
        for index in group:
            errors: RowErrors = []
            if index in file_errors:
                errors.extend(file_errors[index])
            cells = rows[index]
            sku = cells[prepared.sku_index].strip()
            if not code:
                errors.append(("product_code", "required", {}))
            elif len(code) > 64:
                errors.append(("product_code", "too_long", {"max": 64, "length": len(code)}))
            if not sku:
                errors.append(("sku", "required", {}))
            elif len(sku) > 64:
                errors.append(("sku", "too_long", {"max": 64, "length": len(sku)}))
            stored_variant = current.variants.get(sku) if sku else None
            if stored_variant is not None and stored_variant[1] != product_id:
                owner = current.product_codes.get(stored_variant[1], "?")
                errors.append(("sku", "sku_other_product", {"sku": sku, "product": owner}))
            values = self._parse_row(cells, errors)
            for position in shared_positions.intersection(values):
                value = values[position]
                earlier = shared.get(position)
                if earlier is None:
                    shared[position] = (value, index)
                elif not _agree(earlier[0], value):
                    errors.append((columns[position].key, "conflict",  # type: ignore[union-attr]
                                   {"row": numbers[earlier[1]], "value": rows[earlier[1]][position].strip()}))
            if errors:
                row_errors[index] = errors
            parsed.append((index, sku, values))

        # Product and content changes, each attributed to the row that gave the value.
        changed_rows: set[int] = set()
        product_changes: dict[str, Any] = {}
        content_changes: dict[str, dict[str, Any]] = {}
        for position, (value, index) in shared.items():
            column = columns[position]
            assert column is not None
            new = EMPTY[column.field] if value is CLEARED else value
            if column.scope == PRODUCT:
                if product is None or not _same(column.field, product[1].get(column.field), new):
                    product_changes[column.field] = new
                    changed_rows.add(index)
            else:
                stored = current.contents.get((product_id, column.language)) if product_id else None
                before = stored[1].get(column.field) if stored else EMPTY[column.field]
                if not _same(column.field, before, new):
                    content_changes.setdefault(column.language, {})[column.field] = new
                    changed_rows.add(index)

        variant_plans: list[tuple[int, str, int | None, dict[str, Any], list[Any], list[Any]]] = []
        for index, sku, values in parsed:
            stored_variant = current.variants.get(sku)
            variant_id = stored_variant[0] if stored_variant else None
            variant_changes: dict[str, Any] = {}
            listing_values: dict[str, dict[str, tuple[Column, Any]]] = {}
            stock_changes: list[tuple[int, int]] = []
            errors = row_errors.get(index, [])
            for position, value in values.items():
                if position in shared_positions:
                    continue
                column = columns[position]
                assert column is not None
                new = EMPTY.get(column.field) if value is CLEARED else value
                scope = column.scope
                if scope == VARIANT:
                    if stored_variant is None or not _same(column.field, stored_variant[2].get(column.field), new):
                        variant_changes[column.field] = new
                elif scope == LISTING:
                    listing_values.setdefault(column.site, {})[column.field] = (column, new)
                elif scope == STOCK:
                    warehouse_id = self.warehouse_of[position]
                    on_hand, reserved = current.stock.get((variant_id, warehouse_id), (0, 0)) \
                        if variant_id else (0, 0)
                    assert isinstance(new, int)  # stock cannot be cleared
                    if new != on_hand:
                        if new < reserved:
                            errors.append((column.key, "below_reserved", {"value": new, "reserved": reserved}))
                        stock_changes.append((warehouse_id, new))
            listing_changes: list[tuple[int, int | None, dict[str, Any]]] = []
            for site_code, site_values in listing_values.items():
                site = template.sites[site_code]
                stored = current.listings.get((variant_id, site.id)) if variant_id else None
                change = _listing_change(stored[1] if stored else None, site_values, errors)
                if change:
                    listing_changes.append((site.id, stored[0] if stored else None, change))
            if errors:
                row_errors[index] = errors
            variant_plans.append((index, sku, variant_id, variant_changes, listing_changes, stock_changes))

        if row_errors:
            # A product is imported with all its rows or not at all.
            first_bad = min(row_errors)
            for index, _sku, _values in parsed:
                if index not in row_errors:
                    row_errors[index] = [("product_code", "product_rows", {"row": numbers[first_bad]})]
            for index, errors in row_errors.items():
                for column_key, error_code, params in errors:
                    plan.errors.append((numbers[index], column_key, error_code, params))
            plan.counts["error"] += len(group)
            return

        product_ref: int | str = product_id if product_id is not None else code
        if product is None:
            plan.products_new[code] = product_changes
        elif product_changes:
            plan.products_changed[product_id] = product_changes  # type: ignore[index]
        for language, fields in content_changes.items():
            stored = current.contents.get((product_id, language)) if product_id else None
            if stored is None and all(value in ("", []) for value in fields.values()):
                continue  # clearing content that does not exist
            plan.contents.append((product_ref, language, stored[0] if stored else None, fields))
        if product_id is not None and (content_changes or product_changes):
            plan.refresh_products.add(product_id)
        for index, sku, variant_id, variant_changes, listing_changes, stock_changes in variant_plans:
            variant_ref: int | str = sku if variant_id is None else variant_id
            if variant_id is None:
                plan.variants_new.append((product_ref, sku, variant_changes))
                plan.counts["create"] += 1
            else:
                if variant_changes:
                    plan.variants_changed[variant_id] = variant_changes
                if listing_changes:
                    plan.refresh.add(variant_id)
                changed = variant_changes or listing_changes or stock_changes or index in changed_rows
                plan.counts["update" if changed else "unchanged"] += 1
            for site_id, listing_id, change in listing_changes:
                plan.listings.append((variant_ref, site_id, listing_id, change))
            for warehouse_id, on_hand in stock_changes:
                plan.stock.append((variant_ref, warehouse_id, on_hand))


def _agree(first: Any, second: Any) -> bool:
    if first is CLEARED or second is CLEARED:
        return first is second
    if isinstance(first, str) and isinstance(second, str):
        return _same_text(first, second)
    return bool(first == second)


def _listing_change(stored: dict[str, Any] | None, site_values: dict[str, tuple[Column, Any]],
                    errors: list[tuple[str, str, dict[str, Any]]]) -> dict[str, Any]:
    """The fields of one listing that change, checked together with the fields the file leaves as they are."""
    if stored is None:
        # A new listing: what the file gives (clearing a field of a listing that does not exist does nothing).
        change = {field_name: new for field_name, (_column, new) in site_values.items() if new is not None}
        if not change:
            return {}
        if "sale_price" not in change and "sale_start" not in change and "sale_end" not in change:
            return change
    else:
        change = {field_name: new for field_name, (_column, new) in site_values.items()
                  if not _same(field_name, stored[field_name], new)}
        if not change:
            return {}
    merged = {name: (stored or {}).get(name) for name in LISTING_FIELDS}
    merged.update(change)
    keys = {field_name: column.key for field_name, (column, _value) in site_values.items()}
    price, sale = merged["price"], merged["sale_price"]
    if sale is not None and price is not None and sale[0] >= price[0]:
        errors.append((keys.get("sale_price", keys.get("price", "")), "sale_below_price", {}))
    start, end = merged["sale_start"], merged["sale_end"]
    if start is not None and end is not None and start >= end:
        errors.append((keys.get("sale_end", keys.get("sale_start", "")), "sale_order", {}))
    if (start is not None or end is not None) and sale is None:
        errors.append((keys.get("sale_price", keys.get("sale_start", keys.get("sale_end", ""))),
                       "sale_needs_price", {}))
    if "price" in change and (stored is None or stored["price_mode"] != Listing.PriceMode.FIXED):
        change["price_mode"] = Listing.PriceMode.FIXED
    if stored is not None and stored["copied_from_id"] is not None:
        edited = set(change) & set(Listing.LOCAL_FIELDS)
        merged_overrides = set(stored["local_overrides"] or []) | edited
        overrides = [name for name in Listing.LOCAL_FIELDS if name in merged_overrides]
        if overrides != list(stored["local_overrides"] or []):
            change["local_overrides"] = overrides
    return change


# --- The whole file -----------------------------------------------------------------------------------------------

@dataclass
class Result:
    total: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[int, str, str, dict[str, Any]]] = field(default_factory=list)

    def add(self, plan: ChunkPlan) -> None:
        self.counts.update(plan.counts)
        self.errors.extend(plan.errors)

    def summary(self) -> dict[str, int]:
        return {"total": self.total, "create": self.counts["create"], "update": self.counts["update"],
                "unchanged": self.counts["unchanged"], "error_rows": self.counts["error"],
                "errors": len(self.errors)}


def validate_sheet(*, sheet: Sheet, template: Template,
                   progress: Callable[[int, int], None] | None = None) -> Result:
    """Check every row and count what would be created, updated and left unchanged. Writes nothing."""
    prepared = prepare(sheet, template)
    planner = Planner(prepared, template)
    result = Result(total=len(sheet.rows))
    done = 0
    for plan in planner.plans():
        result.add(plan)
        done += plan.rows
        if progress is not None:
            progress(done, result.total)
    result.errors.sort(key=lambda error: error[0])
    return result
