"""Which customs declaration a parcel carries: CN22 or CN23.

CN22 or CN23. The UPU's CN22 covers postal items whose contents are worth up to 300 SDR (special drawing rights);
above that the sender fills in a CN23. The limit is held here per currency as a fixed round figure at or below
300 SDR (at the rates of November 2026, 1 SDR is about 1.36 USD), so a parcel just under the limit in one currency
is never wrongly sent with a CN22. A currency missing from the table gets a CN23, which customs always accept.
A caller with a carrier-specific rule passes its own ``limit``.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .data import ExportReason, Parcel

CN22 = "CN22"
CN23 = "CN23"

CN22_LIMIT_SDR = Decimal(300)
CN22_LIMITS: dict[str, Decimal] = {
    "XDR": CN22_LIMIT_SDR,
    "USD": Decimal(400),
    "EUR": Decimal(350),
    "GBP": Decimal(300),
    "CNY": Decimal(2900),
    "HKD": Decimal(3100),
    "JPY": Decimal(60000),
    "KRW": Decimal(550000),
    "SGD": Decimal(520),
    "AUD": Decimal(600),
    "CAD": Decimal(550),
    "CHF": Decimal(320),
    "THB": Decimal(13000),
    "MYR": Decimal(1800),
    "AED": Decimal(1450),
    "SAR": Decimal(1500),
}


def customs_form(parcel: Parcel, *, limit: Decimal | None = None) -> str | None:
    """``"CN22"``, ``"CN23"``, or ``None`` for a parcel that stays in its country."""
    if not parcel.is_international:
        return None
    if limit is None:
        limit = CN22_LIMITS.get(parcel.currency)
    if limit is None or parcel.declared_value > limit:
        return CN23
    return CN22


def reason_choices() -> list[tuple[ExportReason, str]]:
    """The UPU categories of item, in the order the CN22/CN23 prints them, named in the active language."""
    return [
        (ExportReason.GIFT, pgettext("shipping document", "Gift")),
        (ExportReason.SAMPLE, _("Commercial sample")),
        (ExportReason.DOCUMENTS, pgettext("shipping document", "Documents")),
        (ExportReason.RETURN, _("Returned goods")),
        (ExportReason.SALE, _("Sale of goods")),
        (ExportReason.OTHER, pgettext("shipping document", "Other")),
    ]


def reason_label(reason: ExportReason) -> str:
    return dict(reason_choices())[reason]
