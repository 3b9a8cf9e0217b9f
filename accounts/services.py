"""Writes to people's accounts: sign-up, preferences and two-factor devices."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from sellercenter.errors import DomainError

from .models import User


def user_sign_up(*, email: str, password: str, full_name: str = "", language: str = "") -> User:
    email = User.objects.normalize_email(email.strip()).lower()
    candidate = User(email=email, full_name=full_name.strip(), language=language)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field="password1") from error
    try:
        with transaction.atomic():
            if User.objects.filter(email__iexact=email).exists():
                raise DomainError(_("An account with this e-mail address already exists."), field="email")
            return User.objects.create_user(email=email, password=password, full_name=candidate.full_name,
                                            language=language)
    except IntegrityError as error:
        raise DomainError(_("An account with this e-mail address already exists."), field="email") from error


def user_set_language(*, user: Any, language: str) -> None:
    if user.is_authenticated and user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


def user_update_profile(*, user: User, full_name: str, language: str) -> User:
    user.full_name = full_name.strip()
    user.language = language
    user.save(update_fields=["full_name", "language"])
    return user


def totp_device_start(*, user: User) -> TOTPDevice:
    """An unconfirmed authenticator device; it counts only once a code from it has been checked."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


def totp_device_confirm(*, user: User, token: str) -> TOTPDevice:
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None:
            raise DomainError(_("Start the set-up again: no authenticator is waiting for confirmation."))
        if not device.verify_token(token.strip().replace(" ", "")):
            raise DomainError(_("That code is not right. Check the time on your phone and try the newest code."),
                              field="token")
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return device


def totp_device_remove(*, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()


def user_has_two_factor(user: Any) -> bool:
    return bool(user.is_authenticated and TOTPDevice.objects.filter(user=user, confirmed=True).exists())
