"""A settlement's PDF summary, with the fonts and the A4 stylesheet of the project's printed documents.

Reproducible: the same settlement gives the same bytes. The document carries no creation or modification date
(WeasyPrint writes them only when the HTML's metadata has them) and its file identifier (/ID) is derived from the
settlement number instead of being left out or random; it is printed in the store's language and time zone."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.template.loader import render_to_string
from django.utils import translation

from sellercenter.pdf import html_to_pdf

from .fees import round_money

if TYPE_CHECKING:
    from .services.settlements import Totals


def _language() -> str:
    tenant = connection.tenant  # type: ignore[attr-defined]
    return str(getattr(tenant, "default_language", "") or "en")


def settlement_html(*, number: str, start: dt.datetime, end: dt.datetime, totals: Totals,
                    values: dict[str, Decimal | int]) -> str:
    from .services.settlements import store_zone

    zone = store_zone()
    tenant = connection.tenant  # type: ignore[attr-defined]
    shown = {name: round_money(Decimal(value), totals.currency) for name, value in values.items()
             if name != "line_count"}
    context: dict[str, Any] = {
        "number": number, "store_name": getattr(tenant, "name", ""), "currency": totals.currency,
        "start": start.astimezone(zone).date(), "last_day": (end.astimezone(zone) - dt.timedelta(days=1)).date(),
        "zone": str(zone), "v": shown, "line_count": values["line_count"],
        "fees": sum((shown[name] for name in ("commission", "closing_fee", "fulfilment", "storage", "refund_admin",
                                              "conversion_fee")), start=Decimal(0)),
    }
    with translation.override(_language()):
        return render_to_string("finance/settlement_pdf.html", context)


def settlement_pdf(*, number: str, start: dt.datetime, end: dt.datetime, totals: Totals,
                   values: dict[str, Decimal | int]) -> bytes:
    html = settlement_html(number=number, start=start, end=end, totals=totals, values=values)
    identifier = hashlib.sha256(f"settlement {number}".encode()).hexdigest()[:32].encode("ascii")
    return html_to_pdf(html, style="sheet", identifier=identifier)
