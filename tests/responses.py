"""Reading the test client's responses with their types: the stubs type every one as a plain HttpResponse."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase


def streamed(response: HttpResponseBase) -> bytes:
    """The whole body of a streamed response (CSV, XLSX, PDF downloads). The test client is synchronous, so the
    content is a plain iterator, never an async one."""
    assert isinstance(response, StreamingHttpResponse), type(response)
    return b"".join(cast(Iterator[bytes], response.streaming_content))
