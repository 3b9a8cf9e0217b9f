"""Stock: every change goes through here, is recorded as a movement, and can never leave stock negative."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sellercenter.errors import DomainError

from ..models import Stock, StockMovement, Variant, Warehouse
from .listings import listings_refresh


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is not None and getattr(actor, "is_authenticated", False):
        return {"actor_id": actor.pk, "actor_email": actor.email}
    return {"actor_id": None, "actor_email": ""}


def stock_change(
    *,
    variant: Variant,
    warehouse: Warehouse,
    reason: str,
    actor: Any,
    on_hand_change: int = 0,
    reserved_change: int = 0,
    note: str = "",
    reference: str = "",
) -> Stock:
    """Move stock by the given amounts in one row-locked update. The database refuses a negative result
    (and reserving more than is on hand); that surfaces as a DomainError and nothing changes."""
    if not on_hand_change and not reserved_change:
        raise DomainError(_("Nothing to change."))
    try:
        with transaction.atomic():
            Stock.objects.get_or_create(variant=variant, warehouse=warehouse)
            updated = Stock.objects.filter(variant=variant, warehouse=warehouse).update(
                on_hand=F("on_hand") + on_hand_change, reserved=F("reserved") + reserved_change,
                updated_at=timezone.now(),
            )
            assert updated == 1
            stock = Stock.objects.get(variant=variant, warehouse=warehouse)
            StockMovement.objects.create(
                variant=variant, warehouse=warehouse, on_hand_change=on_hand_change, reserved_change=reserved_change,
                on_hand_after=stock.on_hand, reserved_after=stock.reserved, reason=reason, note=note[:255],
                reference=reference[:64], **_actor_fields(actor),
            )
            listings_refresh(variant_ids=[variant.pk])
    except IntegrityError as error:
        raise DomainError(
            _("Not enough stock of %(sku)s in %(warehouse)s for this change.")
            % {"sku": variant.sku, "warehouse": warehouse.code}
        ) from error
    return stock


def stock_set_counts(
    *, counts: Iterable[tuple[int, int, int]], reason: str, actor: Any, note: str = "", reference: str = ""
) -> int:
    """Set on-hand quantities from a count or a spreadsheet: ``counts`` is (variant id, warehouse id, on hand).

    Rows whose quantity does not change are skipped; each change is one movement. A new on-hand below what
    orders have reserved is refused for the whole call. Returns how many rows changed.
    """
    wanted = {(variant_id, warehouse_id): on_hand for variant_id, warehouse_id, on_hand in counts}
    if not wanted:
        return 0
    if any(value < 0 for value in wanted.values()):
        raise DomainError(_("Stock cannot be negative."))
    now = timezone.now()
    with transaction.atomic():
        variant_ids = {key[0] for key in wanted}
        existing = {
            (row.variant_id, row.warehouse_id): row
            for row in Stock.objects.select_for_update().filter(variant_id__in=variant_ids)
        }
        to_create, to_update, movements = [], [], []
        for (variant_id, warehouse_id), on_hand in wanted.items():
            row = existing.get((variant_id, warehouse_id))
            if row is None:
                if on_hand == 0:
                    continue
                row = Stock(variant_id=variant_id, warehouse_id=warehouse_id, on_hand=on_hand, updated_at=now)
                to_create.append(row)
                change = on_hand
            else:
                if row.on_hand == on_hand:
                    continue
                if on_hand < row.reserved:
                    raise DomainError(
                        _("On hand cannot go below the %(reserved)s units that orders have reserved.")
                        % {"reserved": row.reserved}
                    )
                change = on_hand - row.on_hand
                row.on_hand, row.updated_at = on_hand, now
                to_update.append(row)
            movements.append(StockMovement(
                variant_id=variant_id, warehouse_id=warehouse_id, on_hand_change=change, reserved_change=0,
                on_hand_after=on_hand, reserved_after=row.reserved, reason=reason, note=note[:255],
                reference=reference[:64], at=now, **_actor_fields(actor),
            ))
        Stock.objects.bulk_create(to_create, batch_size=2000)
        Stock.objects.bulk_update(to_update, ["on_hand", "updated_at"], batch_size=2000)
        StockMovement.objects.bulk_create(movements, batch_size=2000)
        listings_refresh(variant_ids={movement.variant_id for movement in movements})
    return len(movements)
