"""Order pages: the list (page and fragment, tabs with capped counts, filters, search, keyset pages, bounded
queries, buyers masked by level), one order (lines, address, money, history, notes), the seller's steps, bulk
actions, the CSV export, permission levels and another store's orders."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from orders.models import Order, OrderEvent, OrderNote
from orders.services import order_cancel_request
from stores.models import Store
from stores.permissions import NO_ACCESS, Level
from tests.orders.factories import place, stocked, warehouse
from tests.stores.factories import RoleFactory, activities, client_for, member_add

pytestmark = pytest.mark.django_db

BASE = "/store/test-a/orders/"
HTMX = {"HX-Request": "true"}


def _member_with(store: Store, orders: Level) -> Client:
    role = RoleFactory.create(store=store, levels={**NO_ACCESS, "orders": int(orders), "catalog": int(orders)})
    return client_for(member_add(store, role).user)


def _numbers(response: Any) -> list[str]:
    """The order numbers of the list's rows, in order."""
    return re.findall(r'<a class="fw-semibold text-nowrap" href="[^"]+">([A-Z]{2}-\d{6}-\d+)</a>',
                      response.content.decode())


def _orders(store: Store, *specs: dict[str, Any]) -> list[Order]:
    """Orders placed in ``store`` through the ingest service: MUG-1 (stocked) unless other lines are given, to be
    shipped within three days unless another ship-by is given."""
    ship_by = (timezone.now() + dt.timedelta(days=3)).isoformat()
    with schema_context(store.schema_name):
        if not stocked_skus(store):
            where = warehouse("main")
            stocked("MUG", units={where: 1000}, variants=3)
        return [place(store, **{"lines": [("MUG-1", 1)], "ship_by": ship_by, **spec}) for spec in specs]


def stocked_skus(store: Store) -> bool:
    from catalog.models import Variant

    return Variant.objects.filter(sku="MUG-1").exists()


def _placed(day: int, hour: int = 9) -> str:
    return dt.datetime(2026, 3, day, hour, 30, tzinfo=dt.UTC).isoformat()


def test_the_list_renders_as_a_page_and_as_an_htmx_fragment(client_a: Client, store_a: Store) -> None:
    first, second = _orders(store_a, {"lines": [("MUG-1", 2), ("MUG-2", 1)], "placed_at": _placed(10)},
                            {"site": "UK", "currency": "GBP", "placed_at": _placed(11), "lines": [("MUG-3", 1)]})
    page = client_a.get(BASE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html and 'id="order-table"' in html and 'id="order-bulk"' in html
    assert _numbers(page) == [second.number, first.number]  # newest first
    assert "MUG-1</span> × 2" in html and "$44.49" in html  # 3 x 12.50 + 2 x 1.00 tax + 4.99 shipping
    assert "Jane Doe" in html and "jane@buyers.example" in html  # the owner has orders:manage
    assert 'href="/store/test-a/orders/"' in html  # the Orders section of the navigation

    fragment = client_a.get(BASE, headers=HTMX)
    body = fragment.content.decode()
    assert "<html" not in body and body.lstrip().startswith('<div id="order-table"')
    assert _numbers(fragment) == [second.number, first.number]


def test_tabs_count_per_status_and_filter_the_list(client_a: Client, store_a: Store) -> None:
    unpaid, to_ship, asked = _orders(store_a, {"paid": False}, {}, {})
    with schema_context(store_a.schema_name):
        order_cancel_request(order=asked, requested_at=timezone.now(), event_id="CXL-1")
    html = client_a.get(BASE).content.decode()
    assert re.search(r'All <span class="badge[^"]*">3</span>', html)
    assert re.search(r'To ship <span class="badge[^"]*">1</span>', html)
    assert re.search(r'Cancellation requested <span class="badge[^"]*">1</span>', html)
    assert re.search(r'Pending payment <span class="badge[^"]*">1</span>', html)
    assert "3 orders" in html

    assert _numbers(client_a.get(BASE, {"tab": "to_ship"})) == [to_ship.number]
    assert _numbers(client_a.get(BASE, {"tab": "cancel_requested"})) == [asked.number]
    assert _numbers(client_a.get(BASE, {"status": "pending_payment"})) == [unpaid.number]


def test_counts_stop_at_the_cap(client_a: Client, store_a: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from orders import selectors

    _orders(store_a, {}, {}, {})
    monkeypatch.setattr(selectors.order_counts, "__kwdefaults__", {"cap": 2})
    html = client_a.get(BASE).content.decode()
    assert "More than 2 orders" in html
    assert re.search(r'All <span class="badge[^"]*">2\+</span>', html)


def test_filters_by_site_channel_country_sku_dates_overdue_and_attention(client_a: Client, store_a: Store) -> None:
    now = timezone.now()
    us, jp, platform, de, late, unknown = _orders(
        store_a,
        {"placed_at": _placed(1), "lines": [("MUG-1", 1)]},
        {"site": "UK", "currency": "GBP", "placed_at": _placed(2), "lines": [("MUG-2", 1)]},
        {"placed_at": _placed(3), "channel": "platform"},
        {"placed_at": _placed(4), "shipping_address": {"name": "Max Muster", "line1": "Hauptstr. 1",
                                                       "city": "Berlin", "postal_code": "10115", "country": "DE"}},
        {"placed_at": _placed(5), "ship_by": (now - dt.timedelta(days=1)).isoformat()},
        {"placed_at": _placed(6), "lines": [("NOT-IN-CATALOG", 1)]},
    )
    assert _numbers(client_a.get(BASE, {"site": "UK"})) == [jp.number]
    assert _numbers(client_a.get(BASE, {"channel": "platform"})) == [platform.number]
    assert _numbers(client_a.get(BASE, {"country": "DE"})) == [de.number]
    assert _numbers(client_a.get(BASE, {"sku": "MUG-2"})) == [jp.number]
    attention = _numbers(client_a.get(BASE, {"attention": "on"}))
    assert unknown.number in attention and us.number not in attention
    overdue = _numbers(client_a.get(BASE, {"overdue": "on"}))
    assert late.number in overdue and unknown.number not in overdue
    # Whole days in the store's time zone (Asia/Shanghai): 9:30 UTC on the 2nd is 17:30 there.
    assert _numbers(client_a.get(BASE, {"placed_from": "2026-03-02", "placed_to": "2026-03-03"})) == [
        platform.number, jp.number]
    assert len(_numbers(client_a.get(BASE, {"site": "SG"}))) == 6  # a site the store is not on is ignored
    assert us.number in _numbers(client_a.get(BASE))


def test_search_by_number_buyer_email_and_tracking(client_a: Client, store_a: Store) -> None:
    wang, smith = _orders(store_a, {"buyer": {"name": "Wang Fang", "email": "wang.fang@example.cn"}},
                          {"buyer": {"name": "John Smith", "email": "john@example.com"}})
    client_a.post(f"{BASE}{smith.number}/ship/", {"carrier": "UPS", "tracking_number": "1Z999AA10123456784",
                                                   f"line_{_line_ids(store_a, smith)[0]}": "1"})
    assert _numbers(client_a.get(BASE, {"q": wang.number.lower()})) == [wang.number]
    assert _numbers(client_a.get(BASE, {"q": "fang"})) == [wang.number]
    assert _numbers(client_a.get(BASE, {"q": "JOHN@example.com"})) == [smith.number]
    assert _numbers(client_a.get(BASE, {"q": "1Z999AA10123456784"})) == [smith.number]
    assert "No order matches these filters." in client_a.get(BASE, {"q": "nobody"}).content.decode()


def _line_ids(store: Store, order: Order) -> list[int]:
    with schema_context(store.schema_name):
        return list(order.lines.order_by("id").values_list("id", flat=True))


def test_keyset_pages_walk_every_order_once_in_bounded_queries(client_a: Client, store_a: Store) -> None:
    orders = _orders(store_a, *({"placed_at": _placed(1 + index // 24, index % 24)} for index in range(53)))
    first = client_a.get(BASE)
    assert len(_numbers(first)) == 50
    match = re.search(r'cursor=([^&"]+)&amp;dir=next', first.content.decode())
    assert match is not None
    cursor = match.group(1)
    second = client_a.get(BASE, {"cursor": cursor, "dir": "next"})
    last = client_a.get(BASE, {"dir": "last"})
    expected = [order.number for order in sorted(orders, key=lambda o: (o.placed_at, o.pk), reverse=True)]
    assert _numbers(first) + _numbers(second) == expected
    assert _numbers(last) == expected[-50:]

    with CaptureQueriesContext(connection) as few:
        client_a.get(BASE, {"tab": "to_ship", "q": "Jane"})
    _orders(store_a, *({"lines": [("MUG-1", 1), ("MUG-2", 1), ("MUG-3", 2)]} for _ in range(5)))
    with CaptureQueriesContext(connection) as more:
        client_a.get(BASE, {"tab": "to_ship", "q": "Jane"})
    assert len(more) == len(few) <= 15


def test_buyers_are_masked_in_the_list_without_orders_manage(store_a: Store) -> None:
    (order,) = _orders(store_a, {"buyer": {"name": "Wang Fang", "email": "wang.fang@example.cn",
                                           "phone": "+86 138 0000 0000"}})
    editor = _member_with(store_a, Level.EDIT)
    html = editor.get(BASE).content.decode()
    assert "Wang ***" in html and "w***@example.cn" in html
    assert "Wang Fang" not in html and "wang.fang@" not in html
    detail = editor.get(f"{BASE}{order.number}/").content.decode()  # in full on the order page
    assert "Wang Fang" in detail and "wang.fang@example.cn" in detail and "410 Terry Ave N" in detail


def test_the_order_page_shows_lines_money_address_history_and_overdue(client_a: Client, store_a: Store) -> None:
    (order,) = _orders(store_a, {"lines": [("MUG-1", 2), ("GONE-1", 1)],
                                 "ship_by": (timezone.now() - dt.timedelta(hours=1)).isoformat()})
    html = client_a.get(f"{BASE}{order.number}/").content.decode()
    with schema_context(store_a.schema_name):
        from catalog.models import Variant

        product_id = Variant.objects.get(sku="MUG-1").product_id
    assert f'href="/store/test-a/catalog/products/{product_id}/">MUG-1</a>' in html
    assert "GONE-1 <span" in html and "not in the catalog" in html
    assert "$44.49" in html  # 3 x 12.50 + 2 x 1.00 tax + 4.99 shipping
    assert "Seattle, WA 98109" in html and "United States" in html
    assert "Order placed" in html and "Overdue" in html
    assert "Confirm the order" in html and "Mark shipped" in html


def test_an_address_is_written_as_its_country_writes_it() -> None:
    from orders.buyer_data import address_lines

    japan = Order(ship_name="山田太郎", ship_line1="千代田1-1", ship_city="千代田区", ship_region="東京都",
                  ship_postal_code="100-0001", ship_country="JP")
    germany = Order(ship_name="Max Muster", ship_line1="Hauptstr. 1", ship_city="Berlin", ship_postal_code="10115",
                    ship_country="DE")
    assert address_lines(japan) == ["〒100-0001", "Japan", "東京都 千代田区", "千代田1-1", "山田太郎"]
    assert address_lines(germany) == ["Max Muster", "Hauptstr. 1", "10115 Berlin", "Germany"]


def test_unknown_and_foreign_order_numbers_are_404(client_a: Client, store_a: Store, store_b: Store) -> None:
    with schema_context(store_b.schema_name):
        foreign = place(store_b, lines=[("X-1", 1)])
    assert client_a.get(f"{BASE}{foreign.number}/").status_code == 404
    assert client_a.get(f"{BASE}US-000000-000000/").status_code == 404
    assert client_a.post(f"{BASE}{foreign.number}/confirm/").status_code == 404


def test_view_can_read_but_not_act_and_no_access_gets_403(store_a: Store, no_access_a: Any) -> None:
    (order,) = _orders(store_a, {})
    viewer = _member_with(store_a, Level.VIEW)
    html = viewer.get(f"{BASE}{order.number}/").content.decode()
    assert "Confirm the order" not in html and 'name="ids"' not in viewer.get(BASE).content.decode()
    refused = viewer.post(f"{BASE}{order.number}/confirm/")
    assert refused.status_code == 403 and b"Orders" in refused.content
    assert viewer.post(f"{BASE}bulk/", {"action": "confirm", "ids": [order.pk]}).status_code == 403
    nobody = client_for(no_access_a)
    for url in (BASE, f"{BASE}{order.number}/", f"{BASE}export.csv"):
        response = nobody.get(url)
        assert response.status_code == 403 and b"Orders" in response.content
    with schema_context(store_a.schema_name):
        assert Order.objects.get(pk=order.pk).confirmed_at is None


def test_confirm_once_then_the_second_is_refused_on_the_page(store_a: Store) -> None:
    (order,) = _orders(store_a, {})
    editor = _member_with(store_a, Level.EDIT)
    url = f"{BASE}{order.number}/confirm/"
    done = editor.post(url)
    assert done.status_code == 302 and done["Location"] == f"{BASE}{order.number}/"
    assert f"Order {order.number} is confirmed." in editor.get(done["Location"]).content.decode()
    again = editor.post(url)  # a double submit
    assert again.status_code == 200 and "is already confirmed" in again.content.decode()
    with schema_context(store_a.schema_name):
        assert OrderEvent.objects.filter(order=order, kind="confirmed").count() == 1
    assert len(activities(store_a, "order.confirmed")) == 1


def test_cancel_needs_a_reason_and_an_illegal_step_changes_nothing(client_a: Client, store_a: Store) -> None:
    (order,) = _orders(store_a, {})
    url = f"{BASE}{order.number}/cancel/"
    missing = client_a.post(url, {"reason": "", "note": ""})
    assert missing.status_code == 200 and "This field is required." in missing.content.decode()
    assert client_a.post(url, {"reason": "no_stock", "note": "Supplier late"}).status_code == 302
    with schema_context(store_a.schema_name):
        order.refresh_from_db()
        assert (order.status, order.cancel_reason) == ("cancelled", "no_stock")
        assert OrderEvent.objects.get(order=order, kind="cancelled").note == "Supplier late"
    again = client_a.post(url, {"reason": "other"})
    assert again.status_code == 200 and "Cannot cancel it: order" in again.content.decode()
    shipped = client_a.post(f"{BASE}{order.number}/ship/", {"carrier": "UPS", "tracking_number": "1Z"})
    assert shipped.status_code == 200 and "Cannot mark it shipped" in shipped.content.decode()


def test_a_buyers_cancellation_request_is_approved_or_refused(client_a: Client, store_a: Store) -> None:
    approved, refused = _orders(store_a, {}, {})
    with schema_context(store_a.schema_name):
        for order in (approved, refused):
            order_cancel_request(order=order, requested_at=timezone.now(), event_id=f"CXL-{order.pk}")
    page = client_a.get(f"{BASE}{approved.number}/").content.decode()
    assert "The buyer asked to cancel this order." in page
    assert client_a.post(f"{BASE}{approved.number}/cancellation/", {"decision": "approve"}).status_code == 302
    assert client_a.post(f"{BASE}{refused.number}/cancellation/", {"decision": "refuse", "note": "Shipped today"}
                         ).status_code == 302
    with schema_context(store_a.schema_name):
        assert Order.objects.get(pk=approved.pk).status == "cancelled"
        assert Order.objects.get(pk=refused.pk).status == "unshipped"


def test_mark_shipped_per_line_quantities(client_a: Client, store_a: Store) -> None:
    (order,) = _orders(store_a, {"lines": [("MUG-1", 2), ("MUG-2", 1)]})
    first, second = _line_ids(store_a, order)
    url = f"{BASE}{order.number}/ship/"
    too_many = client_a.post(url, {"carrier": "SF Express", "tracking_number": "SF1", f"line_{first}": "3",
                                   f"line_{second}": "0"})
    assert too_many.status_code == 200 and "is-invalid" in too_many.content.decode()
    nothing = client_a.post(url, {"carrier": "SF Express", "tracking_number": "SF1", f"line_{first}": "0",
                                  f"line_{second}": "0"})
    assert "Choose at least one unit to ship." in nothing.content.decode()
    assert client_a.post(url, {"carrier": "SF Express", "tracking_number": "SF1", f"line_{first}": "1",
                               f"line_{second}": "1"}).status_code == 302
    with schema_context(store_a.schema_name):
        order.refresh_from_db()
        assert (order.status, order.tracking_number) == ("partially_shipped", "SF1")
        assert {line.sku: line.quantity_shipped for line in order.lines.all()} == {"MUG-1": 1, "MUG-2": 1}


def test_team_notes_are_added_and_shown_newest_first(client_a: Client, store_a: Store) -> None:
    (order,) = _orders(store_a, {})
    url = f"{BASE}{order.number}/notes/"
    assert client_a.post(url, {"text": "Called the buyer"}).status_code == 302
    assert client_a.post(url, {"text": "Gift wrap please"}).status_code == 302
    assert client_a.post(url, {"text": "   "}).status_code == 200
    html = client_a.get(f"{BASE}{order.number}/").content.decode()
    assert html.index("Gift wrap please") < html.index("Called the buyer")
    with schema_context(store_a.schema_name):
        assert OrderNote.objects.filter(order=order).count() == 2
    assert [entry.object_repr for entry in activities(store_a, "order.note_added")] == [order.number] * 2


def test_bulk_confirm_and_cancel_report_each_row(client_a: Client, store_a: Store) -> None:
    first, second, third = _orders(store_a, {}, {}, {})
    client_a.post(f"{BASE}{second.number}/confirm/")
    done = client_a.post(f"{BASE}bulk/", {"action": "confirm", "ids": [first.pk, second.pk],
                                          "query": "tab=to_ship"})
    assert done.status_code == 302 and done["Location"] == f"{BASE}?tab=to_ship"
    html = client_a.get(done["Location"]).content.decode()
    assert "Done: 1. Refused: 1." in html and f"{second.number}: Order {second.number} is already confirmed." in html
    (entry,) = activities(store_a, "orders.bulk_confirmed")
    assert entry.changes["done"] == [None, 1] and entry.changes["refused"] == [None, 1]

    no_reason = client_a.post(f"{BASE}bulk/", {"action": "cancel", "ids": [third.pk]})
    assert "Choose why the orders are cancelled." in client_a.get(no_reason["Location"]).content.decode()
    client_a.post(f"{BASE}bulk/", {"action": "cancel", "reason": "pricing_error", "ids": [third.pk, first.pk]})
    with schema_context(store_a.schema_name):
        assert set(Order.objects.filter(status="cancelled").values_list("pk", flat=True)) == {first.pk, third.pk}
    (entry,) = activities(store_a, "orders.bulk_cancelled")
    assert entry.changes["done"] == [None, 2]
    nothing = client_a.post(f"{BASE}bulk/", {"action": "confirm"})
    assert "Select at least one order." in client_a.get(nothing["Location"]).content.decode()


def _csv(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_csv_export_follows_the_filters_masks_buyers_and_neutralises_formulas(client_a: Client,
                                                                             store_a: Store) -> None:
    us, jp = _orders(store_a, {"buyer": {"name": "=HYPERLINK(1)", "email": "evil@example.com"}},
                     {"site": "UK", "currency": "GBP", "lines": [("MUG-2", 3)]})
    response = client_a.get(f"{BASE}export.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert rows[0][:3] == ["Order number", "Status", "Site"]
    by_number = {row[0]: row for row in rows[1:]}
    assert set(by_number) == {us.number, jp.number}
    assert by_number[us.number][6] == "'=HYPERLINK(1)" and by_number[us.number][7] == "evil@example.com"
    assert by_number[jp.number][9] == "MUG-2 x 3" and by_number[jp.number][11] == "GBP"

    editor_rows = _csv(_member_with(store_a, Level.EDIT).get(f"{BASE}export.csv", {"site": "UK"}))
    assert [row[0] for row in editor_rows[1:]] == [jp.number]
    assert editor_rows[1][6] == "Jane ***" and editor_rows[1][7] == "j***@buyers.example"


def test_saved_views_are_per_person_and_listed_as_chips(client_a: Client, store_a: Store) -> None:
    (order,) = _orders(store_a, {})
    saved = client_a.post(f"{BASE}views/", {"name": "JP backlog", "query": "tab=to_ship&country=JP"})
    assert saved.status_code == 302 and saved["Location"] == f"{BASE}?tab=to_ship&country=JP"
    html = client_a.get(saved["Location"]).content.decode()
    assert 'href="?tab=to_ship&amp;country=JP" aria-current="true">JP backlog</a>' in html
    assert client_a.post(f"{BASE}views/", {"name": "JP backlog", "query": "country=JP"}).status_code == 302
    assert client_a.post(f"{BASE}views/", {"name": "  ", "query": "x=1"}).status_code == 302
    with schema_context(store_a.schema_name):
        from orders.models import OrderSavedView

        (view,) = OrderSavedView.objects.all()
        assert view.query == "country=JP"
    other = _member_with(store_a, Level.VIEW)
    assert "JP backlog" not in other.get(BASE).content.decode()
    assert other.post(f"{BASE}views/{view.pk}/delete/").status_code == 302  # not theirs: left alone
    assert client_a.post(f"{BASE}views/{view.pk}/delete/").status_code == 302
    with schema_context(store_a.schema_name):
        assert not OrderSavedView.objects.exists()
    assert order.number in _numbers(client_a.get(BASE))


def test_mark_shipped_from_a_spreadsheet_reports_each_row(client_a: Client, store_a: Store) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    ready, blank, cancelled = _orders(store_a, {}, {}, {})
    client_a.post(f"{BASE}{cancelled.number}/cancel/", {"reason": "other"})
    text = ("Order number,Carrier,Tracking number\r\n"
            f"{ready.number.lower()},UPS,1Z0001\r\n"
            "US-000000-999999,UPS,1Z0002\r\n"
            f"{blank.number},UPS,\r\n"
            f"{cancelled.number},DHL,JD0003\r\n")
    assert client_a.get(f"{BASE}ship-upload/").status_code == 200
    response = client_a.post(f"{BASE}ship-upload/", {"file": SimpleUploadedFile("ship.csv", text.encode())})
    html = response.content.decode()
    assert "Marked shipped: 1. Not shipped: 3." in html
    assert "The store has no order US-000000-999999." in html and "Enter the tracking number" in html
    assert "Cannot mark it shipped" in html
    with schema_context(store_a.schema_name):
        ready.refresh_from_db()
        assert (ready.status, ready.carrier, ready.tracking_number) == ("shipped", "UPS", "1Z0001")
        assert Order.objects.get(pk=blank.pk).status == "unshipped"
    (entry,) = activities(store_a, "orders.shipped_from_file")
    assert entry.changes["shipped"] == [None, 1] and entry.changes["failed"] == [None, 3]

    wrong = client_a.post(f"{BASE}ship-upload/", {"file": SimpleUploadedFile("x.csv", b"SKU,Qty\r\nA,1\r\n")})
    assert "The file has no “Order number” column." in wrong.content.decode()
    viewer = _member_with(store_a, Level.VIEW)
    assert viewer.get(f"{BASE}ship-upload/").status_code == 403


def test_orders_past_their_ship_by_date_come_most_overdue_first(client_a: Client, store_a: Store) -> None:
    now = timezone.now()
    most_late, least_late, middle = _orders(
        store_a,
        {"placed_at": _placed(2), "ship_by": (now - dt.timedelta(days=5)).isoformat()},
        {"placed_at": _placed(9), "ship_by": (now - dt.timedelta(hours=2)).isoformat()},
        {"placed_at": _placed(5), "ship_by": (now - dt.timedelta(days=1)).isoformat()},
    )
    assert _numbers(client_a.get(BASE)) == [least_late.number, middle.number, most_late.number]
    assert _numbers(client_a.get(BASE, {"overdue": "on"})) == [most_late.number, middle.number, least_late.number]
    # The ship-by cell, hidden in the table on narrow screens, stays on a phone's stacked card with its label.
    cells = re.findall(r'<td class="d-none d-lg-table-cell sc-stack-show small">(.*?)</td>',
                       client_a.get(BASE).content.decode())
    assert len(cells) == 3
    assert all('<span class="d-md-none text-secondary">Ship by</span>' in cell and "Overdue" in cell for cell in cells)


def test_the_filter_selects_keep_the_chosen_value_and_the_language(client_a: Client) -> None:
    import re as _re

    def chosen(response: Any, name: str) -> list[str]:
        select = _re.search(rf'<select name="{name}".*?</select>', response.content.decode(), _re.S)
        assert select, name
        return _re.findall(r'<option value="([^"]*)" selected>', select.group(0))

    first = client_a.get("/store/test-a/orders/", {"country": "DE", "status": "shipped"})
    assert chosen(first, "country") == ["DE"] and chosen(first, "status") == ["shipped"]
    again = client_a.get("/store/test-a/orders/", {"country": "JP"})
    assert chosen(again, "country") == ["JP"] and chosen(again, "status") == [""]
    chinese = client_a.get("/store/test-a/orders/", {"country": "JP"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "日本" in chinese.content.decode() and chosen(chinese, "country") == ["JP"]
