"""Logistics' background work: one parcel's label, a batch of labels into one PDF, and the platform carrier's
tracking events. Each task takes ids, runs in the store's schema (StoreTask) and is safe to run twice."""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jobs.models import Job
from jobs.services import job_fail, job_start
from sellercenter.celery import StoreTask, app, stores_dispatch

from . import services_shipments as services
from .models import Shipment

# Seconds between two stores' runs, so many stores do not hit the database in the same second.
STAGGER_SECONDS = 2
STAGGER_WINDOW = 600


@app.task(name="logistics.label_print", base=StoreTask, ignore_result=True)
def shipment_label_print(shipment_id: int, language: str = "en") -> None:
    services.shipment_label_print(shipment_id=shipment_id, language=language)


@app.task(name="logistics.labels_batch", base=StoreTask, ignore_result=True)
def labels_batch_print(job_id: int) -> None:
    job = Job.objects.filter(pk=job_id, kind=services.BATCH_KIND).first()
    if job is None:
        return
    with translation.override(job.params.get("language") or "en"):
        # A task delivered again after its worker died finds the job running and picks it up: labels already
        # printed are kept, the others printed once.
        if not job_start(job=job, from_statuses=(Job.Status.QUEUED, Job.Status.RUNNING)):
            return  # finished, failed or cancelled meanwhile
        try:
            services.labels_batch_run(job=job)
        except Exception:
            job_fail(job=job, error=_("The labels could not be printed because of an unexpected error. Try again; "
                                      "labels already printed are kept."))
            raise


@app.task(name="logistics.tracking_advance", base=StoreTask, ignore_result=True)
def platform_tracking_tick() -> int:
    """The platform carrier's events due for every parcel still on its way in this store."""
    now = timezone.now()
    count = 0
    for shipment in Shipment.objects.filter(status__in=(Shipment.Status.LABEL_READY, Shipment.Status.SHIPPED),
                                            carrier__kind="platform").only("pk"):
        count += services.platform_tracking_advance(shipment, now)
    return count


@app.task(name="logistics.tracking_dispatch", ignore_result=True)
def platform_tracking_dispatch() -> int:
    """Periodic (beat): enqueue each active store's tracking run, sent from inside the store so it runs there."""
    return stores_dispatch(platform_tracking_tick, stagger_seconds=STAGGER_SECONDS, window=STAGGER_WINDOW)
