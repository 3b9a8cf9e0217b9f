"""Readable activity entries: field names as the model labels them, lists as comma-separated values."""

from __future__ import annotations

import functools
from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

register = template.Library()


@functools.cache
def _models_by_name() -> dict[str | None, Any]:
    return {model._meta.model_name: model for model in apps.get_models()}


@register.filter
def field_label(field: str, object_type: str) -> str:
    model = _models_by_name().get(object_type)
    if model is None:
        return field
    try:
        return str(model._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:
        return field


@register.filter
def change_value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {item}" for key, item in value.items())
    return str(value)
