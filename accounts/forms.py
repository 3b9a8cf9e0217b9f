from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.db import transaction
from django.http import HttpRequest
from django.template import loader
from django.utils.translation import gettext_lazy as _

from . import throttle
from .models import User
from .tasks import email_send


class SignUpForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not only digits, not a common password."),
    )
    password2 = forms.CharField(label=_("Password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords are not the same."))
        return data


class LoginForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        email, password = data.get("email"), data.get("password")
        if not email or not password:
            return data
        if throttle.login_blocked(self.request, email):
            raise forms.ValidationError(
                _("Too many failed attempts. Wait %(minutes)s minutes and try again, or reset your password."),
                params={"minutes": settings.LOGIN_THROTTLE_WINDOW // 60},
                code="throttled",
            )
        user = authenticate(self.request, username=email, password=password)
        if user is None:
            throttle.login_failed(self.request, email)
            raise forms.ValidationError(_("The e-mail address or the password is not right."), code="invalid_login")
        self.user = user  # type: ignore[assignment]
        return data


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code"), max_length=8, min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class PasswordResetForm(DjangoPasswordResetForm):
    """Django's reset form, with the e-mail handed to the worker instead of sent inside the request."""

    def send_mail(
        self, subject_template_name: str, email_template_name: str, context: dict[str, Any], from_email: str | None,
        to_email: str, html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        transaction.on_commit(lambda: email_send.delay(to=[to_email], subject=subject, body=body))
