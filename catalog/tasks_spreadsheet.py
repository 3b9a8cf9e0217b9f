"""Workers for bulk work by spreadsheet: check an uploaded file, apply it, export the catalog. Each task takes the
job's id, runs in the store's schema (StoreTask) and moves the job with status-guarded updates, so a task that
is delivered twice does nothing the second time."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from jobs.models import Job
from jobs.services import JobBusy, job_fail, job_start
from sellercenter.celery import StoreTask, app
from sellercenter.errors import DomainError

from .services import imports

# While another import of the store is being checked or applied, a new check waits (the job stays queued).
BUSY_RETRY_SECONDS = 3
BUSY_MAX_RETRIES = 400


def _job(job_id: int, kind: str) -> Job | None:
    return Job.objects.filter(pk=job_id, kind=kind).first()


@app.task(name="catalog.import_validate", base=StoreTask, bind=True, max_retries=BUSY_MAX_RETRIES)
def catalog_import_validate(self: Any, job_id: int) -> None:
    job = _job(job_id, imports.IMPORT_KIND)
    if job is None:
        return
    with translation.override(job.params.get("language") or "en"):
        try:
            if not job_start(job=job):
                return  # already checked, or cancelled
        except JobBusy as error:
            if self.request.is_eager or self.request.retries >= BUSY_MAX_RETRIES:
                job_fail(job=job, error=_("Another import of this store was being checked or applied. Upload the "
                                          "file again when it has finished."))
                return
            raise self.retry(countdown=BUSY_RETRY_SECONDS) from error
        try:
            imports.import_check(job=job)
        except Exception as error:
            imports.import_fail(job=job, error=error)
            if not isinstance(error, DomainError):
                raise


@app.task(name="catalog.import_apply", base=StoreTask)
def catalog_import_apply(job_id: int) -> None:
    job = Job.objects.filter(pk=job_id, kind=imports.IMPORT_KIND, status=Job.Status.APPLYING).first()
    if job is None:
        return  # applied already, or failed
    with translation.override(job.params.get("language") or "en"):
        try:
            imports.import_run(job=job)
        except Exception as error:
            imports.import_fail(job=job, error=error)
            if not isinstance(error, DomainError):
                raise


@app.task(name="catalog.export", base=StoreTask)
def catalog_export(job_id: int) -> None:
    job = _job(job_id, imports.EXPORT_KIND)
    if job is None:
        return
    with translation.override(job.params.get("language") or "en"):
        if not job_start(job=job):
            return
        try:
            imports.export_run(job=job)
        except Exception:
            job_fail(job=job, error=_("The export failed because of an unexpected error. Try again, and tell the "
                                      "platform's support if it happens again."))
            raise
