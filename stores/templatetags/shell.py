"""Links across the public site and the stores, and locale-aware formatting through Babel."""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from decimal import Decimal
from typing import Any, Literal

from babel.dates import (
    DateTimePattern,
    format_date,
    format_datetime,
    get_date_format,
    get_datetime_format,
    get_time_format,
    parse_pattern,
)
from babel.numbers import format_currency, format_decimal
from django import template
from django.utils import timezone
from django.utils.safestring import SafeData, SafeString
from django.utils.translation import get_language

from sellercenter.kept import Kept

from ..reference import babel_locale
from ..routing import public_reverse, store_reverse

register = template.Library()


@register.simple_tag
def public_url(viewname: str, *args: Any, **kwargs: Any) -> str:
    return public_reverse(viewname, *args, **kwargs)


@register.simple_tag
def store_url(handle: str, viewname: str, *args: Any, **kwargs: Any) -> str:
    return store_reverse(handle, viewname, *args, **kwargs)


NAV_TEMPLATE = "_partials/store_nav.html"
_navs: Kept[SafeString] = Kept(1024)


@register.simple_tag(takes_context=True)
def store_nav(context: template.Context) -> SafeString:
    """The store's navigation, rendered once per store name and address, language, page and what the role may
    see, then reused: everything it shows follows from those, so a renamed store or a changed role is simply
    another entry, never a stale one."""
    request = context["request"]
    store = context["store"]
    match = getattr(request, "resolver_match", None)
    can = context.get("can") or {}
    key = (store.pk, store.handle, store.name, get_language(), match.view_name if match else "",
           match.namespace if match else "",
           tuple((module, tuple(sorted(levels.items()))) for module, levels in sorted(can.items())))
    engine = context.template.engine if context.template is not None else None
    assert engine is not None
    return _navs.get_or_make(key, lambda: engine.get_template(NAV_TEMPLATE).render(context))  # a SafeString


def escaped(value: Any) -> str:
    """``value`` escaped for HTML as ``format_html`` escapes it, markup already safe kept as it is: for rows built
    in Python, where a ``format_html`` call per value costs more than the rest of the row."""
    return str(value) if isinstance(value, SafeData) else html.escape(str(value))


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """``{{ amount|money:"JPY" }}`` in the reader's locale, with the currency's own number of decimals."""
    if amount is None:
        return ""
    return format_currency(amount, currency, locale=babel_locale())


@register.filter
def number(value: Decimal | int | None) -> str:
    if value is None:
        return ""
    if type(value) is int:  # most numbers on a page are small counts that repeat from row to row
        return _integer(value, get_language() or "en")
    return format_decimal(value, locale=babel_locale())


@functools.lru_cache(maxsize=4096)
def _integer(value: int, language: str) -> str:
    return format_decimal(value, locale=babel_locale(language))


@register.filter
def when(value: dt.datetime | None, style: str = "medium") -> str:
    """A datetime in the current (store's) time zone, formatted for the reader's locale."""
    if value is None:
        return ""
    if style == "short" or style == "medium":
        # Lists show a hundred of these a page: the locale's pattern is looked up once, not per value.
        return _datetime_pattern(style, get_language() or "en").apply(timezone.localtime(value), babel_locale())
    return format_datetime(timezone.localtime(value), format=style, tzinfo=timezone.get_current_timezone(),
                           locale=babel_locale())


@functools.lru_cache(maxsize=64)
def _datetime_pattern(style: Literal["short", "medium"], language: str) -> DateTimePattern:
    """The locale's date and time patterns of ``style`` joined as its datetime format joins them, as one pattern:
    what ``format_datetime`` writes, for the styles without a time zone name. The joining text is literal (Babel
    drops its quotes), so it is quoted as a whole here."""
    locale = babel_locale(language)
    glue = str(get_datetime_format(style, locale=locale)).replace("'", "")
    parts = []
    for piece in re.split(r"(\{[01]\})", glue):
        if piece == "{0}":
            parts.append(get_time_format(style, locale=locale).pattern)
        elif piece == "{1}":
            parts.append(get_date_format(style, locale=locale).pattern)
        elif piece:
            parts.append("'" + piece + "'")
    return parse_pattern("".join(parts))


@register.filter
def day(value: dt.date | None, style: str = "medium") -> str:
    return "" if value is None else format_date(value, format=style, locale=babel_locale())
