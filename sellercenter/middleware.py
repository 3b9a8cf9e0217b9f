"""Request logging: one line per request with its store, user, status and time, and the same context on errors.
The platform API's requests take a shorter way through the middleware from here (``PLATFORM_API_MIDDLEWARE``)."""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

request_store: contextvars.ContextVar[str] = contextvars.ContextVar("request_store", default="-")
request_user: contextvars.ContextVar[str] = contextvars.ContextVar("request_user", default="-")

logger = logging.getLogger("sellercenter.request")

PLATFORM_API_PREFIX = "/api/platform/"
# The middleware a marketplace's call to the platform API passes, in the order of settings.MIDDLEWARE: HTTPS and
# the security headers, the language of its messages, the common URL rules. Sessions, CSRF, sign-in, two-factor,
# the seller's language and store routing, messages, frame options and htmx serve browsers; the API's views
# authenticate by token, are CSRF-exempt and answer JSON, and leaving those out saves about a tenth of a feed's CPU.
PLATFORM_API_MIDDLEWARE = frozenset({
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
})


def _platform_api_chain() -> Callable[[HttpRequest], HttpResponse]:
    """Django's request handling (URL resolution, the view, errors turned into answers) behind only the middleware
    of ``PLATFORM_API_MIDDLEWARE`` that settings.MIDDLEWARE lists, built as Django builds its own chain."""
    handler: Any = BaseHandler()  # its private lists, filled as its own load_middleware() fills them
    handler._view_middleware, handler._template_response_middleware, handler._exception_middleware = [], [], []
    chain = convert_exception_to_response(handler._get_response)
    for path in reversed(settings.MIDDLEWARE):
        if path not in PLATFORM_API_MIDDLEWARE:
            continue
        middleware = import_string(path)(chain)
        if hasattr(middleware, "process_view"):
            handler._view_middleware.insert(0, middleware.process_view)
        if hasattr(middleware, "process_template_response"):
            handler._template_response_middleware.append(middleware.process_template_response)
        if hasattr(middleware, "process_exception"):
            handler._exception_middleware.append(middleware.process_exception)
        chain = convert_exception_to_response(middleware)
    return cast("Callable[[HttpRequest], HttpResponse]", chain)


class RequestContextFilter(logging.Filter):
    """Adds the current request's store and user to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.store = getattr(record, "store", None) or request_store.get()
        record.user = getattr(record, "user", None) or request_user.get()
        return True


class RequestLogMiddleware:
    """First in settings.MIDDLEWARE: logs every request, and sends the platform API's past the browsers'
    middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.platform_api = _platform_api_chain()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        store_token = request_store.set("-")
        user_token = request_user.set("-")
        try:
            if request.path_info.startswith(PLATFORM_API_PREFIX):
                # Outside any store, as the store routing middleware leaves every path but a store's.
                connection.set_schema_to_public()  # type: ignore[attr-defined]
                response = self.platform_api(request)
            else:
                response = self.get_response(request)
            user = getattr(request, "user", None)
            store = getattr(request, "tenant", None)
            elapsed_ms = (time.perf_counter() - started) * 1000
            logger.info(
                "%s %s %s %.1fms", request.method, request.path, response.status_code, elapsed_ms,
                extra={
                    "store": store.handle if store is not None else "-",
                    "user": str(user.pk) if user is not None and user.is_authenticated else "-",
                },
            )
            return response
        finally:
            request_store.reset(store_token)
            request_user.reset(user_token)
