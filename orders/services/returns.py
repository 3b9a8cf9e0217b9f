"""Returns and refunds: a return (RMA) is requested by the buyer through the marketplace or opened by the seller,
authorised or rejected with a reason, received (each unit back to stock or written off), and refunded, in full or
in part, never beyond what the buyer paid. Every step locks the order, passes the one state machine and writes the
order's history; a refund's history row is the event the finance module posts from (its data carries the refund's
id, amount and currency)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.pricing import quantum
from catalog.selectors import warehouse_choices
from catalog.services.inventory import stock_return
from sellercenter.errors import DomainError

from ..models import Order, OrderEvent, OrderLine, Refund, Return, ReturnLine
from .machine import order_lock, transition, transition_check

K = OrderEvent.Kind
TEXT_MAX = 500


def _text(text: str, *, field: str) -> str:
    text = (text or "").strip()
    if len(text) > TEXT_MAX:
        raise DomainError(_("Keep it to %(max)s characters.") % {"max": TEXT_MAX}, field=field)
    return text


def _moment(at: dt.datetime | None) -> dt.datetime:
    """When a step happened: now, or ``at`` for a replayed history (never later than now)."""
    now = timezone.now()
    return now if at is None else min(at, now)


def returnable_units(order: Order) -> dict[int, int]:
    """Order line id -> units shipped and not yet in a return (a rejected return gives its units back)."""
    shipped = dict(order.lines.filter(quantity_shipped__gt=0).values_list("id", "quantity_shipped"))
    taken = dict(ReturnLine.objects.filter(order_line_id__in=shipped).exclude(rma__status=Return.Status.REJECTED)
                 .values("order_line_id").annotate(units=Sum("quantity")).values_list("order_line_id", "units"))
    return {line_id: units - int(taken.get(line_id) or 0) for line_id, units in shipped.items()
            if units - int(taken.get(line_id) or 0) > 0}


def _rma_number(order: Order) -> str:
    """RMA-<order number>-<n>: the order's n-th return. Called under the order's lock, so n is never taken twice."""
    return f"RMA-{order.number}-{order.returns.count() + 1}"


def return_record(*, order: Order, actor: Any, opened_by: str, units: Mapping[int, int] | None, reason: str,
                  comment: str, requested_at: dt.datetime, source_id: str = "", payload_hash: str = "") -> OrderEvent:
    """Open a return on an order its caller has locked. ``units`` is order line id -> units; None returns every
    unit shipped and not yet returned (the marketplace's requests name no lines)."""
    transition_check(order, K.RETURN_REQUESTED)
    if reason not in Return.Reason.values:
        raise DomainError(_("Choose why the items come back."), field="reason")
    comment = _text(comment, field="comment")
    available = returnable_units(order)
    if units is None:
        units = available
    units = {line_id: count for line_id, count in units.items() if count}
    for line_id, count in units.items():
        if count < 0 or count > available.get(line_id, 0):
            raise DomainError(_("Only units shipped and not returned yet can be returned."), field="lines")
    if not units:
        raise DomainError(_("Nothing on this order can be returned: no unit is shipped and not returned yet."),
                          field="lines")
    rma = Return.objects.create(order=order, rma_number=_rma_number(order), opened_by=opened_by, reason=reason,
                                comment=comment, source_id=source_id[:64], requested_at=requested_at)
    ReturnLine.objects.bulk_create([ReturnLine(rma=rma, order_line_id=line_id, quantity=count)
                                    for line_id, count in sorted(units.items())])
    return transition(order=order, kind=K.RETURN_REQUESTED, to_status=Order.Status.RETURN_REQUESTED, actor=actor,
                      note=comment, source_id=source_id, payload_hash=payload_hash,
                      data={"rma": rma.rma_number, "return_id": rma.pk, "reason": reason,
                            "requested_at": requested_at.isoformat()},
                      activity="order.return_opened" if actor is not None else "",
                      changes={"rma": [None, rma.rma_number]}, at=requested_at)


def return_open(*, actor: Any, order: Order, units: Mapping[int, int], reason: str, comment: str = "") -> Return:
    """The seller opens a return for the buyer (who asked by e-mail or chat rather than on the marketplace)."""
    with transaction.atomic():
        order = order_lock(order)
        event = return_record(order=order, actor=actor, opened_by=Return.OpenedBy.SELLER, units=units,
                              reason=reason, comment=comment, requested_at=timezone.now())
        return Return.objects.get(pk=event.data["return_id"])


def _open_return(order: Order, *statuses: str) -> Return:
    """The order's open return, locked; a DomainError when it has none in ``statuses``."""
    rma = Return.objects.select_for_update().filter(order=order, status__in=Return.OPEN).first()
    if rma is None or rma.status not in statuses:
        raise DomainError(_("Order %(number)s has no return waiting for this step.") % {"number": order.number})
    return rma


def return_decide(*, actor: Any, rma: Return, authorise: bool, note: str = "",
                  at: dt.datetime | None = None) -> Return:
    """Authorise the return (the buyer may send the parcel) or reject it, saying why."""
    note = _text(note, field="note")
    if not authorise and not note:
        raise DomainError(_("Say why the return is rejected; the buyer sees it."), field="note")
    with transaction.atomic():
        order = order_lock(rma.order)
        kind = K.RETURN_AUTHORISED if authorise else K.RETURN_REJECTED
        transition_check(order, kind)
        rma = _open_return(order, Return.Status.REQUESTED)
        now = _moment(at)
        if authorise:
            rma.status, rma.authorised_at = Return.Status.AUTHORISED, now
        else:
            rma.status, rma.rejected_at, rma.reject_reason = Return.Status.REJECTED, now, note
        rma.save(update_fields=["status", "authorised_at", "rejected_at", "reject_reason"])
        transition(order=order, kind=kind,
                   to_status=Order.Status.RETURN_AUTHORISED if authorise else Order.Status.RETURN_REJECTED,
                   actor=actor, note=note, data={"rma": rma.rma_number, "return_id": rma.pk},
                   activity="order.return_authorised" if authorise else "order.return_rejected", at=now)
    return rma


@dataclass(frozen=True)
class Receipt:
    """What came back on one line of a return: units put back on the shelf, and units written off."""

    restock: int = 0
    write_off: int = 0


def return_receive(*, actor: Any, rma: Return, receipts: Mapping[int, Receipt], warehouse_id: int | None,
                   at: dt.datetime | None = None) -> Return:
    """The parcel is back. ``receipts`` is return line id -> what became of its units; restocked units go on hand
    in ``warehouse_id`` (a warehouse in use) with a "returned" stock movement. Fewer units than authorised may
    come back; at least one must."""
    with transaction.atomic():
        order = order_lock(rma.order)
        transition_check(order, K.RETURN_RECEIVED)
        rma = _open_return(order, Return.Status.AUTHORISED)
        lines = {line.pk: line for line in rma.lines.select_related("order_line").order_by("id")}
        if set(receipts) - set(lines):
            raise DomainError(_("These lines are not part of the return."), field="lines")
        received = 0
        for line_id, receipt in receipts.items():
            line = lines[line_id]
            if receipt.restock < 0 or receipt.write_off < 0 or receipt.restock + receipt.write_off > line.quantity:
                raise DomainError(_("%(sku)s: at most %(count)s units came back.")
                                  % {"sku": line.order_line.sku, "count": line.quantity}, field="lines")
            if receipt.restock and line.order_line.variant_id is None:
                raise DomainError(_("%(sku)s is not in the catalog any more: write its units off.")
                                  % {"sku": line.order_line.sku}, field="lines")
            received += receipt.restock + receipt.write_off
        if not received:
            raise DomainError(_("Enter the units that came back."), field="lines")
        restocking = any(receipt.restock for receipt in receipts.values())
        warehouse = warehouse_choices().filter(pk=warehouse_id).first() if warehouse_id else None
        if restocking and warehouse is None:
            raise DomainError(_("Choose a warehouse in use to put the units back in."), field="warehouse")
        for line_id, receipt in sorted(receipts.items()):
            line = lines[line_id]
            line.quantity_restocked, line.quantity_written_off = receipt.restock, receipt.write_off
            line.warehouse = warehouse if receipt.restock else None
            if receipt.restock:
                assert warehouse is not None and line.order_line.variant is not None
                stock_return(variant=line.order_line.variant, warehouse=warehouse, quantity=receipt.restock,
                             reference=rma.rma_number, actor=actor)
        ReturnLine.objects.bulk_update(list(lines.values()),
                                       ["quantity_restocked", "quantity_written_off", "warehouse"])
        rma.status, rma.received_at = Return.Status.RECEIVED, _moment(at)
        rma.save(update_fields=["status", "received_at"])
        transition(order=order, kind=K.RETURN_RECEIVED, to_status=Order.Status.RETURNED, actor=actor,
                   data={"rma": rma.rma_number, "return_id": rma.pk,
                         "restocked": sum(r.restock for r in receipts.values()),
                         "written_off": sum(r.write_off for r in receipts.values()),
                         "warehouse": warehouse.code if warehouse and restocking else ""},
                   activity="order.return_received", at=rma.received_at)
    return rma


def refund_amount_parse(raw: Any, currency: str) -> Decimal:
    """An amount typed for a refund, in the order's currency: positive, with no more decimals than the currency
    has (none for JPY)."""
    try:
        amount = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter an amount such as 12.50."), field="amount") from None
    if not amount.is_finite() or amount <= 0:
        raise DomainError(_("Enter an amount above zero."), field="amount")
    if amount != amount.quantize(quantum(currency)):
        raise DomainError(_("%(currency)s amounts have at most %(places)s decimal places.")
                          # a quantum is finite, so its exponent is a number (never "n", "N" or "F")
                          % {"currency": currency, "places": -cast(int, quantum(currency).as_tuple().exponent)},
                          field="amount")
    return amount


@dataclass(frozen=True)
class Refunded:
    refund: Refund
    created: bool


def refund_issue(*, actor: Any, order: Order, amount: Decimal, idempotency_key: str, note: str = "",
                 at: dt.datetime | None = None) -> Refunded:
    """Give money back to the buyer in the order's currency: on an authorised or received return (which it then
    closes), or on top of an earlier refund. Never more than the order's total less what was refunded; the
    database refuses it too. The same ``idempotency_key`` again (a double click, a resent form) records nothing
    more and answers with the first refund."""
    note = _text(note, field="note")
    if not idempotency_key or len(idempotency_key) > 64:
        raise DomainError(_("This form has expired. Open the order again."))
    try:
        with transaction.atomic():
            order = order_lock(order)
            found = Refund.objects.filter(idempotency_key=idempotency_key).first()
            if found is not None:
                if found.order_id != order.pk or found.amount != amount:
                    raise DomainError(_("This form was already used for another refund. Open the order again."))
                return Refunded(refund=found, created=False)
            transition_check(order, K.REFUNDED)
            amount = refund_amount_parse(amount, order.currency)
            if amount > order.refundable:
                raise DomainError(_("At most %(amount)s %(currency)s can still be refunded on this order.")
                                  % {"amount": order.refundable.quantize(quantum(order.currency)),
                                     "currency": order.currency}, field="amount")
            rma = (Return.objects.select_for_update().filter(order=order, status__in=Return.OPEN).first()
                   or order.returns.filter(status=Return.Status.REFUNDED).order_by("-id").first())
            refund = Refund.objects.create(order=order, rma=rma, amount=amount, currency=order.currency, note=note,
                                           idempotency_key=idempotency_key, actor_id=getattr(actor, "pk", None),
                                           actor_email=getattr(actor, "email", "") or "", created_at=_moment(at))
            order.refunded_total += amount
            if rma is not None:
                rma.refunded_total += amount
                if rma.is_open:
                    rma.status, rma.refunded_at = Return.Status.REFUNDED, refund.created_at
                rma.save(update_fields=["status", "refunded_at", "refunded_total"])
            transition(order=order, kind=K.REFUNDED, to_status=Order.Status.REFUNDED, actor=actor, note=note,
                       fields=("refunded_total",), activity="order.refunded",
                       changes={"refunded": [None, f"{amount} {order.currency}"]},
                       data={"refund_id": refund.pk, "amount": str(amount), "currency": order.currency,
                             "rma": rma.rma_number if rma else "", "refunded_total": str(order.refunded_total)},
                       at=refund.created_at)
            return Refunded(refund=refund, created=True)
    except IntegrityError:
        # The same form sent twice at the same moment: the other request recorded it first.
        found = Refund.objects.filter(idempotency_key=idempotency_key).first()
        if found is None or found.order_id != order.pk or found.amount != amount:
            raise
        return Refunded(refund=found, created=False)


def refund_suggestion(order: Order, rma: Return | None) -> Decimal:
    """What a full refund of a return comes to: its units at the price and tax paid, within what is refundable."""
    if rma is None:
        return order.refundable
    total = Decimal("0")
    for line in rma.lines.select_related("order_line"):
        ordered: OrderLine = line.order_line
        per_unit_tax = ordered.tax / ordered.quantity if ordered.quantity else Decimal("0")
        total += (ordered.unit_price + per_unit_tax) * line.quantity
    return min(total.quantize(quantum(order.currency)), order.refundable)
