"""Platform API tokens: the key the marketplace uses to call the platform API for one store, and the check every
platform API request passes.

A token is created in the platform admin; its secret is shown once and only its SHA-256 digest is kept, so a copy
of the database holds no usable key. Each token reaches exactly one store: a request naming any other store is
answered as if that store did not exist. One token per store keeps a leaked key's reach to that store, and lets the
platform revoke one store's feed without touching the others.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django_tenants.utils import tenant_context

from sellercenter.errors import DomainError
from sellercenter.middleware import request_store
from sellercenter.platform_api import json_error

from .models import PlatformToken, Store

TOKEN_PREFIX = "scpt_"
# last_used_at is written at most this often per token, not on every request of a busy feed.
LAST_USED_EVERY = dt.timedelta(minutes=1)
MAX_SECRET_LENGTH = 200


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def platform_token_create(*, actor: Any, store: Store, name: str) -> tuple[PlatformToken, str]:
    """A new token for ``store``. Returns the token and its secret: show the secret now, it is not kept."""
    name = name.strip()
    if not name:
        raise DomainError(_("Enter a name for the token."), field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = PlatformToken.objects.create(
        name=name[:100], store=store, prefix=secret[: len(TOKEN_PREFIX) + 6], digest=_digest(secret),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return token, secret


def platform_token_revoke(*, tokens: Iterable[PlatformToken]) -> int:
    """Revoke these tokens at once; a revoked token never works again. Returns how many were still in use."""
    return PlatformToken.objects.filter(pk__in=[token.pk for token in tokens], revoked_at__isnull=True).update(
        revoked_at=timezone.now())


def platform_token_authenticate(*, secret: str) -> PlatformToken | None:
    """The usable token with this secret (its store loaded with it), or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_SECRET_LENGTH:
        return None
    token = PlatformToken.objects.usable().select_related("store").filter(digest=_digest(secret)).first()
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or token.last_used_at < now - LAST_USED_EVERY:
            PlatformToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def _unauthorized(message: Any) -> HttpResponse:
    return json_error(401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="platform"'})


def platform_api_view(*, methods: tuple[str, ...] = ("POST",)) -> Callable[[Callable[..., HttpResponse]],
                                                                          Callable[..., HttpResponse]]:
    """For a platform API view routed with a ``<store>`` handle: check the bearer token, make sure it belongs to
    that store, and run the view in the store's schema with the Store in place of the handle. The answer for a
    store the token does not belong to is the answer for a store that does not exist. No session and no CSRF:
    nothing here is sent by a browser, and the token is never logged (only the path is)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, store: str, **kwargs: Any) -> HttpResponse:
            scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                return _unauthorized(_("Send a platform API token in the Authorization header: Bearer <token>."))
            token = platform_token_authenticate(secret=secret.strip())
            if token is None:
                return _unauthorized(_("This token is not valid, or it has been revoked."))
            if token.store.handle != store or token.store.schema_name == settings.TENANT_BASE_SCHEMA:
                return json_error(404, "not_found", _("No such store."))
            if request.method not in methods:
                return json_error(405, "method_not_allowed", _("Use %(methods)s.") % {"methods": ", ".join(methods)},
                                  headers={"Allow": ", ".join(methods)})
            # For the request log line, which names the store.
            request.tenant = token.store  # type: ignore[attr-defined]
            store_token = request_store.set(token.store.handle)
            try:
                with tenant_context(token.store):
                    return view(request, store=token.store, **kwargs)
            finally:
                request_store.reset(store_token)

        return wrapper

    return decorator
