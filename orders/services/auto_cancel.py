"""Orders not shipped in time: the seller center cancels every order still awaiting payment or shipment once it
is older than the store's window (``Store.orders_auto_cancel_days``), as the big marketplaces do, releases the
stock it held, and tells the seller in one notification per run.

Each order is cancelled in its own short transaction under its row lock, through the same service and state
machine as a person's cancellation. An order someone else holds at that moment (the seller shipping or cancelling
it) is skipped, not waited for: once they are done it is either no longer due or picked up by the next run. A
retried or repeated run finds nothing left to cancel, so it cancels nothing twice and notifies nothing twice."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import ngettext

from audit.services import notification_create
from sellercenter.errors import DomainError
from stores.models import Store
from stores.permissions import Module
from stores.reference import babel_locale
from stores.routing import store_reverse

from ..models import Order
from .fulfilment import order_cancel

logger = logging.getLogger(__name__)

AUTO_CANCEL_KIND = "orders.auto_cancelled"
BATCH_SIZE = 200

# Only orders nobody has started on are cancelled. Left alone on purpose:
# - CANCEL_REQUESTED: the buyer's request waits for the seller's decision; approving it cancels the order with the
#   buyer's reason, refusing it brings the order back (and its clock with it), and the state machine has no plain
#   cancellation from there.
# - PARTIALLY_SHIPPED: some units are already on their way to the buyer, so the order cannot be cancelled as a
#   whole; the rest must be shipped or refunded by a person.
DUE_STATUSES = (Order.Status.PENDING_PAYMENT, Order.Status.UNSHIPPED)


class SellerCenter:
    """The seller center itself as the actor of its own steps: not a person (not authenticated, so no one's name
    goes into the history or the activity log) and not the marketplace (which is ``None``), so the order's history
    says the seller center did it."""

    is_authenticated = False
    pk = None
    email = ""

    def __str__(self) -> str:
        return "seller center"


SELLER_CENTER = SellerCenter()


@dataclass
class AutoCancelResult:
    cancelled: list[str] = field(default_factory=list)
    skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"cancelled": len(self.cancelled), "skipped": self.skipped}


def auto_cancel_cutoff(*, store: Store, now: dt.datetime) -> dt.datetime:
    """Orders placed before this moment are due: strictly older than the store's window."""
    return now - dt.timedelta(days=store.orders_auto_cancel_days)


def _cancel_one(*, pk: int, cutoff: dt.datetime) -> str | None:
    """Cancel one due order under its row lock; None when it is locked by someone else or no longer due."""
    with transaction.atomic():
        order = (Order.objects.select_for_update(of=("self",), skip_locked=True)
                 .filter(pk=pk, status__in=DUE_STATUSES, placed_at__lt=cutoff).only("id", "number").first())
        if order is None:
            return None
        try:
            order_cancel(actor=SELLER_CENTER, order=order, reason=Order.CancelReason.NOT_SHIPPED_IN_TIME)
        except DomainError as error:  # pragma: no cover - the checks above match the machine's; kept as a guard
            logger.warning("Order %s not cancelled automatically: %s", order.number, error.message)
            return None
        return order.number


def orders_auto_cancel(*, store: Store, now: dt.datetime | None = None,
                       batch_size: int = BATCH_SIZE) -> AutoCancelResult:
    """Cancel the store's due orders (run inside the store's schema), a batch of ids at a time walked by key, each
    order in its own transaction. Notifies the team once when anything was cancelled."""
    if getattr(connection, "schema_name", None) != store.schema_name:
        raise RuntimeError("Activate the store's schema before cancelling its orders.")
    cutoff = auto_cancel_cutoff(store=store, now=now or timezone.now())
    result = AutoCancelResult()
    last_id = 0
    while True:
        ids = list(Order.objects.filter(status__in=DUE_STATUSES, placed_at__lt=cutoff, pk__gt=last_id)
                   .order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        last_id = ids[-1]
        for pk in ids:
            number = _cancel_one(pk=pk, cutoff=cutoff)
            if number is None:
                result.skipped += 1
            else:
                result.cancelled.append(number)
    if result.cancelled:
        notification_create(
            kind=AUTO_CANCEL_KIND, module=Module.ORDERS.value,
            params={"count": len(result.cancelled), "days": store.orders_auto_cancel_days,
                    "numbers": result.cancelled[:20]},
            link=store_reverse(store.handle, "orders:order-list") + "?tab=cancelled",
        )
    return result


def auto_cancelled_text(params: dict[str, Any]) -> str:
    """The notification, in the reader's language."""
    count, days = int(params["count"]), int(params["days"])
    return ngettext(
        "%(count)s order was not shipped within %(days)s days of being placed, so it was cancelled "
        "automatically and its stock released.",
        "%(count)s orders were not shipped within %(days)s days of being placed, so they were cancelled "
        "automatically and their stock released.",
        count,
    ) % {"count": format_decimal(Decimal(count), locale=babel_locale()), "days": days}


NOTIFICATION_KINDS = {AUTO_CANCEL_KIND: auto_cancelled_text}
