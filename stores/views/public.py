"""Public pages about stores: my stores, open a store, accept an invitation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sellercenter.errors import DomainError

from .. import selectors, services
from ..forms import StoreOpenForm
from ..services import invitation_from_token


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("stores:store-list")
    return render(request, "home.html")


@login_required
def store_list(request: HttpRequest) -> HttpResponse:
    memberships = selectors.membership_list_for_user(user=request.user)
    return render(request, "stores/store_list.html", {"memberships": memberships})


@login_required
def store_switcher(request: HttpRequest) -> HttpResponse:
    """The header's store switcher: the person's stores, loaded when they open it (not on every page)."""
    response = render(request, "stores/_switcher_stores.html",
                      {"memberships": selectors.membership_list_for_user(user=request.user),
                       "current": request.GET.get("current", "")})
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def store_new(request: HttpRequest) -> HttpResponse:
    initial = {"timezone": "Asia/Shanghai", "base_currency": "CNY", "home_country": "CN",
               "default_language": "zh-hans" if request.LANGUAGE_CODE.startswith("zh") else "en"}  # type: ignore[attr-defined]
    form = StoreOpenForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            store = services.store_open(
                actor=request.user, name=data["name"], handle=data["handle"], home_country=data["home_country"],
                base_currency=data["base_currency"], default_language=data["default_language"],
                timezone_name=data["timezone"], marketplaces=data["marketplaces"],
            )
        except DomainError as error:
            just_opened = selectors.store_just_opened_by(user=request.user, handle=data["handle"])
            if just_opened is not None:  # the same form sent twice
                return HttpResponseRedirect(just_opened.path)
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("Your store %(name)s is open.") % {"name": store.name})
            return HttpResponseRedirect(store.path)
    return render(request, "stores/store_new.html", {"form": form})


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_from_token(token)
    except DomainError as error:
        return render(request, "stores/invitation_accept.html", {"error": error.message}, status=410)
    if request.method == "POST" and request.user.is_authenticated:
        try:
            membership = services.invitation_accept(user=request.user, token=token)
        except DomainError as error:
            return render(request, "stores/invitation_accept.html",
                          {"error": error.message, "invitation": invitation}, status=400)
        messages.success(request, _("You have joined %(store)s.") % {"store": membership.store.name})
        return HttpResponseRedirect(membership.store.path)
    return render(request, "stores/invitation_accept.html", {"invitation": invitation, "token": token})
