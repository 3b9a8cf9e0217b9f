"""Carrier code behind one small interface: who issues a parcel's tracking number and which numbers are valid.

The platform's own logistics service issues numbers itself; every other carrier's number is typed or uploaded by
the seller and checked against that carrier's formats. A real carrier API would be one more adapter here, chosen
by the carrier's code, without touching orders.
"""

from __future__ import annotations

from typing import Protocol

from django.db import connection

from stores.carriers import Carrier, tracking_number_normalise


class CarrierAdapter(Protocol):
    issues_numbers: bool

    def issue_tracking_number(self, shipment: object) -> str: ...

    def tracking_number_valid(self, number: str) -> bool: ...


class ManualAdapter:
    """A carrier whose numbers the seller brings: nothing is issued, numbers are checked against its formats."""

    issues_numbers = False

    def __init__(self, carrier: Carrier) -> None:
        self.carrier = carrier

    def issue_tracking_number(self, shipment: object) -> str:
        return ""

    def tracking_number_valid(self, number: str) -> bool:
        return self.carrier.tracking_number_valid(number)


def _check_digit(digits: str) -> str:
    """Mod-10 with weights 3 and 1 from the right, as GTINs: a mistyped digit is caught."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


class PlatformAdapter(ManualAdapter):
    """The platform's own logistics: "SCL" + 11 digits made of the store and the shipment + a check digit.

    Derived from ids only, so issuing again for the same shipment gives the same number, and two shipments (in
    this store or another) never share one while the store id fits 4 digits and the shipment id 7.
    """

    issues_numbers = True
    PREFIX = "SCL"

    def issue_tracking_number(self, shipment: object) -> str:
        store_id = int(getattr(getattr(connection, "tenant", None), "pk", 0) or 0)
        body = f"{(store_id % 10_000):04d}{(int(shipment.pk) % 10_000_000):07d}"  # type: ignore[attr-defined]
        return f"{self.PREFIX}{body}{_check_digit(body)}"

    def tracking_number_valid(self, number: str) -> bool:
        normalised = tracking_number_normalise(number)
        return super().tracking_number_valid(normalised) and normalised[-1] == _check_digit(normalised[3:-1])


def carrier_adapter(carrier: Carrier) -> ManualAdapter:
    if carrier.kind == Carrier.Kind.PLATFORM:
        return PlatformAdapter(carrier)
    return ManualAdapter(carrier)
