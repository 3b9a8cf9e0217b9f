"""Path-based store routing: ``/store/<handle>/...`` runs in that store's schema with the store URLconf.

django-tenants' subfolder middleware clears Django's URL caches on every request; this middleware keeps one
compiled resolver for the store URLconf and only moves the script prefix, so ``{% url %}`` in a store page yields
``/store/<handle>/...`` without any cache being rebuilt. Unknown stores and stores the person is not a member of
answer the same 404.
"""

from __future__ import annotations

import contextvars
import re
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import get_script_prefix, reverse, set_script_prefix, set_urlconf
from django.utils import timezone

from sellercenter.middleware import request_store, request_user

from .models import Membership
from .permissions import store_permission_of

STORE_PATH = re.compile(r"^/store/(?P<handle>[a-z0-9-]{1,40})(?P<rest>/.*)?$")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_root_prefix: contextvars.ContextVar[str] = contextvars.ContextVar("root_prefix", default="/")


@contextmanager
def _script_prefix(prefix: str) -> Iterator[None]:
    saved = get_script_prefix()
    set_script_prefix(prefix)
    try:
        yield
    finally:
        set_script_prefix(saved)


def public_reverse(viewname: str, *args: Any, **kwargs: Any) -> str:
    """URL of a public page, also from inside a store page."""
    with _script_prefix(_root_prefix.get()):
        return reverse(viewname, urlconf=settings.ROOT_URLCONF, args=args or None, kwargs=kwargs or None)


def store_reverse(handle: str, viewname: str, *args: Any, **kwargs: Any) -> str:
    """URL of a page in the given store, from anywhere (public pages, e-mails, tasks)."""
    with _script_prefix(f"{_root_prefix.get()}store/{handle}/"):
        return reverse(viewname, urlconf=settings.STORE_URLCONF, args=args or None, kwargs=kwargs or None)


def membership_for(user: Any, handle: str) -> Membership | None:
    return (
        Membership.objects.select_related("store", "role")
        .filter(user=user, store__handle=handle)
        .exclude(store__schema_name=settings.PUBLIC_SCHEMA_NAME)
        .first()
    )


class StoreRoutingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            request_user.set(str(request.user.pk))  # for error logs; reset by RequestLogMiddleware
        match = STORE_PATH.match(request.path_info)
        if match is None:
            connection.set_schema_to_public()  # type: ignore[attr-defined]
            return self.get_response(request)

        handle, rest = match["handle"], match["rest"]
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if rest is None:
            return HttpResponseRedirect(request.path + "/")
        membership = membership_for(request.user, handle)
        if membership is None:
            raise Http404("No such store.")
        store = membership.store

        if store.require_two_factor and not request.user.is_verified():  # type: ignore[attr-defined]
            return HttpResponseRedirect(
                public_reverse("accounts:two-factor-required") + "?store=" + store.handle
            )
        request.tenant = store  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        request.urlconf = settings.STORE_URLCONF  # type: ignore[attr-defined]
        request.path_info = rest
        store_token = request_store.set(store.handle)
        root_token = _root_prefix.set(get_script_prefix())
        connection.set_tenant(store)  # type: ignore[attr-defined]
        timezone.activate(zoneinfo.ZoneInfo(store.timezone))
        try:
            with _script_prefix(f"{get_script_prefix()}store/{handle}/"):
                if store.is_suspended and request.method not in SAFE_METHODS:
                    set_urlconf(settings.STORE_URLCONF)
                    return render(request, "stores/store_suspended.html", {"store": store}, status=403)
                return self.get_response(request)
        finally:
            timezone.deactivate()
            connection.set_schema_to_public()  # type: ignore[attr-defined]
            _root_prefix.reset(root_token)
            request_store.reset(store_token)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        # Fail closed: a store page that forgot to declare its permission is never served.
        if getattr(request, "tenant", None) is not None and store_permission_of(view_func) is None:
            raise PermissionError(f"Store view {view_func.__module__}.{view_func.__name__} declares no permission.")
        return None
