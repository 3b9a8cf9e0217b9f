"""Shipment pages: the order page's shipments panel (create a parcel, print, hand over, papers, tracking), the
shipments list, and label batches with their progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog import selectors as catalog_selectors
from jobs.selectors import job_get, job_list
from orders.forms import parse_ids
from orders.models import Order
from orders.selectors import order_get
from sellercenter.errors import DomainError
from sellercenter.htmx import htmx_fragment
from stores.permissions import Level, Module, store_view

from . import selectors_shipments as selectors
from . import services_shipments as services
from .documents.invoices import invoice_pdf, invoices_pdf, packing_slip_pdf, packing_slips_pdf
from .forms_shipments import ShipmentFilterForm, ShipmentForm
from .models import Shipment

PANEL = "logistics/shipment_panel.html"
SHIPPABLE = (Order.Status.UNSHIPPED, Order.Status.PARTIALLY_SHIPPED)
PRINTING_FOR = dt.timedelta(minutes=2)


def _form(order: Order, data: Any = None) -> ShipmentForm | None:
    """The new-parcel form, prefilled from the catalog; None when nothing is left to ship."""
    draft = selectors.shipment_draft(order=order)
    if order.status not in SHIPPABLE or not draft.lines:
        return None
    initial = {"warehouse": draft.warehouse_id, "weight_g": draft.weight_g or None,
               "length_cm": draft.length_mm / 10 or None, "width_cm": draft.width_mm / 10 or None,
               "height_cm": draft.height_mm / 10 or None}
    return ShipmentForm(data, services=selectors.enabled_services(), lines=draft.lines, initial=initial,
                        warehouses=list(catalog_selectors.warehouse_choices()))


def _panel(request: HttpRequest, order: Order, form: ShipmentForm | None = None,
           correcting: dict[str, Any] | None = None) -> HttpResponse:
    shipments = selectors.order_shipments(order=order)
    # A label asked for recently and not there yet is being printed: the panel polls. After a while (a worker
    # down, a failed task) the button comes back so the seller can ask again.
    since = timezone.now() - PRINTING_FOR
    for shipment in shipments:
        shipment.printing = bool(not shipment.label_file and shipment.label_requested_at  # type: ignore[attr-defined]
                                 and shipment.label_requested_at > since)
    context = {"order": order, "shipments": shipments, "form": form or _form(order),
               "printing": any(s.printing for s in shipments),  # type: ignore[attr-defined]
               "correcting": correcting or {}}
    return render(request, PANEL, context)


def _back(request: HttpRequest, shipment_or_order: Shipment | Order) -> HttpResponse:
    order = shipment_or_order.order if isinstance(shipment_or_order, Shipment) else shipment_or_order
    if htmx_fragment(request):
        return _panel(request, order_get(number=order.number))
    return redirect("orders:order-detail", number=order.number)


@store_view(Module.LOGISTICS, Level.VIEW)
def shipment_panel(request: HttpRequest, number: str) -> HttpResponse:
    return _panel(request, order_get(number=number))


@require_POST
@store_view(Module.LOGISTICS, Level.EDIT)
def shipment_create(request: HttpRequest, number: str) -> HttpResponse:
    order = order_get(number=number)
    form = _form(order, request.POST)
    if form is None:
        raise Http404("Nothing is left to ship.")
    if form.is_valid():
        try:
            shipment = services.shipment_create(
                actor=request.user, order=order, service=form.services[form.cleaned_data["service"]],
                warehouse=form.warehouses[form.cleaned_data["warehouse"]], units=form.units(),
                weight_g=form.cleaned_data["weight_g"], dims_mm=form.dims_mm(),
                tracking_number=form.cleaned_data["tracking_number"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Shipment created: %(number)s.") % {"number": shipment.tracking_number
                                                                           or shipment.service.name})
            return _back(request, order)
    if htmx_fragment(request):
        return _panel(request, order, form)
    messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("orders:order-detail", number=order.number)


@require_POST
@store_view(Module.LOGISTICS, Level.EDIT)
def shipment_label_print(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = selectors.shipment_get(pk=pk)
    if services.shipment_label_request(actor=request.user, shipment=shipment, language=get_language() or "en"):
        messages.info(request, _("The label is being printed."))
    return _back(request, shipment)


@require_POST
@store_view(Module.LOGISTICS, Level.EDIT)
def shipment_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = selectors.shipment_get(pk=pk)
    try:
        services.shipment_hand_over(actor=request.user, shipment=shipment)
    except DomainError as error:
        messages.error(request, error.message)
    return _back(request, shipment)


@require_POST
@store_view(Module.LOGISTICS, Level.EDIT)
def shipment_tracking(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a parcel's tracking number (or add the one it shipped without)."""
    shipment = selectors.shipment_get(pk=pk)
    typed = request.POST.get("tracking_number", "")[:64]
    try:
        shipment = services.shipment_tracking_correct(actor=request.user, shipment=shipment, tracking_number=typed)
    except DomainError as error:
        if htmx_fragment(request):
            return _panel(request, order_get(number=shipment.order.number),
                          correcting={"pk": shipment.pk, "value": typed, "error": error.message})
        messages.error(request, error.message)
    else:
        messages.success(request, _("Tracking number corrected: %(number)s.") % {"number": shipment.tracking_number})
    return _back(request, shipment)


@store_view(Module.LOGISTICS, Level.VIEW)  # type: ignore[arg-type]  # a FileResponse streams
def shipment_label(request: HttpRequest, pk: int) -> FileResponse:
    shipment = selectors.shipment_get(pk=pk)
    if not shipment.label_file:
        raise Http404("No label yet.")
    try:
        handle = shipment.label_file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The label file is gone.") from error
    return FileResponse(handle, as_attachment=True, filename=f"label-{shipment.tracking_number or pk}.pdf",
                        content_type="application/pdf")


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@store_view(Module.LOGISTICS, Level.VIEW)
def shipment_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = selectors.shipment_get(pk=pk)
    pdf = invoice_pdf(selectors.shipment_invoice(shipment=shipment), language=get_language() or "en")
    return _pdf(pdf, f"invoice-{shipment.order.number}-{pk}.pdf")


@store_view(Module.LOGISTICS, Level.VIEW)
def shipment_packing_slip(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = selectors.shipment_get(pk=pk)
    pdf = packing_slip_pdf(selectors.shipment_packing_slip(shipment=shipment), language=get_language() or "en")
    return _pdf(pdf, f"packing-slip-{shipment.order.number}-{pk}.pdf")


PAPERS_MAX = 50


@require_POST
@store_view(Module.LOGISTICS, Level.VIEW)
def shipment_papers(request: HttpRequest, kind: str) -> HttpResponse:
    """The checked shipments' commercial invoices, or their packing slips, in one PDF (one document a page or
    more each, in the list's order). Made while the seller waits: at most PAPERS_MAX at a time."""
    ids = parse_ids(request.POST.getlist("shipment"))
    if not ids or len(ids) > PAPERS_MAX or kind not in ("invoices", "packing-slips"):
        messages.error(request, _("Select between 1 and %(max)s shipments.") % {"max": PAPERS_MAX})
        return redirect("logistics:shipment-list")
    shipments = selectors.shipments_of_ids(ids=ids)
    if not shipments:
        raise Http404("No such shipments.")
    language = get_language() or "en"
    if kind == "invoices":
        pdf = invoices_pdf([selectors.shipment_invoice(shipment=shipment) for shipment in shipments],
                           language=language)
    else:
        pdf = packing_slips_pdf([selectors.shipment_packing_slip(shipment=shipment) for shipment in shipments],
                                language=language)
    return _pdf(pdf, f"{kind}-{timezone.localtime():%Y%m%d-%H%M}.pdf")


# --- The shipments list and label batches -------------------------------------------------------------------------


@store_view(Module.LOGISTICS, Level.VIEW)
def shipment_list(request: HttpRequest) -> HttpResponse:
    form = ShipmentFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    page = Paginator(selectors.shipment_list(status=status), 50).get_page(request.GET.get("page"))
    jobs = job_list(kinds=(services.BATCH_KIND,))[:5]
    context = {"form": form, "page": page, "status": status, "jobs": jobs,
               "rate": selectors.valid_tracking_rate()}
    template = "logistics/shipment_list.html#shipment-table" if htmx_fragment(request) \
        else "logistics/shipment_list.html"
    return render(request, template, context)


def _batch(request: HttpRequest, shipment_ids: list[int], back: str) -> HttpResponse:
    try:
        job = services.labels_batch_create(actor=request.user, shipment_ids=shipment_ids,
                                           language=get_language() or "en")
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    return redirect("logistics:label-batch", pk=job.pk)


@require_POST
@store_view(Module.LOGISTICS, Level.EDIT)
def labels_print(request: HttpRequest) -> HttpResponse:
    """Print the checked shipments' labels into one PDF."""
    return _batch(request, parse_ids(request.POST.getlist("shipment")), "logistics:shipment-list")


@require_POST
@store_view(Module.LOGISTICS, Level.EDIT)
def labels_print_orders(request: HttpRequest) -> HttpResponse:
    """The order list's "Print labels": every shipment of the checked orders, in one PDF."""
    return _batch(request, selectors.shipments_of_orders(order_ids=parse_ids(request.POST.getlist("ids"))),
                  "orders:order-list")


@store_view(Module.LOGISTICS, Level.VIEW)
def label_batch(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_get(pk=pk, kind=services.BATCH_KIND)
    return render(request, "logistics/label_batch.html", {"job": job})
