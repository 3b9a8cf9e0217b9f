"""The rows of the product list, formatted in Python, as the listing list's rows are (see ``listings.py`` here).

Rendered with ``{% for %}``, ``{% url %}``, an ``{% include %}`` of the status badge and template variables, the 50
rows of a page were the largest part of the page's CPU; the same markup built here costs a fraction of it. It only
formats: numbers and times go through the shell filters (Babel), every label through gettext, every value through
HTML escaping as it goes into the markup (a ``format_html`` call per value was a large part of the rows' cost).
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from stores.templatetags.shell import escaped, number, when

from ..models import Product
from ..selectors_products import ProductRow

register = template.Library()

# The badges of templates/catalog/_product_status.html, which the product pages' header still includes; any other
# status shows as archived there too.
STATUS_BADGES: dict[str, str] = {
    Product.Status.ACTIVE: "text-bg-success-subtle border border-success-subtle text-success-emphasis",
    Product.Status.DRAFT: "text-bg-light border",
    Product.Status.ARCHIVED: "text-bg-secondary",
}
NO_VALUE = mark_safe('<span class="text-secondary">—</span>')
NO_SITES = mark_safe('<span class="text-secondary small">—</span>')
NO_IMAGE = mark_safe('<span class="sc-thumb-empty" aria-hidden="true"><i class="bi bi-image"></i></span>')


@register.simple_tag
def product_rows(rows: Iterable[ProductRow]) -> SafeString:
    """``<tr>`` rows of the product table, each value escaped (``escaped``) as it goes into the markup."""
    # Status names, translated once for the page rather than once a row.
    statuses = {value: escaped(label) for value, label in Product.Status.choices}
    chinese = get_language() == "zh-hans"
    list_url = escaped(reverse("catalog:product-list"))  # a product's page is at products/<pk>/
    html_rows = []
    for row in rows:
        product, category = row.product, row.category
        status = product.status if product.status in STATUS_BADGES else Product.Status.ARCHIVED
        thumbnail = (f'<img src="{escaped(row.thumbnail_url)}" alt="" width="44" height="44" '
                     f'class="rounded border object-fit-cover bg-white" loading="lazy">'
                     if row.thumbnail_url else NO_IMAGE)
        category_name: str
        if category is None:
            category_name = NO_VALUE
        else:
            category_name = escaped((category.name_zh or category.name_en) if chinese else category.name_en)
        sites = "".join(f'<span class="badge text-bg-light border fw-normal me-1">{escaped(code)}</span>'
                        for code in row.sites) if row.sites else NO_SITES
        brand = f" · {escaped(product.brand)}" if product.brand else ""
        html_rows.append(
            "<tr>"
            f"<td>{thumbnail}</td>"
            f'<td><a class="fw-semibold text-decoration-none" href="{list_url}{product.pk}/">'
            f"{escaped(row.title or product.code)}</a>"
            f'<div class="small text-secondary">{escaped(product.code)}{brand}</div></td>'
            f'<td class="small">{category_name}</td>'
            f'<td class="text-end">{escaped(number(row.variants))}</td>'
            f'<td class="text-end{"" if row.available else " text-danger"}">{escaped(number(row.available))}</td>'
            f"<td>{sites}</td>"
            f'<td><span class="badge {STATUS_BADGES[status]}">{statuses[status]}</span></td>'
            f'<td class="small text-secondary text-nowrap">{escaped(when(product.updated_at, "short"))}</td>'
            "</tr>"
        )
    return mark_safe("\n".join(html_rows))  # every value in the rows went through escaped()
