"""Writes to orders. The marketplace's events are in ``ingest``, the seller's steps in ``fulfilment``; both pass
the one state machine in ``machine`` and hold stock through ``reservations``."""

from .fulfilment import order_cancel, order_cancel_request_decide, order_confirm, order_mark_shipped
from .ingest import (
    IdempotencyConflict,
    Ingested,
    order_cancel_request,
    order_ingest_placed,
    order_mark_delivered,
    order_payment_confirm,
    order_return_request,
)

__all__ = [
    "IdempotencyConflict",
    "Ingested",
    "order_cancel",
    "order_cancel_request",
    "order_cancel_request_decide",
    "order_confirm",
    "order_ingest_placed",
    "order_mark_delivered",
    "order_mark_shipped",
    "order_payment_confirm",
    "order_return_request",
]
