"""The returns pages: every return of the store by what it waits for, and the steps of one return on its order's
page (open, authorise or reject, receive, refund)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog.selectors import warehouse_choices
from sellercenter.errors import DomainError
from sellercenter.htmx import htmx_fragment
from stores.permissions import Level, Module, store_view
from stores.templatetags.shell import money

from . import selectors, services
from .forms_returns import RefundForm, ReturnDecideForm, ReturnOpenForm, ReturnReceiveForm
from .models import Return
from .views import _detail, _form_action


@store_view(Module.ORDERS, Level.VIEW)
def return_list(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "")
    tab = tab if tab in selectors.RETURN_TAB_STATUSES else ""
    query = request.GET.get("q", "")[:64]
    page = selectors.return_page(tab=tab, query=query, cursor=request.GET.get("cursor", ""),
                                 direction=request.GET.get("dir", "next"))
    context = {"page": page, "tab": tab, "q": query, "tabs": selectors.RETURN_TABS,
               "query": urlencode({key: value for key, value in (("tab", tab), ("q", query)) if value}),
               "search_query": urlencode({"q": query}) if query else ""}
    template = "orders/return_list.html#return-table" if htmx_fragment(request) else "orders/return_list.html"
    return render(request, template, context)


def _return_of(number: str, rma_number: str) -> Return:
    return get_object_or_404(Return.objects.select_related("order", "order__marketplace"),
                             order__number=number, rma_number=rma_number)


@require_POST
@store_view(Module.ORDERS, Level.EDIT)
def return_open(request: HttpRequest, number: str) -> HttpResponse:
    order = selectors.order_get(number=number)
    lines = selectors.order_detail(order=order)["lines"]
    form = ReturnOpenForm(request.POST, lines=lines, returnable=services.returnable_units(order))

    def act(data: dict[str, Any]) -> Any:
        rma = services.return_open(actor=request.user, order=order, units=form.units(), reason=data["reason"],
                                   comment=data["comment"])
        return _("Return %(rma)s is opened.") % {"rma": rma.rma_number}

    return _form_action(request, order, form, "return_open_form", act)


@require_POST
@store_view(Module.ORDERS, Level.EDIT)
def return_decide(request: HttpRequest, number: str, rma_number: str) -> HttpResponse:
    rma = _return_of(number, rma_number)

    def act(data: dict[str, Any]) -> Any:
        authorise = data["decision"] == "authorise"
        services.return_decide(actor=request.user, rma=rma, authorise=authorise, note=data["note"])
        return (_("Return %(rma)s is authorised: the buyer may send the parcel.") if authorise
                else _("Return %(rma)s is rejected.")) % {"rma": rma.rma_number}

    return _form_action(request, rma.order, ReturnDecideForm(request.POST), "return_decide_form", act)


@require_POST
@store_view(Module.ORDERS, Level.EDIT)
def return_receive(request: HttpRequest, number: str, rma_number: str) -> HttpResponse:
    rma = _return_of(number, rma_number)
    form = ReturnReceiveForm(request.POST, lines=list(rma.lines.select_related("order_line").order_by("id")),
                             warehouses=warehouse_choices())

    def act(data: dict[str, Any]) -> Any:
        services.return_receive(actor=request.user, rma=rma, receipts=form.receipts(),
                                warehouse_id=data.get("warehouse"))
        return _("Return %(rma)s is received.") % {"rma": rma.rma_number}

    return _form_action(request, rma.order, form, "return_receive_form", act)


@require_POST
@store_view(Module.ORDERS, Level.MANAGE)
def order_refund(request: HttpRequest, number: str) -> HttpResponse:
    """Money back to the buyer: orders:manage, since it pays out."""
    order = selectors.order_get(number=number)
    form = RefundForm(request.POST)
    if not form.is_valid():
        return _detail(request, order, refund_form=form)
    try:
        done = services.refund_issue(actor=request.user, order=order, amount=form.cleaned_data["amount"],
                                     idempotency_key=form.cleaned_data["key"], note=form.cleaned_data["note"])
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _detail(request, order, refund_form=form)
    refund = done.refund
    if done.created:
        messages.success(request, _("%(amount)s is refunded.") % {"amount": money(refund.amount, refund.currency)})
    else:
        messages.info(request, _("This refund was already recorded; nothing more was refunded."))
    return redirect("orders:order-detail", order.number)
