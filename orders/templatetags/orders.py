"""Formatting of orders on the pages: a status as a coloured badge, a capped count, an address, the rows of the
list and its filters' options."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from sellercenter.kept import Kept
from stores.templatetags.shell import escaped, money, number, when

from ..buyer_data import address_lines
from ..models import Order, OrderEvent, Return

register = template.Library()

S = Order.Status
BADGES: dict[str, str] = {
    S.PENDING_PAYMENT: "text-bg-light border",
    S.UNSHIPPED: "text-bg-primary-subtle border border-primary-subtle text-primary-emphasis",
    S.PARTIALLY_SHIPPED: "text-bg-info-subtle border border-info-subtle text-info-emphasis",
    S.CANCEL_REQUESTED: "text-bg-warning-subtle border border-warning-subtle text-warning-emphasis",
    S.SHIPPED: "text-bg-success-subtle border border-success-subtle text-success-emphasis",
    S.DELIVERED: "text-bg-success",
    S.CANCELLED: "text-bg-secondary",
}
RETURN_BADGE = "text-bg-danger-subtle border border-danger-subtle text-danger-emphasis"


@register.filter
def status_badge(status: str) -> SafeString:
    label = S(status).label if status in S.values else status
    return format_html('<span class="badge {}">{}</span>', BADGES.get(status, RETURN_BADGE), label)


RETURN_BADGES: dict[str, str] = {
    Return.Status.REQUESTED: "text-bg-warning-subtle border border-warning-subtle text-warning-emphasis",
    Return.Status.AUTHORISED: "text-bg-primary-subtle border border-primary-subtle text-primary-emphasis",
    Return.Status.RECEIVED: "text-bg-info-subtle border border-info-subtle text-info-emphasis",
    Return.Status.REFUNDED: "text-bg-success-subtle border border-success-subtle text-success-emphasis",
    Return.Status.REJECTED: "text-bg-secondary",
}


@register.filter
def return_badge(status: str) -> SafeString:
    label = Return.Status(status).label if status in Return.Status.values else status
    return format_html('<span class="badge {}">{}</span>', RETURN_BADGES.get(status, ""), label)


@register.filter
def status_label(status: str) -> str:
    return str(S(status).label) if status in S.values else status


@register.filter
def event_label(kind: str) -> str:
    return str(OrderEvent.Kind(kind).label) if kind in OrderEvent.Kind.values else kind


@register.filter
def capped(count: tuple[int, bool] | None) -> str:
    """A tab's count: "12", or "500+" when counting stopped at the cap."""
    if count is None:
        return ""
    value, more = count
    return _("%(count)s+") % {"count": number(value)} if more else number(value)


@register.filter
def address(order: Order) -> list[str]:
    return address_lines(order)


@register.filter
def get(mapping: dict[str, Any] | None, key: str) -> Any:
    return (mapping or {}).get(key)


_options: Kept[SafeString] = Kept(256)


@register.simple_tag
def select_options(field: Any) -> SafeString:
    """The options of a filter's select, built here: the template loop cost a few milliseconds for the 250
    countries on every page of the list. A field whose choices are the same on every page (``fixed_choices``)
    has its options kept once built, per language and chosen value."""
    current = "" if field.value() is None else str(field.value())

    def build() -> SafeString:
        return format_html_join("", '<option value="{}"{}>{}</option>', (
            (value, mark_safe(" selected") if str(value) == current else "", label)
            for value, label in field.field.choices))

    if not getattr(field.field, "fixed_choices", False):
        return build()
    return _options.get_or_make((field.html_name, get_language() or "", current), build)


def _lines_cell(order: Order, more: Callable[[int], str]) -> str:
    lines: list[dict[str, Any]] = getattr(order, "line_list", [])
    cell = "".join(f'<div class="small text-truncate" style="max-width:18rem"><span class="font-monospace">'
                   f'{escaped(line["sku"])}</span> × {escaped(number(line["quantity"]))}</div>' for line in lines[:2])
    if len(lines) > 2:
        cell += f'<div class="small text-secondary">{escaped(more(len(lines) - 2))}</div>'
    return cell


def _ship_by_cell(order: Order, labels: dict[str, str]) -> str:
    """When the order must ship by, red with a badge once overdue. On a phone, where the row is a stacked card
    without the table's header, the time comes with its label (``sc-stack-show`` in app.css)."""
    if order.ship_by is None:
        return ""
    label = f'<span class="d-md-none text-secondary">{labels["ship_by"]}</span> '
    if order.overdue:
        return (f'{label}<span class="text-danger fw-semibold">{escaped(when(order.ship_by, "short"))}</span> '
                f'<span class="badge text-bg-danger">{labels["overdue"]}</span>')
    shade = "" if order.awaiting_shipment else ' class="text-secondary"'
    return f"{label}<span{shade}>{escaped(when(order.ship_by, 'short'))}</span>"


@register.simple_tag
def order_rows(orders: list[Order], selectable: bool) -> SafeString:
    """The rows of the order list, built here rather than with ``{% for %}``: the template loop took about half of
    the page's time for 50 rows. It only formats; labels go through gettext, and every value is escaped (``escaped``)
    as it goes into the markup: with fifty rows of a dozen values, ``format_html`` per value was a third of the
    page's time."""
    # Labels translated and escaped once for the page.
    labels = {key: escaped(label) for key, label in {
        "platform": _("Platform"), "attention": _("Needs attention"), "overdue": _("Overdue"),
        "ship_by": _("Ship by")}.items()}
    # Badges and the order page's address, made once for the page rather than once a row.
    badges = {value: status_badge(value) for value in S.values}
    marker = "0"
    detail = reverse("orders:order-detail", args=[marker])
    before, after = detail[:detail.rindex(marker)], detail[detail.rindex(marker) + len(marker):]
    platform = f" · {labels['platform']}"
    attention = (f'<span class="d-block small text-danger-emphasis mt-1"><i class="bi bi-exclamation-triangle" '
                 f'aria-hidden="true"></i> {labels["attention"]}</span>')

    select = _("Select %(number)s")

    def more(count: int) -> str:
        return ngettext("and %(count)s more SKU", "and %(count)s more SKUs", count) % {"count": count}

    rows = []
    for order in orders:
        url = escaped(f"{before}{quote(order.number, safe='')}{after}")
        number_ = escaped(order.number)
        # sc-listing-select and sc-stack-full: the shared classes that stack a row on a phone (app.css).
        check = (f'<td class="sc-listing-select"><input class="form-check-input" type="checkbox" name="ids" '
                 f'value="{order.pk}" form="order-bulk" aria-label="{escaped(select % {"number": order.number})}"></td>'
                 ) if selectable else ""
        site = (f"{escaped(order.marketplace.code)} · {escaped(when(order.placed_at, 'short'))}"
                f"{platform if order.channel == 'platform' else ''}")
        badge = badges.get(order.status) or status_badge(order.status)
        rows.append(
            f'<tr>{check}<td class="sc-stack-full"><a class="fw-semibold text-nowrap" href="{url}">{number_}</a>'
            f'<div class="small text-secondary">{site}</div></td>'
            f"<td>{_lines_cell(order, more)}</td>"
            f"<td>{escaped(order.buyer_shown)}<div class=\"small text-secondary\">"  # type: ignore[attr-defined]
            f"{escaped(order.email_shown)} · {escaped(order.ship_country)}</div></td>"  # type: ignore[attr-defined]
            f'<td class="text-end">{escaped(money(order.grand_total, order.currency))}</td>'
            f"<td>{badge}{attention if order.attention else ''}</td>"
            f'<td class="d-none d-lg-table-cell sc-stack-show small">{_ship_by_cell(order, labels)}</td>'
            "</tr>")
    return mark_safe("\n".join(rows))  # every value in the rows went through escaped()
