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
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django_tenants.utils import tenant_context

from sellercenter.errors import DomainError
from sellercenter.middleware import request_store
from sellercenter.platform_api import json_error, statements_prepared

from .models import Marketplace, PlatformToken, Store

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


@functools.cache
def _authenticate_sql() -> tuple[str, list[str], list[str]]:
    """The one statement that checks a token: the usable token with its store and the store's sites (as JSON),
    and the store's and the site's field names in the order the statement returns them. Every column comes from
    the models, so a new field of the store travels along without a change here."""
    quote = connection.ops.quote_name
    store_fields = [field.attname for field in Store._meta.concrete_fields]
    site_fields = [field.attname for field in Marketplace._meta.concrete_fields]
    through = Store._meta.get_field("marketplaces").remote_field.through._meta  # type: ignore[union-attr]
    token, store, site, link = (quote(table) for table in (PlatformToken._meta.db_table, Store._meta.db_table,
                                                           Marketplace._meta.db_table, through.db_table))
    sql = (
        f"SELECT t.id, t.last_used_at, {', '.join(f's.{quote(name)}' for name in store_fields)}, "  # noqa: S608
        f"(SELECT COALESCE(json_agg(json_build_array({', '.join(f'm.{quote(name)}' for name in site_fields)})), "
        f"'[]') FROM {site} AS m JOIN {link} AS sm ON sm.{quote('marketplace_id')} = m.id "
        f"WHERE sm.{quote('store_id')} = s.id) "
        f"FROM {token} AS t JOIN {store} AS s ON s.id = t.store_id "
        f"WHERE t.digest = %s AND t.revoked_at IS NULL"
    )
    return sql, store_fields, site_fields


@dataclass(frozen=True)
class Caller:
    """Who calls the platform API: a usable token, its store, and the store's sites by code."""

    token: PlatformToken
    sites: dict[str, Marketplace]

    @property
    def store(self) -> Store:
        return self.token.store


def platform_token_authenticate(*, secret: str) -> Caller | None:
    """The usable token with this secret, its store and the store's sites, or None. One statement on every
    request, nothing cached between requests: a token revoked or a store suspended a moment ago is seen at once."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_SECRET_LENGTH:
        return None
    sql, store_fields, site_fields = _authenticate_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [_digest(secret)])
        row = cursor.fetchone()
    if row is None:
        return None
    token_id, last_used_at, *store_values, sites = row
    store = Store.from_db(connection.alias, store_fields, store_values)
    # The token's other fields (its name, its digest ...) are loaded if something asks for them.
    token = PlatformToken.from_db(connection.alias, ["id", "store_id", "last_used_at"],
                                  [token_id, store.pk, last_used_at])
    token.store = store
    now = timezone.now()
    if last_used_at is None or last_used_at < now - LAST_USED_EVERY:
        PlatformToken.objects.filter(pk=token_id).update(last_used_at=now)
    return Caller(token=token, sites={site.code: site for site in (
        Marketplace.from_db(connection.alias, site_fields, values) for values in sites)})


def _unauthorized(message: Any) -> HttpResponse:
    return json_error(401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="platform"'})


def platform_api_view(*, methods: tuple[str, ...] = ("POST",), sites: bool = False) -> Callable[
        [Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """For a platform API view routed with a ``<store>`` handle: check the bearer token, make sure it belongs to
    that store, and run the view in the store's schema with the Store in place of the handle (and, with
    ``sites``, the store's sites by code as ``sites``, read with the token). The answer for a
    store the token does not belong to is the answer for a store that does not exist. No session and no CSRF:
    nothing here is sent by a browser, and the token is never logged (only the path is). The request's statements
    run as prepared statements of the connection (``sellercenter.platform_api.prepared_statements``): a busy feed
    sends the same few statements all day."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, store: str, **kwargs: Any) -> HttpResponse:
            scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                return _unauthorized(_("Send a platform API token in the Authorization header: Bearer <token>."))
            with statements_prepared(connection):
                caller = platform_token_authenticate(secret=secret.strip())
            if caller is None:
                return _unauthorized(_("This token is not valid, or it has been revoked."))
            if caller.store.handle != store or caller.store.schema_name == settings.TENANT_BASE_SCHEMA:
                return json_error(404, "not_found", _("No such store."))
            if request.method not in methods:
                return json_error(405, "method_not_allowed", _("Use %(methods)s.") % {"methods": ", ".join(methods)},
                                  headers={"Allow": ", ".join(methods)})
            # For the request log line, which names the store.
            request.tenant = caller.store  # type: ignore[attr-defined]
            store_token = request_store.set(caller.store.handle)
            if sites:
                kwargs["sites"] = caller.sites
            try:
                with tenant_context(caller.store), statements_prepared(connection):
                    return view(request, store=caller.store, **kwargs)
            finally:
                request_store.reset(store_token)

        return wrapper

    return decorator
