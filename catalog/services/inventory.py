"""Stock: every change goes through here, is recorded as a movement, and can never leave stock negative.
Also warehouses, low-stock rules and the periodic low-stock check."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Collection, Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import activity_record, diff, notification_create_many, snapshot
from sellercenter.errors import DomainError
from stores.models import Store
from stores.permissions import Module
from stores.routing import store_reverse

from ..bulk import insert_rows, select_rows, update_rows
from ..models import LowStockRule, Product, Stock, StockMovement, Variant, Warehouse
from ..selectors import available_by_variant, units_shipped_by_variant
from .listings import listings_refresh_stock

# What each reason a person can pick in the adjust form does with the quantity they enter.
ADJUST_ADDS = (StockMovement.Reason.RECEIVED, StockMovement.Reason.RETURNED)
ADJUST_REMOVES = (StockMovement.Reason.DAMAGED,)
ADJUST_SETS = (StockMovement.Reason.COUNTED,)
ADJUST_REASONS = (*ADJUST_ADDS, *ADJUST_REMOVES, *ADJUST_SETS)
BULK_SET_MAX = 1000
WAREHOUSE_FIELDS = ("code", "name", "kind", "contact_name", "phone", "address_line1", "address_line2", "city",
                    "region", "postal_code", "country")
RULE_FIELDS = ("min_available", "min_days_of_cover")
# Days of cover are measured against the units shipped in this many days.
SALES_WINDOW_DAYS = 30
LOW_STOCK_KIND = "catalog.low_stock"


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is not None and getattr(actor, "is_authenticated", False):
        return {"actor_id": actor.pk, "actor_email": actor.email}
    return {"actor_id": None, "actor_email": ""}


# --- The stored total of each product (Product.available) ------------------------------------------------------
# Every change below adds its own difference to the product's total in the same transaction, so totals never
# drift: concurrent changes of one product each add theirs under the product's row lock. A warehouse counts
# while it is in use; the stock paths hold it FOR KEY SHARE and taking it in or out of use locks it FOR UPDATE,
# so a change never counts units in a warehouse whose state flips under it.


def warehouses_in_use(warehouse_ids: Iterable[int]) -> set[int]:
    """Which of these warehouses are in use, with the rows locked (FOR KEY SHARE) until the transaction ends.
    The lock does not make stock changes in one warehouse wait for each other."""
    table = connection.ops.quote_name(Warehouse._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, is_active FROM {table} WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE",  # noqa: S608
                       [sorted(set(warehouse_ids))])
        return {pk for pk, is_active in cursor.fetchall() if is_active}


def _products_available_add(units_by_variant: dict[int, int]) -> None:
    """Add each SKU's change of available units to its product's total, in one statement that first locks the
    products in the order of their ids, as every stock path locks them."""
    changes = {variant_id: units for variant_id, units in units_by_variant.items() if units}
    if not changes:
        return
    quote = connection.ops.quote_name
    product, variant = quote(Product._meta.db_table), quote(Variant._meta.db_table)
    with connection.cursor() as cursor:
        # The locking subquery hands its rows over in the order of their ids, each locked as it is handed over, so
        # two changes sharing products take their locks in the same order whatever plan the update gets.
        cursor.execute(
            f"WITH d AS (SELECT v.product_id, SUM(c.units) AS units "  # noqa: S608 - names from the models
            f"FROM unnest(%s::bigint[], %s::integer[]) AS c(variant_id, units) "
            f"JOIN {variant} AS v ON v.id = c.variant_id GROUP BY v.product_id HAVING SUM(c.units) <> 0), "
            f"locked AS MATERIALIZED (SELECT p.id FROM {product} AS p WHERE p.id IN (SELECT product_id FROM d) "
            f"ORDER BY p.id FOR NO KEY UPDATE) "
            f"UPDATE {product} AS p SET available = p.available + d.units "
            f"FROM locked JOIN d ON d.product_id = locked.id WHERE p.id = locked.id",
            [list(changes), list(changes.values())],
        )


def products_available_recount(*, product_ids: Iterable[int]) -> None:
    """Sum these products' totals afresh from their stock. The rows are locked first, so the sum (a statement of
    its own) sees every stock change committed before it, and changes after it add to it."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    list(Product.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk"))
    units = (Stock.objects.filter(variant__product=OuterRef("pk"), warehouse__is_active=True).order_by()
             .values("variant__product").annotate(units=Sum(F("on_hand") - F("reserved"))).values("units"))
    Product.objects.filter(pk__in=ids).update(available=Coalesce(Subquery(units), 0))


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
            counts = bool(warehouses_in_use([warehouse.pk]))
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
            if counts:
                _products_available_add({variant.pk: on_hand_change - reserved_change})
            listings_refresh_stock(variant_ids=[variant.pk])
    except IntegrityError as error:
        raise DomainError(
            _("Not enough stock of %(sku)s in %(warehouse)s for this change.")
            % {"sku": variant.sku, "warehouse": warehouse.code}
        ) from error
    return stock


def stock_set_counts(
    *, counts: Iterable[tuple[int, int, int]], reason: str, actor: Any, note: str = "", reference: str = "",
    refresh_listings: bool = True, totals_counted: Collection[int] = (), in_use: Collection[int] | None = None,
    without_stock: Collection[int] = (),
) -> int:
    """Set on-hand quantities from a count or a spreadsheet: ``counts`` is (variant id, warehouse id, on hand).

    Rows whose quantity does not change are skipped; each change is one movement. A new on-hand below what
    orders have reserved is refused for the whole call. Returns how many rows changed. The listings of the SKUs
    whose stock changed are refreshed, unless the caller (an import that refreshes them itself) says not to.
    ``totals_counted`` are SKUs of products the caller has just created with their total already counted (from
    ``warehouses_in_use`` within the same transaction); their stock is not added to it again. A caller that has
    already called ``warehouses_in_use`` for these warehouses in its transaction passes the answer as ``in_use``;
    ``without_stock`` are SKUs it created in this transaction, which have no stock rows to look up.
    """
    wanted = {(variant_id, warehouse_id): on_hand for variant_id, warehouse_id, on_hand in counts}
    if not wanted:
        return 0
    if any(value < 0 for value in wanted.values()):
        raise DomainError(_("Stock cannot be negative."))
    now = timezone.now()
    actor_fields = _actor_fields(actor)
    fresh = set(without_stock)
    look_up = sorted({key[0] for key in wanted} - fresh)
    # Only SKUs just created: nothing to lock or to refuse, so no savepoint of its own is needed either.
    with transaction.atomic(savepoint=bool(look_up) or refresh_listings):
        if in_use is None:
            in_use = warehouses_in_use({warehouse_id for _variant_id, warehouse_id in wanted})
        # Lock only the stock rows (not the variants and warehouses the default ordering would join).
        existing = {
            (variant_id, warehouse_id): (pk, on_hand, reserved)
            for pk, variant_id, warehouse_id, on_hand, reserved in select_rows(
                Stock, ["id", "variant_id", "warehouse_id", "on_hand", "reserved"], lock=True,
                variant_id=look_up)
        } if look_up else {}
        new_rows: list[dict[str, Any]] = []
        changed_rows: list[tuple[int, int, Any]] = []
        movements: list[dict[str, Any]] = []
        available_change: dict[int, int] = defaultdict(int)
        for (variant_id, warehouse_id), on_hand in wanted.items():
            current = existing.get((variant_id, warehouse_id))
            if current is None:
                if on_hand == 0:
                    continue
                new_rows.append({"variant_id": variant_id, "warehouse_id": warehouse_id, "on_hand": on_hand,
                                 "reserved": 0, "updated_at": now})
                change, reserved = on_hand, 0
            else:
                pk, before, reserved = current
                if before == on_hand:
                    continue
                if on_hand < reserved:
                    raise DomainError(
                        _("On hand cannot go below the %(reserved)s units that orders have reserved.")
                        % {"reserved": reserved}
                    )
                change = on_hand - before
                changed_rows.append((pk, on_hand, now))
            if warehouse_id in in_use and variant_id not in totals_counted:
                available_change[variant_id] += change
            movements.append({
                "variant_id": variant_id, "warehouse_id": warehouse_id, "on_hand_change": change,
                "reserved_change": 0, "on_hand_after": on_hand, "reserved_after": reserved, "reason": reason,
                "note": note[:255], "reference": reference[:64], "at": now, **actor_fields,
            })
        # Set-based statements: an import of 100,000 SKUs is a handful of them, not 100,000 objects.
        insert_rows(Stock, new_rows)
        update_rows(Stock, ["on_hand", "updated_at"], changed_rows)
        insert_rows(StockMovement, movements)
        _products_available_add(available_change)
        if refresh_listings:
            listings_refresh_stock(variant_ids={movement["variant_id"] for movement in movements})
    return len(movements)


# --- Stock changes a person makes, and the helpers orders will call --------------------------------------------

def _stock_repr(variant: Variant, warehouse: Warehouse) -> str:
    return f"{variant.sku} @ {warehouse.code}"


def _require_active(warehouse: Warehouse) -> None:
    if not warehouse.is_active:
        raise DomainError(_("%(warehouse)s is not in use; put it back in use before changing its stock.")
                          % {"warehouse": warehouse.code}, field="warehouse")


def stock_adjust(
    *, actor: Any, variant: Variant, warehouse: Warehouse, reason: str, quantity: int, note: str = ""
) -> Stock:
    """A person's adjustment: received and returned units are added, damaged units removed, and a count sets
    on hand to the number counted. Refused (nothing changes) if stock would go negative."""
    if reason not in ADJUST_REASONS:
        raise DomainError(_("Choose why the stock changes."), field="reason")
    if quantity < 0:
        raise DomainError(_("Enter a quantity of zero or more."), field="quantity")
    _require_active(warehouse)
    with transaction.atomic():
        current = (Stock.objects.select_for_update().filter(variant=variant, warehouse=warehouse)
                   .values_list("on_hand", "reserved").first()) or (0, 0)
        before, reserved = current
        if reason in ADJUST_SETS:
            if quantity < reserved:
                raise DomainError(
                    _("On hand cannot go below the %(reserved)s units that orders have reserved.")
                    % {"reserved": reserved}, field="quantity")
            change = quantity - before
        else:
            change = quantity if reason in ADJUST_ADDS else -quantity
        if change == 0:
            raise DomainError(_("On hand is already %(quantity)s; nothing to change.") % {"quantity": before},
                              field="quantity")
        stock = stock_change(variant=variant, warehouse=warehouse, reason=reason, actor=actor,
                             on_hand_change=change, note=note)
        # The log entry points at the movement, so its fields read with the movement's own labels.
        movement = StockMovement.objects.filter(variant=variant, warehouse=warehouse).latest("id")
        activity_record(actor=actor, action="stock.adjusted", target=movement,
                        target_repr=_stock_repr(variant, warehouse),
                        changes={"on_hand_after": [before, stock.on_hand], "reason": [None, reason],
                                 **({"note": [None, note]} if note else {})})
    return stock


def stock_bulk_set(
    *, actor: Any, warehouse: Warehouse, variant_ids: Iterable[int], on_hand: int, note: str = ""
) -> int:
    """Set on hand of the chosen SKUs in one warehouse to the same number, as one action in the activity log.
    All or nothing: if one SKU has more reserved than ``on_hand``, nothing changes. Returns how many changed."""
    ids = sorted(set(variant_ids))
    if not ids:
        raise DomainError(_("Select at least one SKU."), field="variant")
    if len(ids) > BULK_SET_MAX:
        raise DomainError(_("Select at most %(max)s SKUs at a time.") % {"max": BULK_SET_MAX}, field="variant")
    if on_hand < 0:
        raise DomainError(_("Stock cannot be negative."), field="on_hand")
    _require_active(warehouse)
    with transaction.atomic():
        skus = list(Variant.objects.filter(pk__in=ids).order_by("sku").values_list("sku", flat=True))
        if len(skus) != len(ids):
            raise DomainError(_("Some of the selected SKUs no longer exist; reload the page."), field="variant")
        changed = stock_set_counts(counts=[(pk, warehouse.pk, on_hand) for pk in ids],
                                   reason=StockMovement.Reason.COUNTED, actor=actor, note=note,
                                   reference=f"bulk:{warehouse.code}")
        activity_record(
            actor=actor, action="stock.bulk_set", target=warehouse,
            target_repr=_("%(count)s SKUs @ %(warehouse)s") % {"count": len(ids), "warehouse": warehouse.code},
            changes={"on_hand": [None, on_hand], "sku": [None, skus[:100]],
                     **({"note": [None, note]} if note else {})},
        )
    return changed


def _positive(quantity: int) -> None:
    if quantity <= 0:
        raise DomainError(_("Enter a quantity of one or more."), field="quantity")


def stock_reserve(*, variant: Variant, warehouse: Warehouse, quantity: int, reference: str, actor: Any = None) -> Stock:
    """An order holds ``quantity`` units: available drops, on hand stays. Refused beyond what is on hand."""
    _positive(quantity)
    return stock_change(variant=variant, warehouse=warehouse, reason=StockMovement.Reason.RESERVED, actor=actor,
                        reserved_change=quantity, reference=reference)


def stock_release(*, variant: Variant, warehouse: Warehouse, quantity: int, reference: str, actor: Any = None) -> Stock:
    """An order lets go of units it had reserved (cancelled, or moved to another warehouse)."""
    _positive(quantity)
    return stock_change(variant=variant, warehouse=warehouse, reason=StockMovement.Reason.RELEASED, actor=actor,
                        reserved_change=-quantity, reference=reference)


def stock_ship(*, variant: Variant, warehouse: Warehouse, quantity: int, reference: str, actor: Any = None) -> Stock:
    """Reserved units leave the warehouse. These movements are the sales rate that days-of-cover rules use."""
    _positive(quantity)
    return stock_change(variant=variant, warehouse=warehouse, reason=StockMovement.Reason.SHIPPED, actor=actor,
                        on_hand_change=-quantity, reserved_change=-quantity, reference=reference)


def stock_return(*, variant: Variant, warehouse: Warehouse, quantity: int, reference: str, actor: Any = None) -> Stock:
    """Units a buyer sent back are on hand again."""
    _positive(quantity)
    return stock_change(variant=variant, warehouse=warehouse, reason=StockMovement.Reason.RETURNED, actor=actor,
                        on_hand_change=quantity, reference=reference)


# An order moves the stock of several SKUs at once. Its changes take the locks in the order every stock path takes
# them (warehouses FOR KEY SHARE, then stock rows by id, then products by id), all stock rows before any product:
# two orders sharing SKUs queue on the stock rows instead of deadlocking, and each sees what the one before left.

def _stock_rows_lock(variant_ids: Iterable[int]) -> dict[tuple[int, int], tuple[int, int, int]]:
    """Every stock row of these SKUs, locked: (variant id, warehouse id) -> (id, on hand, reserved)."""
    table = connection.ops.quote_name(Stock._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, variant_id, warehouse_id, on_hand, reserved FROM {table} "  # noqa: S608
                       f"WHERE variant_id = ANY(%s) ORDER BY id FOR UPDATE", [sorted(set(variant_ids))])
        return {(variant_id, warehouse_id): (pk, on_hand, reserved)
                for pk, variant_id, warehouse_id, on_hand, reserved in cursor.fetchall()}


def _stock_moves_apply(*, moves: list[tuple[int, int, int, int]], rows: dict[tuple[int, int], tuple[int, int, int]],
                       in_use: set[int], reason: str, reference: str, actor: Any) -> None:
    """Apply (variant id, warehouse id, on-hand change, reserved change) to stock rows locked by the caller: one
    movement each, the products' totals and the listings kept in step. Refused as a whole if one would leave
    stock negative or reserved above on hand."""
    now = timezone.now()
    actor_fields = _actor_fields(actor)
    updates: list[tuple[int, int, int, Any]] = []
    movements: list[dict[str, Any]] = []
    available_change: dict[int, int] = defaultdict(int)
    for variant_id, warehouse_id, on_hand_change, reserved_change in moves:
        pk, on_hand, reserved = rows.get((variant_id, warehouse_id), (None, 0, 0))
        on_hand, reserved = on_hand + on_hand_change, reserved + reserved_change
        if pk is None or on_hand < 0 or reserved < 0 or reserved > on_hand:
            sku = Variant.objects.filter(pk=variant_id).values_list("sku", flat=True).first()
            code = Warehouse.objects.filter(pk=warehouse_id).values_list("code", flat=True).first()
            raise DomainError(_("Not enough stock of %(sku)s in %(warehouse)s for this change.")
                              % {"sku": sku, "warehouse": code})
        rows[(variant_id, warehouse_id)] = (pk, on_hand, reserved)
        updates.append((pk, on_hand, reserved, now))
        movements.append({
            "variant_id": variant_id, "warehouse_id": warehouse_id, "on_hand_change": on_hand_change,
            "reserved_change": reserved_change, "on_hand_after": on_hand, "reserved_after": reserved,
            "reason": reason, "note": "", "reference": reference[:64], "at": now, **actor_fields,
        })
        if warehouse_id in in_use:
            available_change[variant_id] += on_hand_change - reserved_change
    if not movements:
        return
    update_rows(Stock, ["on_hand", "reserved", "updated_at"], updates)
    insert_rows(StockMovement, movements)
    _products_available_add(available_change)
    listings_refresh_stock(variant_ids={movement["variant_id"] for movement in movements})


def _stock_rows_lock_of_kinds(variant_ids: Iterable[int], kinds: Iterable[str]) -> tuple[
        dict[tuple[int, int], tuple[int, int, int]], list[int]]:
    """The stock rows of these SKUs in the warehouses in use of these kinds, locked after those warehouses (FOR KEY
    SHARE, as ``warehouses_in_use`` locks them), in one statement: (variant id, warehouse id) -> (id, on hand,
    reserved); and the warehouses of those rows in the order orders take units from them (by code)."""
    quote = connection.ops.quote_name
    warehouse, stock = quote(Warehouse._meta.db_table), quote(Stock._meta.db_table)
    with connection.cursor() as cursor:
        # Rows are locked above the sort, so every warehouse the join reads is locked before the first stock row.
        cursor.execute(
            f"WITH w AS MATERIALIZED (SELECT id, code FROM {warehouse} WHERE kind = ANY(%s) AND is_active "  # noqa: S608
            f"ORDER BY id FOR KEY SHARE) "
            f"SELECT s.id, s.variant_id, s.warehouse_id, s.on_hand, s.reserved, w.code FROM {stock} AS s "
            f"JOIN w ON w.id = s.warehouse_id WHERE s.variant_id = ANY(%s) ORDER BY s.id FOR UPDATE OF s",
            [sorted({str(kind) for kind in kinds}), sorted(set(variant_ids))])
        found = cursor.fetchall()
    rows = {(variant_id, warehouse_id): (pk, on_hand, reserved)
            for pk, variant_id, warehouse_id, on_hand, reserved, _code in found}
    by_code = sorted({(code, warehouse_id) for _pk, _variant_id, warehouse_id, _on_hand, _reserved, code in found})
    return rows, [warehouse_id for _code, warehouse_id in by_code]


def stock_reserve_first_available(
    *, wanted: dict[int, int], warehouse_kinds: Iterable[str], reference: str, actor: Any = None,
    all_or_nothing: bool = False,
) -> dict[int, int]:
    """Reserve units of several SKUs for one order (``wanted``: variant id -> units), each SKU wholly from the first
    warehouse in use of ``warehouse_kinds``, by code, that has all of its units available. Returns variant id ->
    warehouse id for the SKUs reserved; a SKU no warehouse can cover gets nothing, and with ``all_or_nothing``
    then no SKU does. Orders racing for the last units each see what the one before left: none oversells."""
    if any(units <= 0 for units in wanted.values()):
        raise DomainError(_("Enter a quantity of one or more."), field="quantity")
    if not wanted:
        return {}
    # No savepoint of its own inside a caller's transaction (an order's): nothing here is caught and retried, and
    # an error rolls the caller back as a whole.
    with transaction.atomic(savepoint=False):
        rows, candidates = _stock_rows_lock_of_kinds(wanted, warehouse_kinds)
        chosen: dict[int, int] = {}
        for variant_id, units in sorted(wanted.items()):
            for warehouse_id in candidates:
                _pk, on_hand, reserved = rows.get((variant_id, warehouse_id), (None, 0, 0))
                if on_hand - reserved >= units:
                    chosen[variant_id] = warehouse_id
                    break
        if all_or_nothing and len(chosen) < len(wanted):
            return {}
        if chosen:
            _reservations_apply(rows=[(rows[(variant_id, warehouse_id)][0], wanted[variant_id])
                                      for variant_id, warehouse_id in sorted(chosen.items())],
                                reference=reference, actor=actor)
            # Every candidate warehouse is in use: each reserved unit leaves its product's available total.
            _products_available_add({variant_id: -wanted[variant_id] for variant_id in chosen})
            listings_refresh_stock(variant_ids=chosen)
    return chosen


# What a reservation's movement holds, as SQL over the updated stock row ``m``; ``%s`` are the statement's parameters.
_RESERVATION_VALUES = {
    "variant_id": "m.variant_id", "warehouse_id": "m.warehouse_id", "on_hand_change": "0",
    "reserved_change": "m.units", "on_hand_after": "m.on_hand", "reserved_after": "m.reserved",
    "reason": "%s", "note": "''", "reference": "%s", "actor_id": "%s", "actor_email": "%s", "at": "%s",
}


@functools.cache
def _reservations_sql() -> tuple[str, list[Any]]:
    """One statement for an order's reservations: the locked stock rows take the units, and each change is written
    as its movement with the row's new figures. Movement columns come from the model: a field added later is
    written with its default. Returns the SQL and the fields whose defaults follow the other parameters."""
    quote = connection.ops.quote_name
    stock, movement = quote(Stock._meta.db_table), quote(StockMovement._meta.db_table)
    fields = [field for field in StockMovement._meta.concrete_fields if not field.primary_key]
    values = [_RESERVATION_VALUES.get(field.attname, "%s") for field in fields]
    # The movement's parameters, in the order they appear after the update's (time, stock rows, units).
    parameters = [field for field, value in zip(fields, values, strict=True) if value == "%s"]
    sql = f"""
        WITH m AS (
            UPDATE {stock} AS s SET reserved = s.reserved + u.units, updated_at = %s
            FROM unnest(%s::bigint[], %s::integer[]) AS u(id, units)
            WHERE s.id = u.id
            RETURNING s.variant_id, s.warehouse_id, u.units, s.on_hand, s.reserved)
        INSERT INTO {movement} ({", ".join(quote(str(field.column)) for field in fields)})
        SELECT {", ".join(values)} FROM m ORDER BY m.variant_id"""  # noqa: S608 - names from the models
    return sql, parameters


def _reservations_apply(*, rows: list[tuple[int, int]], reference: str, actor: Any) -> None:
    """Reserve units on stock rows locked and checked by the caller: (stock row id, units) each."""
    sql, movement_fields = _reservations_sql()
    now = timezone.now()
    given = {"reason": StockMovement.Reason.RESERVED.value, "reference": reference[:64], "at": now,
             **_actor_fields(actor)}
    movement_values = [given[field.attname] if field.attname in given else field.get_default()
                       for field in movement_fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, [pk for pk, _units in rows], [units for _pk, units in rows], *movement_values])


def stock_move_many(
    *, moves: Iterable[tuple[int, int, int, int]], reason: str, reference: str, actor: Any = None
) -> None:
    """Several stock changes of one action (an order's lines released, or shipped): (variant id, warehouse id,
    on-hand change, reserved change) each, one movement each. All or nothing."""
    changes = [move for move in moves if move[2] or move[3]]
    if len({(move[0], move[1]) for move in changes}) != len(changes):
        raise ValueError("one move per SKU and warehouse")
    if not changes:
        return
    with transaction.atomic():
        in_use = warehouses_in_use({move[1] for move in changes})
        rows = _stock_rows_lock({move[0] for move in changes})
        _stock_moves_apply(moves=sorted(changes), rows=rows, in_use=in_use, reason=reason, reference=reference,
                           actor=actor)


# --- Warehouses -------------------------------------------------------------------------------------------------

def _warehouse_validate(warehouse: Warehouse) -> None:
    try:
        warehouse.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(messages[0], field=None if field == NON_FIELD_ERRORS else field) from error


def warehouse_create(*, actor: Any, data: dict[str, Any]) -> Warehouse:
    warehouse = Warehouse(**{field: data[field] for field in WAREHOUSE_FIELDS if field in data})
    _warehouse_validate(warehouse)
    with transaction.atomic():
        warehouse.save()
        activity_record(actor=actor, action="warehouse.created", target=warehouse,
                        changes={field: [None, value] for field, value in snapshot(warehouse, WAREHOUSE_FIELDS).items()
                                 if value not in ("", None)})
    return warehouse


def warehouse_update(*, actor: Any, warehouse: Warehouse, data: dict[str, Any]) -> Warehouse:
    """Change a warehouse's details. The row is read again under lock, so "before" in the log is what was stored
    (a bound ModelForm has already written the new values onto the instance it was given)."""
    with transaction.atomic():
        current = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
        before = snapshot(current, WAREHOUSE_FIELDS)
        for field in WAREHOUSE_FIELDS:
            if field in data:
                setattr(current, field, data[field])
        _warehouse_validate(current)
        changes = diff(before, snapshot(current, WAREHOUSE_FIELDS))
        if changes:
            current.save(update_fields=list(changes))
            activity_record(actor=actor, action="warehouse.changed", target=current, changes=changes)
    return current


def warehouse_deactivate(*, actor: Any, warehouse: Warehouse) -> Warehouse:
    """Take a warehouse out of use. One that still holds stock is refused: move or count its stock out first,
    so no units silently disappear from what the sites offer."""
    with transaction.atomic():
        locked = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
        if not locked.is_active:
            return locked
        held = Stock.objects.filter(warehouse=locked, on_hand__gt=0).aggregate(
            units=Sum("on_hand"), skus=Count("id"))
        if held["units"]:
            raise DomainError(
                _("%(warehouse)s still holds %(units)s units of %(skus)s SKUs. Move that stock to another "
                  "warehouse (or count it out) first, then take the warehouse out of use.")
                % {"warehouse": locked.code, "units": held["units"], "skus": held["skus"]})
        # Nothing on hand means nothing reserved or available here either: no product's total changes.
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        activity_record(actor=actor, action="warehouse.deactivated", target=locked,
                        changes={"is_active": [True, False]})
    return locked


def warehouse_reactivate(*, actor: Any, warehouse: Warehouse) -> Warehouse:
    """Put a warehouse back in use. Stock it received meanwhile (a spreadsheet import, a return) counts again
    in its products' totals."""
    with transaction.atomic():
        # FOR UPDATE waits for stock changes in progress here and holds off new ones until the totals are summed.
        locked = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
        if not locked.is_active:
            locked.is_active = True
            locked.save(update_fields=["is_active"])
            products_available_recount(product_ids=Stock.objects.filter(
                warehouse=locked, on_hand__gt=F("reserved")).values_list("variant__product_id", flat=True))
            # Its units are offered on the sites again.
            listings_refresh_stock(variant_ids=Stock.objects.filter(
                warehouse=locked, on_hand__gt=F("reserved")).values_list("variant_id", flat=True))
            activity_record(actor=actor, action="warehouse.reactivated", target=warehouse,
                            changes={"is_active": [False, True]})
    warehouse.is_active = True
    return warehouse


# --- Low-stock rules and the periodic check -------------------------------------------------------------------

def low_stock_rule_set(
    *, actor: Any, variant: Variant, min_available: int | None, min_days_of_cover: int | None
) -> LowStockRule:
    """Alert when available falls below ``min_available`` units, or below ``min_days_of_cover`` days of
    sales at the rate of the last 30 days. At least one of the two is needed."""
    if min_available is None and min_days_of_cover is None:
        raise DomainError(_("Enter a number of units, a number of days of cover, or both."), field="min_available")
    for field, value in (("min_available", min_available), ("min_days_of_cover", min_days_of_cover)):
        if value is not None and value < 1:
            raise DomainError(_("Enter a number of one or more."), field=field)
    with transaction.atomic():
        rule = LowStockRule.objects.select_for_update().filter(variant=variant).first()
        before = snapshot(rule, RULE_FIELDS) if rule else {}
        if rule is None:
            rule = LowStockRule(variant=variant)
        rule.min_available, rule.min_days_of_cover = min_available, min_days_of_cover
        changes = diff(before, snapshot(rule, RULE_FIELDS))
        if changes:
            rule.save()
            activity_record(actor=actor, action="low_stock_rule.set", target=rule, target_repr=variant.sku,
                            changes=changes)
    return rule


def low_stock_rule_clear(*, actor: Any, variant: Variant) -> None:
    with transaction.atomic():
        rule = LowStockRule.objects.select_for_update().filter(variant=variant).first()
        if rule is None:
            return
        changes = {field: [value, None] for field, value in snapshot(rule, RULE_FIELDS).items() if value is not None}
        activity_record(actor=actor, action="low_stock_rule.cleared", target=rule, target_repr=variant.sku,
                        changes=changes)
        rule.delete()


def days_of_cover(*, available: int, units_shipped: int, window_days: int = SALES_WINDOW_DAYS) -> Decimal | None:
    """How many days ``available`` lasts at the average daily units shipped in the window; None without sales."""
    if units_shipped <= 0:
        return None
    return (Decimal(max(available, 0)) * window_days / units_shipped).quantize(Decimal("0.1"),
                                                                                rounding=ROUND_HALF_EVEN)


def rule_is_low(rule: LowStockRule, *, available: int, cover: Decimal | None) -> bool:
    if rule.min_available is not None and available < rule.min_available:
        return True
    return rule.min_days_of_cover is not None and cover is not None and cover < rule.min_days_of_cover


def _current_store_handle() -> str:
    """The handle of the store whose schema is active (for links), also under a bare schema_context."""
    handle = getattr(connection.tenant, "handle", None)  # type: ignore[attr-defined]
    if handle is None:
        handle = Store.objects.values_list("handle", flat=True).get(schema_name=connection.schema_name)  # type: ignore[attr-defined]
    return str(handle)


def low_stock_check(*, batch_size: int = 2000) -> dict[str, int]:
    """Evaluate every low-stock rule of the current store. A SKU that crosses below its threshold gets exactly one
    notification: its rule is flagged low under a row lock, re-checked, so repeated or concurrent runs add nothing.
    A SKU that has recovered is unflagged, so its next drop alerts again. A few queries per batch of rules, however
    many cross at once. Returns how many SKUs alerted and recovered."""
    handle = _current_store_handle()
    since = timezone.now() - dt.timedelta(days=SALES_WINDOW_DAYS)
    alerted = recovered = last_id = 0
    while True:
        rules = list(LowStockRule.objects.filter(pk__gt=last_id).select_related("variant").only(
            "id", "min_available", "min_days_of_cover", "is_low", "variant__id", "variant__sku",
        ).order_by("pk")[:batch_size])
        if not rules:
            break
        last_id = rules[-1].pk
        available = available_by_variant(variant_ids=[rule.variant_id for rule in rules])
        shipped = units_shipped_by_variant(
            variant_ids=[rule.variant_id for rule in rules if rule.min_days_of_cover is not None], since=since)
        dropped: dict[int, dict[str, Any]] = {}
        came_back: list[int] = []
        for rule in rules:
            units = available.get(rule.variant_id, 0)
            cover = days_of_cover(available=units, units_shipped=shipped.get(rule.variant_id, 0))
            low = rule_is_low(rule, available=units, cover=cover)
            if low and not rule.is_low:
                dropped[rule.pk] = {
                    "kind": LOW_STOCK_KIND, "module": Module.CATALOG.value,
                    "link": store_reverse(handle, "catalog:stock-movements", pk=rule.variant_id),
                    "params": {"sku": rule.variant.sku, "available": units, "threshold": rule.min_available,
                               "days_of_cover": None if cover is None else str(cover),
                               "min_days_of_cover": rule.min_days_of_cover},
                }
            elif not low and rule.is_low:
                came_back.append(rule.pk)
        if dropped:
            with transaction.atomic():
                flipped = list(LowStockRule.objects.select_for_update().filter(pk__in=list(dropped), is_low=False)
                               .values_list("pk", flat=True))
                LowStockRule.objects.filter(pk__in=flipped).update(is_low=True, last_alert_at=timezone.now())
                alerted += notification_create_many(items=[dropped[pk] for pk in sorted(flipped)])
        if came_back:
            recovered += LowStockRule.objects.filter(pk__in=came_back, is_low=True).update(is_low=False)
    return {"alerted": alerted, "recovered": recovered}
