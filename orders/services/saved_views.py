"""Each person's saved views of the order list: a name for a set of filters."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sellercenter.errors import DomainError

from ..models import OrderSavedView

SAVED_VIEWS_MAX = 20


def order_view_save(*, actor: Any, name: str, query: str) -> OrderSavedView:
    """Save the list's filters (``query``, as in its address) under ``name`` for ``actor``; the same name again
    replaces what it held. Personal, so not in the store's activity log."""
    name = name.strip()
    if not name or len(name) > 60:
        raise DomainError(_("Name the view (up to 60 characters)."), field="name")
    if len(query) > 1000:
        raise DomainError(_("Too many filters to save in one view."), field="name")
    with transaction.atomic():
        views = OrderSavedView.objects.select_for_update().filter(user_id=actor.pk)
        existing = views.filter(name=name).first()
        if existing is not None:
            existing.query = query
            existing.save(update_fields=["query"])
            return existing
        if views.count() >= SAVED_VIEWS_MAX:
            raise DomainError(_("You have %(max)s saved views; delete one first.") % {"max": SAVED_VIEWS_MAX},
                              field="name")
        try:
            with transaction.atomic():
                return OrderSavedView.objects.create(user_id=actor.pk, name=name, query=query)
        except IntegrityError:  # the same name saved at the same moment from another tab
            return OrderSavedView.objects.get(user_id=actor.pk, name=name)


def order_view_delete(*, actor: Any, pk: int) -> None:
    """Delete one of ``actor``'s saved views; someone else's, or one already gone, is left alone."""
    OrderSavedView.objects.filter(user_id=actor.pk, pk=pk).delete()
