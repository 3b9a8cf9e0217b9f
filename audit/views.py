from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from stores.permissions import Level, Module, store_view

from .forms import ActivityFilterForm
from .selectors import activity_list


@store_view(Module.TEAM, Level.MANAGE)
def activity_page(request: HttpRequest) -> HttpResponse:
    form = ActivityFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(activity_list(filters=filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "audit/activity_list.html#activity-table" if request.htmx else "audit/activity_list.html"  # type: ignore[attr-defined]
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})
