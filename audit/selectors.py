"""Reads of the activity log."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from .models import Activity, Notification, NotificationCursor


def activity_list(*, filters: dict[str, Any]) -> QuerySet[Activity]:
    queryset = Activity.objects.newest_first()
    if filters.get("person"):
        queryset = queryset.filter(actor_email__icontains=filters["person"])
    if filters.get("action"):
        queryset = queryset.filter(action__startswith=filters["action"])
    if filters.get("since"):
        queryset = queryset.filter(at__date__gte=filters["since"])
    if filters.get("until"):
        queryset = queryset.filter(at__date__lte=filters["until"])
    return queryset


def activity_action_prefixes() -> list[str]:
    return sorted({action.split(".")[0] for action in Activity.objects.values_list("action", flat=True).distinct()})



# --- Notifications -----------------------------------------------------------------------------------------------

UNREAD_CAP = 100


def notification_modules(*, membership: Any) -> list[str]:
    """The modules whose notifications this member may see: those their role can at least view."""
    from stores.permissions import Level, Module

    return [module.value for module in Module if membership.level(module) >= Level.VIEW]


def notification_list(*, membership: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(module__in=notification_modules(membership=membership)).only(
        "id", "at", "kind", "params", "module", "link")


def notification_last_seen(*, user_id: int) -> int:
    return NotificationCursor.objects.filter(user_id=user_id).values_list("last_seen_id", flat=True).first() or 0


def notification_unread_count(*, membership: Any) -> int:
    """Unread notifications this member may see, counted up to ``UNREAD_CAP`` (the badge shows "99+"), in one
    query: the cursor is a subquery, and the count stops early on the primary key."""
    last_seen = Coalesce(Subquery(NotificationCursor.objects.filter(user_id=membership.user_id)
                                  .values("last_seen_id")[:1]), Value(0))
    unread = Notification.objects.filter(module__in=notification_modules(membership=membership), id__gt=last_seen)
    return unread.order_by()[:UNREAD_CAP].count()
