"""GTIN check digits: EAN-13, UPC-A (GTIN-12), GTIN-14 and EAN-8 all use mod 10 with weights 3 and 1."""

from __future__ import annotations

VALID_LENGTHS = (8, 12, 13, 14)


def gtin_check_digit(body: str) -> int:
    """The check digit for ``body`` (the GTIN without its last digit)."""
    total = sum(int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin_is_valid(value: str) -> bool:
    return (
        value.isdigit() and value.isascii() and len(value) in VALID_LENGTHS
        and gtin_check_digit(value[:-1]) == int(value[-1])
    )


def gtin_kind(value: str) -> str:
    return {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "GTIN-14"}.get(len(value), "")
