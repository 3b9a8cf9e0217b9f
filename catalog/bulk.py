"""Set-based writes for imports: many rows in one statement, with the values sent as one typed array per column.

``INSERT ... SELECT FROM unnest(...)`` and ``UPDATE ... FROM unnest(...)`` do in PostgreSQL what ``bulk_create``
and ``bulk_update`` do in Python, at a fraction of the cost: ``bulk_update`` builds a CASE expression with one
branch per row that PostgreSQL then evaluates for every row (quadratic), and ``bulk_create`` prepares every value of
every object in Python. Values are always parameters, never text in the SQL; names come from the models.
"""

from __future__ import annotations

import enum
import io
import json
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from queue import Queue
from typing import Any, cast

from django.db import connection, models
from psycopg.copy import Copy, FileWriter

BATCH = 2000
_PER_ROW = object()
_local = threading.local()
SWITCH_INTERVAL = 0.0005  # seconds, in a pipeline (see pipeline())


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    return cast("models.Field[Any, Any]", model._meta.get_field(name))


def _name(model: type[models.Model], name: str) -> str:
    """The quoted column of a field."""
    return connection.ops.quote_name(str(_field(model, name).column))


def _column(model: type[models.Model], name: str) -> tuple[str, str, bool]:
    """(quoted column, array type, is JSON) of a model field given by name or attname."""
    field = _field(model, name)
    db_type = field.db_type(connection)
    assert db_type, name
    is_json = db_type == "jsonb"
    return _name(model, name), ("text[]::jsonb[]" if is_json else f"{db_type}[]"), is_json


def _arrays(columns: list[tuple[str, str, bool]], rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    arrays = [list(values) for values in zip(*rows, strict=True)] if rows else [[] for _ in columns]
    for index, (_name, _type, is_json) in enumerate(columns):
        if is_json:
            arrays[index] = [None if value is None else json.dumps(value, ensure_ascii=False)
                             for value in arrays[index]]
    return arrays


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def sequence_next(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys from the table's identity sequence, in increasing order. Sequences are outside
    transactions: ids drawn on any connection of the store are the table's own, never given out twice."""
    table = model._meta.db_table
    pk = model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        # The sequence is looked up once (OFFSET 0 keeps the subquery from being folded into each row): a lookup
        # per value made drawing ids about eight times slower.
        cursor.execute("SELECT nextval(s.seq) FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq "
                       "OFFSET 0) AS s, generate_series(1, %s)",
                       [connection.ops.quote_name(table), pk.column, count])
        return [row[0] for row in cursor.fetchall()]


def _json(value: Any) -> str | None:
    """A JSON column's text; the empty list and object, every row's default, without the encoder."""
    if value is None:
        return None
    if not value and isinstance(value, (list, dict)):
        return "[]" if isinstance(value, list) else "{}"
    return json.dumps(value, ensure_ascii=False)


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]], *,
                returning: Sequence[str] = ()) -> list[tuple[Any, ...]]:
    """Insert ``rows``, each a dict of field attnames to values (``price`` holds the amount, ``price_currency``
    the currency); every other field gets its model default. Returns the ``returning`` fields of the new rows,
    in the order of ``rows`` (``id`` among them gives each row its new primary key).

    The rows go in through ``COPY ... FROM STDIN``, PostgreSQL's bulk load: no SQL text per row and no
    statement to plan. When ids are wanted they are drawn from the table's sequence first and sent along."""
    if not rows:
        return []
    pk = model._meta.pk
    assert pk is not None
    given_ids = pk.attname in rows[0]
    with_ids = bool(returning) and not given_ids
    fields = [field for field in model._meta.concrete_fields
              if (with_ids or given_ids or not field.primary_key) and not field.generated]
    defaults: dict[str, Any] = {}
    per_row: set[str] = set()  # callable defaults of unique fields must differ from row to row
    for field in fields:
        if field.primary_key:
            continue
        if field.has_default() and callable(field.default) and field.unique:
            per_row.add(field.attname)
        else:
            defaults[field.attname] = _plain(field.get_default())
    columns = [_column(model, field.attname) for field in fields]
    position = {field.attname: index for index, field in enumerate(fields)}
    # A row starts as the defaults and takes its own values; PER_ROW marks a default called for each row.
    template = [defaults.get(field.attname, _PER_ROW) for field in fields]
    per_row_at = [(index, field) for index, field in enumerate(fields) if field.attname in per_row]
    json_at = [index for index, (_name, _type, is_json) in enumerate(columns) if is_json]
    ids = iter(sequence_next(model, len(rows)) if with_ids else ())
    complete: list[dict[str, Any]] = []
    table = connection.ops.quote_name(model._meta.db_table)
    # Only quoted names from the model's metadata go into the SQL text; the values travel as COPY data.
    sql = f"COPY {table} ({', '.join(name for name, _t, _j in columns)}) FROM STDIN"
    writer: _Writer | None = getattr(_local, "writer", None)
    with _copy_into(sql, writer) as write:
        for row in rows:
            if with_ids:
                row = {**row, pk.attname: next(ids)}
                complete.append(row)
            values = template.copy()
            for name, value in row.items():
                values[position[name]] = value
            for index, field in per_row_at:
                if values[index] is _PER_ROW:
                    values[index] = field.get_default()
            for index in json_at:
                values[index] = _json(values[index])
            write(values)
    if not returning:
        return []
    return [tuple(row[name] for name in returning) for row in (complete if with_ids else rows)]


@contextmanager
def _copy_into(sql: str, writer: _Writer | None) -> Iterator[Callable[[Sequence[Any]], None]]:
    """A function that takes the rows of one ``COPY``: sent as they come, or (in a pipeline) formatted here into
    COPY's text and handed to the writer as a whole."""
    if writer is None:
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            yield copy.write_row
        return
    data = io.BytesIO()
    with Copy(writer.adapting, writer=FileWriter(data)) as formatting:
        yield formatting.write_row
    writer.send(sql, data.getvalue())


class _Writer:
    """Sends ``COPY`` statements on the caller's connection from a thread of its own, in order. See ``pipeline``."""

    def __init__(self, depth: int) -> None:
        self.db = connection
        self.raw = connection.connection
        # A cursor that never runs a statement: its adapters turn values into COPY's text in the caller's thread.
        self.adapting = self.raw.cursor()
        self.queue: Queue[tuple[str, bytes] | None] = Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="catalog-bulk-writer", daemon=True)

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            try:
                if item is None:
                    return
                if self.error is None:
                    sql, data = item
                    try:
                        with self.db.wrap_database_errors, self.raw.cursor() as cursor, cursor.copy(sql) as copy:
                            copy.write(data)
                    except BaseException as error:  # noqa: BLE001 - kept for the caller, which raises it
                        self.error = error
            finally:
                self.queue.task_done()

    def send(self, sql: str, data: bytes) -> None:
        self.raise_error()
        self.queue.put((sql, data))

    def drain(self) -> None:
        """Wait until every statement sent so far has run; raise the first one's error."""
        self.queue.join()
        self.raise_error()

    def raise_error(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def wait_before(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.drain()
        return execute(sql, params, many, context)


@contextmanager
def pipeline(*, depth: int = 8) -> Iterator[None]:
    """Within the block, ``insert_rows`` hands its ``COPY`` to a thread that sends it on this connection while the
    caller goes on building the next rows: the rows' Python work and PostgreSQL's work on the previous rows
    (index entries, foreign-key checks) overlap on two cores instead of taking turns.

    Every other statement on the connection (through Django's cursors, savepoints included) first waits for the
    statements sent before it, so the order of the writes is the order of the calls and a query sees every row
    inserted before it. Foreign keys are checked at the end of each statement inside the block, in the writer's
    time, instead of all together at commit. A statement's error is raised by the next call that writes or
    queries, or when the block ends; the caller's transaction is then rolled back as for any error. Must run
    inside a transaction."""
    assert connection.in_atomic_block, "pipeline() must run inside a transaction"
    assert getattr(_local, "writer", None) is None, "pipelines do not nest"
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    writer = _Writer(depth)
    writer.thread.start()
    _local.writer = writer
    failed = True
    # The writer thread waits on PostgreSQL and then for the interpreter lock, which a thread building rows holds
    # for up to the switch interval (5 ms by default) before handing it over: several waits per statement that
    # left PostgreSQL idle. A shorter interval while the block runs hands the lock over sooner.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        with connection.execute_wrapper(writer.wait_before):
            yield
            writer.drain()
        failed = False
    finally:
        sys.setswitchinterval(switch)
        _local.writer = None
        if failed:
            # Drop what is still queued: the transaction is about to be rolled back.
            writer.error = writer.error or RuntimeError("the import stopped")
        writer.queue.put(None)
        writer.thread.join()
        writer.adapting.close()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def update_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Set ``fields`` on the rows given as (pk, value per field...); returns how many rows were updated."""
    pk = model._meta.pk
    assert pk is not None
    columns = [_column(model, pk.name), *(_column(model, name) for name in fields)]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ["pk_"] + [f"v{index}" for index in range(len(fields))]
    assignments = ", ".join(f"{column} = u.{alias}" for (column, _t, _j), alias in zip(columns[1:], names[1:],
                                                                                        strict=True))
    sql = (f"UPDATE {table} AS t SET {assignments} "  # noqa: S608
           f"FROM unnest({', '.join(f'%s::{array}' for _n, array, _j in columns)}) AS u({', '.join(names)}) "
           f"WHERE t.{columns[0][0]} = u.pk_")
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = [[_plain(value) for value in row] for row in rows[start:start + BATCH]]
            cursor.execute(sql, _arrays(columns, batch))
            updated += cursor.rowcount
    return updated


def select_rows(model: type[models.Model], fields: Sequence[str], *, lock: bool = False,
                **any_of: Sequence[Any]) -> list[tuple[Any, ...]]:
    """``SELECT fields FROM model WHERE f1 = ANY(values1) AND ...``: each list of values is one array parameter,
    which costs far less to send and plan than ``IN`` with thousands of placeholders. JSON comes back decoded.
    With ``lock`` the rows are locked for update (in the order of their ids) until the transaction ends."""
    quote = connection.ops.quote_name
    columns = [_column(model, name) for name in fields]
    conditions = " AND ".join(f"{_name(model, name)} = ANY(%s)" for name in any_of)
    pk = model._meta.pk
    assert pk is not None and pk.column is not None
    sql = (f"SELECT {', '.join(name for name, _t, _j in columns)} "  # noqa: S608 - names only, values are parameters
           f"FROM {quote(model._meta.db_table)} WHERE {conditions}"
           + (f" ORDER BY {quote(pk.column)} FOR UPDATE" if lock else ""))
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(values) for values in any_of.values()])
        rows = cursor.fetchall()
    json_positions = [index for index, (_name, _type, is_json) in enumerate(columns) if is_json]
    if json_positions and rows:
        decoded = []
        for row in rows:
            row = list(row)
            for index in json_positions:
                if isinstance(row[index], str):
                    row[index] = json.loads(row[index])
            decoded.append(tuple(row))
        return decoded
    return rows
