"""A seller in a real Chromium enables carriers and compares them on the rate calculator, in English and in
Chinese; the results update in place as the parcel changes."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
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
PASSWORD = "Rate-desk-2026"
RATE_DAY = dt.date(2020, 1, 2)  # a day of its own, so the rates made here are told apart and removed


def _zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def _store() -> None:
    """A store of its own (committed, for the server in its own process) with the standard carriers."""
    from accounts.models import User
    from stores import services
    from stores.carrier_data import carriers_ensure
    from stores.models import FXRate, Marketplace
    from tests.orders.factories import warehouse

    carriers_ensure()
    FXRate.objects.bulk_create([FXRate(rate_date=RATE_DAY, currency=code, rate=Decimal(rate), source="test")
                                for code, rate in (("CNY", "7.8"), ("USD", "1.04"))])
    owner = User.objects.create_user(email="rate.desk@example.com", password=PASSWORD, full_name="Lin Hui")
    store = services.store_open(actor=owner, name="Rate Desk", handle="rate-desk", home_country="CN",
                                base_currency="CNY", default_language="en", timezone_name="Asia/Shanghai",
                                marketplaces=Marketplace.objects.filter(code__in=["US", "DE"]))
    connection.set_tenant(store)
    try:
        warehouse("us-ont", country="US")
    finally:
        connection.set_schema_to_public()


def test_seller_compares_carriers_in_english_and_chinese(live_server: Any, tmp_path: Path,
                                                         django_db_blocker: Any) -> None:
    from playwright.sync_api import expect, sync_playwright

    from stores.models import FXRate

    with django_db_blocker.unblock():
        _store()
    shots = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    logistics_zh = _zh("Logistics")
    assert logistics_zh != "Logistics", "the Chinese catalogue is not compiled"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
            page.goto(f"{live_server.url}/accounts/login/")
            page.get_by_label("E-mail address").fill("rate.desk@example.com")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_role("link", name="Log in")).to_have_count(0)

            page.goto(f"{live_server.url}/store/rate-desk/")
            page.get_by_role("link", name="Logistics").first.click()
            expect(page.get_by_text("No carrier services are enabled yet.")).to_be_visible()
            page.get_by_role("link", name="Choose carriers").click()
            for carrier in ("DHL Express", "Yanwen", "Platform Logistics", "USPS"):
                page.locator(".card-header", has_text=carrier).get_by_role("button", name="Enable all").click()
                expect(page.locator(".card-header", has_text=carrier).get_by_role("button", name="Disable all")) \
                    .to_be_visible()
            page.screenshot(path=str(shots / "carriers-en.png"), full_page=True)
            page.get_by_role("link", name="Shipping templates").click()
            page.get_by_role("link", name="Add shipping template").first.click()
            page.get_by_label("Name").fill("Standard")
            page.get_by_label("Marketplace").select_option(label="US · United States (USD)")
            page.get_by_label("Free shipping from").fill("49")
            page.get_by_label("Weight bands").first.fill("500 = 4.99\n1000 = 6.99")
            page.screenshot(path=str(shots / "template-form-en.png"), full_page=True)
            page.get_by_role("button", name="Save").click()
            expect(page.get_by_text("Shipping template Standard is saved.")).to_be_visible()
            expect(page.get_by_role("cell", name="$49.00")).to_be_visible()
            page.get_by_role("link", name="Rate calculator").click()

            page.get_by_label("Weight (kg)").fill("0.8")
            page.get_by_label("Length (cm)").fill("30")
            page.get_by_label("Width (cm)").fill("20")
            page.get_by_label("Height (cm)").fill("10")
            page.get_by_label("Destination").select_option("US")
            page.get_by_role("button", name="Compare carriers").click()
            results = page.locator("#rate-results")
            expect(results.get_by_text("Cheapest")).to_have_count(1)
            expect(results.get_by_text("Yanwen Special Line")).to_be_visible()
            expect(results.get_by_text("CN¥453.25", exact=True)).to_be_visible()  # DHL, charged 1.5 kg by size
            expect(results.get_by_text("Does not ship from CN")).to_have_count(2)  # the two USPS services
            page.screenshot(path=str(shots / "rates-en.png"), full_page=True)

            # The results follow the form: from the US warehouse, only USPS answers, converted to CNY.
            page.get_by_label("Ships from").select_option("US")
            expect(results.get_by_text("USPS Ground Advantage")).to_be_visible()
            expect(results.get_by_text("1 USD = ", exact=False)).to_be_visible()
            page.get_by_label("Ships from").select_option("CN")
            expect(results.get_by_text("Does not ship from CN")).to_have_count(2)

            priced = page.url  # the query the results pushed into the address bar
            page.get_by_role("button", name="中文").click()
            expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
            # The language switch returns to the address the page was first drawn at; open the priced one again.
            page.goto(priced)
            expect(page.get_by_role("heading", name=logistics_zh, level=1)).to_be_visible()
            expect(page.locator("#rate-results").get_by_text("DHL Express Worldwide")).to_be_visible()
            page.screenshot(path=str(shots / "rates-zh.png"), full_page=True)

            phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
            # Playwright types the cookies it returns and the ones it takes as two TypedDicts that do not match.
            phone.context.add_cookies(page.context.cookies())  # type: ignore[arg-type]
            phone.goto(page.url)
            expect(phone.locator("#rate-results").get_by_text("DHL Express Worldwide")).to_be_visible()
            phone.screenshot(path=str(shots / "rates-zh-phone.png"), full_page=True)
            browser.close()
    finally:
        with django_db_blocker.unblock():
            FXRate.objects.filter(rate_date=RATE_DAY, source="test").delete()
