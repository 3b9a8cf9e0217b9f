"""What the shipping documents print, as plain frozen values: the renderers never touch the database, so a worker
builds these from shipments and orders, and tests and benchmarks build them by hand.

Money is a ``Decimal`` beside its currency; weights are kilograms as ``Decimal``. A declared value is the value of
the goods for customs, not what the buyer paid for shipping.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from catalog.pricing import round_exact


class Incoterms(StrEnum):
    """Who pays the import duties and taxes: the buyer on delivery (DAP) or the seller in advance (DDP)."""

    DAP = "DAP"
    DDP = "DDP"


class ExportReason(StrEnum):
    """The UPU categories of item printed on a CN22/CN23, also the reason for export on the commercial invoice."""

    SALE = "sale"
    GIFT = "gift"
    SAMPLE = "sample"
    DOCUMENTS = "documents"
    RETURN = "return"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2
    company: str = ""
    line2: str = ""
    region: str = ""
    phone: str = ""
    email: str = ""
    tax_id: str = ""  # VAT / EORI / IOSS number where the seller has one

    def __post_init__(self) -> None:
        if len(self.country) != 2 or not self.country.isalpha():
            raise ValueError(f"country must be an ISO 3166 alpha-2 code, not {self.country!r}")
        object.__setattr__(self, "country", self.country.upper())


@dataclass(frozen=True, slots=True)
class Item:
    """One line of goods: what customs sees on a CN22/CN23 and on the commercial invoice."""

    description: str
    quantity: int
    unit_value: Decimal
    currency: str
    net_weight_kg: Decimal  # of the whole line, not of one unit
    hs_code: str
    origin_country: str
    sku: str = ""

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError("quantity must be positive")
        for name in ("unit_value", "net_weight_kg"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or value < 0:
                raise TypeError(f"{name} must be a non-negative Decimal, not {value!r}")
        object.__setattr__(self, "currency", self.currency.upper())
        object.__setattr__(self, "origin_country", self.origin_country.upper())

    @property
    def total_value(self) -> Decimal:
        return round_exact(self.unit_value * self.quantity, self.currency)


def _one_currency(items: tuple[Item, ...], currency: str) -> None:
    others = {item.currency for item in items} - {currency.upper()}
    if others:
        raise ValueError(f"items in {', '.join(sorted(others))} on a document in {currency}: convert them first")


@dataclass(frozen=True, slots=True)
class Parcel:
    """One physical parcel and its label."""

    tracking_number: str
    carrier: str
    service: str
    order_number: str
    sender: Address
    recipient: Address
    weight_kg: Decimal
    currency: str
    items: tuple[Item, ...] = ()
    incoterms: Incoterms = Incoterms.DAP
    reason: ExportReason = ExportReason.SALE
    qr_data: str = ""  # what the QR code carries; the tracking number when empty
    parcel_number: int = 1
    parcel_count: int = 1
    signatory: str = ""  # who signs the customs declaration; the sender's name when empty
    signed_on: dt.date | None = None

    def __post_init__(self) -> None:
        if not self.tracking_number.strip():
            raise ValueError("a label needs a tracking number")
        object.__setattr__(self, "currency", self.currency.upper())
        object.__setattr__(self, "items", tuple(self.items))
        _one_currency(self.items, self.currency)

    @property
    def is_international(self) -> bool:
        return self.sender.country != self.recipient.country

    @property
    def declared_value(self) -> Decimal:
        return round_exact(sum((item.total_value for item in self.items), Decimal(0)), self.currency)

    @property
    def net_weight_kg(self) -> Decimal:
        return sum((item.net_weight_kg for item in self.items), Decimal(0))


@dataclass(frozen=True, slots=True)
class CommercialInvoice:
    invoice_number: str
    issued_on: dt.date
    order_number: str
    seller: Address
    buyer: Address
    ship_to: Address
    items: tuple[Item, ...]
    currency: str
    incoterms: Incoterms
    reason: ExportReason = ExportReason.SALE
    freight: Decimal = Decimal(0)
    insurance: Decimal = Decimal(0)
    carrier: str = ""
    tracking_number: str = ""
    parcel_count: int = 1
    gross_weight_kg: Decimal | None = None
    signatory: str = ""
    place: str = ""

    def __post_init__(self) -> None:
        if not self.items:
            raise ValueError("a commercial invoice lists at least one item")
        object.__setattr__(self, "currency", self.currency.upper())
        object.__setattr__(self, "items", tuple(self.items))
        _one_currency(self.items, self.currency)

    @property
    def goods_total(self) -> Decimal:
        return round_exact(sum((item.total_value for item in self.items), Decimal(0)), self.currency)

    @property
    def total(self) -> Decimal:
        return round_exact(self.goods_total + self.freight + self.insurance, self.currency)

    @property
    def net_weight_kg(self) -> Decimal:
        return sum((item.net_weight_kg for item in self.items), Decimal(0))

    @property
    def quantity(self) -> int:
        return sum(item.quantity for item in self.items)


@dataclass(frozen=True, slots=True)
class SlipLine:
    sku: str
    description: str
    quantity: int
    ordered: int | None = None  # when a partial shipment sends fewer than were ordered


@dataclass(frozen=True, slots=True)
class PackingSlip:
    order_number: str
    issued_on: dt.date
    ship_from: Address
    ship_to: Address
    lines: tuple[SlipLine, ...]
    carrier: str = ""
    service: str = ""
    tracking_number: str = ""
    note: str = ""
    marketplace_order: str = ""  # the marketplace's own order number, when it differs from ours

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)
