from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import selectors
from ..permissions import store_view


@store_view(None)
def dashboard(request: HttpRequest) -> HttpResponse:
    store = request.tenant  # type: ignore[attr-defined]
    checklist = selectors.setup_checklist(store=store, user=request.user)
    return render(request, "stores/dashboard.html", {
        "checklist": checklist,
        "checklist_done": sum(step.done for step in checklist),
        "members": selectors.member_list(store=store)[:8],
        "marketplaces": store.marketplaces.all(),
    })
