"""What the page shell needs on every page: the current store, the person's other stores, their permissions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Membership
from .permissions import Level, Module


def store_shell(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    context: dict[str, Any] = {"store": getattr(request, "tenant", None), "membership": membership}
    if user is not None and user.is_authenticated:
        # Only what the store switcher shows: a store row has some thirty columns.
        context["my_memberships"] = SimpleLazyObject(lambda: list(Membership.objects.for_user(user).only(
            "store_id", "role_id", "store__name", "store__handle", "role__kind", "role__name")))
    if membership is not None:
        context["can"] = {module.value: _levels(membership.level(module)) for module in Module}
    return context


def _levels(granted: Level) -> dict[str, bool]:
    """``can.<module>.<level>`` for a module the role grants ``granted`` in."""
    return {level.name.lower(): granted >= level for level in Level}
