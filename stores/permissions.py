"""Roles give each module of the seller center a level; every store view declares the level it needs."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _


class Module(models.TextChoices):
    CATALOG = "catalog", _("Catalog")
    ORDERS = "orders", _("Orders")
    LOGISTICS = "logistics", _("Logistics")
    MARKETING = "marketing", _("Marketing")
    ANALYTICS = "analytics", _("Analytics")
    FINANCE = "finance", _("Finance")
    MESSAGING = "messaging", _("Messaging")
    SETTINGS = "settings", _("Settings")
    TEAM = "team", _("Team")


class Level(models.IntegerChoices):
    NONE = 0, _("No access")
    VIEW = 1, _("View")
    EDIT = 2, _("Edit")
    MANAGE = 3, _("Manage")


FULL_ACCESS: dict[str, int] = {module.value: Level.MANAGE.value for module in Module}
NO_ACCESS: dict[str, int] = {module.value: Level.NONE.value for module in Module}


class StorePermissionDenied(PermissionDenied):
    """Raised when a member's role lacks the level a page needs; the 403 page names what is missing."""

    def __init__(self, module: Module, level: Level) -> None:
        super().__init__(f"{module.value}:{Level(level).name.lower()}")
        self.module = Module(module)
        self.level = Level(level)


def store_view(
    module: Module | None, level: Level = Level.VIEW, *, post: Level | None = None
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Declare what a store view needs.

    ``module=None`` means any member of the store may open it (the dashboard). ``post`` is the level a
    state-changing request needs when it is higher than what reading the page needs.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = request.membership  # type: ignore[attr-defined]
            needed = level
            if post is not None and request.method not in ("GET", "HEAD", "OPTIONS"):
                needed = post
            if module is not None and membership.level(module) < needed:
                raise StorePermissionDenied(module, needed)
            return view(request, *args, **kwargs)

        wrapper.store_permission = (module, level, post)  # type: ignore[attr-defined]
        return wrapper

    return decorator


def store_permission_of(view: Callable[..., Any]) -> tuple[Module | None, Level, Level | None] | None:
    return getattr(view, "store_permission", None)
