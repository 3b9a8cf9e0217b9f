"""Logistics set-up pages: the carriers a store ships with, its shipping templates, and the rate calculator."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from sellercenter.errors import DomainError
from sellercenter.htmx import htmx_fragment
from stores.models import Marketplace
from stores.permissions import Level, Module, store_view

from . import selectors, services
from .forms import BaseRegionFormSet, RateForm, RegionFormSet, ServicesForm, ShippingTemplateForm, region_initial
from .models import ShippingTemplate

# --- Carriers ----------------------------------------------------------------------------------------------------


@store_view(Module.LOGISTICS, Level.VIEW)
def carrier_list(request: HttpRequest) -> HttpResponse:
    return render(request, "logistics/carrier_list.html", {"carriers": selectors.carrier_list()})


@require_POST
@store_view(Module.LOGISTICS, Level.MANAGE)
def carrier_services_set(request: HttpRequest) -> HttpResponse:
    """Enable or disable the posted services (one, or every service of a carrier)."""
    offered = [service.pk for carrier in selectors.carrier_list() for service in carrier.offered]  # type: ignore[attr-defined]
    form = ServicesForm(request.POST, offered_ids=offered)
    if form.is_valid():
        chosen = selectors.offered_services(ids=form.cleaned_data["service"])
        if form.cleaned_data["action"] == "enable":
            count = services.carrier_services_enable(actor=request.user, services=chosen)
            messages.success(request, ngettext("%(count)s service enabled.", "%(count)s services enabled.", count)
                             % {"count": count})
        else:
            count = services.carrier_services_disable(actor=request.user, services=chosen)
            messages.success(request, ngettext("%(count)s service disabled.", "%(count)s services disabled.", count)
                             % {"count": count})
    else:
        messages.error(request, _("Choose a service the platform offers."))
    return redirect("logistics:carrier-list")


# --- Shipping templates ------------------------------------------------------------------------------------------


def _sites(request: HttpRequest) -> list[Marketplace]:
    return list(request.tenant.marketplaces.all())  # type: ignore[attr-defined]


@store_view(Module.LOGISTICS, Level.VIEW)
def template_list(request: HttpRequest) -> HttpResponse:
    return render(request, "logistics/template_list.html", {"templates": selectors.shipping_template_list()})


def _template_form(request: HttpRequest, template: ShippingTemplate | None) -> HttpResponse:
    """The add and edit pages: the template's form and its regions' formset, handed to one service."""
    initial = region_initial(selectors.shipping_template_regions(template=template)) if template else None
    form = ShippingTemplateForm(request.POST or None, instance=template, marketplaces=_sites(request))
    regions = cast(BaseRegionFormSet, RegionFormSet(request.POST or None, initial=initial, prefix="region"))
    if request.method == "POST" and form.is_valid() and regions.is_valid():
        data = {name: form.cleaned_data[name] for name in services.TEMPLATE_FIELDS}
        try:
            if template is None:
                saved = services.shipping_template_create(actor=request.user, data=data, regions=regions.regions())
            else:
                saved = services.shipping_template_update(actor=request.user, template=template, data=data,
                                                          regions=regions.regions())
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("Shipping template %(name)s is saved.") % {"name": saved.name})
            return redirect("logistics:template-list")
    return render(request, "logistics/template_form.html", {"form": form, "regions": regions, "template": template})


@store_view(Module.LOGISTICS, Level.MANAGE)
def template_create(request: HttpRequest) -> HttpResponse:
    return _template_form(request, None)


@store_view(Module.LOGISTICS, Level.MANAGE)
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _template_form(request, selectors.shipping_template_get(pk=pk))


@require_POST
@store_view(Module.LOGISTICS, Level.MANAGE)
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.shipping_template_get(pk=pk)
    services.shipping_template_delete(actor=request.user, template=template)
    messages.success(request, _("Shipping template %(name)s is deleted.") % {"name": template.name})
    return redirect("logistics:template-list")


# --- Rate calculator ---------------------------------------------------------------------------------------------


@store_view(Module.LOGISTICS, Level.VIEW)
def rate_calculator(request: HttpRequest) -> HttpResponse:
    """Price a parcel typed in, or one order's parcel (``?order=<number>``), on every enabled carrier service."""
    store: Any = request.tenant  # type: ignore[attr-defined]
    origins = selectors.ship_from_countries(home_country=store.home_country)
    order = selectors.order_parcel(number=request.GET["order"][:32]) if request.GET.get("order") else None
    data: Any = request.GET if "weight_kg" in request.GET else None
    if order is not None and data is None:
        data = {"weight_kg": order.weight_kg or "", "length_cm": order.length_cm or "",
                "width_cm": order.width_cm or "", "height_cm": order.height_cm or "",
                "destination": order.destination, "origin": store.home_country, "declared_value": ""}
    form = RateForm(data, origins=origins, currency=store.base_currency,
                    initial={"origin": store.home_country})
    comparison = None
    if data is not None and form.is_valid():
        comparison = selectors.rate_compare(parcel=form.parcel(), base_currency=store.base_currency)
    context = {"form": form, "comparison": comparison, "order": order, "enabled_count":
               len(selectors.enabled_service_ids()), "parcel": form.parcel() if comparison else None}
    template = "logistics/rate_calculator.html#rate-results" if htmx_fragment(request) \
        else "logistics/rate_calculator.html"
    return render(request, template, context)
