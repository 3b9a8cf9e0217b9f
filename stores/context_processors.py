"""What the page shell needs on every page: the current store and the person's permissions in it (the store
switcher loads the person's other stores when it is opened)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .permissions import Level, Module


def store_shell(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    context: dict[str, Any] = {"store": getattr(request, "tenant", None), "membership": membership}
    if membership is not None:
        context["can"] = {module.value: _levels(membership.level(module)) for module in Module}
    return context


def _levels(granted: Level) -> dict[str, bool]:
    """``can.<module>.<level>`` for a module the role grants ``granted`` in."""
    return {level.name.lower(): granted >= level for level in Level}
