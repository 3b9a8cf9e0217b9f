"""Reads of the activity log."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Activity


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

