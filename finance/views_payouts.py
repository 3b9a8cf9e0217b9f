"""The payouts page (提现): balances per currency, payout accounts (收款账户) and payouts; adding or changing an
account asks for the person's password (or two-factor code) again when they have not given it recently."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import user_has_two_factor
from sellercenter.errors import DomainError
from stores.permissions import Level, Module, store_view

from . import selectors, selectors_payouts
from .forms_payouts import PayoutAccountForm, PayoutRequestForm, ReauthForm
from .payouts_models import PayoutAccount
from .services import payouts as services

REAUTH_AT = "finance.reauth_at"
REAUTH_MAX_AGE = 10 * 60


def reauth_recent(request: HttpRequest) -> bool:
    at = request.session.get(REAUTH_AT)
    return isinstance(at, (int, float)) and 0 <= time.time() - at <= REAUTH_MAX_AGE


def reauth_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Send the person to confirm who they are first, unless they did within the last ten minutes."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not reauth_recent(request):
            back = request.get_full_path() if request.method == "GET" else reverse("finance:payout-list")
            return redirect(f"{reverse('finance:payout-reauth')}?{urlencode({'next': back})}")
        return view(request, *args, **kwargs)

    return wrapper


def _currencies(request: HttpRequest) -> list[str]:
    store = request.tenant  # type: ignore[attr-defined]
    return sorted({site.currency for site in store.marketplaces.all()} | {store.base_currency})


def _page(request: HttpRequest, request_form: PayoutRequestForm | None = None, status: int = 200) -> HttpResponse:
    accounts = list(selectors_payouts.payout_account_list())
    currencies = selectors_payouts.payout_currencies()
    can_manage = request.membership.level(Module.FINANCE) >= Level.MANAGE  # type: ignore[attr-defined]
    balances = selectors.balance_summary()
    if request_form is None and can_manage:
        # The first currency with money to pay out, rather than the first in the list.
        funded = next((balance["currency"] for balance in balances if balance["available"] > 0), None)
        request_form = PayoutRequestForm(accounts=accounts, currencies=currencies, initial={"currency": funded})
    return render(request, "finance/payout_list.html", {
        "balances": balances, "accounts": accounts, "payouts": selectors_payouts.payout_list(),
        "form": request_form if can_manage else None, "can_manage": can_manage,
    }, status=status)


@store_view(Module.FINANCE, Level.VIEW)
def payout_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@store_view(Module.FINANCE, Level.MANAGE)
def payout_request(request: HttpRequest) -> HttpResponse:
    accounts = list(selectors_payouts.payout_account_list())
    form = PayoutRequestForm(request.POST, accounts=accounts, currencies=selectors_payouts.payout_currencies())
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    try:
        payout, created = services.payout_request(
            actor=request.user, account=selectors_payouts.payout_account_get(pk=data["account"]),
            currency=data["currency"], amount=data["amount"], idempotency_key=data["key"])
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _page(request, form, status=400)
    if created:
        messages.success(request, _("Payout %(number)s is requested.") % {"number": payout.number})
    else:
        messages.info(request, _("This payout was already requested; nothing more was requested."))
    return redirect("finance:payout-list")


def _account_form(request: HttpRequest, account: PayoutAccount | None) -> HttpResponse:
    initial = {}
    if account is not None:
        initial = {name: getattr(account, name) for name in ("kind", "holder_name", "currency", "bank_name",
                                                              "bank_country", "swift")}
        initial["currencies"] = [row.currency for row in account.currencies.all()]
        initial["default_for"] = [row.currency for row in account.currencies.all() if row.is_default]
    form = PayoutAccountForm(request.POST or None, initial=initial, currencies=_currencies(request),
                             editing=account is not None)
    if request.method == "POST" and form.is_valid():
        try:
            if account is None:
                account = services.payout_account_create(actor=request.user, **form.cleaned_data)
                messages.success(request, _("The payout account %(account)s is added.") % {"account": account})
            else:
                account = services.payout_account_update(actor=request.user, account=account, **form.cleaned_data)
                messages.success(request, _("The payout account %(account)s is saved.") % {"account": account})
        except services.PayoutAccountInvalid as error:
            for field, problems in error.errors.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect("finance:payout-list")
    return render(request, "finance/payout_account_form.html", {"form": form, "account": account})


@sensitive_post_parameters("number")
@store_view(Module.FINANCE, Level.MANAGE)
@reauth_required
def payout_account_new(request: HttpRequest) -> HttpResponse:
    return _account_form(request, None)


@sensitive_post_parameters("number")
@store_view(Module.FINANCE, Level.MANAGE)
@reauth_required
def payout_account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _account_form(request, selectors_payouts.payout_account_get(pk=pk))


@require_POST
@store_view(Module.FINANCE, Level.MANAGE)
@reauth_required
def payout_account_remove(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors_payouts.payout_account_get(pk=pk)
    try:
        services.payout_account_remove(actor=request.user, account=account)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The payout account %(account)s is removed.") % {"account": account})
    return redirect("finance:payout-list")


@sensitive_variables("secret")
def _identity_confirmed(user: Any, secret: str) -> bool:
    if user_has_two_factor(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        return device is not None and bool(device.verify_token(secret.replace(" ", "")))
    return bool(user.check_password(secret))


@sensitive_post_parameters("secret")
@store_view(Module.FINANCE, Level.MANAGE)
def payout_reauth(request: HttpRequest) -> HttpResponse:
    """Confirm who you are before changing where the store's money goes; good for ten minutes."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = reverse("finance:payout-list")
    two_factor = user_has_two_factor(request.user)
    form = ReauthForm(request.POST or None, two_factor=two_factor)
    if request.method == "POST" and form.is_valid():
        if _identity_confirmed(request.user, form.cleaned_data["secret"]):
            request.session[REAUTH_AT] = time.time()
            return HttpResponseRedirect(next_url)
        form.add_error("secret", _("That code is not right. Try the newest code from your app.") if two_factor
                       else _("That password is not right."))
    return render(request, "finance/payout_reauth.html", {"form": form, "next": next_url,
                                                          "two_factor": two_factor})
