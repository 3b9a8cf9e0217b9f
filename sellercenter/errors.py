"""The error services raise when a request breaks a business rule; its message is shown to the person as is."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule was broken. ``message`` is translated; ``field`` names the form field it belongs to, if any."""

    def __init__(self, message: Any, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
