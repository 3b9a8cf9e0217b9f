"""Long work a person started in a store (imports, exports, label batches, reports): its progress, result file and
errors, so the page can show a progress bar and the outcome can be downloaded. Lives in the store's schema."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def job_file_path(instance: Job, filename: str) -> str:
    return f"jobs/{instance.kind.replace('.', '-')}/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:6]}"


class JobQuerySet(models.QuerySet["Job"]):
    def unfinished(self) -> JobQuerySet:
        return self.filter(status__in=Job.UNFINISHED)


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        AWAITING = "awaiting", _("Waiting for your decision")
        APPLYING = "applying", _("Applying")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    UNFINISHED = (Status.QUEUED, Status.RUNNING, Status.AWAITING, Status.APPLYING)
    # Statuses in which a worker has the job, or will have it soon: the page keeps polling.
    WORKING = (Status.QUEUED, Status.RUNNING, Status.APPLYING)

    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    # The module whose level a person needs to see the job (the catalog module for catalog imports...).
    module = models.CharField(_("module"), max_length=20)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED,
                              db_index=True)
    # Work that must not overlap (two imports into one store) shares a key; the database allows one at a time.
    exclusive_key = models.CharField(_("exclusive key"), max_length=40, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    input_file = models.FileField(_("input file"), upload_to=job_file_path, blank=True, max_length=300)
    input_name = models.CharField(_("file name"), max_length=255, blank=True)
    result_file = models.FileField(_("result file"), upload_to=job_file_path, blank=True, max_length=300)
    result_name = models.CharField(_("result file name"), max_length=255, blank=True)
    created_by_id = models.BigIntegerField(_("person id"), null=True, blank=True)
    created_by_email = models.CharField(_("started by"), max_length=254, blank=True)
    created_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("running since"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        constraints = [
            models.UniqueConstraint(
                fields=["exclusive_key"],
                condition=~Q(exclusive_key="") & Q(status__in=["running", "applying"]),
                name="job_one_running_per_exclusive_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.status}"

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 0 if self.status in self.UNFINISHED else 100
        return min(100, int(self.progress_done * 100 / self.progress_total))

    @property
    def is_finished(self) -> bool:
        return self.status not in self.UNFINISHED

    @property
    def is_working(self) -> bool:
        return self.status in self.WORKING
