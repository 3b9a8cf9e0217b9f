"""Human names of activity codes. Each app registers its own codes when it loads."""

from __future__ import annotations

from typing import Any

_LABELS: dict[str, Any] = {}


def register_actions(labels: dict[str, Any]) -> None:
    _LABELS.update(labels)


def action_label(action: str) -> str:
    return str(_LABELS.get(action, action))


def action_choices() -> list[tuple[str, str]]:
    return sorted(((code, str(label)) for code, label in _LABELS.items()), key=lambda item: item[1])
