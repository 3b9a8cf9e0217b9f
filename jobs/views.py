"""A job's progress (a fragment the page polls every second) and its result file."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import trigger_client_event

from sellercenter.htmx import htmx_fragment
from stores.permissions import Level, Module, StorePermissionDenied, store_view

from .models import Job
from .selectors import job_get

# The event a finished job's last poll sends, so the page around the progress bar can reload its own part.
FINISHED_EVENT = "jobFinished"


def _check_module(request: HttpRequest, job: Job) -> None:
    """Who may see a job depends on its module (a catalog import needs catalog view), not on this URL."""
    module = Module(job.module)
    if request.membership.level(module) < Level.VIEW:  # type: ignore[attr-defined]
        raise StorePermissionDenied(module, Level.VIEW)


@store_view(None)
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_get(pk=pk)
    _check_module(request, job)
    if not htmx_fragment(request):
        return render(request, "jobs/job_detail.html", {"job": job})
    response = render(request, "_partials/job_progress.html", {"job": job})
    if not job.is_working:
        trigger_client_event(response, FINISHED_EVENT, {"id": job.pk, "status": job.status})
    return response


@store_view(None)  # type: ignore[arg-type]  # a FileResponse streams; store_view is typed for HttpResponse
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = job_get(pk=pk)
    _check_module(request, job)
    if not job.result_file:
        raise Http404("This job has no result file.")
    try:
        handle = job.result_file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The result file is gone.") from error
    return FileResponse(handle, as_attachment=True, filename=job.result_name or "result")
