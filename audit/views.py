from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sellercenter.htmx import htmx_fragment
from stores.permissions import Level, Module, store_view

from .forms import ActivityFilterForm
from .notifications import notification_text
from .selectors import activity_list, notification_last_seen, notification_list
from .services import notification_mark_read

NOTIFICATIONS_PER_PAGE = 30


@store_view(Module.TEAM, Level.MANAGE)
def activity_page(request: HttpRequest) -> HttpResponse:
    form = ActivityFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(activity_list(filters=filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "audit/activity_list.html#activity-table" if htmx_fragment(request) else "audit/activity_list.html"  # type: ignore[attr-defined]
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


def _positive_int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


@store_view(None)
def notification_page(request: HttpRequest) -> HttpResponse:
    """What the store's team was told, newest first, limited to the modules this member can see."""
    older_than = _positive_int(request.GET.get("before"))
    queryset = notification_list(membership=request.membership)  # type: ignore[attr-defined]
    if older_than is not None:
        queryset = queryset.filter(id__lt=older_than)
    fetched = list(queryset.order_by("-id")[: NOTIFICATIONS_PER_PAGE + 1])
    items, has_older = fetched[:NOTIFICATIONS_PER_PAGE], len(fetched) > NOTIFICATIONS_PER_PAGE
    last_seen = notification_last_seen(user_id=request.user.pk or 0)
    rows = [{"n": item, "text": notification_text(item.kind, item.params), "unread": item.pk > last_seen}
            for item in items]
    return render(request, "audit/notification_list.html", {
        "rows": rows, "older": items[-1].pk if has_older else None, "is_newest": older_than is None,
        "newest_id": items[0].pk if items and older_than is None else "",
        "any_unread": any(row["unread"] for row in rows),
    })


@store_view(None)
def notification_read(request: HttpRequest) -> HttpResponse:
    """Mark everything read up to the newest notification the person was shown (GET asks first, without JS)."""
    if request.method != "POST":
        return render(request, "audit/notification_read.html")
    notification_mark_read(user=request.user, up_to=_positive_int(request.POST.get("up_to")))
    messages.success(request, _("All notifications are marked as read."))
    return redirect("audit:notification-list")
