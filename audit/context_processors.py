"""The header's notification bell: the unread count, only inside a store, only if the page shows it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import cached_property

from .selectors import UNREAD_CAP, notification_unread_count


class UnreadNotifications:
    """Counted on first use, once per request (one indexed query)."""

    def __init__(self, membership: Any) -> None:
        self._membership = membership

    @cached_property
    def count(self) -> int:
        return notification_unread_count(membership=self._membership)

    @property
    def label(self) -> str:
        return f"{UNREAD_CAP - 1}+" if self.count >= UNREAD_CAP else str(self.count)


def notifications(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    if getattr(request, "tenant", None) is None or membership is None:
        return {}
    return {"notifications_unread": UnreadNotifications(membership)}
