"""The platform's carriers: each carrier's tracking-number formats accept its real shapes and refuse others, the
seeded rate cards are whole, seeding is idempotent, and the admin edits formats one a line."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from logistics.demo import logistics_demo
from logistics.models import EnabledService, ShippingTemplate
from stores.carrier_data import CARRIERS, carriers_ensure
from stores.carriers import Carrier, CarrierService, RateBand, RateZone
from stores.models import Store
from tests.stores.factories import UserFactory, client_for

pytestmark = pytest.mark.django_db

# carrier code -> (valid numbers, invalid numbers)
TRACKING: dict[str, tuple[list[str], list[str]]] = {
    "dhl": (["4829173650", "48 2917 3650"], ["482917365", "48291736501", "JD014600006281230704"]),
    "fedex": (["794612345678", "123456789012345"], ["7946123456789", "79461234567", "1Z999AA10123456784"]),
    "ups": (["1Z999AA10123456784", "1z 999 aa1 0123456784"], ["1Z999AA1012345678", "2Z999AA10123456784"]),
    "usps": (["9400111899223197428490", "94001118992231974284", "EC123456789US"],
             ["9400111899223197", "EC123456789GB", "EC12345678US"]),
    "royal-mail": (["RN123456785GB", "rn-123456785-gb"], ["RN123456785US", "R123456785GB", "RN1234567850GB"]),
    "yanwen": (["UG123456785YP", "LY123456789CN"], ["UG123456785CN", "YP123456785UG", "UG12345678YP"]),
    "4px": (["4PX3000283371298CN", "4PX300028337129812CN"], ["4PX3000283371298", "4PX30002833CN", "PX3000283371298CN"]),
    "cainiao": (["LP00123456789012"], ["LP0012345678901", "LP001234567890123", "CP00123456789012"]),
    "sf-express": (["SF1440034859361", "SF144003485936"], ["SF14400348593", "SF14400348593612", "1440034859361"]),
    "jt-express": (["JT5012345678901", "JT0012345678", "JP1234567890"],
                   ["JT123456789", "JT50123456789012", "JX5012345678"]),
    "ninja-van": (["NVSGCB0012345678", "NVMYSHP12345678"], ["NVUSCB0012345678", "NVSG1234567", "SGCB0012345678"]),
    "platform": (["SCL202611270001"], ["SCL20261127000", "SCL2026112700011", "SLC202611270001"]),
}


@pytest.fixture
def staff(db: None) -> Client:
    return client_for(UserFactory.create(email="staff@platform.example", is_staff=True, is_superuser=True))


@pytest.fixture
def carriers(db: None) -> dict[str, Carrier]:
    carriers_ensure()
    return {carrier.code: carrier for carrier in Carrier.objects.all()}


def test_every_standard_carrier_is_seeded_with_services_and_rate_cards(carriers: dict[str, Carrier]) -> None:
    assert set(TRACKING) <= set(carriers)
    assert {c.kind for c in carriers.values()} == set(Carrier.Kind.values)
    for carrier in carriers.values():
        carrier.full_clean()  # the example matches a format; every pattern compiles
        assert carrier.services.exists(), carrier.code
    for zone in RateZone.objects.select_related("service"):
        assert zone.bands.exists(), str(zone)
    # The demo sites' countries are each served by several services.
    for country in ["US", "GB", "DE", "FR", "IT", "ES", "JP", "SG", "MY", "TH", "PH", "VN", "ID", "MX", "BR", "AU",
                    "AE", "SA"]:
        assert RateZone.objects.filter(countries__contains=[country]).count() >= 5, country


@pytest.mark.parametrize("code", sorted(TRACKING))
def test_tracking_numbers_are_checked_against_the_carriers_formats(carriers: dict[str, Carrier], code: str) -> None:
    valid, invalid = TRACKING[code]
    carrier = carriers[code]
    assert carrier.tracking_number_valid(carrier.tracking_example)
    for number in valid:
        assert carrier.tracking_number_valid(number), f"{code} refused {number}"
    for number in [*invalid, "", "   "]:
        assert not carrier.tracking_number_valid(number), f"{code} accepted {number}"


def test_an_example_that_matches_no_format_and_a_bad_pattern_are_refused(carriers: dict[str, Carrier]) -> None:
    carrier = carriers["cainiao"]
    carrier.tracking_example = "LP123"
    with pytest.raises(ValidationError) as raised:
        carrier.full_clean()
    assert "tracking_example" in raised.value.message_dict
    carrier.tracking_example, carrier.tracking_patterns = "LP00123456789012", [r"LP(\d{14}", r"LP\d{14}"]
    with pytest.raises(ValidationError):
        carrier.full_clean()


def test_seeding_twice_changes_nothing(carriers: dict[str, Carrier]) -> None:
    def state() -> tuple[Any, ...]:
        return (list(Carrier.objects.order_by("pk").values()), list(CarrierService.objects.order_by("pk").values()),
                list(RateZone.objects.order_by("pk").values()),
                sorted(RateBand.objects.values_list("zone_id", "up_to_g", "price")))

    before = state()
    assert carriers_ensure() == len(CARRIERS)
    assert state() == before
    # An admin's change to a seeded card is brought back; an extra band is removed.
    zone = RateZone.objects.filter(service__carrier__code="dhl").first()
    assert zone is not None
    RateBand.objects.create(zone=zone, up_to_g=99999, price="1.00")
    RateBand.objects.filter(zone=zone, up_to_g=500).update(price="0.01")
    carriers_ensure()
    assert state() == before


def test_the_demo_stores_logistics_seeding_is_idempotent(carriers: dict[str, Carrier], store_a: Store,
                                                         owner_a: User) -> None:
    with schema_context(store_a.schema_name):
        logistics_demo(store=store_a, owner=owner_a, profile="electronics")
        enabled = sorted(EnabledService.objects.values_list("service_id", flat=True))
        templates = sorted(ShippingTemplate.objects.values_list("marketplace__code", "name", "charge_by"))
        assert len(enabled) >= 8
        assert [code for code, _n, _c in templates] == ["DE", "JP", "UK", "US"]
        logistics_demo(store=store_a, owner=owner_a, profile="electronics")
        assert sorted(EnabledService.objects.values_list("service_id", flat=True)) == enabled
        assert sorted(ShippingTemplate.objects.values_list("marketplace__code", "name", "charge_by")) == templates


def test_the_demo_ships_the_newest_orders_with_the_platforms_service(carriers: dict[str, Carrier], store_a: Store,
                                                                     owner_a: User) -> None:
    from logistics.models import Shipment
    from orders.models import Order
    from tests.orders.factories import place, stocked, warehouse

    with schema_context(store_a.schema_name):
        stocked("DEMO", units={warehouse("demo-wh"): 20}, variants=2)
        orders = [place(store_a, lines=[("DEMO-1", 1), ("DEMO-2", 2)]) for _index in range(2)]
        logistics_demo(store=store_a, owner=owner_a, profile="electronics")
        shipments = list(Shipment.objects.select_related("carrier").order_by("id"))
        assert len(shipments) == 2 and {shipment.carrier.kind for shipment in shipments} == {"platform"}
        assert all(shipment.tracking_number for shipment in shipments)
        assert set(Order.objects.filter(pk__in=[order.pk for order in orders]).values_list("status", flat=True)) == {
            "shipped"}


def test_the_admin_edits_tracking_formats_one_a_line(carriers: dict[str, Carrier], staff: Client) -> None:
    carrier = carriers["fedex"]
    page = staff.get(f"/admin/stores/carrier/{carrier.pk}/change/")
    assert page.status_code == 200
    assert "\\d{12}\n\\d{15}" in page.content.decode()
    data = {"code": "fedex", "name": "FedEx", "kind": "express", "tracking_patterns": "\\d{12}\r\n\\d{15}\r\n\\d{20}",
            "tracking_example": "794612345678", "tracking_url": "", "volumetric_divisor": "5000",
            "weight_step_g": "500", "is_active": "on", "sort_order": "2",
            "services-TOTAL_FORMS": "0", "services-INITIAL_FORMS": "0"}
    response = staff.post(f"/admin/stores/carrier/{carrier.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    carrier.refresh_from_db()
    assert carrier.tracking_patterns == [r"\d{12}", r"\d{15}", r"\d{20}"]
    assert carrier.tracking_number_valid("12345678901234567890")
    for url in ("/admin/stores/carrier/", "/admin/stores/carrierservice/", "/admin/stores/ratezone/",
                f"/admin/stores/ratezone/{RateZone.objects.first().pk}/change/"):  # type: ignore[union-attr]
        assert staff.get(url).status_code == 200, url
