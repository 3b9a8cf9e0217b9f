"""Shipments: partial and full shipments move the order and its stock through orders' services; tracking numbers
checked per carrier, issued by the platform; labels printed once whatever happens to the worker; a batch of labels
in one PDF; the platform carrier's tracking events and the delivered order; the valid-tracking rate."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from catalog.models import Stock
from jobs.models import Job
from jobs.services import job_start
from logistics import services_shipments as services
from logistics.adapters import PlatformAdapter, carrier_adapter
from logistics.models import Shipment, ShipmentEvent, label_path
from logistics.selectors_shipments import valid_tracking_rate
from logistics.tasks import labels_batch_print, platform_tracking_tick, shipment_label_print
from orders.models import Order, OrderEvent
from sellercenter.errors import DomainError
from stores.carrier_data import carriers_ensure
from stores.carriers import Carrier
from stores.models import Store
from tests.logistics.shipment_helpers import Setup, service, setup

pytestmark = pytest.mark.django_db
DIMS = (250, 200, 100)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def world(in_store_a: Store) -> Setup:
    carriers_ensure()
    return setup(in_store_a, enable=(("yanwen", "economy"),))


def _lines(world: Setup) -> list[int]:
    return list(world.order.lines.order_by("sku").values_list("pk", flat=True))


def _create(world: Setup, units: dict[int, int], **extra: Any) -> Shipment:
    kwargs = {"actor": None, "order": world.order, "service": world.platform, "warehouse": world.warehouse,
              "units": units, "weight_g": 900, "dims_mm": DIMS, **extra}
    return services.shipment_create(**kwargs)


def _label_of(shipment: Shipment) -> str:
    return label_path(shipment.pk, shipment.tracking_number)


def _label_files(*shipments: Shipment) -> list[str]:
    """The files (finished or not) in the store's labels folder of these shipments."""
    folder = Path(default_storage.path(label_path(0, ""))).parent
    return sorted(p.name for s in shipments for p in folder.glob(f"shipment-{s.pk}-*.pdf*"))


def test_a_partial_then_a_full_shipment_move_the_order_and_its_stock(world: Setup) -> None:
    first, second = _lines(world)
    on_hand = lambda: sorted(Stock.objects.filter(warehouse=world.warehouse).values_list("on_hand", "reserved"))  # noqa: E731
    assert on_hand() == [(10, 1), (10, 2)]
    shipment = _create(world, {first: 1})
    world.order.refresh_from_db()
    assert world.order.status == Order.Status.PARTIALLY_SHIPPED
    assert shipment.status == Shipment.Status.LABEL_PENDING and shipment.label_file.name == ""
    assert shipment.tracking_number.startswith("SCL") and len(shipment.tracking_number) == 15
    assert carrier_adapter(shipment.carrier).tracking_number_valid(shipment.tracking_number)
    assert world.order.tracking_number == shipment.tracking_number and world.order.carrier == "Platform Logistics"
    assert on_hand() == [(9, 1), (10, 1)]
    assert list(shipment.lines.values_list("order_line_id", "units")) == [(first, 1)]

    # More units than are left open are refused, and nothing moves.
    with pytest.raises(DomainError, match="Only 1 of"):
        _create(world, {first: 2})
    rest = _create(world, {first: 1, second: 1}, service=world.dhl, tracking_number="4829 1736 50")
    world.order.refresh_from_db()
    assert world.order.status == Order.Status.SHIPPED
    assert rest.tracking_number == "4829173650"
    assert on_hand() == [(8, 0), (9, 0)]
    assert OrderEvent.objects.filter(order=world.order, kind=OrderEvent.Kind.SHIPPED).count() == 2
    # Nothing is left to ship.
    with pytest.raises(DomainError):
        _create(world, {first: 1})
    assert Shipment.objects.filter(order=world.order).count() == 2


def test_tracking_numbers_are_checked_against_each_carriers_formats(world: Setup) -> None:
    first, _second = _lines(world)
    ups_number = "1Z999AA10123456784"
    for bad in ("12345", ups_number, "", "SCL000000000001"):
        with pytest.raises(DomainError) as refused:
            _create(world, {first: 1}, service=world.dhl, tracking_number=bad)
        assert refused.value.field == "tracking_number"
    assert not Shipment.objects.exists()
    world.order.refresh_from_db()
    assert world.order.status == Order.Status.UNSHIPPED  # the refused shipments left the order as it was
    _create(world, {first: 1}, service=world.dhl, tracking_number="4829173650")
    with pytest.raises(DomainError, match="already used"):
        _create(world, {first: 1}, service=world.dhl, tracking_number="4829-173-650")
    # A service the store has not enabled.
    with pytest.raises(DomainError) as refused:
        _create(world, {first: 1}, service=service("fedex", "international-priority"), tracking_number="794612345678")
    assert refused.value.field == "service"
    # The platform's numbers carry a check digit: one wrong digit is not a platform number.
    adapter = carrier_adapter(Carrier.objects.get(code="platform"))
    assert isinstance(adapter, PlatformAdapter)
    good = adapter.issue_tracking_number(Shipment(pk=42))
    assert adapter.tracking_number_valid(good)
    assert not adapter.tracking_number_valid(good[:-1] + str((int(good[-1]) + 1) % 10))


def test_an_untracked_parcel_is_flagged_and_counts_against_the_valid_tracking_rate(world: Setup) -> None:
    first, second = _lines(world)
    _create(world, {first: 1})
    untracked = _create(world, {second: 1}, service=service("yanwen", "economy"))
    assert untracked.status == Shipment.Status.INVALID_TRACKING and untracked.tracking_number == ""
    world.order.refresh_from_db()
    assert world.order.tracking_number == f"SHP{untracked.pk:08d}"
    rate = valid_tracking_rate()
    assert (rate.valid, rate.total, rate.rate) == (1, 2, 50)
    assert valid_tracking_rate(now=timezone.now() + dt.timedelta(days=31)).rate is None


def test_the_label_task_run_twice_keeps_one_label_and_one_number(world: Setup) -> None:
    shipment = _create(world, {_lines(world)[0]: 1})
    number = shipment.tracking_number
    shipment_label_print.apply(args=[shipment.pk]).get()
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.LABEL_READY and shipment.label_file.name == _label_of(shipment)
    first = shipment.label_file.open("rb").read()
    assert first.startswith(b"%PDF")
    assert number in (PdfReader(io.BytesIO(first)).pages[0].extract_text() or "").replace(" ", "")
    shipment_label_print.apply(args=[shipment.pk]).get()  # a reprint: the same file, not rendered again
    shipment.refresh_from_db()
    assert shipment.label_file.open("rb").read() == first
    assert shipment.tracking_number == number
    assert _label_files(shipment) == [Path(_label_of(shipment)).name]


def test_a_worker_killed_after_writing_the_file_leaves_one_label_when_rerun(
        world: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    shipment = _create(world, {_lines(world)[0]: 1})
    real = services._label_set

    def killed(shipment: Shipment) -> bool:
        raise SystemExit("worker killed")

    monkeypatch.setattr(services, "_label_set", killed)
    with pytest.raises(SystemExit):
        services.shipment_label_print(shipment_id=shipment.pk)
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.LABEL_PENDING and not shipment.label_file
    assert _label_files(shipment) == [Path(_label_of(shipment)).name]  # the file was written, the label not set
    monkeypatch.setattr(services, "_label_set", real)
    shipment_label_print.apply(args=[shipment.pk]).get()
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.LABEL_READY
    assert _label_files(shipment) == [Path(_label_of(shipment)).name]
    assert Shipment.objects.filter(tracking_number=shipment.tracking_number).count() == 1


def test_two_runs_overlapping_for_one_parcel_set_one_label(world: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    """A duplicate delivery runs whole between the first run's writing its file and setting its label: the first
    run's guarded update then changes nothing."""
    shipment = _create(world, {_lines(world)[0]: 1})
    real = services._label_set
    outcomes: list[bool] = []

    def with_a_duplicate_in_between(target: Shipment) -> bool:
        if not outcomes:
            outcomes.append(True)
            services.shipment_label_print(shipment_id=target.pk)  # the duplicate: renders, writes, sets
        result = real(target)
        outcomes.append(result)
        return result

    monkeypatch.setattr(services, "_label_set", with_a_duplicate_in_between)
    services.shipment_label_print(shipment_id=shipment.pk)
    assert outcomes == [True, True, False]  # the duplicate set the label; the first run found it set
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.LABEL_READY and shipment.label_file.name == _label_of(shipment)
    assert _label_files(shipment) == [Path(_label_of(shipment)).name]


def test_a_batch_prints_n_labels_into_one_pdf_and_keeps_each_with_its_shipment(world: Setup) -> None:
    first, second = _lines(world)
    shipments = [_create(world, {first: 1}), _create(world, {first: 1}), _create(world, {second: 1})]
    job = services.labels_batch_create(actor=None, shipment_ids=[s.pk for s in shipments])
    labels_batch_print.apply(args=[job.pk]).get()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.summary == {"labels": 3}
    assert (job.progress_done, job.progress_total) == (3, 3)
    reader = PdfReader(io.BytesIO(job.result_file.open("rb").read()))
    assert len(reader.pages) == 3
    for page, shipment in zip(reader.pages, shipments, strict=True):
        assert shipment.tracking_number in (page.extract_text() or "").replace(" ", "")
    assert all(s.label_file for s in Shipment.objects.filter(pk__in=[s.pk for s in shipments]))
    assert len(_label_files(*shipments)) == 3
    # A batch redelivered after its worker died picks the job up and prints nothing twice.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)
    job.refresh_from_db()
    assert job_start(job=job)
    labels_batch_print.apply(args=[job.pk]).get()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and len(_label_files(*shipments)) == 3
    with pytest.raises(DomainError):
        services.labels_batch_create(actor=None, shipment_ids=[999999])


def _labelled(shipment: Shipment, at: dt.datetime) -> Shipment:
    """A label set without rendering it (the tracking tests do not need the PDF)."""
    Shipment.objects.filter(pk=shipment.pk).update(label_file=_label_of(shipment), printed_at=at,
                                                   status=Shipment.Status.LABEL_READY)
    shipment.refresh_from_db()
    return shipment


def test_platform_tracking_events_come_once_and_the_delivery_reaches_the_order(world: Setup) -> None:
    start = timezone.now() - dt.timedelta(days=30)
    partial = _create(world, {_lines(world)[0]: 2})
    assert services.platform_tracking_advance(partial, start) == 0  # no label, no parcel for the carrier
    partial = _labelled(partial, start)
    assert services.platform_tracking_advance(partial, start + dt.timedelta(hours=3)) == 1
    partial.refresh_from_db()
    assert partial.status == Shipment.Status.SHIPPED
    assert services.platform_tracking_advance(partial, start + dt.timedelta(hours=3)) == 0
    # Delivered while the order still has a unit to ship: the order cannot be delivered yet.
    assert services.platform_tracking_advance(partial, start + dt.timedelta(days=25)) == 4
    partial.refresh_from_db()
    assert partial.status == Shipment.Status.DELIVERED
    world.order.refresh_from_db()
    assert world.order.status == Order.Status.PARTIALLY_SHIPPED
    assert [e.code for e in ShipmentEvent.objects.filter(shipment=partial)] == [
        "accepted", "in_transit", "arrived", "out_for_delivery", "delivered"]
    last = _labelled(_create(world, {_lines(world)[1]: 1}), start)
    assert platform_tracking_tick.apply().get() == 5  # the periodic task: due events of every parcel on its way
    world.order.refresh_from_db()
    assert world.order.status == Order.Status.DELIVERED
    assert platform_tracking_tick.apply().get() == 0
    services.platform_tracking_advance(last, timezone.now())
    assert OrderEvent.objects.filter(order=world.order, kind=OrderEvent.Kind.DELIVERED).count() == 1


def test_three_workers_printing_one_label_at_once_leave_one_label(django_db_blocker: Any) -> None:
    """Real concurrency: three threads, each on its own connection against committed data, run the label task for
    one parcel at the same moment."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    from accounts.models import User
    from stores import services as store_services
    from stores.models import Marketplace, Membership
    from tests.committed import own
    from tests.tenancy import connection

    def prepare() -> tuple[Store, int]:
        carriers_ensure()
        owner = User.objects.get(email="owner-a@example.com")
        store = store_services.store_open(
            actor=owner, name="Label race", handle="label-race", home_country="CN", base_currency="CNY",
            default_language="en", timezone_name="UTC", marketplaces=Marketplace.objects.filter(code="US"))
        connection.set_tenant(store)
        try:
            world = setup(store, prefix="RACE")
            line = world.order.lines.order_by("sku").first()
            assert line is not None
            shipment = services.shipment_create(actor=None, order=world.order, service=world.platform,
                                                warehouse=world.warehouse, units={line.pk: 1}, weight_g=500,
                                                dims_mm=DIMS)
            return store, shipment.pk
        finally:
            connection.set_schema_to_public()

    def drop(store: Store) -> None:
        Membership.objects.filter(store=store).delete()
        Store.objects.get(pk=store.pk).delete(force_drop=True)

    with django_db_blocker.unblock():
        store, shipment_id = own(prepare)
        try:
            start = threading.Barrier(3)

            def worker() -> None:
                try:
                    connection.set_tenant(store)
                    start.wait()
                    shipment_label_print.apply(args=[shipment_id]).get()
                finally:
                    connections.close_all()

            with ThreadPoolExecutor(max_workers=3) as pool:
                for future in [pool.submit(worker) for _ in range(3)]:
                    future.result()

            def check() -> None:
                connection.set_tenant(store)
                try:
                    shipment = Shipment.objects.get(pk=shipment_id)
                    assert shipment.status == Shipment.Status.LABEL_READY
                    assert shipment.label_file.name == _label_of(shipment)
                    assert _label_files(shipment) == [Path(_label_of(shipment)).name]
                    assert PdfReader(shipment.label_file.open("rb")).pages[0] is not None
                    assert Shipment.objects.filter(tracking_number=shipment.tracking_number).count() == 1
                finally:
                    connection.set_schema_to_public()

            own(check)
        finally:
            own(lambda: drop(store))
