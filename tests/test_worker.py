"""A real Celery worker on the real Redis: a task sent from a store request runs in that store's schema."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from audit.models import Activity
from sellercenter.celery import StoreTaskOutsideStore
from stores.models import Invitation, Role, Store
from stores.tasks import email_send_invitation
from tests.conftest import subprocess_env
from tests.tenancy import connection

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker(django_db_setup: None, tmp_path: Path) -> Any:
    from sellercenter.celery import app

    app.control.purge()
    env = subprocess_env(EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                         EMAIL_FILE_PATH=str(tmp_path / "mail"))
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "sellercenter", "worker", "--pool", "solo", "-l", "warning",
         "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    yield process, tmp_path / "mail"
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.worker
def test_a_task_sent_from_a_store_request_runs_in_that_stores_schema(worker: Any, django_db_blocker: Any) -> None:
    process, mail_dir = worker
    email = "teammate-worker@example.com"
    with django_db_blocker.unblock():
        store = Store.objects.get(handle="test-a")
        role = Role.objects.get(store=store, kind=Role.Kind.ADMIN)
        client = Client()
        client.force_login(User.objects.get(email="owner-a@example.com"))
        response = client.post("/store/test-a/team/invitations/", {"email": email, "role": role.pk})
        assert response.status_code == 302
        invitation = Invitation.objects.get(store=store, email=email)
        try:
            deadline = time.monotonic() + 60
            emailed = None
            while time.monotonic() < deadline and emailed is None:
                with schema_context("st_test_a"):
                    emailed = Activity.objects.filter(action="invitation.emailed", object_id=str(invitation.pk)).first()
                if process.poll() is not None:
                    pytest.fail(f"the worker exited: {process.stdout.read()}")
                time.sleep(0.3)
            assert emailed is not None, "the worker did not send the invitation within 60 s"
            with schema_context("st_test_b"):
                assert not Activity.objects.filter(action="invitation.emailed").exists()
            invitation.refresh_from_db()
            assert invitation.emailed_at is not None
            sent = "".join(path.read_text() for path in mail_dir.glob("*.log"))
            assert email in sent
            assert "/invitations/" in sent
        finally:
            with schema_context("st_test_a"):
                Activity.objects.filter(object_id=str(invitation.pk), object_type="invitation").delete()
            invitation.delete()


def test_a_store_task_refuses_to_run_in_the_public_schema(db: None) -> None:
    connection.set_schema_to_public()
    result = email_send_invitation.apply(args=[1, "en"])
    assert isinstance(result.result, StoreTaskOutsideStore)
