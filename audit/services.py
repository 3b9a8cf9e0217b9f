"""Recording activity. Every service that writes store data calls ``activity_record`` inside its transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, models
from django.forms.models import model_to_dict
from django_tenants.utils import get_public_schema_name

from .models import Activity


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple, set)):
        return [_plain(item) for item in value]
    if hasattr(value, "name") and hasattr(value, "url"):  # a FieldFile
        return value.name or ""
    if isinstance(value, (str, int, float, bool)) or value is None or isinstance(value, dict):
        return value
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The given fields of a row as JSON-safe values, for diffing before and after a change."""
    data = model_to_dict(instance, fields=list(fields) if fields is not None else None)
    return {key: _plain(value) for key, value in data.items()}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for every field whose value changed."""
    keys = sorted(set(before) | set(after))
    return {key: [before.get(key), after.get(key)] for key in keys if before.get(key) != after.get(key)}


def activity_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    target_repr: str = "",
    changes: dict[str, Any] | None = None,
) -> Activity:
    """Append one entry to the current store's activity log. Refuses to run in the public schema."""
    if connection.schema_name == get_public_schema_name():
        raise RuntimeError("The activity log belongs to a store; activate the store's schema first.")
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    return Activity.objects.create(
        actor_id=actor.pk if is_person else None,
        actor_email=actor.email if is_person else "",
        action=action,
        object_type=target._meta.model_name if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=(target_repr or str(target))[:200] if target is not None or target_repr else "",
        changes=changes or {},
    )
