"""The platform admin: staff browse stores, suspend them, and upload FX rate files."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from stores.models import FXRate, Store
from tests.stores.factories import UserFactory, client_for
from tests.stores.test_fx import ECB_DAILY_XML

pytestmark = [
    pytest.mark.django_db,
]


@pytest.fixture
def staff() -> Client:
    return client_for(UserFactory.create(email="staff@platform.example", is_staff=True, is_superuser=True))


def test_staff_open_the_admin_pages(staff: Client) -> None:
    for url in ("/admin/", "/admin/stores/store/", "/admin/stores/fxrate/", "/admin/accounts/user/"):
        response = staff.get(url)
        assert response.status_code == 200, url
    assert b"test-a" in staff.get("/admin/stores/store/").content


def test_staff_suspend_a_store_from_the_admin(staff: Client, store_b: Store) -> None:
    response = staff.post("/admin/stores/store/", {"action": "suspend", "_selected_action": [store_b.pk]},
                          follow=True)
    assert "1 store suspended." in [str(m) for m in response.context["messages"]]
    store_b.refresh_from_db()
    assert store_b.status == Store.Status.SUSPENDED


def test_staff_import_an_fx_file_from_the_admin(staff: Client) -> None:
    upload = SimpleUploadedFile("eurofxref-daily.xml", ECB_DAILY_XML, content_type="text/xml")

    response = staff.post("/admin/stores/fxrate/import/", {"file": upload, "source": "ECB"}, follow=True)

    assert response.redirect_chain[-1][0] == "/admin/stores/fxrate/"
    assert "6 rates imported." in [str(m) for m in response.context["messages"]]
    assert FXRate.objects.filter(rate_date=dt.date(2024, 5, 10)).count() == 6

    bad = SimpleUploadedFile("rates.csv", b"Date,USD\n2024-05-11,-1\n", content_type="text/csv")
    refused = staff.post("/admin/stores/fxrate/import/", {"file": bad, "source": "ECB"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["file"] == ["line 2: a rate must be above zero."]
    assert not FXRate.objects.filter(rate_date=dt.date(2024, 5, 11)).exists()
