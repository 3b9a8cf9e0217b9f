"""The platform API's plumbing: JSON fields declared once, which both validate a request body and describe it in
the OpenAPI document (sellercenter.openapi), and the JSON answers.

A payload is an ``Object`` of fields. ``Object.validate(data)`` returns the cleaned values and every error at
once, keyed by the path of the field (``lines[0].quantity``); ``Object.schema()`` is its JSON Schema. Amounts
travel as strings ("12.50") and come back as ``Decimal``: never a float. Date-times must carry their UTC offset.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _

Errors = dict[str, list[str]]
MISSING: Any = object()
AMOUNT_PATTERN = re.compile(r"^-?[0-9]{1,15}(\.[0-9]{1,6})?$")


def _add(errors: Errors, where: str, message: Any) -> None:
    errors.setdefault(where or "$", []).append(str(message))


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


@dataclass(frozen=True, kw_only=True)
class Field:
    """One member of a JSON object. ``required`` members must be present and not null; an optional member that is
    absent or null takes ``default``."""

    name: str
    required: bool = True
    description: str = ""
    example: Any = MISSING
    default: Any = None
    validators: tuple[Callable[[Any], None], ...] = ()
    json_type: str = "string"
    nullable: bool = False

    def clean(self, value: Any, where: str, errors: Errors) -> Any:
        cleaned = self.coerce(value, where, errors)
        if cleaned is MISSING:
            return MISSING
        for validator in self.validators:
            try:
                validator(cleaned)
            except ValidationError as error:
                for message in error.messages:
                    _add(errors, where, message)
                return MISSING
        return cleaned

    def coerce(self, value: Any, where: str, errors: Errors) -> Any:
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": [self.json_type, "null"] if self.nullable else self.json_type}
        if self.description:
            schema["description"] = self.description
        if self.example is not MISSING:
            schema["example"] = self.example
        return schema

    def sample(self) -> Any:
        return None if self.example is MISSING else self.example


@dataclass(frozen=True, kw_only=True)
class Text(Field):
    max_length: int = 255
    blank: bool = False
    pattern: str | None = None
    choices: tuple[str, ...] = ()

    def coerce(self, value: Any, where: str, errors: Errors) -> Any:
        if not isinstance(value, str):
            _add(errors, where, _("Enter text."))
            return MISSING
        value = value.strip()
        if not value and not self.blank:
            _add(errors, where, _("This field cannot be blank."))
            return MISSING
        if len(value) > self.max_length:
            _add(errors, where, _("Enter at most %(max)s characters.") % {"max": self.max_length})
            return MISSING
        if self.choices and value not in self.choices:
            _add(errors, where, _("Choose one of: %(choices)s.") % {"choices": ", ".join(self.choices)})
            return MISSING
        if self.pattern and value and not re.fullmatch(self.pattern, value):
            _add(errors, where, _("Enter a value that matches %(pattern)s.") % {"pattern": self.pattern})
            return MISSING
        return value

    def schema(self) -> dict[str, Any]:
        schema = {**super().schema(), "maxLength": self.max_length}
        if not self.blank:
            schema["minLength"] = 1
        if self.pattern:
            # Validation matches the whole value; a JSON Schema pattern matches anywhere unless anchored.
            schema["pattern"] = f"^(?:{self.pattern})$"
        if self.choices:
            schema["enum"] = [*self.choices, *([None] if self.nullable else [])]
        return schema


@dataclass(frozen=True, kw_only=True)
class Email(Text):
    max_length: int = 254

    def coerce(self, value: Any, where: str, errors: Errors) -> Any:
        value = super().coerce(value, where, errors)
        if value is MISSING or not value:
            return value
        try:
            validate_email(value)
        except ValidationError:
            _add(errors, where, _("Enter a valid e-mail address."))
            return MISSING
        return value

    def schema(self) -> dict[str, Any]:
        return {**super().schema(), "format": "email"}


@dataclass(frozen=True, kw_only=True)
class Integer(Field):
    json_type: str = "integer"
    minimum: int | None = None
    maximum: int | None = None

    def coerce(self, value: Any, where: str, errors: Errors) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            _add(errors, where, _("Enter a whole number."))
            return MISSING
        if self.minimum is not None and value < self.minimum:
            _add(errors, where, _("Enter a number of at least %(min)s.") % {"min": self.minimum})
            return MISSING
        if self.maximum is not None and value > self.maximum:
            _add(errors, where, _("Enter a number of at most %(max)s.") % {"max": self.maximum})
            return MISSING
        return value

    def schema(self) -> dict[str, Any]:
        schema = super().schema()
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema


@dataclass(frozen=True, kw_only=True)
class Amount(Field):
    """A sum of money as a decimal string; its currency is another field of the payload."""

    minimum: Decimal | None = Decimal("0")

    def coerce(self, value: Any, where: str, errors: Errors) -> Any:
        if not isinstance(value, str) or not AMOUNT_PATTERN.match(value):
            _add(errors, where, _('Enter an amount as a string of digits, such as "12.50".'))
            return MISSING
        try:
            amount = Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern already guarantees a number
            _add(errors, where, _('Enter an amount as a string of digits, such as "12.50".'))
            return MISSING
        if self.minimum is not None and amount < self.minimum:
            _add(errors, where, _("Enter an amount of at least %(min)s.") % {"min": self.minimum})
            return MISSING
        return amount

    def schema(self) -> dict[str, Any]:
        return {**super().schema(), "format": "decimal", "pattern": AMOUNT_PATTERN.pattern}


@dataclass(frozen=True, kw_only=True)
class DateTime(Field):
    def coerce(self, value: Any, where: str, errors: Errors) -> Any:
        try:
            parsed = dt.datetime.fromisoformat(value) if isinstance(value, str) and "T" in value else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.utcoffset() is None:
            _add(errors, where, _("Enter a date and time in ISO 8601 with its UTC offset, such as "
                                  "2026-03-01T09:30:00Z."))
            return MISSING
        return parsed.astimezone(dt.UTC)

    def schema(self) -> dict[str, Any]:
        return {**super().schema(), "format": "date-time"}


@dataclass(frozen=True, kw_only=True)
class Boolean(Field):
    json_type: str = "boolean"

    def coerce(self, value: Any, where: str, errors: Errors) -> Any:
        if not isinstance(value, bool):
            _add(errors, where, _("Enter true or false."))
            return MISSING
        return value


@dataclass(frozen=True, kw_only=True)
class Object(Field):
    """A JSON object with exactly these members (unknown members are refused, so a misspelt one is noticed).
    ``check`` runs once every member is valid, for rules across members; it returns (path, message) pairs."""

    json_type: str = "object"
    name: str = ""
    fields: tuple[Field, ...] = ()
    check: Callable[[dict[str, Any]], Iterable[tuple[str, Any]]] | None = None
    title: str = ""

    def coerce(self, value: Any, where: str, errors: Errors) -> Any:
        if not isinstance(value, dict):
            _add(errors, where, _("Enter an object."))
            return MISSING
        known = {member.name for member in self.fields}
        for key in value:
            if key not in known:
                _add(errors, _join(where, str(key)), _("Unknown field."))
        cleaned: dict[str, Any] = {}
        valid = not any(key not in known for key in value)
        for member in self.fields:
            at = _join(where, member.name)
            raw = value.get(member.name)
            if raw is None:
                if member.required:
                    _add(errors, at, _("This field is required."))
                    valid = False
                else:
                    cleaned[member.name] = member.default
                continue
            result = member.clean(raw, at, errors)
            if result is MISSING:
                valid = False
            else:
                cleaned[member.name] = result
        if not valid:
            return MISSING
        if self.check is not None:
            problems = list(self.check(cleaned))
            for relative, message in problems:
                _add(errors, _join(where, relative), message)
            if problems:
                return MISSING
        return cleaned

    def validate(self, data: Any) -> tuple[dict[str, Any] | None, Errors]:
        """The cleaned payload and no errors, or None and every error found."""
        errors: Errors = {}
        cleaned = self.clean(data, "", errors)
        return (None, errors) if errors or cleaned is MISSING else (cleaned, {})

    def schema(self) -> dict[str, Any]:
        schema = {
            **super().schema(),
            "properties": {member.name: member.schema() for member in self.fields},
            "additionalProperties": False,
        }
        required = [member.name for member in self.fields if member.required]
        if required:
            schema["required"] = required
        if self.title:
            schema["title"] = self.title
        return schema

    def sample(self) -> dict[str, Any]:
        if self.example is not MISSING:
            return dict(self.example)
        return {member.name: member.sample() for member in self.fields
                if member.required or member.example is not MISSING}


@dataclass(frozen=True, kw_only=True)
class Array(Field):
    json_type: str = "array"
    item: Field
    min_items: int = 0
    max_items: int = 1000

    def coerce(self, value: Any, where: str, errors: Errors) -> Any:
        if not isinstance(value, list):
            _add(errors, where, _("Enter a list."))
            return MISSING
        if len(value) < self.min_items:
            _add(errors, where, _("Enter at least %(min)s items.") % {"min": self.min_items})
            return MISSING
        if len(value) > self.max_items:
            _add(errors, where, _("Enter at most %(max)s items.") % {"max": self.max_items})
            return MISSING
        cleaned = [self.item.clean(entry, f"{where}[{index}]", errors) for index, entry in enumerate(value)]
        return MISSING if any(entry is MISSING for entry in cleaned) else cleaned

    def schema(self) -> dict[str, Any]:
        return {**super().schema(), "items": self.item.schema(), "minItems": self.min_items,
                "maxItems": self.max_items}

    def sample(self) -> Any:
        return [self.item.sample()] if self.example is MISSING else self.example


def canonical_hash(cleaned: Any) -> str:
    """SHA-256 of a cleaned payload in one canonical form (sorted keys, amounts normalised, times in UTC), so that
    the same content hashes the same however it was spaced, ordered or written ("12.5" or "12.50")."""

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        if isinstance(value, dt.datetime):
            return value.astimezone(dt.UTC).isoformat()
        raise TypeError(type(value).__name__)

    text = json.dumps(cleaned, sort_keys=True, default=plain, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


# --- Answers ------------------------------------------------------------------------------------------------------

def json_error(status: int, code: str, message: Any, *, fields: Errors | None = None,
               headers: dict[str, str] | None = None) -> JsonResponse:
    body: dict[str, Any] = {"error": code, "message": str(message)}
    if fields is not None:
        body["fields"] = fields
    return JsonResponse(body, status=status, headers=headers, json_dumps_params={"ensure_ascii": False})


def json_body(request: HttpRequest) -> tuple[Any, JsonResponse | None]:
    """The request's JSON document, or the 400 answer to send instead."""
    try:
        return json.loads(request.body or b"null"), None
    except (ValueError, UnicodeDecodeError):
        return None, json_error(400, "invalid_json", _("The request body must be a JSON object."))


# --- Statements of the hot path -----------------------------------------------------------------------------------

# The statements PostgreSQL can prepare; anything else (SET, SAVEPOINT ...) runs as it is.
_PREPARABLE = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)
_NAMED = re.compile(r"%\((\w+)\)s")
# Prepared statements kept per connection; past this, the least recently used one is deallocated.
PREPARED_MAX = 100


class _Prepared:
    """The statements prepared on one database connection, most recently used last: SQL text -> (statement name,
    the names of its parameters when they are named, else None), or None for a statement PostgreSQL would not
    prepare (it then runs as it is)."""

    def __init__(self) -> None:
        self.names: OrderedDict[str, tuple[str, list[str] | None] | None] = OrderedDict()
        self.serial = 0


# Per driver connection: a new connection starts with none. PostgreSQL keeps a prepared statement for the whole
# session, whatever becomes of the transaction in which it was prepared.
_connections: weakref.WeakKeyDictionary[Any, _Prepared] = weakref.WeakKeyDictionary()


def _numbered(sql: str, params: Any) -> tuple[str, list[str] | None] | None:
    """``sql`` with PostgreSQL's numbered parameters ($1, $2 ...), and the parameters' names in that order when
    they are named; None when the placeholders are not the plain kinds Django writes."""
    if isinstance(params, dict):
        order: list[str] = []

        def number(match: re.Match[str]) -> str:
            if match[1] not in order:
                order.append(match[1])
            return f"${order.index(match[1]) + 1}"

        text = _NAMED.sub(number, sql)
        if "%s" in text.replace("%%", ""):
            return None
        return text.replace("%%", "%"), order
    parts = sql.replace("%%", "\0").split("%s")
    if len(parts) != len(params) + 1 or "%" in "".join(parts):
        return None
    text = "".join(part + (f"${index + 1}" if index < len(params) else "") for index, part in enumerate(parts))
    return text.replace("\0", "%"), None


def prepared_statements(execute: Callable[..., Any], sql: str, params: Any, many: bool,
                        context: dict[str, Any]) -> Any:
    """A database execute wrapper (``connection.execute_wrapper(prepared_statements)``) that runs each statement as
    a prepared statement of its connection: prepared the first time the connection sees its SQL, then only
    executed, so PostgreSQL parses and plans it once per connection instead of on every request. For the platform
    API, whose every request runs the same dozen statements. The statements are unchanged and still pass Django's
    cursor (query logging, the store's search_path); table names stay unqualified, and PostgreSQL analyses a
    prepared statement again whenever the search_path differs from the one it was planned under, so a store's
    request reads that store's tables. A statement PostgreSQL refuses to prepare (it cannot tell a parameter's
    type) is remembered and runs as it is; the refusal is confined to a savepoint."""
    if many or params is None or not _PREPARABLE.match(sql):
        return execute(sql, params, many, context)
    cursor = context["cursor"]
    prepared = _connections.setdefault(cursor.cursor.connection, _Prepared())
    if sql in prepared.names:
        known = prepared.names[sql]
        if known is None:
            return execute(sql, params, many, context)
        prepared.names.move_to_end(sql)
    else:
        numbered = _numbered(sql, params)
        name = _prepare(execute, context, prepared, numbered[0]) if numbered is not None else None
        known = prepared.names[sql] = None if name is None or numbered is None else (name, numbered[1])
        while len(prepared.names) > PREPARED_MAX:
            _oldest, dropped = prepared.names.popitem(last=False)
            if dropped:
                execute(f"DEALLOCATE {dropped[0]}", None, False, context)
        if known is None:
            return execute(sql, params, many, context)
    name, order = known
    values = list(params) if order is None else [params[key] for key in order]
    return execute(f"EXECUTE {name}({', '.join(['%s'] * len(values))})" if values else f"EXECUTE {name}",
                   values or None, False, context)


def statements_prepared(connection: Any) -> AbstractContextManager[Any]:
    """``prepared_statements`` on ``connection`` while the block runs, where connections last beyond one request
    (``CONN_MAX_AGE`` not 0): a connection opened for one request would prepare every statement only to use it
    once."""
    if connection.settings_dict.get("CONN_MAX_AGE") == 0:
        return nullcontext()
    return connection.execute_wrapper(prepared_statements)


def _prepare(execute: Callable[..., Any], context: dict[str, Any], prepared: _Prepared, text: str) -> str | None:
    """PREPARE ``text`` under a new name on this connection; None if PostgreSQL refuses (inside a transaction the
    refusal is rolled back to a savepoint, leaving the transaction as it was)."""
    if not prepared.serial:
        # Plan each statement once, for any values: left to choose, PostgreSQL plans anew on every execution a
        # statement whose parameter is an array (it cannot size it beforehand), which is most of these. The
        # setting governs prepared statements only, and no other code of the project prepares any.
        execute("SET plan_cache_mode = force_generic_plan", None, False, context)
    prepared.serial += 1
    name = f"sc_prepared_{prepared.serial}"
    savepoint = context["connection"].in_atomic_block
    if savepoint:
        execute("SAVEPOINT sc_prepare", None, False, context)
    try:
        execute(f"PREPARE {name} AS {text}", None, False, context)
    except DatabaseError:
        if savepoint:
            execute("ROLLBACK TO SAVEPOINT sc_prepare", None, False, context)
        return None
    finally:
        if savepoint:
            execute("RELEASE SAVEPOINT sc_prepare", None, False, context)
    return name
