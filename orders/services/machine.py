"""The order's one state machine: which event may move an order from which status to which, and the history row
every step writes. Every service that changes an order's status goes through ``transition``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import activity_record
from sellercenter.errors import DomainError

from ..models import Order, OrderEvent

S = Order.Status
K = OrderEvent.Kind

# status -> event -> the statuses the event may lead to. Where an event has two possible ends, the service picks
# one from the order's lines or payment (a shipment is partial or complete; a refused cancellation request puts the
# order back where it was). Anything not in this table is refused.
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    S.PENDING_PAYMENT: {
        K.PAID: frozenset({S.UNSHIPPED}),
        K.CANCEL_REQUESTED: frozenset({S.CANCEL_REQUESTED}),
        K.CANCELLED: frozenset({S.CANCELLED}),
    },
    S.UNSHIPPED: {
        K.CONFIRMED: frozenset({S.UNSHIPPED}),
        K.SHIPPED: frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED}),
        K.CANCEL_REQUESTED: frozenset({S.CANCEL_REQUESTED}),
        K.CANCELLED: frozenset({S.CANCELLED}),
    },
    S.CANCEL_REQUESTED: {
        # A payment may still arrive while the seller decides; it is recorded and the request stays open.
        K.PAID: frozenset({S.CANCEL_REQUESTED}),
        K.CANCEL_APPROVED: frozenset({S.CANCELLED}),
        K.CANCEL_REJECTED: frozenset({S.PENDING_PAYMENT, S.UNSHIPPED}),
    },
    S.PARTIALLY_SHIPPED: {
        K.SHIPPED: frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED}),
    },
    S.SHIPPED: {
        K.DELIVERED: frozenset({S.DELIVERED}),
        K.RETURN_REQUESTED: frozenset({S.RETURN_REQUESTED}),
    },
    S.DELIVERED: {
        K.RETURN_REQUESTED: frozenset({S.RETURN_REQUESTED}),
    },
    # Returns (orders.services.returns): one open return at a time. A refund may follow the parcel's receipt, or
    # come without it (the seller lets the buyer keep a cheap item); more refunds may follow up to what was paid,
    # and the buyer may later return other units of the same order.
    S.RETURN_REQUESTED: {
        K.RETURN_AUTHORISED: frozenset({S.RETURN_AUTHORISED}),
        K.RETURN_REJECTED: frozenset({S.RETURN_REJECTED}),
    },
    S.RETURN_AUTHORISED: {
        K.RETURN_RECEIVED: frozenset({S.RETURNED}),
        K.REFUNDED: frozenset({S.REFUNDED}),
    },
    S.RETURN_REJECTED: {
        # The buyer may ask again (a new request, with its own id).
        K.RETURN_REQUESTED: frozenset({S.RETURN_REQUESTED}),
    },
    S.RETURNED: {
        K.REFUNDED: frozenset({S.REFUNDED}),
    },
    S.REFUNDED: {
        K.REFUNDED: frozenset({S.REFUNDED}),
        K.RETURN_REQUESTED: frozenset({S.RETURN_REQUESTED}),
    },
    S.CANCELLED: {},
}
# Where a new order starts: awaiting payment, paid, or refused for want of stock (a store setting).
PLACED_STATUSES = frozenset({S.PENDING_PAYMENT, S.UNSHIPPED, S.CANCELLED})

# What each event does, as the end of "Cannot ...".
ACTIONS = {
    K.PAID: gettext_lazy("confirm its payment"),
    K.CANCEL_REQUESTED: gettext_lazy("request its cancellation"),
    K.CANCEL_APPROVED: gettext_lazy("approve the cancellation request"),
    K.CANCEL_REJECTED: gettext_lazy("refuse the cancellation request"),
    K.CONFIRMED: gettext_lazy("confirm it"),
    K.CANCELLED: gettext_lazy("cancel it"),
    K.SHIPPED: gettext_lazy("mark it shipped"),
    K.DELIVERED: gettext_lazy("confirm its delivery"),
    K.RETURN_REQUESTED: gettext_lazy("request a return"),
    K.RETURN_AUTHORISED: gettext_lazy("authorise the return"),
    K.RETURN_REJECTED: gettext_lazy("reject the return"),
    K.RETURN_RECEIVED: gettext_lazy("receive the return"),
    K.REFUNDED: gettext_lazy("refund it"),
}


def transition_targets(status: str, kind: str) -> frozenset[str]:
    """The statuses ``kind`` may lead to from ``status``; empty when it may not happen at all."""
    return TRANSITIONS.get(status, {}).get(kind, frozenset())


def transition_refused(order: Order, kind: str) -> DomainError:
    return DomainError(_("Cannot %(action)s: order %(number)s is “%(status)s”.") % {
        "action": ACTIONS[OrderEvent.Kind(kind)], "number": order.number,
        "status": S(order.status).label})


def transition_check(order: Order, kind: str) -> None:
    """Refuse ``kind`` unless the table allows it from the order's current status."""
    if not transition_targets(order.status, kind):
        raise transition_refused(order, kind)


def order_lock(order: Order) -> Order:
    """The order read again under its row lock: every change of one order waits for the one before it."""
    assert transaction.get_connection().in_atomic_block
    return Order.objects.select_for_update(of=("self",)).select_related("marketplace").get(pk=order.pk)


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is not None and getattr(actor, "is_authenticated", False):
        return {"actor_kind": OrderEvent.ActorKind.PERSON, "actor_id": actor.pk, "actor_email": actor.email}
    return {"actor_kind": OrderEvent.ActorKind.MARKETPLACE if actor is None else OrderEvent.ActorKind.SYSTEM,
            "actor_id": None, "actor_email": ""}


def transition(
    *,
    order: Order,
    kind: str,
    to_status: str,
    actor: Any = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    source_id: str = "",
    payload_hash: str = "",
    fields: tuple[str, ...] = (),
    activity: str = "",
    changes: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> OrderEvent:
    """Move a locked order to ``to_status`` by ``kind`` and write the history row. ``actor`` is the person (None
    for the marketplace). ``fields`` are other fields of the order the caller has set; ``activity`` names the
    entry in the store's activity log, for the steps people take. ``at`` is when the step happened, when the
    caller knows (the time a marketplace event states); never later than now, which is the default."""
    if to_status not in transition_targets(order.status, kind):
        raise transition_refused(order, kind)
    from_status = order.status
    order.status = to_status
    order.updated_at = timezone.now()
    order.save(update_fields=["status", "updated_at", *fields])
    event = OrderEvent.objects.create(
        order=order, kind=kind, from_status=from_status, to_status=to_status, note=note[:500], data=data or {},
        source_id=source_id[:64], payload_hash=payload_hash,
        at=order.updated_at if at is None else min(at, order.updated_at), **_actor_fields(actor),
    )
    if activity:
        status_change = {"status": [from_status, to_status]} if from_status != to_status else {}
        activity_record(actor=actor, action=activity, target=order, target_repr=order.number,
                        changes={**status_change, **(changes or {}), **({"note": [None, note]} if note else {})})
    return event


def placed_record(*, order: Order, data: dict[str, Any], source_id: str, payload_hash: str,
                  at: dt.datetime | None = None, with_statement: tuple[str, list[Any]] | None = None) -> OrderEvent:
    """The first row of a new order's history: placed by the marketplace, at ``at`` (when the marketplace says the
    order was placed; never later than when it was received, the default). ``with_statement`` is an INSERT of the
    caller's (the order's lines) and its parameters, run within the same statement: one round trip for both."""
    assert order.status in PLACED_STATUSES
    event = OrderEvent(
        order=order, kind=K.PLACED, from_status="", to_status=order.status, data=data, source_id=source_id[:64],
        payload_hash=payload_hash, at=order.created_at if at is None else min(at, order.created_at),
        **_actor_fields(None),
    )
    # Every new order writes one: a plain INSERT of the model's fields costs a fraction of the ORM's save().
    fields = [field for field in OrderEvent._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    before, before_values = with_statement or ("", [])
    with connection.cursor() as cursor:
        # A data-modifying WITH runs once and to the end, whether or not the rest of the statement reads it.
        cursor.execute(
            (f"WITH before AS ({before}) " if before else "")
            + f"INSERT INTO {quote(OrderEvent._meta.db_table)} "  # noqa: S608 - names from the model
            f"({', '.join(quote(str(field.column)) for field in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING id",
            [*before_values,
             *(field.get_db_prep_save(getattr(event, field.attname), connection) for field in fields)])
        event.pk = cursor.fetchone()[0]
    event._state.adding = False
    return event
