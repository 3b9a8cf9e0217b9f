"""Shipping an order: shipments created (the order's units marked shipped through orders' service in the same
transaction), labels printed once per parcel, batches of labels in one PDF, and tracking events.

Printing is idempotent by construction: a parcel's label has one file name per tracking number (``label_path``);
the worker writes the whole file under that name (a temporary file moved into place), then sets the label in an
update guarded by ``label_file = ''`` and the number it printed. A retried, duplicated or killed task rewrites the
same file and finds the label already set, so a parcel never gets a second label nor, since its tracking number is
fixed when it is created, a second number. Only the seller changes a number, by correcting it
(``shipment_tracking_correct``): that drops the label, and a label task still running for the old number sets
nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import uuid
from typing import Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import activity_record
from catalog.models import Warehouse
from jobs.models import Job
from jobs.services import job_create, job_finish, job_progress
from orders.models import Order
from orders.services import order_mark_delivered, order_mark_shipped, order_tracking_replace
from sellercenter.errors import DomainError
from stores.carriers import Carrier, CarrierService, tracking_number_normalise
from stores.permissions import Module

from . import selectors_shipments as selectors
from .adapters import carrier_adapter
from .documents.labels import labels_pdf
from .models import EnabledService, Shipment, ShipmentEvent, ShipmentLine, label_path

S = Shipment.Status
BATCH_KIND = "logistics.labels"
BATCH_MAX = 500
RENDER_CHUNK = 25
MAX_SIDE_MM = 3000
MAX_WEIGHT_G = 70_000


def _email(actor: Any) -> str:
    return actor.email if actor is not None and getattr(actor, "is_authenticated", False) else ""


def _check_units(order: Order, warehouse: Warehouse, units: dict[int, int]) -> dict[int, int]:
    lines = {line.pk: line for line in order.lines.all()}
    chosen = {}
    for line_id, count in units.items():
        line = lines.get(line_id)
        if line is None:
            raise DomainError(_("That line is not part of this order."), field="lines")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise DomainError(_("Enter a quantity of zero or more for %(sku)s.") % {"sku": line.sku}, field="lines")
        if count > line.quantity_open:
            raise DomainError(_("Only %(open)s of %(sku)s are left to ship.")
                              % {"open": line.quantity_open, "sku": line.sku}, field="lines")
        if count and line.quantity_reserved and line.warehouse_id != warehouse.pk:
            raise DomainError(_("%(sku)s is reserved in another warehouse: ship it from there.")
                              % {"sku": line.sku}, field="warehouse")
        if count:
            chosen[line_id] = count
    if not chosen:
        raise DomainError(_("Choose at least one unit to ship."), field="lines")
    return chosen


def _number_not_of(carrier: Carrier, number: str) -> DomainError:
    return DomainError(_("%(number)s is not a %(carrier)s tracking number (such as %(example)s).")
                       % {"number": number, "carrier": carrier.name, "example": carrier.tracking_example},
                       field="tracking_number")


def _number_missing(carrier: Carrier) -> DomainError:
    return DomainError(_("Enter the %(carrier)s tracking number.") % {"carrier": carrier.name},
                       field="tracking_number")


def _number_taken(carrier: Carrier) -> DomainError:
    return DomainError(_("This %(carrier)s tracking number is already used by another shipment.")
                       % {"carrier": carrier.name}, field="tracking_number")


def _check_parcel(weight_g: int, dims_mm: tuple[int, int, int]) -> None:
    if not 0 < weight_g <= MAX_WEIGHT_G:
        raise DomainError(_("Enter the parcel's weight, up to %(max)s kg.") % {"max": MAX_WEIGHT_G // 1000},
                          field="weight_g")
    if len(dims_mm) != 3 or any(not 0 < side <= MAX_SIDE_MM for side in dims_mm):
        raise DomainError(_("Enter the parcel's length, width and height."), field="length_mm")


def shipment_create(*, actor: Any, order: Order, service: CarrierService, warehouse: Warehouse,
                    units: dict[int, int], weight_g: int, dims_mm: tuple[int, int, int],
                    tracking_number: str = "") -> Shipment:
    """A parcel of ``units`` (order line id -> units) by ``service`` from ``warehouse``. The platform's service
    issues its tracking number; another carrier's number is checked against its formats. The order's units are
    marked shipped (stock leaves the warehouse) in the same transaction."""
    if not EnabledService.objects.filter(service_id=service.pk).exists() or not service.is_active \
            or not service.carrier.is_active:
        raise DomainError(_("Choose a carrier service your store has enabled."), field="service")
    if not warehouse.is_active:
        raise DomainError(_("Choose a warehouse in use."), field="warehouse")
    _check_parcel(weight_g, dims_mm)
    carrier = service.carrier
    adapter = carrier_adapter(carrier)
    number = tracking_number_normalise(tracking_number)
    if adapter.issues_numbers:
        number = ""  # issued below from the shipment's id
    elif number and not adapter.tracking_number_valid(number):
        raise _number_not_of(carrier, number)
    elif not number and service.is_tracked:
        raise _number_missing(carrier)
    with transaction.atomic():
        chosen = _check_units(order, warehouse, units)
        shipment = Shipment(order=order, service=service, carrier=carrier, warehouse=warehouse, weight_g=weight_g,
                            length_mm=dims_mm[0], width_mm=dims_mm[1], height_mm=dims_mm[2],
                            tracking_number=number, created_by_email=_email(actor),
                            status=S.LABEL_PENDING if number or adapter.issues_numbers else S.INVALID_TRACKING)
        try:
            with transaction.atomic():
                shipment.save()
                if adapter.issues_numbers:
                    shipment.tracking_number = adapter.issue_tracking_number(shipment)
                    shipment.save(update_fields=["tracking_number"])
        except IntegrityError as error:
            raise _number_taken(carrier) from error
        ShipmentLine.objects.bulk_create([ShipmentLine(shipment=shipment, order_line_id=line_id, units=count)
                                          for line_id, count in chosen.items()])
        # An untracked parcel still gives the order a reference to find it by.
        order_mark_shipped(actor=actor, order=order, carrier=carrier.name,
                           tracking_number=shipment.tracking_number or f"SHP{shipment.pk:08d}", quantities=chosen)
        activity_record(actor=actor, action="shipment.created", target=shipment,
                        target_repr=f"{order.number} · {shipment.tracking_number or service.name}",
                        changes={"service": [None, service.name], "tracking_number": [None, shipment.tracking_number],
                                 "units": [None, {str(k): v for k, v in chosen.items()}]})
    return shipment


# --- Labels --------------------------------------------------------------------------------------------------------


def _label_kept(shipment: Shipment) -> bool:
    """The label is set and its file is there (a restored database may point at a file that is not)."""
    return bool(shipment.label_file) and default_storage.exists(shipment.label_file.name or "")


def shipment_label_request(*, actor: Any, shipment: Shipment, language: str = "en") -> bool:
    """Have a worker print the label; False (nothing to do) when it is printed already: a reprint is the same
    file, downloaded again."""
    if _label_kept(shipment):
        return False
    from .tasks import shipment_label_print

    with transaction.atomic():
        Shipment.objects.filter(pk=shipment.pk).update(label_requested_at=timezone.now())
        activity_record(actor=actor, action="shipment.label_requested", target=shipment,
                        target_repr=shipment.tracking_number)
        transaction.on_commit(lambda: shipment_label_print.delay(shipment.pk, language))
    return True


def _write_whole(name: str, content: bytes) -> None:
    """Put ``content`` under ``name`` in the store's media folder at once: a reader (or a rerun) sees the old
    file or the new one, never half of one."""
    path = default_storage.path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.{uuid.uuid4().hex}.part"
    try:
        with open(temporary, "wb") as handle:
            handle.write(content)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _label_set(shipment: Shipment) -> bool:
    """Point the shipment at its label file, if no label was set yet and its number is still the one printed.
    Zero rows: another run did it first, or the seller corrected the number meanwhile."""
    return bool(Shipment.objects.filter(pk=shipment.pk, label_file="",
                                        tracking_number=shipment.tracking_number).update(
        label_file=label_path(shipment.pk, shipment.tracking_number), printed_at=timezone.now(),
        status=Case(When(status=S.LABEL_PENDING, then=Value(S.LABEL_READY)), default=F("status"))))


def _tracking_ensure(shipment: Shipment) -> None:
    """A platform parcel created without its number (never by ``shipment_create``) gets it here, once."""
    adapter = carrier_adapter(shipment.carrier)
    if not shipment.tracking_number and adapter.issues_numbers:
        Shipment.objects.filter(pk=shipment.pk, tracking_number="").update(
            tracking_number=adapter.issue_tracking_number(shipment))
        shipment.refresh_from_db(fields=["tracking_number"])


def shipment_label_print(*, shipment_id: int, language: str = "en") -> Shipment | None:
    """Render and keep one parcel's label (the worker's side). Safe to run any number of times."""
    shipment = Shipment.objects.select_related("order", "service", "carrier", "warehouse").filter(
        pk=shipment_id).first()
    if shipment is None or _label_kept(shipment):
        return shipment
    _tracking_ensure(shipment)
    pdf = labels_pdf([selectors.shipment_parcel(shipment=shipment)], language=language)
    _write_whole(label_path(shipment.pk, shipment.tracking_number), pdf)
    _label_set(shipment)
    shipment.refresh_from_db()
    return shipment


def labels_batch_create(*, actor: Any, shipment_ids: list[int], language: str = "en") -> Job:
    """A job printing these shipments' labels into one PDF (each label also kept with its shipment)."""
    ids = [s.pk for s in selectors.shipments_by_ids(ids=list(dict.fromkeys(shipment_ids)))]
    if not ids:
        raise DomainError(_("None of the selected orders has a shipment yet. Create the shipments first."))
    if len(ids) > BATCH_MAX:
        raise DomainError(_("Print at most %(max)s labels at once.") % {"max": BATCH_MAX})
    from .tasks import labels_batch_print

    with transaction.atomic():
        job = job_create(kind=BATCH_KIND, module=Module.LOGISTICS, actor=actor,
                         params={"shipments": ids, "language": language})
        activity_record(actor=actor, action="shipment.labels_batch", target=job, target_repr=str(len(ids)))
        transaction.on_commit(lambda: labels_batch_print.delay(job.pk))
    return job


def _pages(pdf: bytes) -> list[bytes]:
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    pages = []
    for page in reader.pages:
        writer = PdfWriter()
        writer.add_page(page)
        out = io.BytesIO()
        writer.write(out)
        pages.append(out.getvalue())
    return pages


def labels_batch_run(*, job: Job) -> bool:
    """The worker's side of a batch: labels missing are rendered together, a chunk at a time (fonts are loaded
    once a chunk), each page kept as its shipment's label; then every label goes into the one PDF."""
    from pypdf import PdfWriter

    language = job.params.get("language") or "en"
    shipments = selectors.shipments_by_ids(ids=[int(pk) for pk in job.params.get("shipments", [])])
    total = len(shipments)
    job_progress(job=job, done=0, total=total)
    missing = [s for s in shipments if not _label_kept(s)]
    done = total - len(missing)
    for start in range(0, len(missing), RENDER_CHUNK):
        chunk = missing[start:start + RENDER_CHUNK]
        for shipment in chunk:
            _tracking_ensure(shipment)
        pages = _pages(labels_pdf([selectors.shipment_parcel(shipment=s) for s in chunk], language=language))
        if len(pages) != len(chunk):  # a label ran onto a second page: print those one by one
            pages = [labels_pdf([selectors.shipment_parcel(shipment=s)], language=language) for s in chunk]
        for shipment, page in zip(chunk, pages, strict=True):
            _write_whole(label_path(shipment.pk, shipment.tracking_number), page)
            _label_set(shipment)
        done += len(chunk)
        job_progress(job=job, done=done, total=total)
    writer = PdfWriter()
    for shipment in shipments:
        with default_storage.open(shipment.label_file.name or label_path(shipment.pk, shipment.tracking_number),
                                  "rb") as handle:
            writer.append(io.BytesIO(handle.read()))
    out = io.BytesIO()
    writer.write(out)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return job_finish(job=job, result=out.getvalue(), result_name=f"labels-{stamp}.pdf", summary={"labels": total})


# --- Tracking ------------------------------------------------------------------------------------------------------


def shipment_tracking_correct(*, actor: Any, shipment: Shipment, tracking_number: str) -> Shipment:
    """The seller typed a parcel's number wrong, or shipped it without one: put the right number on it. Checked
    against the carrier's formats and unique per carrier, like a new one. A label printed with the old number is
    dropped (print it again); the order follows; the parcel's timeline and the activity log keep the old number.
    Numbers that the carrier issues itself, and parcels already delivered, are not changed."""
    number = tracking_number_normalise(tracking_number)
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().select_related("carrier", "order").get(pk=shipment.pk)
        carrier = shipment.carrier
        adapter = carrier_adapter(carrier)
        if adapter.issues_numbers:
            raise DomainError(_("%(carrier)s issues its own tracking numbers: they cannot be changed.")
                              % {"carrier": carrier.name}, field="tracking_number")
        if shipment.status == S.DELIVERED:
            raise DomainError(_("This parcel is delivered: its tracking number can no longer be changed."),
                              field="tracking_number")
        if not number:
            raise _number_missing(carrier)
        if not adapter.tracking_number_valid(number):
            raise _number_not_of(carrier, number)
        old = shipment.tracking_number
        if number == old:
            raise DomainError(_("%(number)s is this parcel's tracking number already.") % {"number": number},
                              field="tracking_number")
        dropped = shipment.label_file.name or ""
        status = {S.INVALID_TRACKING: S.LABEL_PENDING, S.LABEL_READY: S.LABEL_PENDING}.get(
            S(shipment.status), S(shipment.status))
        try:
            with transaction.atomic():
                Shipment.objects.filter(pk=shipment.pk).update(tracking_number=number, status=status,
                                                               label_file="", printed_at=None,
                                                               label_requested_at=None)
        except IntegrityError as error:
            raise _number_taken(carrier) from error
        now = timezone.now()
        ShipmentEvent.objects.create(shipment=shipment, external_id=f"seller:tracking:{uuid.uuid4().hex}",
                                     code="tracking_corrected", at=now,
                                     status_text=f"{old or '—'} → {number}", source=ShipmentEvent.Source.SELLER)
        order_tracking_replace(order=shipment.order, old=old or f"SHP{shipment.pk:08d}", new=number)
        activity_record(actor=actor, action="shipment.tracking_corrected", target=shipment, target_repr=number,
                        changes={"tracking_number": [old, number]})
        if dropped:
            transaction.on_commit(lambda: default_storage.delete(dropped))
    shipment.refresh_from_db()
    return shipment



def shipment_hand_over(*, actor: Any, shipment: Shipment) -> Shipment:
    """The seller handed a labelled parcel to the carrier."""
    with transaction.atomic():
        now = timezone.now()
        moved = Shipment.objects.filter(pk=shipment.pk, status=S.LABEL_READY).update(status=S.SHIPPED,
                                                                                     shipped_at=now)
        if not moved:
            raise DomainError(_("Only a parcel with its label printed can be handed over."))
        ShipmentEvent.objects.create(shipment=shipment, external_id=f"seller:handed_over:{shipment.pk}",
                                     code="handed_over", at=now, status_text="Handed over to the carrier",
                                     source=ShipmentEvent.Source.SELLER)
        activity_record(actor=actor, action="shipment.handed_over", target=shipment,
                        target_repr=shipment.tracking_number)
    shipment.refresh_from_db()
    return shipment


def _platform_schedule(shipment: Shipment) -> list[tuple[str, dt.datetime, str, str]]:
    """The platform carrier's events for a parcel: code, time, text, location; fixed by the parcel alone."""
    start = shipment.printed_at or shipment.created_at
    low, high = selectors.transit_days(shipment=shipment)
    origin, order = shipment.warehouse.city, shipment.order
    hours = dt.timedelta(hours=1)
    return [
        ("accepted", start + 2 * hours, "Parcel received by Platform Logistics", origin),
        ("in_transit", start + 20 * hours, "Departed the origin sorting centre", origin),
        ("arrived", start + max(low, 1) * 24 * hours, "Arrived in the destination country", order.ship_country),
        ("out_for_delivery", start + (max(high, 2) * 24 - 6) * hours, "Out for delivery", order.ship_city),
        ("delivered", start + max(high, 2) * 24 * hours, "Delivered", order.ship_city),
    ]


def platform_tracking_advance(shipment: Shipment, now: dt.datetime | None = None) -> int:
    """The simulator's hook: add the platform carrier's events due by ``now`` (each once, by its event id) for a
    labelled platform parcel, move the shipment along, and on delivery tell orders (once, by event id) when
    every parcel of the order has arrived. Returns how many events were new."""
    now = now or timezone.now()
    shipment = Shipment.objects.select_related("order", "carrier", "service", "warehouse").get(pk=shipment.pk)
    if not carrier_adapter(shipment.carrier).issues_numbers or not shipment.label_file \
            or shipment.status == S.INVALID_TRACKING:
        return 0
    due = [step for step in _platform_schedule(shipment) if step[1] <= now]
    with transaction.atomic():
        have = set(ShipmentEvent.objects.filter(shipment=shipment).values_list("external_id", flat=True))
        new = [ShipmentEvent(shipment=shipment, external_id=f"{shipment.tracking_number}:{code}", code=code, at=at,
                             status_text=text, location=location)
               for code, at, text, location in due if f"{shipment.tracking_number}:{code}" not in have]
        ShipmentEvent.objects.bulk_create(new, ignore_conflicts=True)
        codes = {code: at for code, at, _text, _location in due}
        if "accepted" in codes:
            Shipment.objects.filter(pk=shipment.pk, status=S.LABEL_READY).update(status=S.SHIPPED,
                                                                               shipped_at=codes["accepted"])
        if "delivered" in codes:
            Shipment.objects.filter(pk=shipment.pk, status__in=(S.LABEL_READY, S.SHIPPED)).update(
                status=S.DELIVERED, delivered_at=codes["delivered"])
            _order_delivered_maybe(shipment, codes["delivered"])
    return len(new)


def _order_delivered_maybe(shipment: Shipment, at: dt.datetime) -> None:
    order = shipment.order
    if order.status != Order.Status.SHIPPED:
        return  # more units to ship, or the order has moved on (a return)
    if Shipment.objects.filter(order=order).exclude(status=S.DELIVERED).exists():
        return
    try:
        with transaction.atomic():
            order_mark_delivered(order=order, delivered_at=min(at, timezone.now()),
                                 event_id=f"logistics:{shipment.tracking_number}:delivered")
    except DomainError:
        return  # already delivered by the marketplace's own event
