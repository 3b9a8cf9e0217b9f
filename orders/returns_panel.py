"""The returns panel of the order page: the order's returns with their lines and refunds, and the forms of the
steps the order allows now (open a return, authorise or reject, receive, refund)."""

from __future__ import annotations

from typing import Any

from catalog.selectors import warehouse_choices

from . import selectors, services
from .forms_returns import RefundForm, ReturnDecideForm, ReturnOpenForm, ReturnReceiveForm
from .models import Order, OrderEvent, OrderLine, Return
from .services.machine import transition_targets

K = OrderEvent.Kind


def returns_context(order: Order, lines: list[OrderLine], forms: dict[str, Any]) -> dict[str, Any]:
    returns = selectors.order_returns(order=order)
    current = next((rma for rma in returns if rma.is_open), None)
    refunded = next((rma for rma in returns if rma.status == Return.Status.REFUNDED), None)
    returnable = services.returnable_units(order) if transition_targets(order.status, K.RETURN_REQUESTED) else {}
    can = {
        "open": bool(returnable) or "return_open_form" in forms,
        "decide": current is not None and current.status == Return.Status.REQUESTED,
        "receive": current is not None and current.status == Return.Status.AUTHORISED,
        "refund": (bool(transition_targets(order.status, K.REFUNDED)) and order.refundable > 0)
        or "refund_form" in forms,
    }
    context: dict[str, Any] = {"returns": returns, "current_return": current, "can_return": can}
    context["return_open_form"] = forms.get("return_open_form") or ReturnOpenForm(lines=lines, returnable=returnable)
    context["return_decide_form"] = forms.get("return_decide_form") or ReturnDecideForm()
    if can["receive"] or "return_receive_form" in forms:
        return_lines = current.line_list if current else []  # type: ignore[attr-defined]
        # Back where the units were shipped from, by default.
        shipped_from = next((line.order_line.warehouse_id for line in return_lines if line.order_line.warehouse_id),
                            None)
        context["return_receive_form"] = forms.get("return_receive_form") or ReturnReceiveForm(
            lines=return_lines, warehouses=warehouse_choices(), initial={"warehouse": shipped_from})
    if can["refund"]:
        suggestion = services.refund_suggestion(order, current if current else None)
        context["refund_form"] = forms.get("refund_form") or RefundForm(initial={
            "amount": suggestion if current or refunded is None else None})
    return context
