"""The life of a job: created, started by a worker, reporting progress, finished or failed.

Every transition is a status-guarded update (``filter(status__in=...).update(...)``): a task that is delivered twice
finds the job already moved on and does nothing, and a worker can never resurrect a cancelled job. The partial
unique constraint on ``exclusive_key`` lets the database itself refuse a second running job of the same key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellercenter.errors import DomainError

from .models import Job

# Progress stays in the cache this long after the last report (a job that stops reporting has died or finished).
PROGRESS_TTL = 60 * 60
EXCLUSIVE_CONSTRAINT = "job_one_running_per_exclusive_key"


class JobBusy(DomainError):
    """Another job with the same exclusive key is running (or applying) in this store."""


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is not None and getattr(actor, "is_authenticated", False):
        return {"created_by_id": actor.pk, "created_by_email": actor.email}
    return {"created_by_id": None, "created_by_email": ""}


def progress_cache_key(job_id: int) -> str:
    # Job ids repeat across stores: the schema is part of the key.
    return f"job-progress:{connection.schema_name}:{job_id}"  # type: ignore[attr-defined]


def job_create(
    *,
    kind: str,
    module: str,
    actor: Any,
    params: dict[str, Any] | None = None,
    exclusive_key: str = "",
    input_file: File | bytes | None = None,
    input_name: str = "",
) -> Job:
    """A queued job. ``input_file`` (an upload or bytes) is kept with the job for the worker to read."""
    job = Job(kind=kind, module=module, params=params or {}, exclusive_key=exclusive_key,
              input_name=input_name[:255], **_actor_fields(actor))
    if input_file is not None:
        content = ContentFile(input_file) if isinstance(input_file, bytes) else input_file
        job.input_file.save(input_name or "input", content, save=False)
    job.save()
    return job


def _move(job: Job, *, from_statuses: Iterable[str], **changes: Any) -> bool:
    """Apply ``changes`` only if the job is still in one of ``from_statuses``; keep ``job`` in step."""
    updated = Job.objects.filter(pk=job.pk, status__in=list(from_statuses)).update(**changes)
    if updated:
        for field, value in changes.items():
            setattr(job, field, value)
    else:
        job.refresh_from_db()
    return bool(updated)


def job_start(
    *,
    job: Job,
    status: str = Job.Status.RUNNING,
    from_statuses: Iterable[str] = (Job.Status.QUEUED,),
    total: int = 0,
) -> bool:
    """Hand the job to a worker: QUEUED -> RUNNING by default (AWAITING -> APPLYING for a second phase).

    Returns False when the job had already left ``from_statuses`` (a duplicate delivery, a cancelled job).
    Raises ``JobBusy`` when another job with the same exclusive key is running; the job is left as it was.
    """
    assert status in (Job.Status.RUNNING, Job.Status.APPLYING), status
    try:
        with transaction.atomic():
            moved = _move(job, from_statuses=from_statuses, status=status, started_at=timezone.now(),
                          progress_done=0, progress_total=max(total, 0), error="")
    except IntegrityError as error:
        if EXCLUSIVE_CONSTRAINT not in str(error):
            raise
        job.refresh_from_db()
        raise JobBusy(_("Another job of the same kind is running in this store. Try again when it has finished.")) \
            from error
    if moved:
        cache.delete(progress_cache_key(job.pk))
    return moved


def job_progress(*, job: Job, done: int, total: int | None = None, in_row: bool = True) -> None:
    """Report how far a running job is. Written to the cache, which the page reads, and to the row.

    The row update is not visible to others while the worker is inside a long transaction (an all-or-nothing
    import); the cache is, so the progress bar moves either way. Such a job passes ``in_row=False``: its row is
    written once, when it finishes.
    """
    done = max(int(done), 0)
    total = job.progress_total if total is None else max(int(total), 0)
    cache.set(progress_cache_key(job.pk), (done, total), PROGRESS_TTL)
    if in_row:
        Job.objects.filter(pk=job.pk, status__in=(Job.Status.RUNNING, Job.Status.APPLYING)).update(
            progress_done=done, progress_total=total)
    job.progress_done, job.progress_total = done, total


def job_finish(
    *,
    job: Job,
    summary: dict[str, Any] | None = None,
    result: bytes | File | None = None,
    result_name: str = "",
    status: str = Job.Status.SUCCEEDED,
    from_statuses: Iterable[str] = (Job.Status.RUNNING, Job.Status.APPLYING),
) -> bool:
    """End a phase of the job: SUCCEEDED, or AWAITING when the person must decide what happens next.

    ``result`` becomes the downloadable result file (it replaces an earlier one). Returns False, and keeps no
    file, when the job was no longer running (finished, failed or cancelled meanwhile).
    """
    assert status in (Job.Status.SUCCEEDED, Job.Status.AWAITING), status
    from_statuses = list(from_statuses)
    changes: dict[str, Any] = {"status": status, "finished_at": timezone.now() if status == Job.Status.SUCCEEDED
                               else None}
    if summary is not None:
        changes["summary"] = summary
    if job.progress_total:
        changes["progress_done"] = job.progress_total
    old_file = (job.result_file.name or "") if job.result_file else ""
    new_file = ""
    if result is not None:
        if not Job.objects.filter(pk=job.pk, status__in=from_statuses).exists():
            job.refresh_from_db()
            return False
        content = ContentFile(result) if isinstance(result, bytes) else result
        job.result_file.save(result_name or "result", content, save=False)
        new_file = job.result_file.name or ""
        changes.update(result_file=new_file, result_name=(result_name or "result")[:255])
    moved = _move(job, from_statuses=from_statuses, **changes)
    storage = job.result_file.storage
    if not moved and new_file:
        storage.delete(new_file)
    elif moved and new_file and old_file and old_file != new_file:
        storage.delete(old_file)
    if moved:
        cache.delete(progress_cache_key(job.pk))
    return moved


def job_fail(*, job: Job, error: str) -> bool:
    """Mark an unfinished job failed with a message for the person. Idempotent; a finished job stays as it is."""
    moved = _move(job, from_statuses=Job.UNFINISHED, status=Job.Status.FAILED, error=str(error)[:5000],
                  finished_at=timezone.now())
    if moved:
        cache.delete(progress_cache_key(job.pk))
    return moved


def job_cancel(*, job: Job) -> bool:
    """Cancel a job that no worker is busy with (queued, or waiting for the person's decision)."""
    return _move(job, from_statuses=(Job.Status.QUEUED, Job.Status.AWAITING), status=Job.Status.CANCELLED,
                 finished_at=timezone.now())
