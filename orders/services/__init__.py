"""Writes to orders. The marketplace's events are in ``ingest``, the seller's steps in ``fulfilment``; both pass
the one state machine in ``machine`` and hold stock through ``reservations``."""

from .auto_cancel import AutoCancelResult, orders_auto_cancel
from .bulk import BulkResult, orders_bulk_cancel, orders_bulk_confirm
from .fulfilment import (
    order_cancel,
    order_cancel_request_decide,
    order_confirm,
    order_mark_shipped,
    order_tracking_replace,
)
from .ingest import (
    IdempotencyConflict,
    Ingested,
    order_cancel_request,
    order_ingest_placed,
    order_mark_delivered,
    order_payment_confirm,
    order_return_request,
)
from .notes import order_note_add
from .returns import (
    Receipt,
    Refunded,
    refund_issue,
    refund_suggestion,
    return_decide,
    return_open,
    return_receive,
    returnable_units,
)
from .saved_views import order_view_delete, order_view_save
from .ship_upload import ShipUploadResult, orders_ship_from_sheet

__all__ = [
    "AutoCancelResult",
    "BulkResult",
    "IdempotencyConflict",
    "Ingested",
    "Receipt",
    "Refunded",
    "ShipUploadResult",
    "order_cancel",
    "order_cancel_request",
    "order_cancel_request_decide",
    "order_confirm",
    "order_ingest_placed",
    "order_mark_delivered",
    "order_mark_shipped",
    "order_note_add",
    "order_payment_confirm",
    "order_return_request",
    "order_tracking_replace",
    "order_view_delete",
    "order_view_save",
    "orders_auto_cancel",
    "orders_bulk_cancel",
    "orders_bulk_confirm",
    "orders_ship_from_sheet",
    "refund_issue",
    "refund_suggestion",
    "return_decide",
    "return_open",
    "return_receive",
    "returnable_units",
]
