"""Notes the team leaves on an order for each other."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import activity_record
from sellercenter.errors import DomainError

from ..models import Order, OrderNote

NOTE_TEXT_MAX = 1000


def order_note_add(*, actor: Any, order: Order, text: str) -> OrderNote:
    """Add a note to ``order`` by ``actor``; recorded in the store's activity log."""
    text = text.strip()
    if not text:
        raise DomainError(_("Write the note first."), field="text")
    if len(text) > NOTE_TEXT_MAX:
        raise DomainError(_("Keep the note to %(max)s characters.") % {"max": NOTE_TEXT_MAX}, field="text")
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    with transaction.atomic():
        note = OrderNote.objects.create(order=order, text=text, author_id=actor.pk if is_person else None,
                                        author_email=actor.email if is_person else "")
        activity_record(actor=actor, action="order.note_added", target=order, target_repr=order.number,
                        changes={"note": [None, text]})
    return note
