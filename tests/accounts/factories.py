"""Helpers for account tests: authenticator devices and the codes they show."""

from __future__ import annotations

import base64

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


def totp_device(user: User, *, confirmed: bool = True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=confirmed)


def totp_code(device: TOTPDevice, *, drift: int = 0) -> str:
    """The 6-digit code the device's app shows now (``drift`` steps later or earlier)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + drift):06d}"


def totp_code_from_secret(secret: str, *, drift: int = 0) -> str:
    """The code an app shows after being set up by hand with the base32 key printed on the set-up page."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, drift=drift):06d}"


def wrong_code(device: TOTPDevice) -> str:
    """A code that none of the accepted time steps produces."""
    valid = {totp_code(device, drift=d) for d in range(-device.tolerance - 1, device.tolerance + 2)}
    return next(code for code in (f"{n:06d}" for n in range(123456, 999999, 7919)) if code not in valid)
