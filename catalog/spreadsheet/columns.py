"""The store's spreadsheet template: which columns there are, what each holds, and how the header of a file is
matched to them.

One row per SKU. Product columns repeat on each row of the product (empty on all but one row is fine); content
columns exist per language (the languages of the store's sites, plus English and Simplified Chinese), listing
columns per site the store sells on, stock columns per warehouse in use. Column keys never change with the
reader's language, so a file filled in Chinese imports the same as one filled in English.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellercenter.errors import DomainError
from stores.models import Category, Marketplace, Store
from stores.reference import CONTENT_LANGUAGES

from ..models import MAX_BULLETS, Product, Warehouse
from ..pricing import currency_exponent

# The cell value that empties an optional field. An empty cell never changes anything.
CLEAR = "#CLEAR"
ALWAYS_LANGUAGES = ("en", "zh-hans")
LANGUAGE_CODES = [code for code, _label in CONTENT_LANGUAGES]

PRODUCT, VARIANT, CONTENT, LISTING, STOCK = "product", "variant", "content", "listing", "stock"

# Columns with a fixed key, in template order: (key, scope, field, kind, required, clearable, max length).
FIXED: list[tuple[str, str, str, str, bool, bool, int]] = [
    ("product_code", PRODUCT, "code", "code", True, False, 64),
    ("sku", VARIANT, "sku", "code", True, False, 64),
    ("product_status", PRODUCT, "status", "choice", False, False, 0),
    ("brand", PRODUCT, "brand", "text", False, True, 100),
    ("category", PRODUCT, "category", "category", False, True, 0),
    ("variation_theme", PRODUCT, "variation_theme", "list", False, True, 200),
    ("hs_code", PRODUCT, "hs_code", "hs_code", False, True, 12),
    ("country_of_origin", PRODUCT, "country_of_origin", "country", False, True, 2),
    ("gtin", VARIANT, "gtin", "gtin", False, True, 14),
    ("options", VARIANT, "options", "options", False, True, 0),
    ("weight_g", VARIANT, "weight_g", "integer", False, True, 0),
    ("length_mm", VARIANT, "length_mm", "integer", False, True, 0),
    ("width_mm", VARIANT, "width_mm", "integer", False, True, 0),
    ("height_mm", VARIANT, "height_mm", "integer", False, True, 0),
    ("base_price", VARIANT, "base_price", "money", False, True, 0),
    ("unit_cost", VARIANT, "unit_cost", "money", False, True, 0),
    ("declared_value", VARIANT, "declared_value", "money", False, True, 0),
]
# Per language: (prefix, field, kind, max length).
CONTENT_FIELDS = [("title", "title", "text", 200), ("bullets", "bullets", "bullets", 0),
                  ("description", "description", "longtext", 10000), ("keywords", "keywords", "text", 500)]
# Per site, longest prefix first so that "sale_price_US" is not read as "price" of site "sale_US".
LISTING_FIELDS = [("sale_price", "sale_price", "money"), ("sale_start", "sale_start", "datetime"),
                  ("sale_end", "sale_end", "datetime"), ("price", "price", "money"),
                  ("status", "wanted_status", "choice")]
PRODUCT_STATUSES = tuple(Product.Status.values)
LISTING_STATUSES = ("active", "inactive")

DESCRIPTIONS: dict[str, Any] = {
    "product_code": gettext_lazy("Your code for the product. Rows with the same product code are the variants "
                                 "of one product; a new code creates a product."),
    "sku": gettext_lazy("The SKU of this variant, unique in the store. A new SKU creates a variant; an existing "
                        "one is updated. A SKU cannot move to another product."),
    "product_status": gettext_lazy("Whether the product is a draft, active or archived."),
    "brand": gettext_lazy("The brand name."),
    "category": gettext_lazy("The platform category's code."),
    "variation_theme": gettext_lazy("The attributes the variants differ by."),
    "hs_code": gettext_lazy("The customs tariff number (HS code)."),
    "country_of_origin": gettext_lazy("Where the product is made."),
    "gtin": gettext_lazy("The barcode number: EAN-13, UPC-A, GTIN-14 or EAN-8."),
    "options": gettext_lazy("This variant's value of each attribute of the variation theme."),
    "weight_g": gettext_lazy("Shipping weight in grams."),
    "length_mm": gettext_lazy("Package length in millimetres."),
    "width_mm": gettext_lazy("Package width in millimetres."),
    "height_mm": gettext_lazy("Package height in millimetres."),
    "base_price": gettext_lazy("The price in the store's base currency; listings priced from the base price "
                               "follow it."),
    "unit_cost": gettext_lazy("What one unit costs you."),
    "declared_value": gettext_lazy("The value declared to customs."),
    "title": gettext_lazy("The product title in %(language)s."),
    "bullets": gettext_lazy("The bullet points in %(language)s, one per line in the cell (at most %(count)s)."),
    "description": gettext_lazy("The product description in %(language)s."),
    "keywords": gettext_lazy("Search keywords in %(language)s."),
    "price": gettext_lazy("The price on %(site)s, in %(currency)s. Setting it makes the price a fixed one."),
    "sale_price": gettext_lazy("The sale price on %(site)s, in %(currency)s; below the price."),
    "sale_start": gettext_lazy("When the sale on %(site)s starts."),
    "sale_end": gettext_lazy("When the sale on %(site)s ends; after its start."),
    "wanted_status": gettext_lazy("Whether the SKU should be offered on %(site)s (the site may still suppress it "
                                  "for a missing price, content or stock)."),
    "on_hand": gettext_lazy("Units on hand in warehouse %(warehouse)s (%(name)s). Sets the count; every change "
                            "is recorded as a stock movement."),
}


@dataclass(frozen=True)
class Column:
    key: str
    scope: str
    field: str
    kind: str
    required: bool = False
    clearable: bool = True
    max_length: int = 0
    language: str = ""
    site: str = ""
    currency: str = ""
    warehouse: str = ""
    allowed: tuple[str, ...] = ()

    @property
    def folded(self) -> str:
        return self.key.casefold()


@dataclass(frozen=True)
class Site:
    code: str
    id: int
    currency: str
    language: str


@dataclass
class Template:
    """The columns of one store's template, and the reference data needed to read and write them."""

    columns: list[Column]
    base_currency: str
    timezone: zoneinfo.ZoneInfo
    sites: dict[str, Site]
    all_site_codes: set[str]
    warehouses: dict[str, tuple[int, str]]  # code -> (id, name)
    categories: dict[str, int]  # code -> id, categories open for listing
    category_codes: dict[int, str] = field(default_factory=dict)  # id -> code, every category

    def __post_init__(self) -> None:
        self._by_key = {column.folded: column for column in self.columns}

    @property
    def languages(self) -> list[str]:
        return list(dict.fromkeys(column.language for column in self.columns if column.language))

    def column(self, key: str) -> Column | None:
        """The column for a header cell, including content columns of languages outside the template."""
        folded = key.strip().casefold()
        found = self._by_key.get(folded)
        if found is not None:
            return found
        for prefix, field_name, kind, max_length in CONTENT_FIELDS:
            if folded.startswith(prefix + "_") and folded[len(prefix) + 1:] in LANGUAGE_CODES:
                return _content_column(prefix, field_name, kind, max_length, folded[len(prefix) + 1:])
        return None

    def why_unknown(self, key: str) -> str:
        """Why a header cell is not a column of this template, as precisely as can be said."""
        folded = key.strip().casefold()
        for prefix, _field, _kind in LISTING_FIELDS:
            if folded.startswith(prefix + "_"):
                site = key.strip()[len(prefix) + 1:].upper()
                if site in self.all_site_codes:
                    return _("%(column)s: the store does not sell on %(site)s (its sites: %(sites)s).") % {
                        "column": key, "site": site, "sites": ", ".join(self.sites) or "—"}
                return _("%(column)s: %(site)s is not a marketplace site.") % {"column": key, "site": site}
        if folded.startswith("stock_"):
            return _("%(column)s: there is no warehouse in use with the code %(code)s.") % {
                "column": key, "code": key.strip()[6:]}
        for prefix, *_rest in CONTENT_FIELDS:
            if folded.startswith(prefix + "_"):
                return _("%(column)s: %(language)s is not a supported content language.") % {
                    "column": key, "language": key.strip()[len(prefix) + 1:]}
        return _("%(column)s is not a column of the template.") % {"column": key}

    def match_header(self, header: list[str]) -> list[Column | None]:
        """The column of each header cell (None for an empty cell, whose data is ignored).

        Raises one DomainError naming every problem: unknown columns, repeated columns, missing required ones.
        """
        matched: list[Column | None] = []
        problems: list[str] = []
        seen: dict[str, str] = {}
        for cell in header:
            key = cell.strip()
            if not key:
                matched.append(None)
                continue
            column = self.column(key)
            if column is None:
                problems.append(self.why_unknown(key))
                matched.append(None)
                continue
            if column.folded in seen:
                problems.append(_("%(column)s appears more than once.") % {"column": key})
            seen[column.folded] = key
            matched.append(column)
        missing = [column.key for column in self.columns if column.required and column.folded not in seen]
        if missing:
            problems.append(_("Required columns missing: %(columns)s.") % {"columns": ", ".join(missing)})
        if problems:
            raise DomainError(
                _("The file's columns do not match this store's template. %(problems)s Download the template to "
                  "see the columns.") % {"problems": " ".join(problems)}, field="file")
        return matched

    def describe(self, column: Column) -> dict[str, str]:
        """The definition of a column for the Definitions sheet, in the active language."""
        return {
            "column": column.key,
            "required": _("Required") if column.required else _("Optional"),
            "format": str(_format(column, self)),
            "allowed": ", ".join(column.allowed) if column.allowed else _allowed_text(column, self),
            "clear": CLEAR if column.clearable else _("cannot be cleared"),
            "description": _description(column, self),
        }


def _content_column(prefix: str, field_name: str, kind: str, max_length: int, language: str) -> Column:
    return Column(key=f"{prefix}_{language}", scope=CONTENT, field=field_name, kind=kind, max_length=max_length,
                  language=language)


def _language_name(code: str) -> str:
    return str(dict(CONTENT_LANGUAGES).get(code, code))


def _description(column: Column, template: Template) -> str:
    if column.scope == CONTENT:
        return str(DESCRIPTIONS[column.field]) % {"language": _language_name(column.language), "count": MAX_BULLETS}
    if column.scope == LISTING:
        return str(DESCRIPTIONS[column.field]) % {"site": column.site, "currency": column.currency}
    if column.scope == STOCK:
        _id, name = template.warehouses[column.warehouse]
        return str(DESCRIPTIONS["on_hand"]) % {"warehouse": column.warehouse, "name": name}
    return str(DESCRIPTIONS[column.key])


def _format(column: Column, template: Template) -> str:
    kind = column.kind
    if kind in ("code", "text"):
        return _("Text, at most %(count)s characters.") % {"count": column.max_length}
    if kind == "longtext":
        return _("Text, at most %(count)s characters; line breaks are kept.") % {"count": column.max_length}
    if kind == "bullets":
        return _("One bullet point per line within the cell, at most %(count)s.") % {"count": MAX_BULLETS}
    if kind == "choice":
        return _("One of the allowed values.")
    if kind == "category":
        return _("A category code.")
    if kind == "list":
        return _("Names separated by |, for example colour|size.")
    if kind == "options":
        return _("name=value pairs separated by |, for example colour=Red|size=M.")
    if kind == "hs_code":
        return _("Digits (dots allowed), at most 12 characters.")
    if kind == "country":
        return _("A two-letter ISO 3166 country code, for example CN.")
    if kind == "gtin":
        return _("8, 12, 13 or 14 digits ending in a valid check digit. Format the column as text in Excel so "
                 "that long numbers and leading zeros are kept.")
    if kind == "integer":
        return _("A whole number, 0 or more.")
    if kind == "money":
        currency = column.currency
        digits = currency_exponent(currency) if column.scope == LISTING else 3
        return _("A number with at most %(digits)s decimals, in %(currency)s, with a dot as the decimal "
                 "separator (for example %(example)s).") % {
            "digits": digits, "currency": currency, "example": "1299" if digits == 0 else "12.99"}
    if kind == "datetime":
        return _("YYYY-MM-DD or YYYY-MM-DD HH:MM, in the store's time zone (%(zone)s). A date alone means the "
                 "start of that day.") % {"zone": template.timezone.key}
    return ""


def _allowed_text(column: Column, template: Template) -> str:
    if column.kind == "category":
        return ", ".join(sorted(template.categories))
    if column.kind == "money" and column.scope == VARIANT:
        return _("Another currency can follow the amount, for example 12.99 USD.")
    return ""


def template_for_store(*, store: Store, languages: tuple[str, ...] | list[str] = ()) -> Template:
    """The template of ``store`` (run inside its schema). ``languages`` adds content columns for more languages
    (an export adds every language the catalog has content in)."""
    sites = {
        m.code: Site(code=m.code, id=m.pk, currency=m.currency, language=m.language)
        for m in store.marketplaces.order_by("sort_order", "code")
    }
    wanted = set(ALWAYS_LANGUAGES) | {site.language for site in sites.values()} | set(languages)
    ordered_languages = [code for code in LANGUAGE_CODES if code in wanted]
    warehouses = {w.code: (w.pk, w.name) for w in Warehouse.objects.filter(is_active=True).order_by("code")}
    categories = dict(Category.objects.filter(is_active=True).values_list("code", "pk"))

    columns: list[Column] = []
    for key, scope, field_name, kind, required, clearable, max_length in FIXED:
        columns.append(Column(key=key, scope=scope, field=field_name, kind=kind, required=required,
                              clearable=clearable, max_length=max_length,
                              allowed=PRODUCT_STATUSES if key == "product_status" else (),
                              currency=store.base_currency if kind == "money" else ""))
    for language in ordered_languages:
        for prefix, field_name, kind, max_length in CONTENT_FIELDS:
            columns.append(_content_column(prefix, field_name, kind, max_length, language))
    listing_order = ["price", "sale_price", "sale_start", "sale_end", "status"]
    for site in sites.values():
        for prefix in listing_order:
            _prefix, field_name, kind = next(item for item in LISTING_FIELDS if item[0] == prefix)
            columns.append(Column(
                key=f"{prefix}_{site.code}", scope=LISTING, field=field_name, kind=kind, site=site.code,
                currency=site.currency if kind == "money" else "",
                allowed=LISTING_STATUSES if field_name == "wanted_status" else (),
                clearable=field_name != "wanted_status",
            ))
    for code in warehouses:
        columns.append(Column(key=f"stock_{code}", scope=STOCK, field="on_hand", kind="integer", warehouse=code,
                              clearable=False))
    return Template(
        columns=columns, base_currency=store.base_currency, timezone=zoneinfo.ZoneInfo(store.timezone),
        sites=sites, all_site_codes=set(Marketplace.objects.values_list("code", flat=True)),
        warehouses=warehouses, categories=categories,
        category_codes=dict(Category.objects.values_list("pk", "code")),
    )
