"""Writing a checked file to the catalog, in bulk: per chunk of whole products a few ``bulk_create`` and
``bulk_update`` statements, stock through ``stock_set_counts`` and the listings' shown state through
``listings_refresh``. The whole import is one transaction, serialised per store by an advisory lock: all rows or
nothing, or (when the person chose it) the valid rows only.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from queue import Empty, Full, Queue
from typing import Any

from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from sellercenter.errors import DomainError

from ..bulk import insert_rows, pipeline, sequence_next, update_rows
from ..models import Listing, Product, ProductContent, Variant
from ..services.inventory import stock_set_counts, warehouses_in_use
from ..services.listings import REQUIRED_CONTENT, listings_refresh, shown_state
from .columns import Template
from .reader import Sheet
from .validate import MONEY_FIELDS, ChunkPlan, Planner, Result, prepare

MODE_ALL = "all"
MODE_VALID = "valid"
MODES = (MODE_ALL, MODE_VALID)
LOCK_NAME = "catalog-import"
MONEY = (*MONEY_FIELDS, "price", "sale_price")


class ImportHasErrors(DomainError):
    """An all-or-nothing import met rows with errors; nothing was written."""

    def __init__(self, message: Any, result: Result) -> None:
        super().__init__(message)
        self.result = result


def import_lock() -> None:
    """Wait for any other import of this store to end; held until the transaction ends."""
    with connection.cursor() as cursor:
        key = f"{connection.schema_name}:{LOCK_NAME}"  # type: ignore[attr-defined]
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])


def apply_sheet(*, sheet: Sheet, template: Template, mode: str, actor: Any, reference: str = "",
                progress: Callable[[int, int], None] | None = None, read_ahead: bool = False) -> Result:
    """Check the rows again against the data as it is now and write them. Must run inside a transaction that
    holds ``import_lock()``; raises ImportHasErrors (after which the caller rolls back) when ``mode`` is all and a
    row has an error. With ``read_ahead`` the next chunks are checked in a thread of their own while this one's
    are written (see ``plans_ahead``)."""
    assert mode in MODES, mode
    assert connection.in_atomic_block, "apply_sheet must run inside the import's transaction"
    planner = Planner(prepare(sheet, template), template)
    result = Result(total=len(sheet.rows))
    done = 0
    # The warehouses in use, locked until the transaction ends: every chunk counts stock by the same answer.
    in_use = warehouses_in_use(warehouse_id for warehouse_id, *_rest in template.warehouses.values())
    plans = plans_ahead(planner) if read_ahead else planner.plans()
    try:
        with pipeline() if read_ahead else nullcontext():
            for plan in plans:
                result.add(plan)
                if plan.errors and mode == MODE_ALL:
                    raise ImportHasErrors(_("Rows of this file have errors, so nothing was imported. Check the "
                                            "file again, fix the rows or import only the valid rows."), result)
                write_plan(plan, actor=actor, reference=reference, in_use=in_use)
                done += plan.rows
                if progress is not None:
                    progress(done, result.total)
    finally:
        close = getattr(plans, "close", None)
        if close is not None:
            close()
    result.errors.sort(key=lambda error: error[0])
    return result


class _End:
    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


def plans_ahead(planner: Planner, *, depth: int = 2) -> Iterator[ChunkPlan]:
    """The planner's chunk plans, made in a thread of its own on a database connection of its own, at most
    ``depth`` chunks ahead of the writes.

    Checking a chunk is Python work and writing one is mostly PostgreSQL's (index entries, foreign-key checks), so
    on two cores the two overlap. The thread reads the data as committed, which is what the import's own
    transaction sees of every row a later chunk looks up: a chunk holds whole products and a SKU or GTIN appears
    once in a file, so no chunk depends on another's writes. Only for imports that own their transaction: inside
    a caller's transaction (a test's), the thread could not see the caller's rows."""
    store = connection.tenant  # type: ignore[attr-defined]
    queue: Queue[ChunkPlan | _End] = Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: ChunkPlan | _End) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def work() -> None:
        # ``connection`` is per thread: this is the thread's own connection, pointed at the same store.
        try:
            connection.set_tenant(store)  # type: ignore[attr-defined]
            for plan in planner.plans():
                # Ids come from the tables' sequences, which no transaction holds back: drawn here, they spare the
                # writing connection a query (and a wait for its pipeline) per chunk.
                plan.product_pks = sequence_next(Product, len(plan.products_new)) if plan.products_new else []
                plan.variant_pks = sequence_next(Variant, len(plan.variants_new)) if plan.variants_new else []
                if not put(plan):
                    return
            put(_End())
        except BaseException as error:  # noqa: BLE001 - handed to the writing thread, which raises it
            put(_End(error))
        finally:
            connection.close()

    thread = threading.Thread(target=work, name="catalog-import-check", daemon=True)
    thread.start()
    try:
        while True:
            try:
                item = queue.get(timeout=1.0)
            except Empty:
                if not thread.is_alive() and queue.empty():
                    raise RuntimeError("the import's checking thread stopped without a result") from None
                continue
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
            yield item
    finally:
        stop.set()
        thread.join()


def _attrs(fields: dict[str, Any]) -> dict[str, Any]:
    """A plan's field values as model attnames: a money field is its amount and its currency."""
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name in MONEY:
            values[name] = None if value is None else value[0]
            values[f"{name}_currency"] = None if value is None else value[1]
        elif name == "category":
            values["category_id"] = value
        else:
            values[name] = value
    return values


def _update(model: type[models.Model], changes: dict[int, dict[str, Any]], *, stamp: bool = True) -> None:
    """Update rows that change different fields: one set-based update per set of fields."""
    now = timezone.now()
    by_fields: dict[tuple[str, ...], list[list[Any]]] = defaultdict(list)
    for pk, fields in changes.items():
        values = _attrs(fields)
        if stamp:
            values["updated_at"] = now
        names = tuple(sorted(values))
        by_fields[names].append([pk, *(values[name] for name in names)])
    for names, rows in by_fields.items():
        update_rows(model, names, rows)


def _shown_state(fields: dict[str, Any], language: str, available: int,
                 content_languages: set[str]) -> tuple[str, str, int]:
    """The shown state of a new listing, by the listings service's own rule, from facts the plan already holds."""
    price = fields.get("price")
    return shown_state(wanted_status=fields.get("wanted_status") or Listing.Status.ACTIVE,
                       price=None if price is None else price[0], quantity_limit=None, language=language,
                       available=available, content_languages=content_languages)


def _with_ids(rows: list[dict[str, Any]], ids: list[int]) -> None:
    """Give new rows the ids drawn for them ahead, if there are."""
    if ids:
        assert len(ids) == len(rows), (len(ids), len(rows))
        for row, pk in zip(rows, ids, strict=True):
            row["id"] = pk


def write_plan(plan: ChunkPlan, *, actor: Any, in_use: set[int], reference: str = "") -> None:
    """Write one chunk: products, SKUs, content, listings, then stock (which refreshes its SKUs' listings), then
    the remaining listings' shown state. ``in_use`` are the store's warehouses in use, as ``warehouses_in_use``
    locked them in this transaction."""
    now = timezone.now()
    stamps = {"created_at": now, "updated_at": now}
    product_ids = dict(plan.product_ids)
    # New SKUs of new products (SKU -> product code): their listings' state and their product's available units
    # come from the plan, so neither is computed again after the writes.
    new_products = {sku: ref for ref, sku, _fields in plan.variants_new if isinstance(ref, str)}
    planned_stock: dict[int | str, int] = defaultdict(int)
    if plan.products_new:
        totals: dict[str, int] = defaultdict(int)
        for ref, warehouse, on_hand in plan.stock:
            if isinstance(ref, str) and ref in new_products and warehouse in in_use:
                totals[new_products[ref]] += on_hand
        new_rows = [{"code": code, "available": totals.get(code, 0), **stamps, **_attrs(fields)}
                    for code, fields in plan.products_new.items()]
        _with_ids(new_rows, plan.product_pks)
        product_ids.update((code, pk) for pk, code in insert_rows(Product, new_rows, returning=("id", "code")))
    if plan.products_changed:
        _update(Product, plan.products_changed)

    def product_id(ref: int | str) -> int:
        return ref if isinstance(ref, int) else product_ids[ref]

    variant_ids: dict[str, int] = {}
    if plan.variants_new:
        new_rows = [{"product_id": product_id(ref), "sku": sku, **stamps, **_attrs(fields)}
                    for ref, sku, fields in plan.variants_new]
        _with_ids(new_rows, plan.variant_pks)
        variant_ids = {sku: pk for pk, sku in insert_rows(Variant, new_rows, returning=("id", "sku"))}
    if plan.variants_changed:
        _update(Variant, plan.variants_changed)

    def variant_id(ref: int | str) -> int:
        return ref if isinstance(ref, int) else variant_ids[ref]

    insert_rows(ProductContent, [{"product_id": product_id(ref), "language": language, **_attrs(fields)}
                                 for ref, language, content_id, fields in plan.contents if content_id is None])
    _update(ProductContent, {content_id: fields for _ref, _language, content_id, fields in plan.contents
                             if content_id is not None}, stamp=False)

    # New listings of new products get their shown state now, from the plan's stock and content; the others are
    # refreshed below once everything is written.
    new_content: dict[str, set[str]] = defaultdict(set)
    for ref, language, _content_id, fields in plan.contents:
        if isinstance(ref, str) and all(fields.get(name) for name in REQUIRED_CONTENT):
            new_content[ref].add(language)
    for ref, _warehouse, on_hand in plan.stock:
        planned_stock[ref] += on_hand
    refresh = set(plan.refresh)
    new_listings = []
    for ref, site_id, listing_id, fields in plan.listings:
        if listing_id is not None:
            continue
        row = {"variant_id": variant_id(ref), "marketplace_id": site_id, **stamps, **_attrs(fields)}
        code = new_products.get(ref) if isinstance(ref, str) else None
        if code is not None:
            row["status"], row["suppression"], row["quantity_offered"] = _shown_state(
                fields, plan.site_languages[site_id], planned_stock.get(ref, 0), new_content.get(code, set()))
        else:
            refresh.add(row["variant_id"])
        new_listings.append(row)
    insert_rows(Listing, new_listings)
    _update(Listing, {listing_id: fields for _ref, _site, listing_id, fields in plan.listings
                      if listing_id is not None})

    if plan.refresh_products:
        refresh.update(Variant.objects.filter(product_id__in=plan.refresh_products).values_list("pk", flat=True))
    counts = [(variant_id(ref), warehouse_id, on_hand) for ref, warehouse_id, on_hand in plan.stock]
    if counts:
        # The listings of new SKUs were given their state from the planned stock above; those of existing SKUs
        # whose stock may change are refreshed below with the rest.
        stock_set_counts(counts=counts, reason="imported", actor=actor, note=_("Spreadsheet import"),
                         reference=reference, refresh_listings=False,
                         totals_counted={variant_id(sku) for sku in new_products}, in_use=in_use,
                         without_stock=variant_ids.values())
        refresh.update(variant_id(ref) for ref, _warehouse, _on_hand in plan.stock if isinstance(ref, int))
    if refresh:
        listings_refresh(variant_ids=refresh)
