"""Bulk work by spreadsheet: an upload is checked in a worker (the preview), then applied when the person chooses
to (every row or nothing, or the valid rows only), or cancelled; the whole catalog can be exported to the same
template. Each step is a job the page follows with a progress bar.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import activity_record
from jobs.models import Job
from jobs.services import JobBusy, job_cancel, job_create, job_fail, job_finish, job_progress, job_start
from sellercenter.errors import DomainError
from stores.models import Store
from stores.permissions import Module

from ..spreadsheet.apply import MODE_ALL, MODE_VALID, MODES, ImportHasErrors, apply_sheet, import_lock
from ..spreadsheet.columns import template_for_store
from ..spreadsheet.reader import check_size, read_sheet
from ..spreadsheet.validate import Result, validate_sheet
from ..spreadsheet.writer import csv_file, export_languages, export_rows, report_csv, template_xlsx

IMPORT_KIND = "catalog.import"
EXPORT_KIND = "catalog.export"
EXCLUSIVE_KEY = "catalog-import"
UPLOAD_EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx")
EXPORT_FORMATS = ("csv", "xlsx")
# How many errors the job keeps for the page; all of them are in the downloadable report.
ERRORS_KEPT = 1000


# --- What the person does -----------------------------------------------------------------------------------------

def import_create(*, actor: Any, upload: UploadedFile, language: str) -> Job:
    """Keep the uploaded file with a new import job and have a worker check it. Nothing in the catalog changes."""
    name = Path(upload.name or "").name
    if not name.lower().endswith(UPLOAD_EXTENSIONS):
        raise DomainError(_("Upload a CSV or XLSX file."), field="file")
    check_size(upload.size or 0)
    if not upload.size:
        raise DomainError(_("The file is empty."), field="file")
    from ..tasks_spreadsheet import catalog_import_validate

    with transaction.atomic():
        job = job_create(kind=IMPORT_KIND, module=Module.CATALOG, actor=actor, exclusive_key=EXCLUSIVE_KEY,
                         params={"language": language}, input_file=upload, input_name=name)
        transaction.on_commit(lambda: catalog_import_validate.delay(job.pk))
    return job


def import_apply(*, actor: Any, job: Job, mode: str, language: str) -> Job:
    """The person's choice after the preview: apply every row (refused while rows have errors) or only the valid
    rows. The job moves to APPLYING at once, so a second import cannot be applied at the same time."""
    if mode not in MODES:
        raise DomainError(_("Choose how to apply the file."), field="mode")
    if job.kind != IMPORT_KIND or job.status != Job.Status.AWAITING:
        raise DomainError(_("This import is not waiting for your decision any more."))
    preview = job.summary.get("preview", {})
    if mode == MODE_ALL and preview.get("error_rows"):
        raise DomainError(_("Rows of this file have errors. Fix them and upload the file again, or apply the valid "
                            "rows only."), field="mode")
    if mode == MODE_VALID and not (preview.get("create") or preview.get("update") or preview.get("unchanged")):
        raise DomainError(_("No row of this file is valid."), field="mode")
    from ..tasks_spreadsheet import catalog_import_apply

    with transaction.atomic():
        job.params = {**job.params, "mode": mode, "applied_by": getattr(actor, "pk", None), "language": language}
        Job.objects.filter(pk=job.pk).update(params=job.params)
        try:
            started = job_start(job=job, status=Job.Status.APPLYING, from_statuses=(Job.Status.AWAITING,),
                                total=int(preview.get("total", 0)))
        except JobBusy as error:
            raise DomainError(_("Another import of this store is being checked or applied. Apply this one when it "
                                "has finished.")) from error
        if not started:
            raise DomainError(_("This import is not waiting for your decision any more."))
        transaction.on_commit(lambda: catalog_import_apply.delay(job.pk))
    return job


def import_cancel(*, actor: Any, job: Job) -> Job:
    """Drop an import that has not been applied. Nothing in the catalog changes."""
    if job.kind != IMPORT_KIND or not job_cancel(job=job):
        raise DomainError(_("This import can no longer be cancelled."))
    activity_record(actor=actor, action="catalog.import_cancelled", target=job, target_repr=job.input_name)
    return job


def export_create(*, actor: Any, file_format: str, language: str) -> Job:
    """Have a worker write the whole catalog in the template's columns."""
    if file_format not in EXPORT_FORMATS:
        raise DomainError(_("Choose CSV or XLSX."), field="format")
    from ..tasks_spreadsheet import catalog_export

    with transaction.atomic():
        job = job_create(kind=EXPORT_KIND, module=Module.CATALOG, actor=actor,
                         params={"format": file_format, "language": language})
        transaction.on_commit(lambda: catalog_export.delay(job.pk))
    return job


# --- What the worker does -----------------------------------------------------------------------------------------

def _store() -> Store:
    store = getattr(connection, "tenant", None)
    if not isinstance(store, Store):
        raise RuntimeError("Catalog imports run inside a store's schema.")
    return store


def _input(job: Job) -> bytes:
    with job.input_file.open("rb") as handle:
        return handle.read()


def _stem(job: Job) -> str:
    return Path(job.input_name).stem[:80] or "import"


def _errors_kept(result: Result) -> list[list[Any]]:
    return [[row, column, code, params] for row, column, code, params in result.errors[:ERRORS_KEPT]]


def import_check(*, job: Job) -> bool:
    """Read and check the job's file against the data as it is, keep the preview and the error report, and wait
    for the person's decision (AWAITING). A file that cannot be read fails the job with the reason."""
    store = _store()
    data = _input(job)
    sheet = read_sheet(data, job.input_name)
    template = template_for_store(store=store)
    job_progress(job=job, done=0, total=len(sheet.rows))
    result = validate_sheet(sheet=sheet, template=template,
                            progress=lambda done, total: job_progress(job=job, done=done, total=total))
    report = report_csv(sheet.header, sheet.rows, sheet.numbers, result.errors)
    summary = {"preview": result.summary(), "errors": _errors_kept(result), "format": sheet.format,
               "encoding": sheet.encoding, "checked_at": timezone.now().isoformat()}
    return job_finish(job=job, summary=summary, result=report, result_name=f"{_stem(job)}-check.csv",
                      status=Job.Status.AWAITING)


def _person(user_id: int | None) -> User | None:
    return User.objects.filter(pk=user_id).first() if user_id else None


def import_run(*, job: Job) -> Result | None:
    """Apply an import the person chose to apply, in one transaction holding the store's import lock: the rows are
    checked again against the data as it is now, written in bulk, the job marked done and one activity entry
    recorded, all or nothing. Returns None when the job was no longer applying (a duplicate delivery)."""
    store = _store()
    actor = _person(job.params.get("applied_by"))
    mode = job.params.get("mode", MODE_ALL)
    sheet = read_sheet(_input(job), job.input_name)
    template = template_for_store(store=store)
    # In a worker the import owns its transaction, and the next chunks are checked on a second connection while
    # this one writes; inside a caller's transaction everything runs here.
    read_ahead = not connection.in_atomic_block
    with transaction.atomic():
        import_lock()
        locked = Job.objects.select_for_update().filter(pk=job.pk, status=Job.Status.APPLYING).first()
        if locked is None:
            return None
        result = apply_sheet(sheet=sheet, template=template, mode=mode, actor=actor, reference=f"import-{job.pk}",
                             progress=lambda done, total: job_progress(job=job, done=done, total=total,
                                                                       in_row=False),
                             read_ahead=read_ahead)
        counts = {"create": result.counts["create"], "update": result.counts["update"],
                  "unchanged": result.counts["unchanged"], "skipped": result.counts["error"]}
        activity_record(actor=actor, action="catalog.imported", target=job, target_repr=job.input_name,
                        changes={"summary": [None, counts]})
        report = report_csv(sheet.header, sheet.rows, sheet.numbers, result.errors)
        summary = {**job.summary, "applied": {**result.summary(), "skipped": result.counts["error"]},
                   "mode": mode, "errors": _errors_kept(result)}
        job_finish(job=job, summary=summary, result=report, result_name=f"{_stem(job)}-result.csv",
                   from_statuses=(Job.Status.APPLYING,))
    return result


def import_fail(*, job: Job, error: Exception) -> None:
    """Record why an import could not be checked or applied; nothing in the catalog changed."""
    if isinstance(error, ImportHasErrors):
        message = _("%(count)s rows have errors now (the catalog may have changed since the check), so nothing was "
                    "imported. Upload the file again to see them.") % {"count": error.result.counts["error"]}
    elif isinstance(error, DomainError):
        message = str(error.message)
    else:
        message = _("The file could not be processed because of an unexpected error; nothing was changed. Try "
                    "again, and tell the platform's support if it happens again.")
    job_fail(job=job, error=message)


def export_run(*, job: Job) -> bool:
    """Write every SKU of the catalog in the template's columns (CSV or XLSX) as the job's result file."""
    store = _store()
    template = template_for_store(store=store, languages=export_languages())
    header = [column.key for column in template.columns]

    def progress(done: int, total: int) -> None:
        job_progress(job=job, done=done, total=total)

    rows = export_rows(template, progress=progress)
    stamp = timezone.localtime(timezone.now(), template.timezone).strftime("%Y%m%d-%H%M")
    name = f"catalog-{store.handle}-{stamp}"
    if job.params.get("format") == "xlsx":
        return job_finish(job=job, result=template_xlsx(template, rows), result_name=f"{name}.xlsx",
                          summary={"columns": len(header)})
    spool = csv_file(header, rows)
    try:
        return job_finish(job=job, result=File(spool, name=f"{name}.csv"), result_name=f"{name}.csv",
                          summary={"columns": len(header)})
    finally:
        spool.close()
