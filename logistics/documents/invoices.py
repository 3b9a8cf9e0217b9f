"""A4 customs papers: the commercial invoice (what customs taxes the goods on) and the packing slip (what the
parcel holds, without prices, for the buyer and the warehouse).

Totals are computed here with ``Decimal`` and rounded half-even to the currency's own exponent (JPY 0, USD 2,
KWD 3) by ``catalog.pricing.round_exact``; the template only formats them, through the project's Babel ``money``
filter, in the document's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.template.loader import get_template
from django.utils import translation

from sellercenter.pdf import html_to_pdf

from .addresses import address_block, text_language
from .customs import reason_label
from .data import CommercialInvoice, PackingSlip

INVOICE_TEMPLATE = "logistics/documents/invoice.html"
PACKING_SLIP_TEMPLATE = "logistics/documents/packing_slip.html"


def _invoice_context(invoice: CommercialInvoice) -> dict[str, Any]:
    return {
        "invoice": invoice,
        "seller": address_block(invoice.seller),
        "buyer": address_block(invoice.buyer),
        "ship_to": address_block(invoice.ship_to),
        "rows": [{"item": item, "lang": text_language(item.description)} for item in invoice.items],
        "reason": reason_label(invoice.reason),
        "signatory": invoice.signatory or invoice.seller.name,
    }


def invoices_html(invoices: Sequence[CommercialInvoice], *, language: str = "en") -> str:
    with translation.override(language):
        documents = [_invoice_context(invoice) for invoice in invoices]
        return get_template(INVOICE_TEMPLATE).render({"documents": documents, "language": language})


def invoices_pdf(invoices: Sequence[CommercialInvoice], *, language: str = "en") -> bytes:
    """Commercial invoices, each starting on a new page, in one PDF."""
    if not invoices:
        raise ValueError("no invoices to print")
    return html_to_pdf(invoices_html(invoices, language=language), style="sheet")


def invoice_pdf(invoice: CommercialInvoice, *, language: str = "en") -> bytes:
    return invoices_pdf([invoice], language=language)


def _slip_context(slip: PackingSlip) -> dict[str, Any]:
    return {
        "slip": slip,
        "ship_from": address_block(slip.ship_from),
        "ship_to": address_block(slip.ship_to),
        "rows": [{"line": line, "lang": text_language(line.description)} for line in slip.lines],
    }


def packing_slips_html(slips: Sequence[PackingSlip], *, language: str = "en") -> str:
    with translation.override(language):
        documents = [_slip_context(slip) for slip in slips]
        return get_template(PACKING_SLIP_TEMPLATE).render({"documents": documents, "language": language})


def packing_slips_pdf(slips: Sequence[PackingSlip], *, language: str = "en") -> bytes:
    """Packing slips, each starting on a new page, in one PDF."""
    if not slips:
        raise ValueError("no packing slips to print")
    return html_to_pdf(packing_slips_html(slips, language=language), style="sheet")


def packing_slip_pdf(slip: PackingSlip, *, language: str = "en") -> bytes:
    return packing_slips_pdf([slip], language=language)
