"""The import and export pages: template downloads, upload to preview to apply, the htmx fragment, who may do
what, and another store's imports out of reach."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from audit.models import Activity
from catalog.models import Product, Variant
from jobs.models import Job
from sellercenter.celery import app
from stores.models import Membership, Role
from stores.permissions import Level
from tests.catalog.factories import make_gtin, make_warehouse
from tests.catalog.sheets import check, csv_data, table
from tests.responses import streamed
from tests.tenancy import connection

BASE = "/store/test-a/catalog"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def eager(monkeypatch: Any) -> None:
    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture
def worker(store_a: Any, eager: None, django_capture_on_commit_callbacks: Any) -> Iterator[Any]:
    """Run what a request enqueued after commit, inside store A's schema, as the worker would."""

    class Worker:
        def capture(self) -> Any:
            return django_capture_on_commit_callbacks(execute=False)

        def run(self, callbacks: list[Any]) -> None:
            connection.set_tenant(store_a)
            try:
                for callback in callbacks:
                    callback()
            finally:
                connection.set_schema_to_public()

    yield Worker()


def _member(store: Any, email: str, **levels: int) -> Client:
    role = Role.objects.create(store=store, name=f"Role {email}", levels={k: int(v) for k, v in levels.items()})
    user = User.objects.create_user(email=email, password="x-pass-2026-long")
    Membership.objects.create(user=user, store=store, role=role)
    client = Client()
    client.force_login(user)
    return client


def _file() -> bytes:
    return csv_data([["product_code", "sku", "gtin", "title_en", "price_US"],
                     ["P1", "P1-1", make_gtin(1), "Lamp", "19.99"],
                     ["P2", "P2-1", "12345", "Chair", "5"]])


def test_the_page_offers_templates_upload_and_export(client_a: Client) -> None:
    response = client_a.get(f"{BASE}/imports/")
    content = response.content.decode()
    assert response.status_code == 200
    for url in ("/imports/template.xlsx", "/imports/template.csv", "/imports/definitions.csv", "/imports/upload/",
                "/exports/"):
        assert f"{BASE}{url}" in content
    assert 'enctype="multipart/form-data"' in content
    assert "catalog:import-list" not in content and 'aria-current="page"' in content  # the nav entry is active


def test_template_downloads(store_a: Any, client_a: Client) -> None:
    import openpyxl

    connection.set_tenant(store_a)
    make_warehouse("SZ1")
    connection.set_schema_to_public()
    response = client_a.get(f"{BASE}/imports/template.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    header = table(response.content)[0]
    assert header[:2] == ["product_code", "sku"] and "stock_SZ1" in header and "price_JP" in header

    response = client_a.get(f"{BASE}/imports/template.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Catalog", "Definitions"]
    assert [cell.value for cell in workbook["Catalog"][1]] == header

    definitions = table(client_a.get(f"{BASE}/imports/definitions.csv").content)
    assert definitions[0] == ["Column", "Required", "Format", "Allowed values", "To empty it", "Description"]
    by_column = {row[0]: row for row in definitions[1:]}
    assert by_column["sku"][1] == "Required" and by_column["gtin"][4] == "#CLEAR"
    assert any("#CLEAR" in row[5] for row in definitions if row[0] == "Note")


def test_upload_preview_apply(client_a: Client, store_a: Any, worker: Any) -> None:
    with worker.capture() as callbacks:
        response = client_a.post(f"{BASE}/imports/upload/", {"file": _upload(_file())})
    assert response.status_code == 302
    connection.set_tenant(store_a)
    job = Job.objects.get()
    connection.set_schema_to_public()
    assert response["Location"] == f"{BASE}/imports/{job.pk}/"
    page = client_a.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page  # queued: the progress bar polls

    worker.run(callbacks)
    page = client_a.get(f"{BASE}/imports/{job.pk}/").content.decode()
    assert "to create" in page and "rows with errors" in page
    assert "12345 is not a GTIN" in page and "<code>gtin</code>" in page
    assert "Apply the valid rows only" in page and "Apply every row" not in page
    assert 'hx-confirm="' in page and "Cancel the import" in page
    fragment = client_a.get(f"{BASE}/imports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="import-body"') and "<html" not in fragment
    assert 'hx-trigger="jobFinished from:body"' in fragment

    with worker.capture() as callbacks:
        response = client_a.post(f"{BASE}/imports/{job.pk}/apply/", {"mode": "all"})
    assert response.status_code == 302 and not callbacks  # refused: rows have errors
    with worker.capture() as callbacks:
        client_a.post(f"{BASE}/imports/{job.pk}/apply/", {"mode": "valid"})
    worker.run(callbacks)
    connection.set_tenant(store_a)
    assert list(Variant.objects.values_list("sku", flat=True)) == ["P1-1"]
    connection.set_schema_to_public()
    page = client_a.get(f"{BASE}/imports/{job.pk}/").content.decode()
    assert "The valid rows are imported" in page and "skipped (errors)" in page
    assert f"/store/test-a/jobs/{job.pk}/download/" in page
    report = streamed(client_a.get(f"/store/test-a/jobs/{job.pk}/download/"))
    assert ["3", "P2-1", "gtin", "12345", "12345 is not a GTIN: use 8, 12, 13 or 14 digits."] in table(report)


def test_a_bad_upload_is_answered_inline(client_a: Client, store_a: Any) -> None:
    response = client_a.post(f"{BASE}/imports/upload/", {"file": _upload(b"%PDF-1.4 not a sheet", "scan.pdf")})
    assert response.status_code == 400
    assert "Upload a CSV or XLSX file." in response.content.decode()
    response = client_a.post(f"{BASE}/imports/upload/", {})
    assert response.status_code == 400 and b"This field is required" in response.content
    connection.set_tenant(store_a)
    assert not Job.objects.exists()


def test_cancel_changes_nothing(client_a: Client, store_a: Any, owner_a: Any) -> None:
    connection.set_tenant(store_a)
    job = check(actor=owner_a, data=_file())
    connection.set_schema_to_public()
    response = client_a.post(f"{BASE}/imports/{job.pk}/cancel/")
    assert response.status_code == 302
    connection.set_tenant(store_a)
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and not Product.objects.exists()
    assert Activity.objects.filter(action="catalog.import_cancelled").count() == 1
    connection.set_schema_to_public()
    assert "was cancelled" in client_a.get(f"{BASE}/imports/{job.pk}/").content.decode()


def test_a_catalog_viewer_can_read_but_not_change(store_a: Any, owner_a: Any, worker: Any) -> None:
    connection.set_tenant(store_a)
    job = check(actor=owner_a, data=_file())
    connection.set_schema_to_public()
    viewer = _member(store_a, "viewer@example.com", catalog=Level.VIEW)
    page = viewer.get(f"{BASE}/imports/").content.decode()
    assert "can look at imports but not upload" in page and "/imports/upload/" not in page
    detail = viewer.get(f"{BASE}/imports/{job.pk}/").content.decode()
    assert "to create" in detail and "Apply the valid rows only" not in detail
    assert viewer.get(f"/store/test-a/jobs/{job.pk}/download/").status_code == 200
    assert viewer.get(f"{BASE}/imports/template.csv").status_code == 200
    for url, data in ((f"{BASE}/imports/upload/", {"file": _upload(_file())}),
                      (f"{BASE}/imports/{job.pk}/apply/", {"mode": "valid"}),
                      (f"{BASE}/imports/{job.pk}/cancel/", {})):
        response = viewer.post(url, data)
        assert response.status_code == 403 and b"Catalog" in response.content
    with worker.capture() as callbacks:
        assert viewer.post(f"{BASE}/exports/", {"format": "csv"}).status_code == 302  # exporting is reading
    worker.run(callbacks)
    connection.set_tenant(store_a)
    job.refresh_from_db()
    assert job.status == Job.Status.AWAITING and not Product.objects.exists()
    export = Job.objects.get(kind="catalog.export")
    assert export.status == Job.Status.SUCCEEDED and export.result_name.endswith(".csv")


def test_another_stores_imports_are_unreachable(store_a: Any, store_b: Any, owner_a: Any, owner_b: Any) -> None:
    connection.set_tenant(store_a)
    job = check(actor=owner_a, data=_file())
    connection.set_schema_to_public()
    client = Client()
    client.force_login(owner_b)
    for url in (f"{BASE}/imports/{job.pk}/", f"/store/test-a/jobs/{job.pk}/download/"):
        assert client.get(url).status_code == 404
    assert client.post(f"{BASE}/imports/{job.pk}/apply/", {"mode": "valid"}).status_code == 404
    connection.set_tenant(store_b)
    Job.objects.all().delete()
    connection.set_schema_to_public()
    assert client.get(f"/store/test-b/catalog/imports/{job.pk}/").status_code == 404
    assert client.post(f"/store/test-b/catalog/imports/{job.pk}/apply/", {"mode": "valid"}).status_code == 404
    assert f"imports/{job.pk}/" not in client.get("/store/test-b/catalog/imports/").content.decode()


def _upload(data: bytes, name: str = "catalog.csv") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")
