"""Error pages that speak the person's language and reveal nothing."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from stores.permissions import StorePermissionDenied


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    context = {}
    if isinstance(exception, StorePermissionDenied):
        context = {"module": exception.module, "level": exception.level}
    return render(request, "errors/403.html", context, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", status=500)
