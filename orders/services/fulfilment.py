"""What the seller does to an order: confirm it, cancel it with a reason, decide a buyer's cancellation request,
mark it shipped. Each step locks the order, passes the state machine, moves the stock it holds, writes the
order's history and the store's activity log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellercenter.errors import DomainError

from ..models import Order, OrderEvent, OrderLine
from .machine import order_lock, transition, transition_check
from .reservations import attention_of, lines_release, lines_reserve, lines_ship

K = OrderEvent.Kind
NOTE_MAX = 500


def _when(at: dt.datetime | None) -> dt.datetime:
    """When a step happened: ``at`` if given (never later than now), else now."""
    now = timezone.now()
    return now if at is None else min(at, now)


def _note(note: str) -> str:
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise DomainError(_("Keep the note to %(max)s characters.") % {"max": NOTE_MAX}, field="note")
    return note


def order_confirm(*, actor: Any, order: Order) -> Order:
    """The seller takes the order on (acknowledges it); it stays to be shipped."""
    with transaction.atomic():
        order = order_lock(order)
        transition_check(order, K.CONFIRMED)
        if order.confirmed_at is not None:
            raise DomainError(_("Order %(number)s is already confirmed.") % {"number": order.number})
        order.confirmed_at = timezone.now()
        transition(order=order, kind=K.CONFIRMED, to_status=order.status, actor=actor, fields=("confirmed_at",),
                   activity="order.confirmed")
    return order


def _cancel(*, actor: Any, order: Order, kind: str, reason: str, note: str, activity: str,
            at: dt.datetime | None = None) -> Order:
    lines = list(order.lines.order_by("id"))
    lines_release(order=order, lines=lines, actor=actor)
    for line in lines:
        line.quantity_cancelled += line.quantity_open
    OrderLine.objects.bulk_update(lines, ["quantity_cancelled"])
    order.cancel_reason, order.cancelled_at, order.attention = reason, _when(at), ""
    transition(order=order, kind=kind, to_status=Order.Status.CANCELLED, actor=actor, note=note,
               data={"reason": reason}, fields=("cancel_reason", "cancelled_at", "attention"), activity=activity,
               changes={"cancel_reason": [None, reason]}, at=order.cancelled_at)
    return order


def order_cancel(*, actor: Any, order: Order, reason: str, note: str = "") -> Order:
    """The seller cancels an order not yet shipped; the units it held are free again."""
    if reason not in Order.CancelReason.values:
        raise DomainError(_("Choose why the order is cancelled."), field="reason")
    note = _note(note)
    with transaction.atomic():
        order = order_lock(order)
        transition_check(order, K.CANCELLED)
        return _cancel(actor=actor, order=order, kind=K.CANCELLED, reason=reason, note=note,
                       activity="order.cancelled")


def order_cancel_request_decide(*, actor: Any, order: Order, approve: bool, note: str = "",
                                at: dt.datetime | None = None) -> Order:
    """Approve the buyer's cancellation request (the order is cancelled and its stock released) or refuse it (the
    order goes back to awaiting payment or shipment, as it was). ``at``: when the seller decided, if not now (a
    replayed history; never later than now)."""
    note = _note(note)
    with transaction.atomic():
        order = order_lock(order)
        kind = K.CANCEL_APPROVED if approve else K.CANCEL_REJECTED
        transition_check(order, kind)
        if approve:
            return _cancel(actor=actor, order=order, kind=kind, reason=Order.CancelReason.BUYER_REQUEST, note=note,
                           activity="order.cancel_request_approved", at=at)
        back = Order.Status.UNSHIPPED if order.paid_at is not None else Order.Status.PENDING_PAYMENT
        transition(order=order, kind=kind, to_status=back, actor=actor, note=note,
                   activity="order.cancel_request_rejected", at=at)
    return order


def _units_to_ship(lines: list[OrderLine], quantities: dict[int, int] | None) -> dict[OrderLine, int]:
    if quantities is None:
        return {line: line.quantity_open for line in lines if line.quantity_open}
    by_id = {line.pk: line for line in lines}
    units: dict[OrderLine, int] = {}
    for line_id, count in quantities.items():
        line = by_id.get(line_id)
        if line is None:
            raise DomainError(_("That line is not part of this order."), field="lines")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise DomainError(_("Enter a quantity of zero or more for %(sku)s.") % {"sku": line.sku}, field="lines")
        if count > line.quantity_open:
            raise DomainError(_("Only %(open)s of %(sku)s are left to ship.") % {"open": line.quantity_open,
                                                                                 "sku": line.sku}, field="lines")
        if count:
            units[line] = count
    return units


def order_mark_shipped(
    *, actor: Any, order: Order, tracking_number: str, carrier: str, quantities: dict[int, int] | None = None,
    at: dt.datetime | None = None,
) -> Order:
    """The seller ships units: all that are open, or ``quantities`` (line id -> units). Shipped units leave on-hand
    stock and the reservation; a line that held no stock (the order needed attention) reserves it first. The order
    is shipped when no unit is left open, partially shipped before. ``at``: when the parcel left, if not now (a
    replayed history; never later than now)."""
    tracking_number, carrier = tracking_number.strip(), carrier.strip()
    if not tracking_number or len(tracking_number) > 64:
        raise DomainError(_("Enter the tracking number (up to 64 characters)."), field="tracking_number")
    if not carrier or len(carrier) > 100:
        raise DomainError(_("Enter the carrier (up to 100 characters)."), field="carrier")
    with transaction.atomic():
        order = order_lock(order)
        transition_check(order, K.SHIPPED)
        lines = list(order.lines.order_by("id"))
        units = _units_to_ship(lines, quantities)
        if not units:
            raise DomainError(_("Choose at least one unit to ship."), field="lines")
        unknown = sorted(line.sku for line in units if line.variant_id is None and not line.quantity_reserved)
        if unknown:
            raise DomainError(_("%(skus)s are not in your catalog, so their stock cannot be shipped.")
                              % {"skus": ", ".join(unknown)}, field="lines")
        short = lines_reserve(order=order, lines=list(units), actor=actor, all_or_nothing=True)
        if short:
            raise DomainError(_("Not enough stock of %(skus)s to ship. Add stock, or ship fewer units.")
                              % {"skus": ", ".join(sorted(line.sku for line in short))}, field="lines")
        lines_ship(order=order, units=units, actor=actor)
        done = not any(line.quantity_open for line in lines)
        now = _when(at)
        order.tracking_number, order.carrier = tracking_number, carrier
        order.attention = attention_of(lines)
        fields = ["tracking_number", "carrier", "attention"]
        if done:
            order.shipped_at = now
            fields.append("shipped_at")
        shipped = {line.sku: count for line, count in units.items()}
        transition(order=order, kind=K.SHIPPED, to_status=Order.Status.SHIPPED if done
                   else Order.Status.PARTIALLY_SHIPPED, actor=actor, fields=tuple(fields),
                   data={"tracking_number": tracking_number, "carrier": carrier, "units": shipped},
                   activity="order.shipped", at=now,
                   changes={"tracking_number": [None, tracking_number], "carrier": [None, carrier],
                            "units": [None, shipped]})
    return order


def order_tracking_replace(*, order: Order, old: str, new: str) -> bool:
    """A parcel's tracking number was corrected: the order, searched by its latest number, follows when that was
    the old one. True when the order changed."""
    return bool(Order.objects.filter(pk=order.pk, tracking_number=old).update(tracking_number=new))
