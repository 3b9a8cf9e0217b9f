"""How each kind of notification reads. Each app registers a renderer per kind when it loads; the text is built
from the notification's params in whatever language is active (the reader's), so one row serves every reader."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Renderer = Callable[[dict[str, Any]], str]

_RENDERERS: dict[str, Renderer] = {}


def register_kinds(renderers: Mapping[str, Renderer]) -> None:
    _RENDERERS.update(renderers)


def notification_text(kind: str, params: dict[str, Any]) -> str:
    renderer = _RENDERERS.get(kind)
    if renderer is None:
        return kind
    try:
        return str(renderer(params or {}))
    except (KeyError, TypeError, ValueError):
        # An old row whose params predate its renderer still shows something rather than breaking the page.
        return kind
