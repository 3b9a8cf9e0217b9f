"""The rows of the product list, formatted in Python, as the listing list's rows are (see ``listings.py`` here).

Rendered with ``{% for %}``, ``{% url %}``, an ``{% include %}`` of the status badge and template variables, the 50
rows of a page were the largest part of the page's CPU; the same markup built here costs a fraction of it. It only
formats: numbers and times go through the shell filters (Babel), every label through gettext, every value through
``format_html`` escaping.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from stores.templatetags.shell import number, when

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
    """``<tr>`` rows of the product table."""
    # Status names, translated once for the page rather than once a row.
    statuses = {value: str(label) for value, label in Product.Status.choices}
    chinese = get_language() == "zh-hans"
    list_url = reverse("catalog:product-list")  # a product's page is at products/<pk>/
    html = []
    for row in rows:
        product, category = row.product, row.category
        status = product.status if product.status in STATUS_BADGES else Product.Status.ARCHIVED
        thumbnail = format_html(
            '<img src="{}" alt="" width="44" height="44" class="rounded border object-fit-cover bg-white" '
            'loading="lazy">', row.thumbnail_url) if row.thumbnail_url else NO_IMAGE
        if category is None:
            category_name = NO_VALUE
        else:
            category_name = format_html("{}", (category.name_zh or category.name_en) if chinese
                                        else category.name_en)
        sites = format_html_join("", '<span class="badge text-bg-light border fw-normal me-1">{}</span>',
                                 ((code,) for code in row.sites)) if row.sites else NO_SITES
        html.append(format_html(
            "<tr>"
            "<td>{thumbnail}</td>"
            '<td><a class="fw-semibold text-decoration-none" href="{url}{pk}/">{title}</a>'
            '<div class="small text-secondary">{code}{brand}</div></td>'
            '<td class="small">{category}</td>'
            '<td class="text-end">{variants}</td>'
            '<td class="text-end{empty}">{available}</td>'
            "<td>{sites}</td>"
            '<td><span class="badge {badge}">{status}</span></td>'
            '<td class="small text-secondary text-nowrap">{updated}</td>'
            "</tr>",
            thumbnail=thumbnail, url=list_url, pk=product.pk, title=row.title or product.code, code=product.code,
            brand=format_html(" · {}", product.brand) if product.brand else "", category=category_name,
            variants=number(row.variants), empty="" if row.available else " text-danger",
            available=number(row.available), sites=sites,
            badge=STATUS_BADGES[status], status=statuses[status],
            updated=when(product.updated_at, "short"),
        ))
    return mark_safe("\n".join(html))  # every part was escaped by format_html above
