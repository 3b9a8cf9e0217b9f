"""Keyset pagination: every page, the last one included, is an index range scan, never an OFFSET over the rows
before it. Pages are addressed by a cursor (the sort values of the row at the page's edge)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet


@dataclass
class KeysetPage:
    items: list[Any]
    has_next: bool
    has_previous: bool
    next_cursor: str = ""
    previous_cursor: str = ""
    is_last: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _encode(values: list[Any]) -> str:
    plain = [{"d": value.isoformat()} if isinstance(value, dt.datetime) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str, count: int) -> list[Any] | None:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        return None
    if not isinstance(values, list) or len(values) != count:
        return None
    try:
        return [dt.datetime.fromisoformat(value["d"]) if isinstance(value, dict) else value for value in values]
    except (KeyError, TypeError, ValueError):
        return None


def _after(order: tuple[str, ...], values: list[Any], reverse: bool) -> Q:
    """Rows strictly after ``values`` in ``order`` (or before, with ``reverse``)."""
    condition = Q()
    for index, name in enumerate(order):
        column = name.lstrip("-")
        descending = name.startswith("-") != reverse
        step = Q(**{f"{column}__{'lt' if descending else 'gt'}": values[index]})
        for previous in range(index):
            step &= Q(**{order[previous].lstrip("-"): values[previous]})
        condition |= step
    # The same rows, plus a plain range on the first column: PostgreSQL cannot derive it from the OR above, and
    # without it a page deep in the list scans the index from the start instead of from the cursor.
    first = order[0].lstrip("-")
    descending = order[0].startswith("-") != reverse
    return Q(**{f"{first}__{'lte' if descending else 'gte'}": values[0]}) & condition


def keyset_page(queryset: QuerySet[Any], *, order: tuple[str, ...], cursor: str = "", direction: str = "next",
                size: int = 50) -> KeysetPage:
    """One page of ``queryset`` in ``order`` (whose last field must be unique, such as ``-id``).

    ``direction`` is ``next`` (rows after the cursor), ``previous`` (rows before it) or ``last`` (the final page).
    """
    columns = [name.lstrip("-") for name in order]
    reverse_order = tuple(name[1:] if name.startswith("-") else f"-{name}" for name in order)
    values = _decode(cursor, len(order)) if cursor else None
    if direction == "last":
        rows = list(queryset.order_by(*reverse_order)[: size + 1])
        items = list(reversed(rows[:size]))
        has_previous, has_next = len(rows) > size, False
    elif direction == "previous" and values is not None:
        rows = list(queryset.filter(_after(order, values, reverse=True)).order_by(*reverse_order)[: size + 1])
        items = list(reversed(rows[:size]))
        has_previous, has_next = len(rows) > size, True
    else:
        base = queryset.filter(_after(order, values, reverse=False)) if values is not None else queryset
        rows = list(base.order_by(*order)[: size + 1])
        items = rows[:size]
        has_previous, has_next = values is not None, len(rows) > size

    def key(item: Any) -> str:
        return _encode([getattr(item, column) for column in columns])

    return KeysetPage(
        items=items, has_next=has_next, has_previous=has_previous,
        next_cursor=key(items[-1]) if items and has_next else "",
        previous_cursor=key(items[0]) if items and has_previous else "",
        is_last=not has_next,
    )
