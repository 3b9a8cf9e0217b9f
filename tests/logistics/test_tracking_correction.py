"""Correcting a parcel's tracking number after the shipment was made: checked like a new number, the label printed
with the old number dropped (and a label task still printing the old one sets nothing), the order following, the
old number kept in the parcel's timeline and the activity log; refused for numbers the carrier issues and for
delivered parcels, leaving everything as it was; from the order page's panel, for logistics:edit only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django_tenants.utils import schema_context
from pypdf import PdfReader

from audit.models import Activity
from logistics import services_shipments as services
from logistics.models import Shipment, ShipmentEvent
from logistics.selectors_shipments import valid_tracking_rate
from logistics.tasks import shipment_label_print
from sellercenter.errors import DomainError
from stores.carrier_data import carriers_ensure
from stores.models import Store
from stores.permissions import NO_ACCESS, Level
from tests.logistics.shipment_helpers import Setup, service, setup
from tests.stores.factories import RoleFactory, client_for, member_add
from tests.tenancy import connection

pytestmark = pytest.mark.django_db
S = Shipment.Status
DHL_A, DHL_B, DHL_C = "4829173650", "5731946280", "6604518273"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def _ship(world: Setup, **extra: Any) -> Shipment:
    line = next(line for line in world.order.lines.order_by("sku") if line.quantity_open)
    kwargs = {"service": world.dhl, "tracking_number": DHL_A, **extra}
    return services.shipment_create(actor=None, order=world.order, warehouse=world.warehouse, units={line.pk: 1},
                                    weight_g=800, dims_mm=(200, 150, 100), **kwargs)


def _snapshot(shipment: Shipment) -> tuple[Any, ...]:
    shipment.refresh_from_db()
    shipment.order.refresh_from_db()
    return (shipment.tracking_number, shipment.status, shipment.label_file.name, shipment.printed_at,
            shipment.order.tracking_number, ShipmentEvent.objects.filter(shipment=shipment).count())


@pytest.fixture
def world(in_store_a: Store) -> Setup:
    carriers_ensure()
    return setup(in_store_a, enable=(("yanwen", "economy"),))


def test_a_corrected_number_drops_the_old_label_and_the_order_follows(
        world: Setup, django_capture_on_commit_callbacks: Any) -> None:
    shipment = _ship(world)
    shipment_label_print.apply(args=[shipment.pk]).get()
    shipment.refresh_from_db()
    old_label = shipment.label_file.name
    assert old_label is not None
    assert shipment.status == S.LABEL_READY and default_storage.exists(old_label)

    with django_capture_on_commit_callbacks(execute=True):  # the old file goes once the correction is committed
        corrected = services.shipment_tracking_correct(actor=None, shipment=shipment,
                                                       tracking_number="5731 9462 80")
    assert corrected.tracking_number == DHL_B
    assert corrected.status == S.LABEL_PENDING and not corrected.label_file and corrected.printed_at is None
    assert not default_storage.exists(old_label)
    world.order.refresh_from_db()
    assert world.order.tracking_number == DHL_B
    event = ShipmentEvent.objects.get(shipment=shipment, code="tracking_corrected")
    assert event.source == ShipmentEvent.Source.SELLER and event.label.endswith(f"{DHL_A} → {DHL_B}")
    entry = Activity.objects.filter(action="shipment.tracking_corrected").get()
    assert entry.changes == {"tracking_number": [DHL_A, DHL_B]}

    # Printed again, the label carries the new number under a name of its own.
    shipment_label_print.apply(args=[shipment.pk]).get()
    shipment.refresh_from_db()
    assert shipment.status == S.LABEL_READY and shipment.label_file.name != old_label
    text = (PdfReader(shipment.label_file.open("rb")).pages[0].extract_text() or "").replace(" ", "")
    assert DHL_B in text and DHL_A not in text


def test_a_label_task_still_printing_the_old_number_sets_nothing(world: Setup) -> None:
    shipment = _ship(world)
    stale = Shipment.objects.get(pk=shipment.pk)  # what a label task loaded before the seller corrected the number
    services.shipment_tracking_correct(actor=None, shipment=shipment, tracking_number=DHL_B)
    assert services._label_set(stale) is False
    shipment.refresh_from_db()
    assert shipment.status == S.LABEL_PENDING and not shipment.label_file


def test_a_parcel_shipped_without_a_number_gets_one(world: Setup) -> None:
    untracked = _ship(world, service=service("yanwen", "economy"), tracking_number="")
    assert untracked.status == S.INVALID_TRACKING
    assert valid_tracking_rate().valid == 0
    number = "LX123456789CN"
    fixed = services.shipment_tracking_correct(actor=None, shipment=untracked, tracking_number=number.lower())
    assert (fixed.tracking_number, fixed.status) == (number, S.LABEL_PENDING)
    world.order.refresh_from_db()
    assert world.order.tracking_number == number  # the placeholder reference is replaced
    assert valid_tracking_rate().valid == 1


def test_refused_corrections_change_nothing(world: Setup) -> None:
    shipment = _ship(world)
    other = _ship(world, tracking_number=DHL_C)
    before = _snapshot(shipment)
    for typed, message in ((DHL_C, "already used"), ("12345", "is not a DHL"), ("", "Enter the DHL"),
                           (DHL_A, "already")):
        with pytest.raises(DomainError, match=message) as refused:
            services.shipment_tracking_correct(actor=None, shipment=shipment, tracking_number=typed)
        assert refused.value.field == "tracking_number"
        assert _snapshot(shipment) == before
    assert Shipment.objects.get(pk=other.pk).tracking_number == DHL_C

    platform = _ship(world, service=world.platform, tracking_number="")
    with pytest.raises(DomainError, match="issues its own"):
        services.shipment_tracking_correct(actor=None, shipment=platform, tracking_number=DHL_B)
    Shipment.objects.filter(pk=shipment.pk).update(status=S.DELIVERED)
    with pytest.raises(DomainError, match="delivered"):
        services.shipment_tracking_correct(actor=None, shipment=shipment, tracking_number=DHL_B)
    assert not Activity.objects.filter(action="shipment.tracking_corrected").exists()


def test_the_panel_corrects_a_number_for_logistics_edit_only(client_a: Client, store_a: Store) -> None:
    carriers_ensure()
    with schema_context(store_a.schema_name):
        connection.set_tenant(store_a)
        world = setup(store_a)
        shipment_pk = _ship(world).pk
    connection.set_schema_to_public()
    url = f"/store/test-a/logistics/shipments/{shipment_pk}/tracking/"
    htmx = {"HX-Request": "true"}

    panel = client_a.get(f"/store/test-a/logistics/orders/{world.order.number}/shipments/", headers=htmx)
    assert url in panel.content.decode() and "Correct the tracking number" in panel.content.decode()
    bad = client_a.post(url, {"tracking_number": "12345"}, headers=htmx)
    assert bad.status_code == 200, bad.content
    assert 'is-invalid' in bad.content.decode() and "is not a DHL Express tracking number" in bad.content.decode()

    viewer = client_for(member_add(store_a, RoleFactory.create(
        store=store_a, levels={**NO_ACCESS, "logistics": int(Level.VIEW), "orders": int(Level.VIEW)})).user)
    assert viewer.post(url, {"tracking_number": DHL_B}, headers=htmx).status_code == 403
    assert url not in viewer.get(f"/store/test-a/logistics/orders/{world.order.number}/shipments/",
                                 headers=htmx).content.decode()

    good = client_a.post(url, {"tracking_number": DHL_B}, headers=htmx)
    assert good.status_code == 200 and DHL_B in good.content.decode()
    with schema_context(store_a.schema_name):
        assert Shipment.objects.get(pk=shipment_pk).tracking_number == DHL_B
