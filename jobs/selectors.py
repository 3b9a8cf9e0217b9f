"""Reads of jobs for the pages that show them."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import Job
from .services import progress_cache_key


def job_list(*, kinds: Iterable[str] | None = None, module: str | None = None) -> QuerySet[Job]:
    jobs = Job.objects.all()
    if kinds is not None:
        jobs = jobs.filter(kind__in=list(kinds))
    if module is not None:
        jobs = jobs.filter(module=module)
    return jobs.order_by("-created_at", "-id")


def job_with_live_progress(job: Job) -> Job:
    """The job with the newest progress a worker reported, which may not be committed to its row yet."""
    if job.is_working:
        cached = cache.get(progress_cache_key(job.pk))
        if cached is not None and cached[0] >= job.progress_done:
            job.progress_done, job.progress_total = cached
    return job


def job_get(*, pk: int, kind: str | None = None) -> Job:
    """The job, or 404; with its live progress."""
    jobs = Job.objects.all() if kind is None else Job.objects.filter(kind=kind)
    return job_with_live_progress(get_object_or_404(jobs, pk=pk))
