"""The OpenAPI document is the platform API's contract: every route is in it, its examples are valid payloads that
the live API accepts, and the answers match the schemas it describes."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import schema_context

from catalog.models import Variant
from orders.api.payloads import RESULT
from orders.api.urls import OPERATIONS
from orders.models import Order
from orders.services import order_mark_shipped
from stores.models import Store
from tests.orders.factories import stocked, token_for, warehouse

pytestmark = pytest.mark.django_db

BASE = "/api/platform/v1"


@pytest.fixture
def document() -> dict[str, Any]:
    response = Client().get(BASE + "/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def _api_routes() -> list[tuple[str, Any]]:
    """(path in OpenAPI syntax, view) of every URL under /api/platform/v1/ in the public URLconf."""
    found = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                found.append((prefix + str(entry.pattern), entry.callback))

    walk(get_resolver(settings.ROOT_URLCONF).url_patterns, "/")
    return [("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route[len(BASE) + 1:]), view)
            for route, view in found if route.startswith(BASE + "/")]


def _schema(document: dict[str, Any], ref: str) -> dict[str, Any]:
    assert ref.startswith("#/components/schemas/")
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_every_route_is_in_the_document(document: dict[str, Any]) -> None:
    routes = _api_routes()
    assert len(routes) == len(OPERATIONS) == 6
    for route, view in routes:
        operation = next(op for op in OPERATIONS if op.view is view)
        assert route in document["paths"], route
        assert list(document["paths"][route]) == [operation.method.lower()]
    assert len(document["paths"]) == len(routes)
    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": BASE}]


def test_every_reference_resolves_and_every_path_parameter_is_declared(document: dict[str, Any]) -> None:
    text = json.dumps(document)
    for ref in set(re.findall(r'"\$ref": "([^"]+)"', text)):
        assert _schema(document, ref)
    for route, methods in document["paths"].items():
        for operation in methods.values():
            declared = {parameter["name"] for parameter in operation.get("parameters", [])}
            assert declared == set(re.findall(r"{(\w+)}", route)), route
            assert operation["responses"]


def test_the_examples_validate_with_the_payloads_the_api_uses(document: dict[str, Any]) -> None:
    with_bodies = [op for op in OPERATIONS if op.payload is not None]
    assert len(with_bodies) == 5
    for operation in with_bodies:
        assert operation.payload is not None
        entry = document["paths"][operation.openapi_path][operation.method.lower()]
        content = entry["requestBody"]["content"]["application/json"]
        assert _schema(document, content["schema"]["$ref"]) == operation.payload.schema()
        cleaned, errors = operation.payload.validate(content["example"])
        assert errors == {}, (operation.name, errors)
        assert cleaned is not None


def _fill(route: str, **values: str) -> str:
    return BASE + re.sub(r"{(\w+)}", lambda match: values[match[1]], route)


def test_the_live_api_accepts_the_examples_and_answers_as_documented(document: dict[str, Any],
                                                                     store_a: Store, owner_a: Any) -> None:
    """Post each example in the document, in the order a marketplace would, to store A; every answer is 201 and
    matches the result schema."""
    with schema_context(store_a.schema_name):
        (variant,) = stocked("DEMO-MUG", units={warehouse("sz1"): 10})
        Variant.objects.filter(pk=variant.pk).update(sku="DEMO-MUG-BLUE")  # the SKU the examples name
    token = token_for(store_a)
    client = Client()
    examples = {op.name: document["paths"][op.openapi_path]["post"]["requestBody"]["content"]["application/json"]
                ["example"] for op in OPERATIONS if op.payload is not None}
    placed = examples["order-placed"]
    # Two orders from the example: one paid (it goes on to ship, be delivered and come back), one not yet paid.
    unpaid = {key: value for key, value in placed.items() if key != "paid_at"}
    unpaid["marketplace_order_id"] = "111-9999999-0000001"

    def post(name: str, body: dict[str, Any], order_id: str = "") -> dict[str, Any]:
        operation = next(op for op in OPERATIONS if op.name == name)
        url = _fill(operation.openapi_path, store="test-a", site=placed["marketplace"], order_id=order_id)
        response = client.post(url, data=json.dumps(body), content_type="application/json",
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 201, (name, response.content)
        assert str(response.status_code) in document["paths"][operation.openapi_path]["post"]["responses"]
        answer = response.json()
        assert RESULT.validate(answer)[1] == {}, answer
        assert set(answer) == set(RESULT.schema()["properties"])
        return answer

    assert post("order-placed", placed)["status"] == "unshipped"
    assert post("order-placed", unpaid)["status"] == "pending_payment"
    assert post("payment-confirmed", examples["payment-confirmed"], unpaid["marketplace_order_id"])["status"] == (
        "unshipped")
    assert post("cancellation-requested", examples["cancellation-requested"],
                unpaid["marketplace_order_id"])["status"] == "cancel_requested"
    with schema_context(store_a.schema_name):
        order_mark_shipped(actor=owner_a, order=Order.objects.get(marketplace_order_id=placed["marketplace_order_id"]),
                           tracking_number="1Z999", carrier="UPS")
    order_id = placed["marketplace_order_id"]
    assert post("delivery-confirmed", examples["delivery-confirmed"], order_id)["status"] == "delivered"
    assert post("return-requested", examples["return-requested"], order_id)["status"] == "return_requested"
