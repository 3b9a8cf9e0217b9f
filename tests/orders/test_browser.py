"""A seller in a real Chromium works orders: the list with its tabs and an order page, in English and in Chinese."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from tests.tenancy import connection
from tests.test_browser import CHROMIUM, CHROMIUM_FLAGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"),
]
PASSWORD = "Order-desk-2026"


def _zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def _store_with_orders() -> list[str]:
    """A store of its own (committed, for the server in its own process) with orders from three sites."""
    from accounts.models import User
    from orders.api.payloads import ORDER_PLACED
    from orders.services import order_ingest_placed
    from sellercenter.platform_api import canonical_hash
    from stores import services
    from stores.models import Marketplace
    from tests.orders.factories import placed_payload, stocked, warehouse

    owner = User.objects.create_user(email="order.desk@example.com", password=PASSWORD, full_name="Zhou Min")
    store = services.store_open(actor=owner, name="Order Desk", handle="order-desk", home_country="CN",
                                base_currency="CNY", default_language="en", timezone_name="Asia/Shanghai",
                                marketplaces=Marketplace.objects.filter(code__in=["US", "JP", "DE"]))
    connection.set_tenant(store)
    try:
        stocked("TEA", units={warehouse("sz"): 500}, variants=2)
        bodies = [
            placed_payload(lines=[("TEA-1", 2), ("TEA-2", 1)], buyer={"name": "Emily Carter",
                                                                     "email": "emily@example.com"}),
            placed_payload(site="DE", currency="EUR", lines=[("TEA-2", 1)],
                           shipping_address={"name": "Max Muster", "line1": "Hauptstraße 5", "city": "Berlin",
                                             "postal_code": "10115", "country": "DE"}),
            placed_payload(site="JP", currency="JPY", buyer={"name": "山田 花子", "email": "hanako@example.jp"},
                           shipping_address={"name": "山田 花子", "line1": "丸の内1-1-1", "city": "千代田区",
                                             "region": "東京都", "postal_code": "100-0005", "country": "JP"}),
        ]
        bodies[2]["lines"] = [{"sku": "TEA-1", "title": "烏龍茶 100g", "quantity": 3, "unit_price": "1980",
                               "tax": "594"}]
        bodies[2]["shipping"] = "0"
        numbers = []
        for body in bodies:
            cleaned, errors = ORDER_PLACED.validate(body)
            assert not errors, errors
            assert cleaned is not None
            result = order_ingest_placed(store=store, data=cleaned, payload_hash=canonical_hash(cleaned))
            numbers.append(result.event.order.number)
        return numbers
    finally:
        connection.set_schema_to_public()


def test_seller_works_orders_in_english_and_chinese(live_server: Any, tmp_path: Path,
                                                   django_db_blocker: Any) -> None:
    from playwright.sync_api import expect, sync_playwright

    with django_db_blocker.unblock():
        numbers = _store_with_orders()
    shots = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    orders_zh = _zh("Orders")
    assert orders_zh != "Orders", "the Chinese catalogue is not compiled"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("E-mail address").fill("order.desk@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("link", name="Log in")).to_have_count(0)

        page.goto(f"{live_server.url}/store/order-desk/")
        page.get_by_role("link", name="Orders").first.click()
        expect(page.get_by_role("heading", name="Orders")).to_be_visible()
        for number in numbers:
            expect(page.get_by_role("link", name=number)).to_be_visible()
        expect(page.get_by_text("3 orders")).to_be_visible()
        page.screenshot(path=str(shots / "orders-en.png"), full_page=True)

        page.get_by_role("link", name=numbers[2]).click()
        expect(page.get_by_role("heading", name=f"Order {numbers[2]}")).to_be_visible()
        expect(page.get_by_text("〒100-0005")).to_be_visible()
        expect(page.get_by_text("¥6,534")).to_be_visible()  # 3 x 1,980 + 594 tax
        page.get_by_role("button", name="Confirm the order").click()
        expect(page.get_by_text(f"Order {numbers[2]} is confirmed.")).to_be_visible()
        page.get_by_label("Note for the team").fill("Gift wrap, please")
        page.get_by_role("button", name="Add the note").click()
        expect(page.get_by_text("Gift wrap, please")).to_be_visible()
        page.screenshot(path=str(shots / "order-en.png"), full_page=True)

        page.get_by_role("button", name="中文").click()
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        expect(page.get_by_text(_zh("Team notes"))).to_be_visible()
        page.screenshot(path=str(shots / "order-zh.png"), full_page=True)
        page.get_by_role("link", name=orders_zh).first.click()
        expect(page.get_by_role("heading", name=orders_zh, exact=True, level=1)).to_be_visible()
        page.screenshot(path=str(shots / "orders-zh.png"), full_page=True)

        phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        # Playwright types the cookies it returns and the ones it takes as two TypedDicts that do not match.
        phone.context.add_cookies(page.context.cookies())  # type: ignore[arg-type]
        phone.goto(f"{live_server.url}/store/order-desk/orders/")
        expect(phone.get_by_role("link", name=numbers[0])).to_be_visible()
        phone.screenshot(path=str(shots / "orders-zh-phone.png"), full_page=True)
        browser.close()
