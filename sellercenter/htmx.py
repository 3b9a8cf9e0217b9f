"""One view, two renderings: the whole page, or only the fragment an htmx request asked for."""

from __future__ import annotations

from django.http import HttpRequest


def htmx_fragment(request: HttpRequest) -> bool:
    """True for an htmx request that wants a fragment. A boosted link or form (hx-boost on <body>) wants the
    whole page, so the navigation and the rest of the shell come with it."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted
