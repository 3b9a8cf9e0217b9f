"""Returns and refunds: the marketplace's return request and the seller's RMA, authorise or reject, receive back to
stock or written off, refunds in full or in part never beyond what was paid (the database refuses it too), the
refund's history row for the finance module, double submits, the pages, permission levels and another store."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from catalog.models import Stock, StockMovement
from orders.api.payloads import ORDER_PLACED
from orders.models import Order, OrderEvent, Refund, Return
from orders.services import (
    Receipt,
    order_ingest_placed,
    order_mark_shipped,
    order_return_request,
    refund_issue,
    return_decide,
    return_open,
    return_receive,
    returnable_units,
)
from sellercenter.errors import DomainError
from sellercenter.platform_api import canonical_hash
from stores.models import Marketplace, Store
from stores.permissions import NO_ACCESS, Level
from tests.orders.factories import place, placed_payload, stocked, token_for, warehouse
from tests.stores.factories import RoleFactory, activities, client_for, member_add

BASE = "/store/test-a/orders/"


def _shipped(store: Store, actor: Any, lines: list[tuple[str, int]] | None = None, **payload: Any) -> Order:
    """An order of MUG SKUs (12.50 + 1.00 tax a line, 4.99 shipping), shipped in full from warehouse "main"."""
    from catalog.models import Variant

    if not Variant.objects.filter(sku="MUG-1").exists():
        stocked("MUG", units={warehouse("main"): 100}, variants=2)
    order = place(store, lines=lines or [("MUG-1", 2), ("MUG-2", 1)], **payload)
    order_mark_shipped(actor=actor, order=order, carrier="UPS", tracking_number=f"1Z{order.pk:016d}")
    return Order.objects.get(pk=order.pk)


def _on_hand(sku: str) -> int:
    return Stock.objects.get(variant__sku=sku, warehouse__code="main").on_hand


@pytest.mark.django_db
def test_the_marketplace_request_opens_an_rma_of_every_shipped_unit_once(in_store_a: Store, owner_a: Any) -> None:
    order = _shipped(in_store_a, owner_a)
    first = order_return_request(order=order, requested_at=timezone.now(), reason="Arrived broken",
                                 event_id="RET-1", payload_hash="h1")
    again = order_return_request(order=order, requested_at=timezone.now(), reason="Arrived broken",
                                 event_id="RET-1", payload_hash="h1")
    assert first.created and not again.created and again.event.pk == first.event.pk
    rma = Return.objects.get(order=order)
    assert rma.rma_number == f"RMA-{order.number}-1" and rma.opened_by == "marketplace"
    assert (rma.status, rma.comment, rma.source_id) == ("requested", "Arrived broken", "RET-1")
    assert sorted((line.order_line.sku, line.quantity) for line in rma.lines.all()) == [("MUG-1", 2), ("MUG-2", 1)]
    assert Order.objects.get(pk=order.pk).status == "return_requested"
    assert first.event.data["rma"] == rma.rma_number


@pytest.mark.django_db
def test_the_api_answers_a_return_request_and_refuses_an_order_not_shipped(store_a: Store, owner_a: Any,
                                                                         client: Client) -> None:
    with schema_context(store_a.schema_name):
        order = _shipped(store_a, owner_a)
        unshipped = place(store_a, lines=[("MUG-1", 1)])
    token = token_for(store_a)
    url = f"/api/platform/v1/stores/{store_a.handle}/orders/US/{{id}}/return-requested"
    body = json.dumps({"event_id": "RET-9", "requested_at": "2026-03-20T08:00:00Z", "reason": "Too small"})
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post(url.format(id=order.marketplace_order_id), body, content_type="application/json",
                          headers=headers, secure=True)
    assert created.status_code == 201 and created.json()["status"] == "return_requested"
    refused = client.post(url.format(id=unshipped.marketplace_order_id), body, content_type="application/json",
                          headers=headers, secure=True)
    assert refused.status_code == 409
    with schema_context(store_a.schema_name):
        assert Return.objects.filter(order=order).count() == 1
        assert not Return.objects.filter(order=unshipped).exists()


@pytest.mark.django_db
def test_the_seller_opens_a_return_of_some_units_and_never_more_than_shipped(in_store_a: Store,
                                                                           owner_a: Any) -> None:
    order = _shipped(in_store_a, owner_a)
    mug1, mug2 = order.lines.order_by("sku")
    with pytest.raises(DomainError, match="Only units shipped"):
        return_open(actor=owner_a, order=order, units={mug1.pk: 3}, reason="damaged")
    with pytest.raises(DomainError, match="Choose why"):
        return_open(actor=owner_a, order=order, units={mug1.pk: 1}, reason="because")
    rma = return_open(actor=owner_a, order=order, units={mug1.pk: 1}, reason="damaged", comment="Chipped")
    assert [(line.order_line_id, line.quantity) for line in rma.lines.all()] == [(mug1.pk, 1)]
    assert rma.opened_by == "seller" and Return.objects.count() == 1
    # The units of the open return are taken; rejected ones come back.
    assert returnable_units(order) == {mug1.pk: 1, mug2.pk: 1}
    return_decide(actor=owner_a, rma=rma, authorise=False, note="Outside the return window")
    assert returnable_units(order) == {mug1.pk: 2, mug2.pk: 1}
    second = return_open(actor=owner_a, order=Order.objects.get(pk=order.pk), units={mug2.pk: 1},
                         reason="wrong_item")
    assert second.rma_number == f"RMA-{order.number}-2"
    assert len(activities(in_store_a, "order.return_opened")) == 2


@pytest.mark.django_db
def test_reject_needs_a_reason_and_a_second_decision_is_refused(in_store_a: Store, owner_a: Any) -> None:
    order = _shipped(in_store_a, owner_a)
    order_return_request(order=order, requested_at=timezone.now(), event_id="RET-2")
    rma = Return.objects.get(order=order)
    with pytest.raises(DomainError, match="Say why"):
        return_decide(actor=owner_a, rma=rma, authorise=False, note="  ")
    return_decide(actor=owner_a, rma=rma, authorise=True)
    with pytest.raises(DomainError, match="Cannot authorise the return"):
        return_decide(actor=owner_a, rma=rma, authorise=True)
    assert OrderEvent.objects.filter(order=order, kind="return_authorised").count() == 1


@pytest.mark.django_db
def test_received_units_go_back_to_stock_or_are_written_off(in_store_a: Store, owner_a: Any) -> None:
    order = _shipped(in_store_a, owner_a)
    before = {sku: _on_hand(sku) for sku in ("MUG-1", "MUG-2")}
    order_return_request(order=order, requested_at=timezone.now(), event_id="RET-3")
    rma = Return.objects.get(order=order)
    return_decide(actor=owner_a, rma=rma, authorise=True)
    lines = {line.order_line.sku: line for line in rma.lines.select_related("order_line")}
    main = Stock.objects.get(variant__sku="MUG-1", warehouse__code="main").warehouse
    with pytest.raises(DomainError, match="at most 2 units"):
        return_receive(actor=owner_a, rma=rma, receipts={lines["MUG-1"].pk: Receipt(restock=2, write_off=1)},
                       warehouse_id=main.pk)
    with pytest.raises(DomainError, match="Choose a warehouse"):
        return_receive(actor=owner_a, rma=rma, receipts={lines["MUG-1"].pk: Receipt(restock=1)}, warehouse_id=None)
    with pytest.raises(DomainError, match="Enter the units"):
        return_receive(actor=owner_a, rma=rma, receipts={}, warehouse_id=main.pk)
    return_receive(actor=owner_a, rma=rma, warehouse_id=main.pk, receipts={
        lines["MUG-1"].pk: Receipt(restock=1, write_off=1), lines["MUG-2"].pk: Receipt(write_off=1)})
    assert _on_hand("MUG-1") == before["MUG-1"] + 1 and _on_hand("MUG-2") == before["MUG-2"]
    movement = StockMovement.objects.get(reason="returned")
    assert (movement.reference, movement.on_hand_change) == (rma.rma_number, 1)
    rma.refresh_from_db()
    assert rma.status == "received" and Order.objects.get(pk=order.pk).status == "returned"


@pytest.mark.django_db
def test_refunds_in_part_then_in_full_never_beyond_what_was_paid(in_store_a: Store, owner_a: Any) -> None:
    order = _shipped(in_store_a, owner_a)  # 3 x 12.50 + 3 x 1.00 tax... 37.50 + 2.00 + 4.99
    assert order.grand_total == Decimal("44.490")
    with pytest.raises(DomainError, match="Cannot refund it"):
        refund_issue(actor=owner_a, order=order, amount=Decimal("5"), idempotency_key="k0")
    order_return_request(order=order, requested_at=timezone.now(), event_id="RET-4")
    return_decide(actor=owner_a, rma=Return.objects.get(order=order), authorise=True)
    with pytest.raises(DomainError, match="at most 2 decimal places"):
        refund_issue(actor=owner_a, order=order, amount=Decimal("10.005"), idempotency_key="k1")
    with pytest.raises(DomainError, match="At most"):
        refund_issue(actor=owner_a, order=order, amount=Decimal("44.50"), idempotency_key="k1")
    first = refund_issue(actor=owner_a, order=order, amount=Decimal("20.00"), idempotency_key="k1", note="Part")
    repeat = refund_issue(actor=owner_a, order=order, amount=Decimal("20.00"), idempotency_key="k1", note="Part")
    assert first.created and not repeat.created and repeat.refund.pk == first.refund.pk
    with pytest.raises(DomainError, match="already used"):
        refund_issue(actor=owner_a, order=order, amount=Decimal("21.00"), idempotency_key="k1")
    order.refresh_from_db()
    assert (order.status, order.refunded_total, order.refundable) == ("refunded", Decimal("20"), Decimal("24.49"))
    assert Return.objects.get(order=order).status == "refunded"
    refund_issue(actor=owner_a, order=order, amount=Decimal("24.49"), idempotency_key="k2")
    with pytest.raises(DomainError, match=r"At most 0\.00 USD"):
        refund_issue(actor=owner_a, order=order, amount=Decimal("0.01"), idempotency_key="k3")
    order.refresh_from_db()
    assert order.refunded_total == order.grand_total and Refund.objects.filter(order=order).count() == 2
    # The history rows the finance module posts from: one per refund, with its amount and currency.
    posted = [(event.data["refund_id"], Decimal(event.data["amount"]), event.data["currency"])
              for event in OrderEvent.objects.filter(order=order, kind="refunded").order_by("id")]
    assert posted == [(refund.pk, refund.amount, "USD") for refund in Refund.objects.filter(order=order).order_by("id")]
    assert len(activities(in_store_a, "order.refunded")) == 2


@pytest.mark.django_db
def test_the_database_refuses_a_refunded_total_above_the_order_total(in_store_a: Store, owner_a: Any) -> None:
    order = _shipped(in_store_a, owner_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(refunded_total=order.grand_total + Decimal("0.001"))


@pytest.mark.django_db
def test_a_yen_refund_takes_whole_yen_only(in_store_a: Store, owner_a: Any) -> None:
    in_store_a.marketplaces.add(Marketplace.objects.get(code="JP"))
    _shipped(in_store_a, owner_a)  # the SKUs and their stock
    body = placed_payload(site="JP", currency="JPY", shipping="500")
    body["lines"] = [{"sku": "MUG-1", "title": "マグカップ", "quantity": 1, "unit_price": "1980", "tax": "198"}]
    cleaned, errors = ORDER_PLACED.validate(body)
    assert not errors and cleaned is not None
    placed = order_ingest_placed(store=in_store_a, data=cleaned, payload_hash=canonical_hash(cleaned))
    order = Order.objects.get(pk=placed.event.order_id)
    order_mark_shipped(actor=owner_a, order=order, carrier="ヤマト運輸", tracking_number="4000-1234-5678")
    order_return_request(order=order, requested_at=timezone.now(), event_id="RET-5")
    return_decide(actor=owner_a, rma=Return.objects.get(order=order), authorise=True)
    with pytest.raises(DomainError, match="JPY amounts have at most 0 decimal places"):
        refund_issue(actor=owner_a, order=order, amount=Decimal("10.5"), idempotency_key="y1")
    refund_issue(actor=owner_a, order=order, amount=Decimal("10"), idempotency_key="y2")
    assert Order.objects.get(pk=order.pk).refunded_total == Decimal("10")


def _member_with(store: Store, orders: Level) -> Client:
    role = RoleFactory.create(store=store, levels={**NO_ACCESS, "orders": int(orders)})
    return client_for(member_add(store, role).user)


@pytest.mark.django_db
def test_the_order_page_walks_a_return_from_request_to_refund(client_a: Client, store_a: Store,
                                                            owner_a: Any) -> None:
    with schema_context(store_a.schema_name):
        order = _shipped(store_a, owner_a)
        order_return_request(order=order, requested_at=timezone.now(), reason="Too big", event_id="RET-7")
        rma = Return.objects.get(order=order)
        lines = {line.order_line.sku: line.pk for line in rma.lines.select_related("order_line")}
        main = Stock.objects.get(variant__sku="MUG-1", warehouse__code="main").warehouse_id
    page = client_a.get(f"{BASE}{order.number}/").content.decode()
    assert rma.rma_number in page and "Authorise the return" in page and "“Too big”" in page
    url = f"{BASE}{order.number}/returns/{rma.rma_number}/"
    no_reason = client_a.post(url + "decide/", {"decision": "reject", "note": ""})
    assert no_reason.status_code == 200 and "Say why the return is rejected" in no_reason.content.decode()
    assert client_a.post(url + "decide/", {"decision": "authorise"}).status_code == 302
    too_many = client_a.post(url + "receive/", {f"restock_{lines['MUG-1']}": "5", "warehouse": main})
    assert too_many.status_code == 200 and "is-invalid" in too_many.content.decode()
    assert client_a.post(url + "receive/", {f"restock_{lines['MUG-1']}": "2", f"restock_{lines['MUG-2']}": "0",
                                            f"writeoff_{lines['MUG-2']}": "1", "warehouse": main}).status_code == 302
    page = client_a.get(f"{BASE}{order.number}/").content.decode()
    assert "Refund the buyer" in page
    key = page.split('name="key" value="')[1].split('"')[0]
    over = client_a.post(f"{BASE}{order.number}/refund/", {"amount": "99", "key": key})
    assert over.status_code == 200 and "can still be refunded on this order" in over.content.decode()
    done = client_a.post(f"{BASE}{order.number}/refund/", {"amount": "30.00", "key": key, "note": "Kept the box"})
    assert done.status_code == 302
    twice = client_a.post(f"{BASE}{order.number}/refund/", {"amount": "30.00", "key": key, "note": "Kept the box"})
    assert twice.status_code == 302
    assert "already recorded" in client_a.get(twice["Location"]).content.decode()
    with schema_context(store_a.schema_name):
        order.refresh_from_db()
        assert (order.status, order.refunded_total) == ("refunded", Decimal("30"))
        assert Refund.objects.filter(order=order).count() == 1
    listed = client_a.get(f"{BASE}returns/?tab=refunded").content.decode()
    assert rma.rma_number in listed and "30.00" in listed
    assert rma.rma_number not in client_a.get(f"{BASE}returns/?tab=requested").content.decode()
    assert rma.rma_number in client_a.get(f"{BASE}returns/?q={order.number}", headers={"HX-Request": "true"}
                                          ).content.decode()


@pytest.mark.django_db
def test_levels_edit_works_returns_manage_refunds_and_other_stores_are_404(store_a: Store, store_b: Store,
                                                                          owner_a: Any, owner_b: Any) -> None:
    with schema_context(store_a.schema_name):
        order = _shipped(store_a, owner_a)
        order_return_request(order=order, requested_at=timezone.now(), event_id="RET-8")
        rma = Return.objects.get(order=order)
    viewer, editor = _member_with(store_a, Level.VIEW), _member_with(store_a, Level.EDIT)
    url = f"{BASE}{order.number}/returns/{rma.rma_number}/decide/"
    assert viewer.get(f"{BASE}returns/").status_code == 200
    assert viewer.post(url, {"decision": "authorise"}).status_code == 403
    assert editor.post(url, {"decision": "authorise"}).status_code == 302
    refused = editor.post(f"{BASE}{order.number}/refund/", {"amount": "1.00", "key": "e1"})
    assert refused.status_code == 403
    assert "orders “manage” level can refund" in editor.get(f"{BASE}{order.number}/").content.decode()
    with schema_context(store_b.schema_name):
        foreign = _shipped(store_b, owner_b)
        order_return_request(order=foreign, requested_at=timezone.now(), event_id="RET-B")
        foreign_rma = Return.objects.get(order=foreign)
    owner = client_for(owner_a)
    assert owner.post(f"{BASE}{foreign.number}/returns/{foreign_rma.rma_number}/decide/",
                      {"decision": "authorise"}).status_code == 404
    assert owner.post(f"{BASE}{foreign.number}/refund/", {"amount": "1", "key": "x"}).status_code == 404
    assert foreign_rma.rma_number not in owner.get(f"{BASE}returns/").content.decode()
    with schema_context(store_a.schema_name):
        assert not Refund.objects.exists()

