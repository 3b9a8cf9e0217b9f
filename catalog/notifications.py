"""How the catalog's notifications read, in the reader's language. Registered with audit when the app loads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from django.utils.translation import gettext as _

from stores.reference import babel_locale


def _number(value: Any) -> str:
    return format_decimal(Decimal(str(value)), locale=babel_locale())


def low_stock_text(params: dict[str, Any]) -> str:
    threshold, available = params.get("threshold"), params["available"]
    if params.get("days_of_cover") is not None and (threshold is None or available >= threshold):
        return _("%(sku)s is running low: %(available)s available, about %(days)s days of sales "
                 "(alert below %(min_days)s days).") % {
            "sku": params["sku"], "available": _number(available), "days": _number(params["days_of_cover"]),
            "min_days": _number(params["min_days_of_cover"])}
    return _("%(sku)s is running low: %(available)s available (alert below %(threshold)s).") % {
        "sku": params["sku"], "available": _number(available), "threshold": _number(threshold)}


NOTIFICATION_KINDS = {"catalog.low_stock": low_stock_text}
