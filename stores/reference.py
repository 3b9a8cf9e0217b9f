"""Reference lists shown in forms: countries, currencies and content languages, named in the reader's language."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import cast

from babel import Locale
from babel.numbers import get_currency_name, list_currencies
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _

CONTENT_LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
    ("de", _("German")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("it", _("Italian")),
    ("ja", _("Japanese")),
    ("th", _("Thai")),
    ("vi", _("Vietnamese")),
    ("id", _("Indonesian")),
    ("ms", _("Malay")),
    ("pt", _("Portuguese")),
    ("ar", _("Arabic")),
]


def babel_locale(language: str | None = None) -> Locale:
    """The Babel locale for a Django language code (``zh-hans`` -> ``zh_Hans``), the active one by default."""
    return _parse_locale(to_locale(language or get_language() or "en"))


@functools.lru_cache(maxsize=32)
def _parse_locale(code: str) -> Locale:
    try:
        return Locale.parse(code)
    except (ValueError, LookupError):
        return Locale.parse(code.split("_")[0]) if "_" in code else Locale("en")


def _territory_name(code: str) -> str:
    return babel_locale().territories.get(code, code)


def _currency_name(code: str) -> str:
    return f"{code} · {get_currency_name(code, locale=babel_locale())}"


def _country_label(code: str) -> str:
    return f"{code} · {_territory_name(code)}"


territory_name = lazy(_territory_name, str)
currency_name = lazy(_currency_name, str)
country_label = lazy(_country_label, str)

# ISO 3166 codes Babel knows, without the regions made of digits (001 "World") and the private-use "ZZ".
_NOT_COUNTRIES = {"ZZ", "EU", "EZ", "UN", "QO"}
# Babel types its locale-data keys as str | int | None; the territory codes are always strings.
COUNTRY_CODES = sorted(
    code for code in cast("Iterable[str]", Locale("en").territories)
    if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
)
CURRENCY_CODES = sorted(code for code in list_currencies() if len(code) == 3)


def country_choices() -> list[tuple[str, object]]:
    """Every country as "CN · China" ("CN · 中国"), in the order of their codes: the same order in every language,
    and a code typed on a closed list picks its country, as with the currencies ("USD · US Dollar")."""
    return [(code, country_label(code)) for code in COUNTRY_CODES]


def currency_choices() -> list[tuple[str, object]]:
    return [(code, currency_name(code)) for code in CURRENCY_CODES]


def validate_country(value: str) -> None:
    if value and value not in COUNTRY_CODES:
        raise ValidationError(_("%(value)s is not an ISO 3166 country code."), params={"value": value})


def validate_currency(value: str) -> None:
    if value not in CURRENCY_CODES:
        raise ValidationError(_("%(value)s is not an ISO 4217 currency code."), params={"value": value})


def validate_content_language(value: str) -> None:
    if value not in dict(CONTENT_LANGUAGES):
        raise ValidationError(_("%(value)s is not a supported language."), params={"value": value})
