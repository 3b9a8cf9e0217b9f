"""Sign-up, log-in with optional two-factor, log-out, the person's profile and language."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from sellercenter.errors import DomainError

from . import services, throttle
from .forms import LoginForm, ProfileForm, SignUpForm, TokenForm

PENDING_USER = "accounts.pending_user"
PENDING_NEXT = "accounts.pending_next"


def _next_url(request: HttpRequest, default: str = settings.LOGIN_REDIRECT_URL) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return candidate
    return default


@sensitive_post_parameters("password1", "password2")
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("stores:store-list")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_sign_up(
                email=form.cleaned_data["email"], password=form.cleaned_data["password1"],
                full_name=form.cleaned_data["full_name"], language=request.LANGUAGE_CODE,  # type: ignore[attr-defined]
            )
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            messages.success(request, _("Welcome! Your account is ready. Open your first store."))
            return redirect("stores:store-new")
    return render(request, "accounts/signup.html", {"form": form})


@sensitive_post_parameters("password")
def log_in(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    if request.user.is_authenticated:
        return HttpResponseRedirect(next_url)
    form = LoginForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.user
        assert user is not None
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            request.session[PENDING_USER] = user.pk
            request.session[PENDING_NEXT] = next_url
            return redirect("accounts:login-verify")
        throttle.login_succeeded(request, user.email)
        login(request, user)
        return HttpResponseRedirect(next_url)
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


def log_in_verify(request: HttpRequest) -> HttpResponse:
    """The second step of a log-in for people with an authenticator."""
    # No pending log-in reads None from the session; pk=None is a valid lookup that matches nobody.
    user = get_user_model().objects.filter(pk=request.session.get(PENDING_USER)).first()  # type: ignore[misc]
    if user is None:
        return redirect("accounts:login")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].replace(" ", "")
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if throttle.login_blocked(request, user.email):
            form.add_error(None, _("Too many failed attempts. Wait %(minutes)s minutes and try again.")
                           % {"minutes": settings.LOGIN_THROTTLE_WINDOW // 60})
        elif device is not None and device.verify_token(token):
            next_url = request.session.pop(PENDING_NEXT, settings.LOGIN_REDIRECT_URL)
            request.session.pop(PENDING_USER, None)
            throttle.login_succeeded(request, user.email)
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            otp_login(request, device)
            return HttpResponseRedirect(next_url)
        else:
            throttle.login_failed(request, user.email)
            form.add_error("token", _("That code is not right. Try the newest code from your app."))
    return render(request, "accounts/login_verify.html", {"form": form})


@require_POST
def log_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You have logged out."))
    return redirect("home")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, initial={
        "full_name": user.full_name,  # type: ignore[union-attr]
        "language": user.language or request.LANGUAGE_CODE,  # type: ignore[union-attr, attr-defined]
    })
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(user=user, **form.cleaned_data)  # type: ignore[arg-type]
        messages.success(request, _("Your profile is saved."))
        response = redirect("accounts:profile")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"], samesite="Lax")
        return response
    return render(request, "accounts/profile.html", {
        "form": form, "has_two_factor": services.user_has_two_factor(user),
    })


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; remembered on the account and in a cookie."""
    language = request.POST.get("language", "")
    next_url = _next_url(request, default="/")
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.totp_device_confirm(user=user, token=form.cleaned_data["token"])  # type: ignore[arg-type]
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is on. You will be asked for a code at log-in."))
            return HttpResponseRedirect(_next_url(request, default="/accounts/profile/"))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or request.method == "GET":
        device = services.totp_device_start(user=user)  # type: ignore[arg-type]
    uri = device.config_url
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "accounts/two_factor_setup.html", {
        "form": form, "qr_svg": _qr_svg(uri), "secret": secret, "next": _next_url(request, default=""),
    })


@login_required
@require_POST
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    services.totp_device_remove(user=request.user)  # type: ignore[arg-type]
    messages.info(request, _("Two-factor authentication is off."))
    return redirect("accounts:profile")


@login_required
def two_factor_required(request: HttpRequest) -> HttpResponse:
    """Where a store that requires two-factor sends members who have not passed it in this session."""
    handle = request.GET.get("store", "")
    next_url = f"/store/{handle}/" if handle.replace("-", "").isalnum() else settings.LOGIN_REDIRECT_URL
    if not services.user_has_two_factor(request.user):
        return render(request, "accounts/two_factor_required.html", {"next": next_url, "has_device": False})
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
        if device is not None and device.verify_token(form.cleaned_data["token"].replace(" ", "")):
            otp_login(request, device)
            return HttpResponseRedirect(next_url)
        form.add_error("token", _("That code is not right. Try the newest code from your app."))
    return render(request, "accounts/two_factor_required.html", {"form": form, "next": next_url, "has_device": True})

