"""Login throttling: a few failed attempts per address and per client, then a cool-down."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _keys(request: HttpRequest, email: str) -> list[str]:
    client = client_address(request)
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:email:{digest}", f"login-fail:ip:{client}"]


def login_blocked(request: HttpRequest, email: str) -> bool:
    counts = cache.get_many(_keys(request, email))
    # Per client address the allowance is larger: several people may share an office's address.
    email_key, ip_key = _keys(request, email)
    return (counts.get(email_key, 0) >= settings.LOGIN_THROTTLE_LIMIT) or (
        counts.get(ip_key, 0) >= settings.LOGIN_THROTTLE_LIMIT * 4
    )


def login_failed(request: HttpRequest, email: str) -> None:
    for key in _keys(request, email):
        if cache.add(key, 1, timeout=settings.LOGIN_THROTTLE_WINDOW):
            continue
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=settings.LOGIN_THROTTLE_WINDOW)


def login_succeeded(request: HttpRequest, email: str) -> None:
    cache.delete(_keys(request, email)[0])


def client_address(request: HttpRequest) -> str:
    """The client's address; behind ``TRUSTED_PROXY_COUNT`` proxies, taken from X-Forwarded-For."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
