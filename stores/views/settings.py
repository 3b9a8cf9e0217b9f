"""Store settings: profile, marketplaces, orders, tax registrations and security."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.services import user_has_two_factor
from sellercenter.errors import DomainError

from .. import selectors, services
from ..forms import (
    MarketplacesForm,
    OrderSettingsForm,
    StoreProfileForm,
    TaxRegistrationForm,
    TwoFactorRequirementForm,
)
from ..permissions import Level, Module, store_view
from ..services import ORDER_SETTINGS_FIELDS, PROFILE_FIELDS


@store_view(Module.SETTINGS, Level.VIEW, post=Level.EDIT)
def settings_profile(request: HttpRequest) -> HttpResponse:
    store = request.tenant  # type: ignore[attr-defined]
    initial = {field: getattr(store, field) for field in PROFILE_FIELDS if field != "logo"}
    form = StoreProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.store_update_profile(actor=request.user, store=store, data=form.cleaned_data,
                                          logo=form.cleaned_data.get("logo"))
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The store profile is saved."))
            return redirect("settings:profile")
    return render(request, "stores/settings_profile.html", {"form": form, "section": "profile"})


@store_view(Module.SETTINGS, Level.VIEW, post=Level.MANAGE)
def settings_marketplaces(request: HttpRequest) -> HttpResponse:
    store = request.tenant  # type: ignore[attr-defined]
    form = MarketplacesForm(request.POST or None, initial={"marketplaces": list(store.marketplaces.all())})
    if request.method == "POST" and form.is_valid():
        try:
            services.store_set_marketplaces(actor=request.user, store=store,
                                            marketplaces=form.cleaned_data["marketplaces"])
        except DomainError as error:
            form.add_error("marketplaces", error.message)
        else:
            messages.success(request, _("Your marketplaces are saved."))
            return redirect("settings:marketplaces")
    return render(request, "stores/settings_marketplaces.html", {"form": form, "section": "marketplaces"})


@store_view(Module.SETTINGS, Level.VIEW, post=Level.MANAGE)
def settings_orders(request: HttpRequest) -> HttpResponse:
    store = request.tenant  # type: ignore[attr-defined]
    form = OrderSettingsForm(request.POST or None,
                             initial={field: getattr(store, field) for field in ORDER_SETTINGS_FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            services.store_update_order_settings(actor=request.user, store=store, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Order settings are saved."))
            return redirect("settings:orders")
    return render(request, "stores/settings_orders.html", {"form": form, "section": "orders"})


@store_view(Module.SETTINGS, Level.VIEW, post=Level.EDIT)
def settings_tax(request: HttpRequest) -> HttpResponse:
    store = request.tenant  # type: ignore[attr-defined]
    form = TaxRegistrationForm(request.POST or None, initial={"country": store.home_country})
    if request.method == "POST" and form.is_valid():
        try:
            services.tax_registration_add(actor=request.user, store=store, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The tax number is added."))
            return redirect("settings:tax")
    return render(request, "stores/settings_tax.html", {
        "form": form, "registrations": selectors.tax_registration_list(store=store), "section": "tax",
    })


@require_POST
@store_view(Module.SETTINGS, Level.EDIT)
def settings_tax_remove(request: HttpRequest, pk: int) -> HttpResponse:
    registration = selectors.tax_registration_get(store=request.tenant, pk=pk)  # type: ignore[attr-defined]
    services.tax_registration_remove(actor=request.user, registration=registration)
    messages.success(request, _("The tax number is removed."))
    return redirect("settings:tax")


@store_view(Module.SETTINGS, Level.VIEW, post=Level.MANAGE)
def settings_security(request: HttpRequest) -> HttpResponse:
    store = request.tenant  # type: ignore[attr-defined]
    membership = request.membership  # type: ignore[attr-defined]
    form = TwoFactorRequirementForm(request.POST or None, initial={"require_two_factor": store.require_two_factor})
    if request.method == "POST" and form.is_valid():
        required = form.cleaned_data["require_two_factor"]
        try:
            if required and not user_has_two_factor(request.user):
                raise DomainError(_("Turn on two-factor authentication for yourself first."))
            services.store_set_two_factor_requirement(actor=request.user, store=store, membership=membership,
                                                      required=required)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Security settings are saved."))
            return redirect("settings:security")
    return render(request, "stores/settings_security.html", {
        "form": form, "section": "security", "is_owner": membership.is_owner,
    })
