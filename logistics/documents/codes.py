"""The label's machine-readable codes as inline SVG: vectors print sharp at any printer resolution, and need no
raster library. python-barcode encodes the Code 128 symbol (it picks code sets B and C to keep it short) and qrcode
the QR matrix; the SVG is written here, one path for the bars and one for the QR modules (a path is one element to
lay out and draw, where a rectangle per bar would be dozens).
"""

from __future__ import annotations

from decimal import Decimal

import qrcode
from barcode.codex import Code128
from django.utils.html import format_html
from django.utils.safestring import SafeString

QUIET_ZONE = 10  # modules of white on each side of a Code 128 symbol (ISO/IEC 15417 asks for 10)


def code128_modules(data: str) -> str:
    """The symbol as a string of modules, '1' for black: start, data, checksum and stop patterns."""
    return "".join(Code128(data).build())


def _bars(modules: str) -> list[tuple[int, int]]:
    """(first module, width) of each black bar."""
    bars = []
    start = None
    for index, module in enumerate(modules + "0"):
        if module == "1" and start is None:
            start = index
        elif module == "0" and start is not None:
            bars.append((start, index - start))
            start = None
    return bars


def code128_svg(data: str, *, max_width_mm: Decimal = Decimal(92), height_mm: Decimal = Decimal(15),
                module_mm: Decimal = Decimal("0.5")) -> SafeString:
    """A Code 128 barcode of ``data``, as wide as ``module_mm`` per module allows within ``max_width_mm``."""
    modules = code128_modules(data)
    total = len(modules) + 2 * QUIET_ZONE
    module_mm = min(module_mm, max_width_mm / total)
    width_mm = (module_mm * total).quantize(Decimal("0.01"))
    bars = "".join(f"M{QUIET_ZONE + x} 0h{w}v1h-{w}z" for x, w in _bars(modules))
    return format_html(
        '<svg class="barcode" xmlns="http://www.w3.org/2000/svg" width="{}mm" height="{}mm" viewBox="0 0 {} 1" '
        'preserveAspectRatio="none" shape-rendering="crispEdges" data-modules="{}">'
        '<rect width="{}" height="1" fill="#fff"/><path d="{}" fill="#000"/></svg>',
        width_mm, height_mm, total, len(modules), total, bars,
    )


def qr_svg(data: str, *, size_mm: Decimal = Decimal(18)) -> SafeString:
    """A QR code of ``data`` (error correction M, 2-module quiet zone)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    path = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                run = x
                while run < len(row) and row[run]:
                    run += 1
                path.append(f"M{x} {y}h{run - x}v1h-{run - x}z")
                x = run
            else:
                x += 1
    n = len(matrix)
    return format_html(
        '<svg class="qrcode" xmlns="http://www.w3.org/2000/svg" width="{}mm" height="{}mm" viewBox="0 0 {} {}" '
        'shape-rendering="crispEdges"><rect width="{}" height="{}" fill="#fff"/><path d="{}" fill="#000"/></svg>',
        size_mm, size_mm, n, n, n, n, "".join(path),
    )
