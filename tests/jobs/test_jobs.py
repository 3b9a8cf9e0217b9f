"""Jobs: guarded, idempotent transitions; one running job per exclusive key; live progress; the progress fragment
the page polls; the result file and who may download it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from jobs.models import Job
from jobs.selectors import job_get
from jobs.services import (
    JobBusy,
    job_cancel,
    job_create,
    job_fail,
    job_finish,
    job_progress,
    job_start,
    progress_cache_key,
)
from stores.models import Membership, Role
from stores.permissions import Level, Module
from tests.responses import streamed
from tests.tenancy import connection


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def _job(actor: Any = None, **extra: Any) -> Job:
    return job_create(kind=extra.pop("kind", "catalog.export"), module=extra.pop("module", Module.CATALOG),
                      actor=actor, **extra)


def test_transitions_are_guarded_and_idempotent(in_store_a: Any, owner_a: Any) -> None:
    job = _job(owner_a, input_file=b"a,b\r\n", input_name="in.csv")
    assert (job.status, job.created_by_email, job.input_name) == (Job.Status.QUEUED, owner_a.email, "in.csv")
    assert job_start(job=job, total=10) and job.status == Job.Status.RUNNING and job.started_at
    assert not job_start(job=job)  # a duplicate delivery does nothing
    job_progress(job=job, done=4)
    assert Job.objects.get(pk=job.pk).progress_done == 4 and job.percent == 40
    assert job_finish(job=job, summary={"rows": 10}, result=b"x", result_name="out.csv")
    assert (job.status, job.progress_done, job.percent, job.is_finished) == (Job.Status.SUCCEEDED, 10, 100, True)
    assert not job_finish(job=job, summary={"rows": 0})
    assert not job_fail(job=job, error="late")
    assert not job_cancel(job=job)
    job.refresh_from_db()
    assert (job.status, job.summary, job.error) == (Job.Status.SUCCEEDED, {"rows": 10}, "")


def test_a_cancelled_job_is_never_started_or_finished(in_store_a: Any) -> None:
    job = _job()
    assert job_cancel(job=job)
    assert not job_start(job=job)
    assert not job_finish(job=job, result=b"x", result_name="out.csv")
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and not job.result_file


def test_waiting_for_a_decision_then_a_second_phase(in_store_a: Any) -> None:
    job = _job(kind="catalog.import")
    job_start(job=job, total=3)
    assert job_finish(job=job, summary={"preview": 1}, status=Job.Status.AWAITING)
    assert job.status == Job.Status.AWAITING and not job.is_finished and not job.is_working
    assert job_start(job=job, status=Job.Status.APPLYING, from_statuses=(Job.Status.AWAITING,))
    assert job_fail(job=job, error="Nothing was imported.")
    assert job.status == Job.Status.FAILED and job.finished_at


def test_one_running_job_per_exclusive_key(in_store_a: Any) -> None:
    first, second = _job(exclusive_key="catalog-import"), _job(exclusive_key="catalog-import")
    other, free = _job(exclusive_key="labels"), _job()
    assert job_start(job=first)
    with pytest.raises(JobBusy):
        job_start(job=second)
    second.refresh_from_db()
    assert second.status == Job.Status.QUEUED
    assert job_start(job=other) and job_start(job=free)  # other keys and no key run alongside
    job_finish(job=first, status=Job.Status.AWAITING)  # waiting for a person holds no key
    assert job_start(job=second)


def test_progress_inside_a_long_transaction_is_read_from_the_cache(in_store_a: Any) -> None:
    job = _job()
    job_start(job=job, total=100)
    cache.set(progress_cache_key(job.pk), (60, 100))
    assert job_get(pk=job.pk).progress_done == 60  # the row still says 0
    job_finish(job=job)
    assert cache.get(progress_cache_key(job.pk)) is None
    assert job_get(pk=job.pk).progress_done == 100


def test_a_new_result_replaces_the_old_file(in_store_a: Any) -> None:
    job = _job(kind="catalog.import")
    job_start(job=job)
    job_finish(job=job, result=b"first", result_name="check.csv", status=Job.Status.AWAITING)
    old = job.result_file.name
    job_start(job=job, status=Job.Status.APPLYING, from_statuses=(Job.Status.AWAITING,))
    job_finish(job=job, result=b"second", result_name="result.csv")
    storage = job.result_file.storage
    assert old is not None and job.result_file.name is not None
    assert not storage.exists(old) and storage.open(job.result_file.name).read() == b"second"
    assert job.result_name == "result.csv"


# --- Pages ---------------------------------------------------------------------------------------------------------

def _member(store: Any, email: str, **levels: int) -> Client:
    role = Role.objects.create(store=store, name=f"Role {email}", levels={key: int(value) for key, value in
                                                                          levels.items()})
    user = User.objects.create_user(email=email, password="x-pass-2026-long")
    Membership.objects.create(user=user, store=store, role=role)
    client = Client()
    client.force_login(user)
    return client


def _finished_job(store: Any, owner: Any, **extra: Any) -> Job:
    connection.set_tenant(store)
    job = _job(owner, **extra)
    job_start(job=job, total=5)
    job_finish(job=job, result="sku,问题\r\n".encode("utf-8-sig"), result_name="report.csv")
    connection.set_schema_to_public()
    return job


def test_the_progress_fragment_polls_every_second_until_finished(store_a: Any, owner_a: Any,
                                                                 client_a: Client) -> None:
    connection.set_tenant(store_a)
    job = _job(owner_a)
    job_start(job=job, total=200)
    job_progress(job=job, done=50)
    connection.set_schema_to_public()
    url = f"/store/test-a/jobs/{job.pk}/"
    response = client_a.get(url, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert response.status_code == 200 and "<html" not in content
    assert f'id="job-{job.pk}"' in content and 'hx-trigger="every 1s"' in content and f'hx-get="{url}"' in content
    assert 'aria-valuenow="25"' in content and "width: 25%" in content and "progress-bar-animated" in content
    assert "HX-Trigger" not in response.headers

    connection.set_tenant(store_a)
    job_finish(job=job, result=b"done", result_name="export.csv")
    connection.set_schema_to_public()
    response = client_a.get(url, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "hx-trigger" not in content and "width: 100%" in content and "bg-success" in content
    assert "jobFinished" in response.headers["HX-Trigger"]
    assert f"/store/test-a/jobs/{job.pk}/download/" in content

    page = client_a.get(url)
    assert page.status_code == 200 and b"<html" in page.content and b"Background job" in page.content


def test_download_needs_view_on_the_jobs_module(store_a: Any, owner_a: Any, client_a: Client) -> None:
    job = _finished_job(store_a, owner_a)
    url = f"/store/test-a/jobs/{job.pk}/download/"
    response = client_a.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="report.csv"')
    assert streamed(response).decode("utf-8-sig") == "sku,问题\r\n"

    viewer = _member(store_a, "catalog-viewer@example.com", catalog=Level.VIEW)
    assert viewer.get(url).status_code == 200
    nobody = _member(store_a, "orders-only@example.com", orders=Level.MANAGE)
    for denied in (nobody.get(url), nobody.get(f"/store/test-a/jobs/{job.pk}/", HTTP_HX_REQUEST="true")):
        assert denied.status_code == 403 and b"Catalog" in denied.content

    finance = _finished_job(store_a, owner_a, module=Module.FINANCE)
    assert viewer.get(f"/store/test-a/jobs/{finance.pk}/download/").status_code == 403
    assert client_a.get("/store/test-a/jobs/999999/download/").status_code == 404


def test_a_job_without_a_result_file_has_nothing_to_download(store_a: Any, owner_a: Any, client_a: Client) -> None:
    connection.set_tenant(store_a)
    job = _job(owner_a)
    connection.set_schema_to_public()
    assert client_a.get(f"/store/test-a/jobs/{job.pk}/download/").status_code == 404


def test_another_stores_jobs_are_unreachable(store_a: Any, store_b: Any, owner_a: Any, owner_b: Any) -> None:
    job = _finished_job(store_a, owner_a)
    client = Client()
    client.force_login(owner_b)
    assert client.get(f"/store/test-a/jobs/{job.pk}/download/").status_code == 404
    connection.set_tenant(store_b)
    Job.objects.all().delete()
    connection.set_schema_to_public()
    # Job ids repeat across stores; in store B's own schema there is no such job.
    assert client.get(f"/store/test-b/jobs/{job.pk}/download/").status_code == 404
    assert client.get(f"/store/test-b/jobs/{job.pk}/").status_code == 404
