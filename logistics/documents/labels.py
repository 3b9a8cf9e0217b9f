"""4 x 6 inch shipping labels (101.6 x 152.4 mm), one parcel a page.

A label carries the sender, the recipient in large type, the carrier and its service, a Code 128 barcode of the
tracking number, a QR code, the order number and the weight; an international parcel also carries a CN22 block,
or a CN23 one when its contents are worth more than the CN22 limit (see ``customs``), listing each kind of goods
with its quantity, net weight, value, HS tariff number and country of origin, under the sender's certification.

A batch is one HTML document with a page break after each label, rendered in one pass: the fonts and stylesheet are
loaded once, and the PDF embeds each font once for all pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.template.loader import get_template
from django.utils import timezone, translation

from sellercenter.pdf import html_to_pdf

from .addresses import address_block, text_language
from .codes import code128_svg, qr_svg
from .customs import customs_form, reason_choices
from .data import ExportReason, Parcel

TEMPLATE = "logistics/documents/label.html"
# Lines of goods that fit in the customs block of a label, each description cut to two lines; the rest are summed
# into one line (the commercial invoice lists them all).
CUSTOMS_ROWS = 3


def _label_context(parcel: Parcel, *, cn22_limit: Decimal | None,
                   reasons: list[tuple[ExportReason, str]]) -> dict[str, Any]:
    form = customs_form(parcel, limit=cn22_limit)
    items = parcel.items
    shown, rest = items[:CUSTOMS_ROWS], items[CUSTOMS_ROWS:]
    return {
        "parcel": parcel,
        "sender": address_block(parcel.sender),
        "recipient": address_block(parcel.recipient),
        "barcode": code128_svg(parcel.tracking_number),
        "qrcode": qr_svg(parcel.qr_data or parcel.tracking_number),
        "customs_form": form,
        "customs_items": [{"item": item, "lang": text_language(item.description)} for item in shown],
        "customs_more": len(rest),
        "customs_more_value": sum((item.total_value for item in rest), Decimal(0)),
        "customs_more_weight": sum((item.net_weight_kg for item in rest), Decimal(0)),
        "signatory": parcel.signatory or parcel.sender.name,
        "signed_on": parcel.signed_on or timezone.localdate(),
        "reasons": reasons,
    }


def labels_html(parcels: Sequence[Parcel], *, language: str = "en", cn22_limit: Decimal | None = None) -> str:
    with translation.override(language):
        reasons = reason_choices()
        labels = [_label_context(parcel, cn22_limit=cn22_limit, reasons=reasons) for parcel in parcels]
        return get_template(TEMPLATE).render({"labels": labels, "language": language})


def labels_pdf(parcels: Sequence[Parcel], *, language: str = "en", cn22_limit: Decimal | None = None) -> bytes:
    """All the labels in one PDF, one page each, in the given order."""
    if not parcels:
        raise ValueError("no parcels to print")
    return html_to_pdf(labels_html(parcels, language=language, cn22_limit=cn22_limit), style="label")


def label_pdf(parcel: Parcel, *, language: str = "en", cn22_limit: Decimal | None = None) -> bytes:
    return labels_pdf([parcel], language=language, cn22_limit=cn22_limit)
