"""The rows of the stock list, formatted in Python, as the listing list's rows are (see ``listings.py`` here).

Rendered with ``{% for %}``, ``{% url %}`` and ``{% blocktranslate %}`` for each of the 50 SKUs of a page, the rows
were the largest part of the page's CPU. It only formats: numbers go through the shell filter (Babel), every label
through gettext, every value through ``format_html`` escaping.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from stores.templatetags.shell import number

register = template.Library()

NO_VALUE = mark_safe('<span class="text-secondary">—</span>')


def _rule_cell(rule: Any, low: str) -> SafeString:
    if rule is None:
        return NO_VALUE
    parts = [low] if rule.is_low else []
    # The messages carry "&lt;" themselves (they are the templates' {% blocktranslate %} strings).
    if rule.min_available:
        parts.append(format_html('<span class="text-secondary">{}</span>',
                                 mark_safe(_("&lt; %(n)s units") % {"n": int(rule.min_available)})))
    if rule.min_days_of_cover:
        parts.append(format_html('<span class="text-secondary">{}</span>',
                                 mark_safe(_("&lt; %(n)s days") % {"n": int(rule.min_days_of_cover)})))
    return mark_safe("\n".join(parts))


@register.simple_tag
def stock_rows(variants: Iterable[Any], editable: bool, warehouse: Any = None) -> SafeString:
    """``<tr>`` rows of the stock table (SKUs as ``selectors.stock_list`` shapes them). ``editable`` adds the
    selection checkbox and the adjust button, which keeps ``warehouse`` (the filter) when there is one."""
    labels = {"adjust": _("Adjust"), "select": _("Select %(sku)s")}  # translated once for the page
    low = format_html('<span class="badge text-bg-warning"><i class="bi bi-exclamation-triangle me-1" '
                      'aria-hidden="true"></i>{}</span>', _("Low"))
    stock_url = reverse("catalog:stock-list")  # a SKU's pages are at stock/<pk>/ and stock/<pk>/adjust/
    adjust_query = f"?warehouse={warehouse.pk}" if warehouse else ""
    rows = []
    for variant in variants:
        select = format_html(
            '<td><input class="form-check-input" type="checkbox" name="variant" value="{}" aria-label="{}"></td>',
            variant.pk, labels["select"] % {"sku": variant.sku},
        ) if editable else ""
        options = format_html('<div class="small text-secondary">{}</div>', " · ".join(
            str(value) for value in variant.options.values())) if variant.options else ""
        adjust = format_html('<a class="btn btn-sm btn-outline-secondary" href="{}{}/adjust/{}">{}</a>', stock_url,
                             variant.pk, adjust_query, labels["adjust"]) if editable else ""
        rows.append(format_html(
            "<tr>{select}"
            '<td class="text-nowrap"><a class="fw-semibold" href="{url}{pk}/">{sku}</a>{options}</td>'
            '<td class="small d-none d-md-table-cell"><div class="text-truncate" style="max-width:320px">{title}</div>'
            '<div class="text-secondary">{code}</div></td>'
            '<td class="text-end">{on_hand}</td>'
            '<td class="text-end d-none d-sm-table-cell">{reserved}</td>'
            '<td class="text-end fw-semibold{empty}">{available}</td>'
            '<td class="small text-nowrap">{rule}</td>'
            '<td class="text-end text-nowrap">{adjust}</td></tr>',
            select=select, url=stock_url, pk=variant.pk, sku=variant.sku, options=options,
            title=variant.title or "—", code=variant.product.code, on_hand=number(variant.on_hand),
            reserved=number(variant.reserved), empty=" text-danger" if variant.available <= 0 else "",
            available=number(variant.available), rule=_rule_cell(variant.rule, low), adjust=adjust,
        ))
    return mark_safe("\n".join(rows))  # every part was escaped by format_html above
