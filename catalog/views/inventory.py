"""Inventory pages: warehouses, stock per SKU with adjustments and bulk set, history, low-stock alerts."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sellercenter.errors import DomainError
from sellercenter.htmx import htmx_fragment
from stores.permissions import Level, Module, store_view

from .. import selectors
from ..forms_inventory import LowStockRuleForm, StockAdjustForm, StockBulkSetForm, StockFilterForm, WarehouseForm
from ..services import inventory as services

DIRECTIONS = ("next", "previous", "last")


def _page_args(request: HttpRequest) -> tuple[str, str]:
    """The keyset cursor and direction (next, previous or last) of a list page."""
    direction = request.GET.get("dir", "next")
    return request.GET.get("cursor", "")[:200], direction if direction in DIRECTIONS else "next"


def _back_to_stock_list(request: HttpRequest) -> HttpResponse:
    """Back to the list the person came from, its filters and page kept (only the query string travels)."""
    query = request.POST.get("return_query", "")
    return redirect(reverse("catalog:stock-list") + (f"?{query}" if query else ""))


# --- Warehouses -------------------------------------------------------------------------------------------------


@store_view(Module.CATALOG, Level.VIEW)
def warehouse_list(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/warehouse_list.html", {"warehouses": selectors.warehouse_list()})


@store_view(Module.CATALOG, Level.MANAGE)
def warehouse_create(request: HttpRequest) -> HttpResponse:
    form = WarehouseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            warehouse = services.warehouse_create(actor=request.user, data=form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("Warehouse %(code)s is added.") % {"code": warehouse.code})
            return redirect("catalog:warehouse-list")
    return render(request, "catalog/warehouse_form.html", {"form": form})


@store_view(Module.CATALOG, Level.MANAGE)
def warehouse_edit(request: HttpRequest, pk: int) -> HttpResponse:
    warehouse = selectors.warehouse_get(pk=pk)
    form = WarehouseForm(request.POST or None, instance=warehouse)
    if request.method == "POST" and form.is_valid():
        try:
            services.warehouse_update(actor=request.user, warehouse=warehouse, data=form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("Warehouse %(code)s is saved.") % {"code": warehouse.code})
            return redirect("catalog:warehouse-list")
    return render(request, "catalog/warehouse_form.html", {"form": form, "warehouse": warehouse})


@require_POST
@store_view(Module.CATALOG, Level.MANAGE)
def warehouse_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    warehouse = selectors.warehouse_get(pk=pk)
    try:
        services.warehouse_deactivate(actor=request.user, warehouse=warehouse)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(reverse("catalog:stock-list") + f"?warehouse={warehouse.pk}")
    messages.success(request, _("Warehouse %(code)s is no longer in use.") % {"code": warehouse.code})
    return redirect("catalog:warehouse-list")


@require_POST
@store_view(Module.CATALOG, Level.MANAGE)
def warehouse_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    warehouse = services.warehouse_reactivate(actor=request.user, warehouse=selectors.warehouse_get(pk=pk))
    messages.success(request, _("Warehouse %(code)s is in use again.") % {"code": warehouse.code})
    return redirect("catalog:warehouse-list")


# --- Stock ------------------------------------------------------------------------------------------------------


@store_view(Module.CATALOG, Level.VIEW)
def stock_list(request: HttpRequest) -> HttpResponse:
    form = StockFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    cursor, direction = _page_args(request)
    page = selectors.stock_list(filters=filters, cursor=cursor, direction=direction)
    query = request.GET.copy()
    for key in ("cursor", "dir"):
        query.pop(key, None)
    bulk_form = StockBulkSetForm(initial={"warehouse": filters.get("warehouse")})
    template = "catalog/stock_list.html#stock-table" if htmx_fragment(request) else "catalog/stock_list.html"  # type: ignore[attr-defined]
    return render(request, template, {"form": form, "page": page, "query": query.urlencode(),
                                      "full_query": request.GET.urlencode(), "bulk_form": bulk_form,
                                      "warehouse": filters.get("warehouse")})


@require_POST
@store_view(Module.CATALOG, Level.EDIT)
def stock_bulk_set(request: HttpRequest) -> HttpResponse:
    form = StockBulkSetForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, str(errors[0]))
        return _back_to_stock_list(request)
    data = form.cleaned_data
    try:
        changed = services.stock_bulk_set(actor=request.user, warehouse=data["warehouse"], variant_ids=data["variant"],
                                          on_hand=data["on_hand"], note=data["note"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Stock is set to %(on_hand)s in %(warehouse)s for %(count)s SKUs "
                                    "(%(changed)s changed).") % {
            "on_hand": data["on_hand"], "warehouse": data["warehouse"].code, "count": len(data["variant"]),
            "changed": changed})
    return _back_to_stock_list(request)


@store_view(Module.CATALOG, Level.VIEW)
def stock_movements(request: HttpRequest, pk: int) -> HttpResponse:
    variant = selectors.stock_variant_get(pk=pk)
    cursor, direction = _page_args(request)
    page = selectors.movement_list(variant=variant, cursor=cursor, direction=direction)
    return render(request, "catalog/stock_movements.html", {
        "variant": variant, "places": selectors.stock_places(variant=variant), "page": page,
        "title": selectors.product_titles(product_ids=[variant.product_id]).get(variant.product_id, ""),
        "rule": getattr(variant, "low_stock_rule", None),
    })


@store_view(Module.CATALOG, Level.EDIT)
def stock_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    variant = selectors.stock_variant_get(pk=pk)
    form = StockAdjustForm(request.POST or None, initial={"warehouse": request.GET.get("warehouse")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            stock = services.stock_adjust(actor=request.user, variant=variant, warehouse=data["warehouse"],
                                          reason=data["reason"], quantity=data["quantity"], note=data["note"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("%(sku)s in %(warehouse)s: %(on_hand)s on hand, %(available)s available.") % {
                "sku": variant.sku, "warehouse": data["warehouse"].code, "on_hand": stock.on_hand,
                "available": stock.available})
            return redirect("catalog:stock-movements", pk=variant.pk)
    return render(request, "catalog/stock_adjust.html", {"form": form, "variant": variant,
                                                         "places": selectors.stock_places(variant=variant)})


@store_view(Module.CATALOG, Level.EDIT)
def low_stock_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    variant = selectors.stock_variant_get(pk=pk)
    rule = getattr(variant, "low_stock_rule", None)
    if request.method == "POST" and "clear" in request.POST:
        services.low_stock_rule_clear(actor=request.user, variant=variant)
        messages.success(request, _("The low-stock alert for %(sku)s is removed.") % {"sku": variant.sku})
        return redirect("catalog:stock-movements", pk=variant.pk)
    initial = {"min_available": rule.min_available, "min_days_of_cover": rule.min_days_of_cover} if rule else {}
    form = LowStockRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.low_stock_rule_set(actor=request.user, variant=variant, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The low-stock alert for %(sku)s is saved.") % {"sku": variant.sku})
            return redirect("catalog:stock-movements", pk=variant.pk)
    return render(request, "catalog/stock_rule_form.html", {"form": form, "variant": variant, "rule": rule})
