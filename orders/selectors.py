"""Reads of orders shaped for the pages, services and the platform API that need them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from sellercenter.pagination import KeysetPage, keyset_page

from .buyer_data import mask_email, mask_name
from .models import Order, OrderEvent, OrderLine, OrderNote, OrderSavedView, Refund, Return, ReturnLine


def order_for_marketplace(*, marketplace_code: str, marketplace_order_id: str) -> Order | None:
    """The order a marketplace knows by its own id, or None."""
    return (Order.objects.select_related("marketplace")
            .filter(marketplace__code=marketplace_code, marketplace_order_id=marketplace_order_id).first())


# --- The order pages: the list with its tabs and filters, one order ------------------------------------------

ORDER_PAGE_SIZE = 50
# Counting stops here: a tab says "more than 500" instead of counting every order of a large store on each page.
ORDER_COUNT_CAP = 500
# A search or SKU matching at most this many orders is run once and its ids reused for the page and the counts.
ORDER_MATCH_IDS = 500
ORDER_ORDER = ("-placed_at", "-id")
# "Ship-by passed" lists the most overdue first: the partial index order_ship_by_open walks exactly those orders.
ORDER_ORDER_OVERDUE = ("ship_by", "id")
ORDER_ROW_FIELDS = (
    "id", "number", "marketplace_id", "channel", "status", "attention", "currency", "buyer_name", "buyer_email",
    "ship_country", "grand_total", "placed_at", "ship_by", "confirmed_at", "tracking_number",
    "marketplace__id", "marketplace__code",
)

S = Order.Status
# The list's tabs: key, label, the statuses each holds (None: every order).
ORDER_TABS: list[tuple[str, Any, tuple[str, ...] | None]] = [
    ("", _("All"), None),
    ("pending_payment", _("Pending payment"), (S.PENDING_PAYMENT,)),
    ("to_ship", _("To ship"), (S.UNSHIPPED, S.PARTIALLY_SHIPPED)),
    ("cancel_requested", _("Cancellation requested"), (S.CANCEL_REQUESTED,)),
    ("shipped", _("Shipped"), (S.SHIPPED,)),
    ("delivered", _("Delivered"), (S.DELIVERED,)),
    ("cancelled", _("Cancelled"), (S.CANCELLED,)),
    ("returns", _("Returns"), (S.RETURN_REQUESTED, S.RETURN_AUTHORISED, S.RETURN_REJECTED, S.RETURNED, S.REFUNDED)),
]
TAB_STATUSES = {key: statuses for key, _label, statuses in ORDER_TABS}


def _ids(ids: list[int]) -> RawSQL:
    # An array parameter, not IN (%s, %s, ...): one parameter, and PostgreSQL joins the few orders by key.
    return RawSQL("SELECT unnest(%s::bigint[])", [ids])


def _search(query: str) -> Q:
    """Order number or tracking number (whole), and buyer e-mail (whole, any case) or buyer name (contains, any
    case). Each branch has its index: the number's unique index, ``order_tracking``, ``order_buyer_email_upper`` and the
    trigram index on UPPER(buyer_name) (orders migration 0002)."""
    condition = Q(number=query.upper()) | Q(tracking_number=query)
    # An e-mail address is looked up whole; no name contains an "@".
    return condition | (Q(buyer_email__iexact=query) if "@" in query else Q(buyer_name__icontains=query))


def order_filters_resolve(filters: dict[str, Any]) -> dict[str, Any]:
    """``filters`` with the search and the SKU decided once for the page and its counts: matching at most
    ORDER_MATCH_IDS orders, they become those orders' ids; matching more, they stay conditions checked row by row
    while the list is walked newest first (a page of matches after a short walk), and the counts are not taken."""
    resolved = dict(filters)
    query = (filters.get("q") or "").strip()
    if query:
        ids = list(Order.objects.filter(_search(query)).order_by().values_list("pk", flat=True)[: ORDER_MATCH_IDS + 1])
        if len(ids) <= ORDER_MATCH_IDS:
            resolved["search_ids"] = ids
        else:
            resolved["search_walk"] = query
    sku = (filters.get("sku") or "").strip()
    if sku:
        ids = list(OrderLine.objects.filter(sku=sku).order_by().values_list("order_id", flat=True)
                   [: ORDER_MATCH_IDS + 1])
        if len(ids) <= ORDER_MATCH_IDS:
            resolved["sku_ids"] = ids
        else:
            resolved["sku_walk"] = sku
    return resolved


def _order_filtered(filters: dict[str, Any], *, tab: bool = True) -> QuerySet[Order]:
    queryset = Order.objects.all()
    if filters.get("search_ids") is not None:
        queryset = queryset.filter(pk__in=_ids(filters["search_ids"]))
    elif filters.get("search_walk"):
        queryset = queryset.filter(_search(filters["search_walk"]))
    if filters.get("sku_ids") is not None:
        queryset = queryset.filter(pk__in=_ids(filters["sku_ids"]))
    elif filters.get("sku_walk"):
        queryset = queryset.filter(Exists(OrderLine.objects.filter(order_id=OuterRef("pk"), sku=filters["sku_walk"])))
    statuses = TAB_STATUSES.get(filters.get("tab") or "") if tab else None
    if statuses:
        queryset = queryset.filter(status=statuses[0]) if len(statuses) == 1 else queryset.filter(status__in=statuses)
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("site"):
        queryset = queryset.filter(marketplace_id=filters["site"])
    if filters.get("channel"):
        queryset = queryset.filter(channel=filters["channel"])
    if filters.get("country"):
        queryset = queryset.filter(ship_country=filters["country"])
    if filters.get("placed_from"):
        queryset = queryset.filter(placed_at__gte=filters["placed_from"])
    if filters.get("placed_to"):
        queryset = queryset.filter(placed_at__lt=filters["placed_to"])
    if filters.get("overdue"):
        queryset = queryset.ship_by_overdue()
    if filters.get("attention"):
        queryset = queryset.needs_attention()
    return queryset


def order_counts(*, filters: dict[str, Any], cap: int = ORDER_COUNT_CAP) -> dict[str, Any]:
    """How many orders match under each tab and under the current filters, each counting at most ``cap`` + 1 rows,
    all in one query: ``{"tabs": {key: (count, more)}, "total": (count, more)}``. Empty when a search or SKU
    matches too many orders to count quickly (see ``order_filters_resolve``)."""
    if filters.get("search_walk") or filters.get("sku_walk"):
        return {}
    # The statuses the filters themselves allow (a status, or "ship-by passed", which only orders awaiting
    # shipment can be). A tab outside them has nothing to count: it is not asked, since a capped count of an
    # empty match would walk every order the other filters leave.
    allowed: set[str] | None = None
    if filters.get("status"):
        allowed = {filters["status"]}
    if filters.get("overdue"):
        allowed = (allowed or set(Order.AWAITING_SHIPMENT)) & set(Order.AWAITING_SHIPMENT)
    parts: list[str] = []
    params: list[Any] = []
    querysets: list[QuerySet[Order] | None] = [
        None if allowed is not None and statuses is not None and not allowed & set(statuses)
        else _order_filtered({**filters, "tab": key}) for key, _label, statuses in ORDER_TABS]
    querysets.append(_order_filtered(filters))
    # The same count asked twice (the "All" tab and the total; a status filter and its tab) is run once.
    positions: list[int | None] = []
    seen: dict[tuple[str, str], int] = {}
    for queryset in querysets:
        if queryset is None:
            positions.append(None)
            continue
        sql, sql_params = queryset.order_by().values("pk")[: cap + 1].query.sql_with_params()
        key = (sql, repr(sql_params))
        if key not in seen:
            seen[key] = len(parts)
            # Django's own compiled SQL, its values passed as parameters: one round trip for every count.
            parts.append(f"(SELECT count(*) FROM ({sql}) AS capped_{len(parts)})")  # noqa: S608
            params.extend(sql_params)
        positions.append(seen[key])
    row: tuple[int, ...] = ()
    if parts:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            row = cursor.fetchone()
    counts = [(0, False) if position is None else (min(row[position], cap), row[position] > cap)
              for position in positions]
    return {"tabs": {key: counts[index] for index, (key, _label, _s) in enumerate(ORDER_TABS)}, "total": counts[-1]}


def order_lines_attach(orders: list[Order]) -> None:
    """Give each order ``line_list`` (its lines' SKU, quantity and title, in order) and ``units``. One query."""
    by_order: dict[int, list[Any]] = defaultdict(list)
    for row in OrderLine.objects.filter(order_id__in=_ids([order.pk for order in orders])).order_by("order_id", "id") \
            .values("order_id", "sku", "quantity", "title"):
        by_order[row["order_id"]].append(row)
    for order in orders:
        order.line_list = by_order.get(order.pk, [])  # type: ignore[attr-defined]
        order.units = sum(line["quantity"] for line in order.line_list)  # type: ignore[attr-defined]


def order_buyer_shown(orders: Iterable[Order], *, reveal: bool) -> None:
    """Give each order ``buyer_shown`` and ``email_shown``: in full with ``reveal`` (orders:manage), else masked."""
    for order in orders:
        order.buyer_shown = order.buyer_name if reveal else mask_name(order.buyer_name)  # type: ignore[attr-defined]
        order.email_shown = order.buyer_email if reveal else mask_email(order.buyer_email)  # type: ignore[attr-defined]


def _order_of(filters: dict[str, Any]) -> tuple[str, ...]:
    return ORDER_ORDER_OVERDUE if filters.get("overdue") else ORDER_ORDER


def order_page(*, filters: dict[str, Any], reveal: bool, cursor: str = "", direction: str = "next",
               size: int = ORDER_PAGE_SIZE) -> KeysetPage:
    """One page of the order list, walked by (placed_at, id), or by (ship_by, id) when only orders past their ship-by
    date are shown: the last page costs what the first does. Three
    queries whatever the page (the rows, every capped count, the lines), one or two more for a search or a SKU.
    ``page.extra["counts"]`` is ``order_counts``; each row gets ``line_list``, ``units``, ``buyer_shown`` and
    ``email_shown``."""
    filters = order_filters_resolve(filters)
    queryset = _order_filtered(filters).select_related("marketplace").only(*ORDER_ROW_FIELDS)
    page = keyset_page(queryset, order=_order_of(filters), cursor=cursor, direction=direction, size=size)
    page.extra = {"counts": order_counts(filters=filters)}
    order_lines_attach(page.items)
    order_buyer_shown(page.items, reveal=reveal)
    return page


def order_export_rows(*, filters: dict[str, Any], batch: int = 1000) -> Iterator[Order]:
    """Every order the filters match, in the list's order, in batches walked by key (each with its lines)."""
    filters = order_filters_resolve(filters)
    cursor = ""
    while True:
        page = keyset_page(_order_filtered(filters).select_related("marketplace").defer("buyer_phone", "ship_phone"),
                           order=_order_of(filters), cursor=cursor, size=batch)
        order_lines_attach(page.items)
        yield from page.items
        if not page.has_next:
            return
        cursor = page.next_cursor


def order_count_exceeds(*, filters: dict[str, Any], limit: int) -> bool:
    """Whether more than ``limit`` orders match: counts at most ``limit`` + 1 rows."""
    filters = order_filters_resolve(filters)
    return _order_filtered(filters).order_by().values("pk")[: limit + 1].count() > limit


def order_get(*, number: str) -> Order:
    """One order by its number, with its site; 404 if the store has no such order."""
    return get_object_or_404(Order.objects.select_related("marketplace"), number=number)


def order_detail(*, order: Order) -> dict[str, Any]:
    """What the order page shows besides the order: its lines (each with ``product_id`` when its SKU is still in
    the catalog), its history oldest first, and the team's notes newest first. Three queries."""
    lines = list(order.lines.select_related("variant").only(
        "id", "order_id", "sku", "title", "quantity", "unit_price", "tax", "quantity_shipped", "quantity_cancelled",
        "quantity_reserved", "variant__id", "variant__product_id").order_by("id"))
    for line in lines:
        line.product_id = line.variant.product_id if line.variant else None  # type: ignore[attr-defined]
        line.line_total = line.unit_price * line.quantity  # type: ignore[attr-defined]
    events = list(OrderEvent.objects.filter(order=order).order_by("at", "id")
                  .only("id", "kind", "from_status", "to_status", "actor_kind", "actor_email", "at", "note"))
    notes = list(OrderNote.objects.filter(order=order).order_by("-at", "-id"))
    return {"lines": lines, "events": events, "notes": notes}


def order_saved_views(*, user_id: int) -> list[OrderSavedView]:
    """A person's saved views of the order list, by name."""
    return list(OrderSavedView.objects.filter(user_id=user_id).order_by("name"))


# --- Returns ---------------------------------------------------------------------------------------------------

RETURN_PAGE_SIZE = 50
RETURN_COUNT_CAP = 500
R = Return.Status
# The returns page's tabs: what waits for the seller first.
RETURN_TABS: list[tuple[str, Any, tuple[str, ...] | None]] = [
    ("", _("All"), None),
    ("requested", _("To decide"), (R.REQUESTED,)),
    ("authorised", _("Awaiting the parcel"), (R.AUTHORISED,)),
    ("received", _("To refund"), (R.RECEIVED,)),
    ("refunded", _("Refunded"), (R.REFUNDED,)),
    ("rejected", _("Rejected"), (R.REJECTED,)),
]
RETURN_TAB_STATUSES = {key: statuses for key, _label, statuses in RETURN_TABS}


def _return_filtered(*, tab: str, query: str) -> QuerySet[Return]:
    returns = Return.objects.all()
    statuses = RETURN_TAB_STATUSES.get(tab)
    if statuses:
        returns = returns.filter(status__in=statuses)
    query = query.strip().upper()
    if query:
        # An RMA or an order number, whole or the start of it (both are upper-case codes).
        returns = returns.filter(Q(rma_number__startswith=query) | Q(order__number__startswith=query))
    return returns


def return_page(*, tab: str = "", query: str = "", cursor: str = "", direction: str = "next",
                size: int = RETURN_PAGE_SIZE) -> KeysetPage:
    """One page of returns, newest request first, each with its order and ``line_list`` (SKU and units); the
    page's ``extra["counts"]`` holds every tab's count, capped at RETURN_COUNT_CAP."""
    queryset = _return_filtered(tab=tab, query=query).select_related("order", "order__marketplace")
    page = keyset_page(queryset, order=("-requested_at", "-id"), cursor=cursor, direction=direction, size=size)
    by_return: dict[int, list[Any]] = defaultdict(list)
    for row in (ReturnLine.objects.filter(rma_id__in=[rma.pk for rma in page.items]).order_by("rma_id", "id")
                .values("rma_id", "order_line__sku", "quantity")):
        by_return[row["rma_id"]].append(row)
    for rma in page.items:
        rma.line_list = by_return.get(rma.pk, [])  # type: ignore[attr-defined]
    counts = {}
    for key, _label, _statuses in RETURN_TABS:
        found = _return_filtered(tab=key, query=query).order_by().values("pk")[: RETURN_COUNT_CAP + 1].count()
        counts[key] = (min(found, RETURN_COUNT_CAP), found > RETURN_COUNT_CAP)
    page.extra = {"counts": counts}
    return page


def order_returns(*, order: Order) -> list[Return]:
    """An order's returns, newest first, each with its ``line_list`` (lines with their order line) and its
    ``refund_list``."""
    returns = list(order.returns.order_by("-id"))
    lines: dict[int, list[ReturnLine]] = defaultdict(list)
    for line in ReturnLine.objects.filter(rma__order=order).select_related("order_line", "warehouse").order_by("id"):
        lines[line.rma_id].append(line)
    refunds: dict[int | None, list[Refund]] = defaultdict(list)
    for refund in Refund.objects.filter(order=order).order_by("id"):
        refunds[refund.rma_id].append(refund)
    for rma in returns:
        rma.line_list = lines.get(rma.pk, [])  # type: ignore[attr-defined]
        rma.refund_list = refunds.get(rma.pk, [])  # type: ignore[attr-defined]
    return returns


def order_events_after(*, after_id: int, kinds: Iterable[str], limit: int = 500) -> list[OrderEvent]:
    """History rows newer than ``after_id`` of these kinds, oldest first, each with its order, its site and its
    lines: what the modules above orders read to follow what happened (the finance module posts from them)."""
    return list(OrderEvent.objects.filter(id__gt=after_id, kind__in=list(kinds)).order_by("id")
                .select_related("order", "order__marketplace").prefetch_related("order__lines")[:limit])


def orders_to_ship(*, limit: int) -> list[Order]:
    """The newest orders the seller ships that wait for it and hold all their stock, each with its lines and their
    SKUs (a few, for the demo stores' first shipments)."""
    return list(Order.objects.filter(status=Order.Status.UNSHIPPED, channel=Order.Channel.SELLER, attention="")
                .select_related("marketplace").prefetch_related("lines__variant").order_by("-placed_at", "-id")
                [:limit])
