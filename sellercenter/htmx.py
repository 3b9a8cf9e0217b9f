"""One view, two renderings: the whole page, or only the fragment an htmx request asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails


def htmx_fragment(request: HttpRequest) -> bool:
    """True for an htmx request that wants a fragment. A boosted link or form (hx-boost on <body>) wants the
    whole page, so the navigation and the rest of the shell come with it."""
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.boosted
