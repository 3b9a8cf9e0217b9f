"""Shipment pages: the order page's panel (page and htmx fragment), creating a shipment from it, printing and
downloading, the papers, the shipments list with its filter, the order list's "Print labels", permission levels,
and another store's shipments out of reach."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from jobs.models import Job
from logistics.models import Shipment, label_path
from logistics.services_shipments import shipment_create
from orders.models import Order
from stores.carrier_data import carriers_ensure
from stores.models import Store
from stores.permissions import NO_ACCESS, Level
from tests.logistics.shipment_helpers import Setup, setup
from tests.responses import streamed
from tests.stores.factories import RoleFactory, client_for, eager_tasks, member_add
from tests.tenancy import connection

pytestmark = pytest.mark.django_db
BASE = "/store/test-a/logistics/"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def world(store_a: Store) -> Setup:
    carriers_ensure()
    with schema_context(store_a.schema_name):
        connection.set_tenant(store_a)
        made = setup(store_a)
    connection.set_schema_to_public()
    return made


def _in_a() -> Any:
    return schema_context(Store.objects.get(handle="test-a").schema_name)


def _member_with(store: Store, level: Level, orders: Level = Level.VIEW) -> Client:
    role = RoleFactory.create(store=store, levels={**NO_ACCESS, "logistics": int(level), "orders": int(orders)})
    return client_for(member_add(store, role).user)


def _ship(store: Store, world: Setup, **extra: Any) -> Shipment:
    connection.set_tenant(store)
    try:
        line = world.order.lines.order_by("sku").first()
        assert line is not None
        return shipment_create(actor=None, order=world.order, service=world.platform, warehouse=world.warehouse,
                               units={line.pk: 1}, weight_g=800, dims_mm=(200, 150, 100), **extra)
    finally:
        connection.set_schema_to_public()


def _post_data(world: Setup, **overrides: str) -> dict[str, str]:
    with _in_a():
        lines = list(world.order.lines.order_by("sku"))
    data = {"service": str(world.dhl.pk), "warehouse": str(world.warehouse.pk), "tracking_number": "4829173650",
            "weight_g": "950", "length_cm": "25", "width_cm": "20", "height_cm": "10",
            f"line_{lines[0].pk}": "2", f"line_{lines[1].pk}": "0"}
    data.update(overrides)
    return data


def test_the_order_page_loads_the_panel_which_creates_a_shipment(client_a: Client, world: Setup) -> None:
    order_page = client_a.get(f"/store/test-a/orders/{world.order.number}/").content.decode()
    panel_url = f"{BASE}orders/{world.order.number}/shipments/"
    assert f'hx-get="{panel_url}"' in order_page
    panel = client_a.get(panel_url, headers=HTMX)
    html = panel.content.decode()
    assert panel.status_code == 200 and 'id="shipment-panel"' in html and "<html" not in html
    # Prefilled from the catalog: 3 units of 300 g; the lines' warehouse; the enabled services only.
    assert 'name="weight_g" value="900"' in html
    assert f'<option value="{world.warehouse.pk}" selected' in html
    assert "DHL Express · DHL Express Worldwide" in html and "FedEx" not in html
    refused = client_a.post(f"{panel_url}new/", _post_data(world, tracking_number="12345"), headers=HTMX)
    assert refused.status_code == 200 and "is not a DHL Express tracking number" in refused.content.decode()
    created = client_a.post(f"{panel_url}new/", _post_data(world), headers=HTMX)
    html = created.content.decode()
    assert created.status_code == 200 and "4829173650" in html and "Label pending" in html
    with _in_a():
        order = Order.objects.get(pk=world.order.pk)
        assert order.status == Order.Status.PARTIALLY_SHIPPED
        shipment = Shipment.objects.get(order=order)
        assert (shipment.weight_g, shipment.length_mm, shipment.height_mm) == (950, 250, 100)
        shipped_line = shipment.lines.get().order_line_id
        other_line = order.lines.exclude(pk=shipped_line).get().pk
    # Without htmx: back to the order page.
    again = client_a.post(f"{panel_url}new/", _post_data(world, tracking_number="4829173651",
                                                         **{f"line_{shipped_line}": "0", f"line_{other_line}": "1"}))
    assert again.status_code == 302 and again["Location"].endswith(f"/orders/{world.order.number}/")


def test_print_then_download_the_label_and_the_papers(client_a: Client, world: Setup,
                                                      django_capture_on_commit_callbacks: Any) -> None:
    shipment = _ship(Store.objects.get(handle="test-a"), world)
    assert client_a.get(f"{BASE}shipments/{shipment.pk}/label/").status_code == 404  # not printed yet
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_a.post(f"{BASE}shipments/{shipment.pk}/label/print/", headers=HTMX)
    assert response.status_code == 200 and len(callbacks) == 1
    assert "Printing…" in response.content.decode() and 'hx-trigger="every 2s' in response.content.decode()
    with eager_tasks(), _in_a():  # the worker, sent from inside the store as the request does
        connection.set_tenant(Store.objects.get(handle="test-a"))
        callbacks[0]()
    connection.set_schema_to_public()
    label = client_a.get(f"{BASE}shipments/{shipment.pk}/label/")
    assert label.status_code == 200 and streamed(label).startswith(b"%PDF")
    with _in_a():
        shipment.refresh_from_db()
        assert shipment.label_file.name == label_path(shipment.pk, shipment.tracking_number)
        assert shipment.status == "label_ready"
    # A reprint is the same file: nothing is enqueued.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client_a.post(f"{BASE}shipments/{shipment.pk}/label/print/")
    assert callbacks == []
    for paper in ("invoice.pdf", "packing-slip.pdf"):
        response = client_a.get(f"{BASE}shipments/{shipment.pk}/{paper}")
        assert response.status_code == 200 and response.content.startswith(b"%PDF"), paper


def test_invoices_and_packing_slips_of_the_checked_shipments_in_one_pdf(client_a: Client, world: Setup) -> None:
    from pypdf import PdfReader

    shipment = _ship(Store.objects.get(handle="test-a"), world)
    page = client_a.get(f"{BASE}shipments/").content.decode()
    assert f"{BASE}shipments/papers/invoices/" in page and f"{BASE}shipments/papers/packing-slips/" in page
    for kind in ("invoices", "packing-slips"):
        response = client_a.post(f"{BASE}shipments/papers/{kind}/", {"shipment": [shipment.pk]})
        assert response.status_code == 200 and response["Content-Disposition"].startswith(
            f'attachment; filename="{kind}-'), kind
        assert len(PdfReader(io.BytesIO(response.content)).pages) >= 1
    nothing = client_a.post(f"{BASE}shipments/papers/invoices/", {})
    assert nothing.status_code == 302
    assert "Select between 1 and 50 shipments." in client_a.get(nothing["Location"]).content.decode()
    assert client_a.post(f"{BASE}shipments/papers/invoices/", {"shipment": [999999]}).status_code == 404


def test_the_shipments_list_filters_by_status_and_prints_a_batch(client_a: Client, store_a: Store,
                                                                 world: Setup) -> None:
    shipment = _ship(store_a, world)
    page = client_a.get(f"{BASE}shipments/")
    assert page.status_code == 200 and shipment.tracking_number in page.content.decode()
    fragment = client_a.get(f"{BASE}shipments/", {"status": "delivered"}, headers=HTMX).content.decode()
    assert 'id="shipment-table"' in fragment and shipment.tracking_number not in fragment
    assert shipment.tracking_number in client_a.get(f"{BASE}shipments/", {"status": "label_pending"}).content.decode()
    response = client_a.post(f"{BASE}shipments/labels/", {"shipment": [str(shipment.pk)]})
    assert response.status_code == 302
    job_id = int(re.search(r"/labels/(\d+)/$", response["Location"]).group(1))  # type: ignore[union-attr]
    batch = client_a.get(response["Location"])
    assert batch.status_code == 200 and f'id="job-{job_id}"' in batch.content.decode()
    with _in_a():
        assert Job.objects.get(pk=job_id).params["shipments"] == [shipment.pk]


def test_print_labels_from_the_order_list(client_a: Client, store_a: Store, world: Setup) -> None:
    shipment = _ship(store_a, world)
    listing = client_a.get("/store/test-a/orders/").content.decode()
    assert 'formaction="/store/test-a/logistics/shipments/labels/orders/"' in listing
    response = client_a.post(f"{BASE}shipments/labels/orders/", {"ids": [str(world.order.pk)], "action": "confirm"})
    assert response.status_code == 302 and "/logistics/shipments/labels/" in response["Location"]
    with _in_a():
        assert Job.objects.filter(kind="logistics.labels").get().params["shipments"] == [shipment.pk]
    # Orders without shipments: back to the list with a message, no job.
    none = client_a.post(f"{BASE}shipments/labels/orders/", {"ids": ["999999"]})
    assert none.status_code == 302 and none["Location"].endswith("/orders/")


@pytest.mark.parametrize("level", [Level.NONE, Level.VIEW, Level.EDIT])
def test_permission_levels(store_a: Store, world: Setup, level: Level) -> None:
    shipment = _ship(store_a, world)
    client = _member_with(store_a, level)
    can_view, can_edit = level >= Level.VIEW, level >= Level.EDIT
    for path in (f"orders/{world.order.number}/shipments/", "shipments/", f"shipments/{shipment.pk}/invoice.pdf"):
        assert client.get(f"{BASE}{path}").status_code == (200 if can_view else 403), path
    panel = client.get(f"{BASE}orders/{world.order.number}/shipments/").content.decode()
    if can_view:
        assert ("Print the label" in panel) == can_edit and ("New shipment" in panel) == can_edit
    print_url = f"{BASE}shipments/{shipment.pk}/label/print/"
    assert client.post(print_url).status_code == (302 if can_edit else 403)
    created = client.post(f"{BASE}orders/{world.order.number}/shipments/new/", _post_data(world))
    assert created.status_code == (302 if can_edit else 403)
    assert client.post(f"{BASE}shipments/labels/", {"shipment": [str(shipment.pk)]}).status_code == \
        (302 if can_edit else 403)


def test_another_stores_shipment_is_out_of_reach(client_a: Client, store_b: Store, owner_b: Any) -> None:
    carriers_ensure()
    connection.set_tenant(store_b)
    made = setup(store_b, prefix="BSH")
    connection.set_schema_to_public()
    theirs = _ship(store_b, made)
    with _in_a():
        assert not Shipment.objects.filter(pk=theirs.pk).exists()
    for path in (f"shipments/{theirs.pk}/invoice.pdf", f"shipments/{theirs.pk}/label/",
                 f"orders/{made.order.number}/shipments/"):
        assert client_a.get(f"{BASE}{path}").status_code == 404, path
    assert client_a.post(f"{BASE}shipments/{theirs.pk}/label/print/").status_code == 404
    # Store B's own pages are not store A's owner's to open.
    assert client_a.get("/store/test-b/logistics/shipments/").status_code in (403, 404)
    owner = client_for(owner_b)
    assert owner.get(f"/store/test-b/logistics/shipments/{theirs.pk}/invoice.pdf").status_code == 200
