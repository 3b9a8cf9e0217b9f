"""A seller in a real Chromium: sign up, open a store, invite a teammate, switch to Chinese, see the dashboard."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"),
]


def _zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def test_seller_signs_up_opens_a_store_invites_and_reads_it_in_chinese(live_server: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    live_server_url = live_server.url
    shots = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    checklist_zh = _zh("Set-up checklist")
    assert checklist_zh != "Set-up checklist", "the Chinese catalogue is not compiled"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="en-US")
        page.goto(f"{live_server_url}/accounts/signup/")
        page.get_by_label("Your name").fill("Chen Jing")
        page.get_by_label("E-mail address").fill("chen.jing@example.com")
        page.locator("#id_password1").fill("Shenzhen-seller-2026")
        page.get_by_label("Password again").fill("Shenzhen-seller-2026")
        page.get_by_role("button", name="Create account").click()

        expect(page.get_by_role("heading", name="Open a store")).to_be_visible()
        page.get_by_label("Store name").fill("Pearl River Gadgets")
        page.get_by_label("Handle").fill("pearl-river")
        page.get_by_label("Home country").select_option("CN")
        page.get_by_label("Base currency").select_option("CNY")
        page.get_by_label("Default language").select_option("en")
        page.get_by_label("Time zone").select_option("Asia/Shanghai")
        page.get_by_label("US · United States (USD)").check()
        page.get_by_label("JP · Japan (JPY)").check()
        page.get_by_role("button", name="Open the store").click()

        expect(page).to_have_url(f"{live_server_url}/store/pearl-river/")
        expect(page.get_by_role("heading", name="Pearl River Gadgets")).to_be_visible()
        expect(page.get_by_text("Set-up checklist")).to_be_visible()
        page.screenshot(path=str(shots / "dashboard-en.png"), full_page=True)

        page.get_by_role("link", name="Team").click()
        page.get_by_label("E-mail address").fill("li.na@example.com")
        page.get_by_label("Role").select_option(label="Admin")
        page.get_by_role("button", name="Send invitation").click()
        expect(page.get_by_role("cell", name="li.na@example.com")).to_be_visible()
        page.screenshot(path=str(shots / "team-en.png"), full_page=True)

        page.get_by_role("button", name="中文").click()
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        page.get_by_role("link", name=_zh("Home")).first.click()
        expect(page.get_by_text(checklist_zh)).to_be_visible()
        page.screenshot(path=str(shots / "dashboard-zh.png"), full_page=True)

        phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        # Playwright types the cookies it returns and the ones it takes as two TypedDicts that do not match.
        phone.context.add_cookies(page.context.cookies())  # type: ignore[arg-type]
        phone.goto(f"{live_server_url}/store/pearl-river/")
        expect(phone.get_by_text(checklist_zh)).to_be_visible()
        phone.screenshot(path=str(shots / "dashboard-zh-phone.png"), full_page=True)
        browser.close()

    sent = "".join(path.read_text() for path in live_server.mail_dir.glob("*.log"))
    assert "li.na@example.com" in sent
