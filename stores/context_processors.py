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
        context["my_memberships"] = SimpleLazyObject(lambda: list(Membership.objects.for_user(user)))
    if membership is not None:
        context["can"] = {module.value: {level.name.lower(): membership.level(module) >= level for level in Level}
                          for module in Module}
    return context
