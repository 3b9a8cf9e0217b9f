"""The seller's steps on many orders at once: each order passes the same service as on its own page, and the
store's activity log gets one more entry with the counts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from audit.services import activity_record
from sellercenter.errors import DomainError

from ..models import Order
from .fulfilment import order_cancel, order_confirm

BULK_MAX = 200


@dataclass
class BulkRow:
    number: str
    ok: bool
    message: str = ""


@dataclass
class BulkResult:
    rows: list[BulkRow] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(row.ok for row in self.rows)

    @property
    def refused(self) -> int:
        return sum(not row.ok for row in self.rows)


def _each(*, actor: Any, order_ids: Iterable[int], action: str, step: Callable[[Order], Any],
          changes: dict[str, Any] | None = None) -> BulkResult:
    ids = list(dict.fromkeys(order_ids))[:BULK_MAX]
    result = BulkResult()
    # Each order in its own transaction: one refused order leaves the others done.
    for order in Order.objects.filter(pk__in=ids).only("id", "number").order_by("-placed_at", "-id"):
        try:
            step(order)
        except DomainError as error:
            result.rows.append(BulkRow(number=order.number, ok=False, message=error.message))
        else:
            result.rows.append(BulkRow(number=order.number, ok=True))
    with transaction.atomic():
        activity_record(actor=actor, action=action, target_repr=", ".join(row.number for row in result.rows)[:200],
                        changes={"done": [None, result.done], "refused": [None, result.refused],
                                 "orders": [None, [row.number for row in result.rows]], **(changes or {})})
    return result


def orders_bulk_confirm(*, actor: Any, order_ids: Iterable[int]) -> BulkResult:
    """Confirm each of the orders (at most BULK_MAX); each row says whether it was confirmed or why not."""
    return _each(actor=actor, order_ids=order_ids, action="orders.bulk_confirmed",
                 step=lambda order: order_confirm(actor=actor, order=order))


def orders_bulk_cancel(*, actor: Any, order_ids: Iterable[int], reason: str, note: str = "") -> BulkResult:
    """Cancel each of the orders with one reason (and note); each row says whether it was cancelled or why not."""
    return _each(actor=actor, order_ids=order_ids, action="orders.bulk_cancelled",
                 step=lambda order: order_cancel(actor=actor, order=order, reason=reason, note=note),
                 changes={"cancel_reason": [None, reason]})
