"""How a buyer's personal data reads on the pages: masked in lists and exports for roles without orders:manage,
and the shipping address in the order its country writes it."""

from __future__ import annotations

from typing import Any

from stores.reference import territory_name

MASK = "***"
# Countries that write an address from the postal code and country down to the street, the recipient last.
BIG_TO_SMALL = frozenset({"CN", "JP", "KR", "TW", "HK", "MO"})
# Countries that write "City, REGION POSTCODE" on one line.
CITY_REGION_POSTCODE = frozenset({"US", "CA", "AU"})


def mask_name(name: str) -> str:
    """The first word ("Wang Fang" -> "Wang ***"), or the first character of a name written without spaces
    ("王芳" -> "王***")."""
    name = name.strip()
    if not name:
        return ""
    return f"{name.split()[0]} {MASK}" if " " in name else f"{name[:1]}{MASK}"


def mask_email(email: str) -> str:
    """The first character of the mailbox and the domain: "wang@example.cn" -> "w***@example.cn"."""
    local, at, domain = email.strip().partition("@")
    if not at:
        return MASK if email else ""
    return f"{local[:1]}{MASK}@{domain}"


def address_lines(order: Any) -> list[str]:
    """The shipping address as the lines of a label: big to small for East Asia (postal code, country, region
    and city, street, recipient), small to big elsewhere (recipient, street, locality, country)."""
    country = str(territory_name(order.ship_country))
    if order.ship_country in BIG_TO_SMALL:
        postal = order.ship_postal_code
        if postal and order.ship_country == "JP":
            postal = f"〒{postal}"
        lines = [postal, country, " ".join(part for part in (order.ship_region, order.ship_city) if part),
                 order.ship_line1, order.ship_line2, order.ship_name]
    else:
        if order.ship_country in CITY_REGION_POSTCODE:
            region = " ".join(part for part in (order.ship_region, order.ship_postal_code) if part)
            locality = [f"{order.ship_city}, {region}" if region else order.ship_city]
        elif order.ship_country in ("GB", "IE"):
            locality = [order.ship_city, order.ship_region, order.ship_postal_code]
        else:
            place = " ".join(part for part in (order.ship_postal_code, order.ship_city) if part)
            locality = [f"{place}, {order.ship_region}" if order.ship_region else place]
        lines = [order.ship_name, order.ship_line1, order.ship_line2, *locality, country]
    return [line for line in lines if line and line.strip()]
