"""Addresses as the documents print them: the lines in order, the country's name, and how the text is written.

Names and addresses arrive in whatever script the buyer typed. The block gets a ``lang`` (so Japanese takes the
Japanese forms of shared Han characters) and a ``dir`` (so an Arabic address reads right to left and aligns right).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from stores.reference import babel_locale

from .data import Address


@dataclass(frozen=True, slots=True)
class AddressBlock:
    name: str
    lines: tuple[str, ...]
    country: str
    country_name: str  # in the document's language
    country_name_en: str  # postal services route on the English name
    lang: str
    dir: str
    phone: str = ""
    email: str = ""
    tax_id: str = ""


def address_block(address: Address) -> AddressBlock:
    city_line = " ".join(part for part in (address.postal_code, address.city) if part)
    if address.region:
        city_line = f"{city_line}, {address.region}" if city_line else address.region
    lines = tuple(line for line in (address.company, address.line1, address.line2, city_line) if line)
    text = " ".join((address.name, *lines))
    return AddressBlock(
        name=address.name,
        lines=lines,
        country=address.country,
        country_name=babel_locale().territories.get(address.country, address.country),
        country_name_en=babel_locale("en").territories.get(address.country, address.country),
        lang=text_language(text, address.country),
        dir=text_direction(text),
        phone=address.phone,
        email=address.email,
        tax_id=address.tax_id,
    )


def text_language(text: str, country: str = "") -> str:
    """A BCP 47 language for text whose language nobody recorded, from its script (and the country for Han)."""
    han = False
    for char in text:
        code = ord(char)
        if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF:  # hiragana, katakana
            return "ja"
        if 0x0E00 <= code <= 0x0E7F:
            return "th"
        if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
            return "ar"
        if 0xAC00 <= code <= 0xD7AF:
            return "ko"
        if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF:
            han = True
    if han:
        return {"JP": "ja", "TW": "zh-Hant", "HK": "zh-Hant", "MO": "zh-Hant"}.get(country.upper(), "zh-Hans")
    return ""


def text_direction(text: str) -> str:
    """``rtl`` when the first strong character is right-to-left (Arabic, Hebrew), else ``ltr``."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"
