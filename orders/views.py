"""The seller's order pages: the list with its tabs, filters, bulk actions and CSV export; one order with the
seller's steps (confirm, cancel, decide a cancellation request, mark shipped) and the team's notes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog.spreadsheet.reader import read_sheet
from catalog.spreadsheet.table import XLSX_CONTENT_TYPE
from sellercenter.errors import DomainError
from sellercenter.htmx import htmx_fragment
from stores.models import Marketplace
from stores.permissions import Level, Module, store_view
from stores.templatetags.shell import number

from . import selectors, services
from .export import order_csv_lines, order_xlsx_file
from .forms import (
    BulkForm,
    CancelDecideForm,
    CancelForm,
    NoteForm,
    OrderFilterForm,
    SavedViewForm,
    ShipForm,
    ShipUploadForm,
)
from .models import Order, OrderEvent
from .returns_panel import returns_context
from .services.machine import transition_targets

XLSX_MAX_ORDERS = 20_000


def _sites(request: HttpRequest) -> list[Marketplace]:
    return list(request.tenant.marketplaces.all())  # type: ignore[attr-defined]


def _reveals_buyers(request: HttpRequest) -> bool:
    """Buyers' names and e-mails are shown in full in lists and exports to orders:manage only."""
    return request.membership.level(Module.ORDERS) >= Level.MANAGE  # type: ignore[attr-defined]


def _list_url(query: str = "") -> str:
    url = reverse("orders:order-list")
    return f"{url}?{query}" if query else url


@store_view(Module.ORDERS, Level.VIEW)
def order_list(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET, marketplaces=_sites(request))
    filters = form.filters()
    page = selectors.order_page(filters=filters, reveal=_reveals_buyers(request),
                                cursor=request.GET.get("cursor", ""), direction=request.GET.get("dir", "next"))
    query = request.GET.copy()
    for key in ("cursor", "dir"):
        query.pop(key, None)
    tab_query = query.copy()
    tab_query.pop("tab", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "here": request.GET.urlencode(),
               "tab_query": tab_query.urlencode(), "tabs": selectors.ORDER_TABS, "tab": filters.get("tab") or "",
               "bulk_actions": BulkForm.ACTIONS, "cancel_reasons": Order.SELLER_CANCEL_REASONS,
               "saved_views": selectors.order_saved_views(user_id=request.user.pk or 0)}
    template = "orders/order_list.html#order-table" if htmx_fragment(request) else "orders/order_list.html"
    return render(request, template, context)


@store_view(Module.ORDERS, Level.VIEW)  # type: ignore[arg-type]  # a streamed response is not an HttpResponse
def order_export(request: HttpRequest) -> StreamingHttpResponse | HttpResponseRedirect:
    """The filtered list as CSV, streamed a thousand orders at a time; as XLSX with ``?format=xlsx``."""
    filters = OrderFilterForm(request.GET, marketplaces=_sites(request)).filters()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if request.GET.get("format") == "xlsx":
        # A workbook is built whole before it is sent (about a millisecond an order): past this many orders the
        # seller narrows the filters or takes the CSV, which streams any number.
        if selectors.order_count_exceeds(filters=filters, limit=XLSX_MAX_ORDERS):
            messages.warning(request, _("More than %(count)s orders match: narrow the filters (for example by "
                                        "date) to export XLSX, or export CSV, which has no limit.")
                             % {"count": number(XLSX_MAX_ORDERS)})
            query = request.GET.copy()
            query.pop("format", None)
            return redirect(_list_url(query.urlencode()))
        return FileResponse(order_xlsx_file(filters=filters, reveal=_reveals_buyers(request)),
                            content_type=XLSX_CONTENT_TYPE, as_attachment=True, filename=f"orders-{stamp}.xlsx")
    response = StreamingHttpResponse(order_csv_lines(filters=filters, reveal=_reveals_buyers(request)),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.csv"'
    return response


@require_POST
@store_view(Module.ORDERS, Level.EDIT)
def order_bulk(request: HttpRequest) -> HttpResponse:
    """Confirm or cancel the checked orders; each order's outcome is listed on the page that follows."""
    form = BulkForm(request.POST)
    query = request.POST.get("query", "")
    if not form.is_valid():
        messages.error(request, str(next(iter(form.errors.values()))[0]))
        return redirect(_list_url(query))
    if form.cleaned_data["action"] == "confirm":
        result = services.orders_bulk_confirm(actor=request.user, order_ids=form.order_ids)
    else:
        result = services.orders_bulk_cancel(actor=request.user, order_ids=form.order_ids,
                                             reason=form.cleaned_data["reason"])
    level = messages.SUCCESS if not result.refused else messages.WARNING
    messages.add_message(request, level, _("Done: %(done)s. Refused: %(refused)s.")
                         % {"done": result.done, "refused": result.refused})
    for row in result.rows:
        if not row.ok:
            messages.warning(request, f"{row.number}: {row.message}")
    return redirect(_list_url(query))


def _steps(order: Order) -> dict[str, bool]:
    """The seller's steps the order's status allows now (the services check again under the row lock)."""
    kind = OrderEvent.Kind
    return {
        "confirm": bool(transition_targets(order.status, kind.CONFIRMED)) and order.confirmed_at is None,
        "cancel": bool(transition_targets(order.status, kind.CANCELLED)),
        "decide": bool(transition_targets(order.status, kind.CANCEL_APPROVED)),
        "ship": bool(transition_targets(order.status, kind.SHIPPED)),
    }


@store_view(Module.ORDERS, Level.EDIT)
def order_ship_upload(request: HttpRequest) -> HttpResponse:
    """Mark orders shipped from a spreadsheet; the page lists each row's outcome."""
    form = ShipUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.orders_ship_from_sheet(actor=request.user,
                                                     sheet=read_sheet(upload.read(), upload.name))
        except DomainError as error:
            _form_error(form, error)
    return render(request, "orders/order_ship_upload.html", {"form": form, "result": result})


@require_POST
@store_view(Module.ORDERS, Level.VIEW)
def order_view_save(request: HttpRequest) -> HttpResponse:
    """Save the list's current filters under a name, for the person saving them."""
    form = SavedViewForm(request.POST)
    query = request.POST.get("query", "")
    if not form.is_valid():
        messages.error(request, _("Name the view (up to 60 characters)."))
        return redirect(_list_url(query))
    try:
        view = services.order_view_save(actor=request.user, name=form.cleaned_data["name"],
                                        query=form.cleaned_data["query"])
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_list_url(query))
    messages.success(request, _("The view “%(name)s” is saved.") % {"name": view.name})
    return redirect(_list_url(view.query))


@require_POST
@store_view(Module.ORDERS, Level.VIEW)
def order_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.order_view_delete(actor=request.user, pk=pk)
    messages.success(request, _("The view is deleted."))
    return redirect(_list_url(request.POST.get("query", "")))


def _detail(request: HttpRequest, order: Order, **forms: Any) -> HttpResponse:
    detail = selectors.order_detail(order=order)
    steps = _steps(order)
    # A refused step keeps its form on the page, with the reason, even when the order no longer allows it.
    for step, name in (("cancel", "cancel_form"), ("decide", "decide_form"), ("ship", "ship_form")):
        steps[step] = steps[step] or name in forms
    steps["confirm"] = steps["confirm"] or "confirm_error" in forms
    context = {
        "order": order, **detail, "can_do": steps,
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "decide_form": forms.get("decide_form") or CancelDecideForm(),
        "ship_form": forms.get("ship_form") or ShipForm(lines=detail["lines"]),
        "note_form": forms.get("note_form") or NoteForm(),
        "confirm_error": forms.get("confirm_error", ""),
        **returns_context(order, detail["lines"], forms),
    }
    return render(request, "orders/order_detail.html", context)


@store_view(Module.ORDERS, Level.VIEW)
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _detail(request, selectors.order_get(number=number))


def _form_error(form: Any, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@require_POST
@store_view(Module.ORDERS, Level.EDIT)
def order_confirm(request: HttpRequest, number: str) -> HttpResponse:
    order = selectors.order_get(number=number)
    try:
        services.order_confirm(actor=request.user, order=order)
    except DomainError as error:
        return _detail(request, order, confirm_error=error.message)
    messages.success(request, _("Order %(number)s is confirmed.") % {"number": order.number})
    return redirect("orders:order-detail", order.number)


def _form_action(request: HttpRequest, order: Order, form: Any, name: str,
                 act: Callable[[dict[str, Any]], Any]) -> HttpResponse:
    """A seller's step on the order page: with a valid form, ``act`` (the service call, returning the message to
    show) and back to the order page; otherwise, or when the service refuses, the page with ``form`` (passed to the
    page as ``name``) showing why. Nothing changes on a refusal."""
    if form.is_valid():
        try:
            done = act(form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, done)
            return redirect("orders:order-detail", order.number)
    return _detail(request, order, **{name: form})


@require_POST
@store_view(Module.ORDERS, Level.EDIT)
def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    order = selectors.order_get(number=number)

    def act(data: dict[str, Any]) -> Any:
        services.order_cancel(actor=request.user, order=order, **data)
        return _("Order %(number)s is cancelled.") % {"number": order.number}

    return _form_action(request, order, CancelForm(request.POST), "cancel_form", act)


@require_POST
@store_view(Module.ORDERS, Level.EDIT)
def order_cancel_decide(request: HttpRequest, number: str) -> HttpResponse:
    order = selectors.order_get(number=number)

    def act(data: dict[str, Any]) -> Any:
        approve = data["decision"] == "approve"
        services.order_cancel_request_decide(actor=request.user, order=order, approve=approve, note=data["note"])
        return (_("The cancellation is approved; the order is cancelled.") if approve
                else _("The cancellation is refused; the order stays open."))

    return _form_action(request, order, CancelDecideForm(request.POST), "decide_form", act)


@require_POST
@store_view(Module.ORDERS, Level.EDIT)
def order_ship(request: HttpRequest, number: str) -> HttpResponse:
    order = selectors.order_get(number=number)
    form = ShipForm(request.POST, lines=selectors.order_detail(order=order)["lines"])

    def act(data: dict[str, Any]) -> Any:
        services.order_mark_shipped(actor=request.user, order=order, carrier=data["carrier"],
                                    tracking_number=data["tracking_number"], quantities=form.quantities())
        return _("Order %(number)s is marked shipped.") % {"number": order.number}

    return _form_action(request, order, form, "ship_form", act)


@require_POST
@store_view(Module.ORDERS, Level.EDIT)
def order_note_add(request: HttpRequest, number: str) -> HttpResponse:
    order = selectors.order_get(number=number)

    def act(data: dict[str, Any]) -> Any:
        services.order_note_add(actor=request.user, order=order, text=data["text"])
        return _("The note is added.")

    return _form_action(request, order, NoteForm(request.POST), "note_form", act)
