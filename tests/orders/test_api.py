"""The platform ingest API: token scoping, malformed, duplicated and conflicting payloads, and each event."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from catalog.models import Stock, StockMovement
from orders.models import Order, OrderEvent
from orders.services import order_mark_shipped
from stores.models import PlatformToken, Store
from stores.platform_tokens import platform_token_revoke
from tests.orders.factories import placed_payload, stocked, token_for, warehouse

pytestmark = pytest.mark.django_db

API = "/api/platform/v1"


def _post(client: Client, path: str, body: Any, token: str | None, **headers: str) -> Any:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(API + path, data=data, content_type="application/json", headers=headers)


@pytest.fixture
def client() -> Client:
    # CSRF is enforced as for a browser: the API must not need it.
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def token_a(store_a: Store) -> str:
    return token_for(store_a)


@pytest.fixture
def mug(store_a: Store) -> Any:
    """SKU MUG-1 with 5 units in store A."""
    with schema_context(store_a.schema_name):
        (variant,) = stocked("MUG", units={warehouse("sz1"): 5})
    return variant


def _store_state(store: Store) -> tuple[int, int, int, list[tuple[int, int]]]:
    with schema_context(store.schema_name):
        return (Order.objects.count(), OrderEvent.objects.count(), StockMovement.objects.count(),
                list(Stock.objects.values_list("on_hand", "reserved")))


# --- Tokens and stores ---------------------------------------------------------------------------------------

def test_an_order_is_recorded_with_the_stores_token(client: Client, store_a: Store, token_a: str, mug: Any) -> None:
    response = _post(client, "/stores/test-a/orders", placed_payload(lines=[("MUG-1", 2)], order_id="A-1"),
                     token_a)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "unshipped" and body["event"] == "placed" and body["event_id"] == "A-1"
    assert (body["needs_attention"], body["rejected"], body["short_skus"]) == (None, False, [])
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    with schema_context(store_a.schema_name):
        assert Order.objects.get().number == body["order_number"]
        assert Stock.objects.get().reserved == 2


def test_missing_malformed_unknown_and_revoked_tokens_answer_401(client: Client, store_a: Store, token_a: str,
                                                                 mug: Any) -> None:
    body = placed_payload(lines=[("MUG-1", 1)])
    for token, headers in ((None, {}), (None, {"Authorization": "Basic dXNlcjpwYXNz"}),
                           ("scpt_not-a-real-token", {}), (token_a.upper(), {})):
        response = _post(client, "/stores/test-a/orders", body, token, **headers)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["error"] == "unauthorized"

    platform_token_revoke(tokens=PlatformToken.objects.filter(store=store_a))
    assert _post(client, "/stores/test-a/orders", body, token_a).status_code == 401
    assert _store_state(store_a)[0] == 0


def test_a_token_never_reaches_another_store(client: Client, store_a: Store, store_b: Store, token_a: str,
                                             mug: Any) -> None:
    token_b = token_for(store_b)
    # Store A has an order; store B's token can neither add one to A nor touch A's order.
    assert _post(client, "/stores/test-a/orders", placed_payload(lines=[("MUG-1", 1)], order_id="A-1"),
                 token_a).status_code == 201
    before = _store_state(store_a)

    foreign = _post(client, "/stores/test-a/orders", placed_payload(lines=[("MUG-1", 1)], order_id="B-1"), token_b)
    unknown = _post(client, "/stores/no-such-store/orders", placed_payload(lines=[("MUG-1", 1)]), token_b)
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.content == unknown.content
    for event in ("payment-confirmed", "cancellation-requested", "delivery-confirmed", "return-requested"):
        body = {"event_id": "X-1", "paid_at": "2026-03-11T10:00:00Z"}
        assert _post(client, f"/stores/test-a/orders/US/A-1/{event}", body, token_b).status_code == 404
        # Under its own store, B's token finds no such order: A's order lives in A's schema only.
        own = _post(client, f"/stores/test-b/orders/US/A-1/{event}", body, token_b)
        assert own.status_code == 404 and own.json()["message"] == "No such order."
    assert _store_state(store_a) == before
    assert _store_state(store_b)[:3] == (0, 0, 0)


def test_the_platform_admin_creates_a_token_shown_once_and_stored_hashed(store_a: Store) -> None:
    from tests.stores.factories import UserFactory, client_for

    staff = client_for(UserFactory.create(email="staff@platform.example", is_staff=True, is_superuser=True))
    response = staff.post("/admin/stores/platformtoken/add/", {"name": "Feed", "store": store_a.pk})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = response.context["secret"]
    assert secret.startswith("scpt_") and secret.encode() in response.content
    token = PlatformToken.objects.get()
    assert (token.store, token.name, token.prefix) == (store_a, "Feed", secret[:11])
    import hashlib

    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(PlatformToken.objects.values().get())
    listing = staff.get("/admin/stores/platformtoken/")
    detail = staff.get(f"/admin/stores/platformtoken/{token.pk}/change/")
    assert listing.status_code == detail.status_code == 200
    assert secret.encode() not in listing.content + detail.content

    staff.post("/admin/stores/platformtoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.is_revoked
    client = Client()
    assert _post(client, "/stores/test-a/orders", placed_payload(), secret).status_code == 401


def test_the_token_is_never_logged(client: Client, token_a: str, mug: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        _post(client, "/stores/test-a/orders", placed_payload(lines=[("MUG-1", 1)]), token_a)
        _post(client, "/stores/test-a/orders", {"nonsense": True}, token_a)
    assert caplog.records
    assert not any(token_a in record.getMessage() or token_a in str(record.__dict__) for record in caplog.records)


def test_a_suspended_store_takes_no_new_orders(client: Client, store_a: Store, token_a: str, mug: Any) -> None:
    Store.objects.filter(pk=store_a.pk).update(status=Store.Status.SUSPENDED)
    response = _post(client, "/stores/test-a/orders", placed_payload(lines=[("MUG-1", 1)]), token_a)
    assert (response.status_code, response.json()["error"]) == (403, "store_suspended")


def test_only_post_is_accepted(client: Client, token_a: str) -> None:
    response = client.get(API + "/stores/test-a/orders", headers={"Authorization": f"Bearer {token_a}"})
    assert response.status_code == 405 and response["Allow"] == "POST"


# --- Malformed payloads ----------------------------------------------------------------------------------------

def test_a_malformed_order_answers_400_with_every_field_error_and_stores_nothing(
    client: Client, store_a: Store, token_a: str, mug: Any
) -> None:
    body = placed_payload(lines=[("MUG-1", 1), ("MUG-2", 1)], placed_at="2026-03-11 09:30", currency="usd",
                          channel="drone", shipping=4.99, coupon="SAVE10")
    body["buyer"] = {"name": "", "email": "not-an-email"}
    del body["shipping_address"]["city"]
    body["shipping_address"]["country"] = "XX"
    body["lines"][0]["quantity"] = 0
    body["lines"][1]["quantity"] = "2"
    body["lines"][1]["unit_price"] = 12.5
    before = _store_state(store_a)

    response = _post(client, "/stores/test-a/orders", body, token_a)

    assert response.status_code == 400
    answer = response.json()
    assert answer["error"] == "invalid"
    assert set(answer["fields"]) == {
        "placed_at", "currency", "channel", "shipping", "coupon", "buyer.name", "buyer.email",
        "shipping_address.city", "shipping_address.country", "lines[0].quantity", "lines[1].quantity",
        "lines[1].unit_price",
    }
    assert answer["fields"]["shipping_address.city"] == ["This field is required."]
    assert answer["fields"]["coupon"] == ["Unknown field."]
    assert "UTC offset" in answer["fields"]["placed_at"][0]
    assert _store_state(store_a) == before


def test_rules_across_fields_and_the_stores_sites(client: Client, store_a: Store, token_a: str, mug: Any) -> None:
    yen = placed_payload(currency="JPY", site="JP", shipping="500.5")
    yen["lines"][0].update(unit_price="1250", tax="125.0")  # JPY has no minor unit; "125.0" is still whole
    cases = [
        (placed_payload(lines=[("MUG-1", 1), ("MUG-1", 2)]), "lines[1].sku"),
        (placed_payload(ship_by="2026-03-01T00:00:00Z"), "ship_by"),
        (yen, "shipping"),
        (placed_payload(discount="1000.00"), "discount"),
        (placed_payload(site="SG", currency="SGD"), "marketplace"),
        (placed_payload(site="UK", currency="USD"), "currency"),
    ]
    for body, field in cases:
        response = _post(client, "/stores/test-a/orders", body, token_a)
        assert response.status_code == 400, (field, response.content)
        assert list(response.json()["fields"]) == [field]
    # The store's own rules come back with the payload's, all at once.
    both = _post(client, "/stores/test-a/orders", placed_payload(site="SG", currency="SGD", placed_at="yesterday"),
                 token_a)
    assert set(both.json()["fields"]) == {"marketplace", "placed_at"}
    assert _store_state(store_a)[0] == 0


def test_a_body_that_is_not_json_answers_400(client: Client, token_a: str) -> None:
    for raw in ("{not json", "[1, 2]", b"\xff\xfe"):
        response = _post(client, "/stores/test-a/orders", raw, token_a)
        assert response.status_code == 400


# --- Duplicated and conflicting payloads ------------------------------------------------------------------------

def test_the_same_order_again_answers_200_with_the_same_body(client: Client, store_a: Store, token_a: str,
                                                             mug: Any) -> None:
    body = placed_payload(lines=[("MUG-1", 2)], order_id="A-1")
    first = _post(client, "/stores/test-a/orders", body, token_a)
    again = _post(client, "/stores/test-a/orders", body, token_a)
    # The same content written differently (key order, "12.5" for "12.50", another UTC offset) is the same order.
    rewritten = {**dict(reversed(list(body.items()))), "placed_at": "2026-03-11T17:30:00+08:00"}
    rewritten["lines"] = [{**body["lines"][0], "unit_price": "12.5"}]
    third = _post(client, "/stores/test-a/orders", rewritten, token_a)

    assert (first.status_code, again.status_code, third.status_code) == (201, 200, 200)
    assert first.json() == again.json() == third.json()
    with schema_context(store_a.schema_name):
        assert Order.objects.count() == 1
        assert Stock.objects.get().reserved == 2


def test_the_same_order_id_with_other_content_answers_409(client: Client, store_a: Store, token_a: str,
                                                          mug: Any) -> None:
    assert _post(client, "/stores/test-a/orders", placed_payload(lines=[("MUG-1", 2)], order_id="A-1"),
                 token_a).status_code == 201
    before = _store_state(store_a)
    response = _post(client, "/stores/test-a/orders", placed_payload(lines=[("MUG-1", 3)], order_id="A-1"), token_a)
    assert (response.status_code, response.json()["error"]) == (409, "conflict")
    assert _store_state(store_a) == before
    # The same id on another site is another order.
    other = placed_payload(lines=[("MUG-1", 1)], order_id="A-1", site="UK", currency="GBP")
    assert _post(client, "/stores/test-a/orders", other, token_a).status_code == 201


def test_order_events_are_idempotent_and_follow_the_state_machine(client: Client, store_a: Store, token_a: str,
                                                                  mug: Any, owner_a: Any) -> None:
    assert _post(client, "/stores/test-a/orders", placed_payload(lines=[("MUG-1", 1)], order_id="A-1", paid=False),
                 token_a).status_code == 201
    path = "/stores/test-a/orders/US/A-1"
    pay = {"event_id": "PAY-1", "paid_at": "2026-03-11T10:00:00Z"}

    first = _post(client, f"{path}/payment-confirmed", pay, token_a)
    again = _post(client, f"{path}/payment-confirmed", pay, token_a)
    changed = _post(client, f"{path}/payment-confirmed", {**pay, "paid_at": "2026-03-11T11:00:00Z"}, token_a)
    second = _post(client, f"{path}/payment-confirmed", {**pay, "event_id": "PAY-2"}, token_a)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json() and first.json()["status"] == "unshipped"
    assert (changed.status_code, changed.json()["error"]) == (409, "conflict")
    assert (second.status_code, second.json()["error"]) == (409, "invalid_transition")
    assert "already confirmed" in second.json()["message"]

    early = _post(client, f"{path}/delivery-confirmed", {"event_id": "D-1", "delivered_at": "2026-03-12T10:00:00Z"},
                  token_a)
    assert (early.status_code, early.json()["error"]) == (409, "invalid_transition")
    assert early.json()["message"].startswith("Cannot confirm its delivery")

    with schema_context(store_a.schema_name):
        order_mark_shipped(actor=owner_a, order=Order.objects.get(), tracking_number="1Z", carrier="UPS")
    delivered = _post(client, f"{path}/delivery-confirmed",
                      {"event_id": "D-1", "delivered_at": "2026-03-12T10:00:00Z"}, token_a)
    returned = _post(client, f"{path}/return-requested",
                     {"event_id": "R-1", "requested_at": "2026-03-13T10:00:00Z", "reason": "Too small"}, token_a)
    assert (delivered.json()["status"], returned.json()["status"]) == ("delivered", "return_requested")
    assert _post(client, "/stores/test-a/orders/US/NOPE-1/payment-confirmed", pay, token_a).status_code == 404
    assert _post(client, "/stores/test-a/orders/DE/A-1/payment-confirmed", pay, token_a).status_code == 404


def test_a_cancellation_request_through_the_api(client: Client, store_a: Store, token_a: str, mug: Any) -> None:
    _post(client, "/stores/test-a/orders", placed_payload(lines=[("MUG-1", 1)], order_id="A-1"), token_a)
    malformed = _post(client, "/stores/test-a/orders/US/A-1/cancellation-requested",
                      {"event_id": "has spaces", "reason": 7}, token_a)
    assert malformed.status_code == 400
    assert set(malformed.json()["fields"]) == {"event_id", "requested_at", "reason"}
    response = _post(client, "/stores/test-a/orders/US/A-1/cancellation-requested",
                     {"event_id": "CXL-1", "requested_at": "2026-03-11T11:00:00Z", "reason": "Mistake"}, token_a)
    assert (response.status_code, response.json()["status"]) == (201, "cancel_requested")
    with schema_context(store_a.schema_name):
        assert Order.objects.get().events.latest("id").note == "Mistake"


def test_the_reject_setting_answers_with_a_cancelled_order(client: Client, store_a: Store, token_a: str,
                                                           mug: Any) -> None:
    Store.objects.filter(pk=store_a.pk).update(orders_without_stock=Store.WithoutStock.REJECT)
    response = _post(client, "/stores/test-a/orders", placed_payload(lines=[("MUG-1", 6)], order_id="A-1"), token_a)
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["rejected"], response.json()["short_skus"]) == (
        "cancelled", True, ["MUG-1"])
    assert _post(client, "/stores/test-a/orders", placed_payload(lines=[("MUG-1", 6)], order_id="A-1"),
                 token_a).json() == response.json()


def test_the_api_passes_only_the_middleware_it_needs(client: Client, token_a: str, mug: Any) -> None:
    """Security headers and the caller's language, as for every page; no session, CSRF or sign-in."""
    response = _post(client, "/stores/test-a/orders", {"nonsense": True}, token_a, **{"Accept-Language": "zh-hans"})
    assert response.status_code == 400
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Language"] == "zh-hans"
    assert response.json()["message"] != "The payload has errors; nothing was stored."
    assert not response.cookies and "Cookie" not in response.get("Vary", "")
    created = _post(client, "/stores/test-a/orders", placed_payload(lines=[("MUG-1", 1)]), token_a)
    assert created.status_code == 201 and not created.cookies
