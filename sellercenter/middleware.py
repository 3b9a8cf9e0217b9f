"""Request logging: one line per request with its store, user, status and time, and the same context on errors."""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

request_store: contextvars.ContextVar[str] = contextvars.ContextVar("request_store", default="-")
request_user: contextvars.ContextVar[str] = contextvars.ContextVar("request_user", default="-")

logger = logging.getLogger("sellercenter.request")


class RequestContextFilter(logging.Filter):
    """Adds the current request's store and user to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.store = getattr(record, "store", None) or request_store.get()
        record.user = getattr(record, "user", None) or request_user.get()
        return True


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        store_token = request_store.set("-")
        user_token = request_user.set("-")
        try:
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
