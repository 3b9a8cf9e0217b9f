"""Shipping documents as PDFs: labels, commercial invoices and packing slips, read back from the PDF bytes."""

from __future__ import annotations

import datetime as dt
import gc
import io
import logging
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import cast

import pytest
from barcode.charsets import code128 as charset
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.utils import translation
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from logistics.documents.customs import CN22, CN23, customs_form
from logistics.documents.data import (
    Address,
    CommercialInvoice,
    ExportReason,
    Incoterms,
    Item,
    PackingSlip,
    Parcel,
    SlipLine,
)
from logistics.documents.invoices import invoice_pdf, invoices_pdf, packing_slip_pdf
from logistics.documents.labels import labels_html, labels_pdf
from sellercenter import pdf
from stores.templatetags.shell import money

D = Decimal

SENDER = Address(name="深圳华强电子有限公司 王小明", line1="福田区华强北路1002号 赛格广场12楼", city="深圳",
                 region="广东省", postal_code="518031", country="CN", phone="+86 755 8888 1234")
GERMAN = Address(name="José Müller-Łukasiewicz", line1="Straße des 17. Juni 135", line2="Gebäude Ä, 3. Stock",
                 city="Berlin", postal_code="10623", country="DE")
JAPANESE = Address(name="渡邊 髙橋 さくら", line1="東京都渋谷区神宮前1-2-3", line2="サクラマンション 402号室",
                   city="渋谷区", region="東京都", postal_code="150-0001", country="JP")
THAI = Address(name="สมชาย ใจดี", line1="123/45 ถนนสุขุมวิท แขวงคลองเตย", city="กรุงเทพมหานคร",
               postal_code="10110", country="TH")
ARABIC = Address(name="محمد عبد الله", line1="شارع الملك فهد 12", city="الرياض", postal_code="12271", country="SA")
SHANGHAI = Address(name="李雷", line1="浦东新区世纪大道100号", city="上海", postal_code="200120", country="CN")
NAMES = [SENDER.name, GERMAN.name, JAPANESE.name, THAI.name, ARABIC.name]


def item(description: str = "Bluetooth earphones 蓝牙耳机", quantity: int = 2, unit: str = "19.99",
         currency: str = "USD", weight: str = "0.120", hs: str = "8518.30") -> Item:
    return Item(description=description, quantity=quantity, unit_value=D(unit), currency=currency,
                net_weight_kg=D(weight), hs_code=hs, origin_country="CN")


def parcel(recipient: Address = GERMAN, tracking: str = "LX123456789CN", items: tuple[Item, ...] | None = None,
           currency: str = "USD") -> Parcel:
    return Parcel(tracking_number=tracking, carrier="Yanwen", service="Special Line Tracked",
                  order_number="US-202611-1042", sender=SENDER, recipient=recipient, weight_kg=D("0.45"),
                  currency=currency, items=(item(),) if items is None else items, incoterms=Incoterms.DDP,
                  signed_on=dt.date(2026, 11, 27))


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture(scope="module")
def four_labels() -> bytes:
    recipients = [GERMAN, JAPANESE, THAI, ARABIC]
    return labels_pdf([parcel(r, tracking=f"LX10000000{n}CN") for n, r in enumerate(recipients)])


def test_names_in_every_script_print_and_read_back(four_labels: bytes) -> None:
    text = "\n".join(pages_text(four_labels))
    for name in NAMES:
        assert name in text


def test_only_the_project_fonts_are_embedded(four_labels: bytes) -> None:
    """A glyph missing from our stack would come from a system font (or print as a box): none is used."""
    reader = PdfReader(io.BytesIO(four_labels))
    fonts: set[str] = set()
    for page in reader.pages:
        resources = cast(DictionaryObject, page["/Resources"])
        for font in cast(DictionaryObject, resources["/Font"]).values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[1])
    assert fonts, "no fonts embedded"
    assert all(name.startswith("Noto-Sans") for name in fonts), fonts
    assert {"Noto-Sans-SC", "Noto-Sans-JP", "Noto-Sans-Thai-Bold", "Noto-Sans-Arabic-Bold"} <= fonts


def test_the_font_stack_has_a_glyph_for_every_character_of_the_names() -> None:
    cmaps = [set(TTFont(pdf._decoded(pdf.font_dir() / path), lazy=True).getBestCmap())
             for _family, weight, path in pdf.FONT_FACES if weight == 400]
    everything = set().union(*cmaps)
    missing = {char for name in NAMES for char in name if not char.isspace() and ord(char) not in everything}
    assert missing == set()


def test_japanese_and_arabic_addresses_are_marked_for_their_fonts_and_direction() -> None:
    html = labels_html([parcel(JAPANESE), parcel(ARABIC), parcel(GERMAN)])
    assert re.search(r'class="address big" lang="ja" dir="ltr"', html)
    assert re.search(r'class="address big" lang="ar" dir="rtl"', html)
    assert re.search(r'class="address small" lang="zh-Hans" dir="ltr"', html)


def _decode_code128(modules: str) -> str:
    """Read a Code 128 symbol from its modules, as a scanner would: symbols of 11 modules, checksum, code sets."""
    patterns = {pattern: value for value, pattern in enumerate(charset.CODES)}
    stop = "1100011101011"  # the stop symbol with its final bar, 13 modules (ISO/IEC 15417)
    assert modules.endswith(stop)
    body = modules[: -len(stop)]
    assert len(body) % 11 == 0
    values = [patterns[body[i:i + 11]] for i in range(0, len(body), 11)]
    *data, check = values
    assert check == (data[0] + sum(i * v for i, v in enumerate(data[1:], start=1))) % 103, "bad checksum"
    start = {103: "A", 104: "B", 105: "C"}[data[0]]
    switches = {"A": {99: "C", 100: "B"}, "B": {99: "C", 101: "A"}, "C": {100: "B", 101: "A"}}
    code_set, text = start, []
    for value in data[1:]:
        if value in switches[code_set]:
            code_set = switches[code_set][value]
        elif code_set == "C":
            text.append(f"{value:02d}")
        elif code_set == "B":
            text.append(chr(value + 32))
        else:
            text.append(chr(value + 32) if value < 64 else chr(value - 64))
    return "".join(text)


def _svg_modules(html: str) -> str:
    svg = re.search(r'<svg class="barcode".*?data-modules="(\d+)".*?</svg>', html, re.S)
    assert svg
    count = int(svg.group(1))
    modules = ["0"] * count
    bars = re.search(r'<path d="([^"]+)" fill="#000"/>', svg.group(0))
    assert bars
    for x, width in re.findall(r"M(\d+) 0h(\d+)v1h-\2z", bars.group(1)):
        start = int(x) - 10  # the quiet zone
        for i in range(start, start + int(width)):
            modules[i] = "1"
    return "".join(modules)


@pytest.mark.parametrize("tracking", ["LX123456789CN", "1Z999AA10123456784", "9400111899223344556677", "SF1402"])
def test_the_barcode_encodes_the_tracking_number(tracking: str) -> None:
    assert _decode_code128(_svg_modules(labels_html([parcel(tracking=tracking)]))) == tracking


@pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
                    reason="poppler-utils and zbar-tools are not installed")
def test_a_scanner_reads_the_printed_codes(tmp_path: Path) -> None:
    (tmp_path / "label.pdf").write_bytes(labels_pdf([parcel(tracking="LX555000111CN")]))
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-singlefile", str(tmp_path / "label.pdf"),
                    str(tmp_path / "label")], check=True)
    result = subprocess.run(["zbarimg", "-q", str(tmp_path / "label.png")], capture_output=True, text=True)
    assert set(result.stdout.split()) == {"CODE-128:LX555000111CN", "QR-Code:LX555000111CN"}


def test_a_batch_is_one_pdf_with_a_page_per_label_in_order() -> None:
    trackings = [f"LX2000000{n:02d}CN" for n in range(8)]
    data = labels_pdf([parcel([GERMAN, JAPANESE, THAI, ARABIC][n % 4], tracking=t) for n, t in enumerate(trackings)])
    texts = pages_text(data)
    assert len(texts) == 8
    for tracking, text in zip(trackings, texts, strict=True):
        assert tracking in text
        assert [t for t in trackings if t in text] == [tracking]


def test_cn22_up_to_the_limit_and_cn23_above_it() -> None:
    small = parcel(items=(item(quantity=20, unit="20.00"),))  # USD 400, the USD limit itself
    large = parcel(items=(item(quantity=20, unit="20.01"),))
    assert customs_form(small) == CN22
    assert customs_form(large) == CN23
    assert customs_form(parcel(SHANGHAI)) is None
    assert customs_form(parcel(items=(item(currency="BRL"),), currency="BRL")) == CN23  # no limit known
    assert customs_form(large, limit=D(1000)) == CN22
    small_text, large_text, domestic_text = pages_text(labels_pdf([small, large, parcel(SHANGHAI)]))
    assert "CN22" in small_text and "CN23" not in small_text
    assert "CN23" in large_text and "CN22" not in large_text
    assert "CN2" not in domestic_text


def test_the_customs_block_lists_each_line_and_sums_the_rest() -> None:
    goods = tuple(item(description=f"Part {n} with a description long enough to take two lines on the label",
                       quantity=1, unit="10.00", weight="0.100", hs=f"8473.30.{n:02d}") for n in range(8))
    long_address = Address(name="Maximilian Alexander von Hohenzollern-Sigmaringen", company="Große Logistik GmbH",
                           line1="Hauptstraße 123, Hinterhaus, Aufgang B", line2="4. Obergeschoss, Wohnung 17",
                           city="Frankfurt am Main", region="Hessen", postal_code="60311", country="DE",
                           phone="+49 69 123456789")
    texts = pages_text(labels_pdf([parcel(long_address, items=goods)]))
    assert len(texts) == 1  # a label never spills onto a second page
    text = texts[0]
    for n in range(3):
        assert f"Part {n}" in text and f"8473.30.{n:02d}" in text
    assert "Part 3" not in text
    assert "and 5 more items" in text
    with translation.override("en"):
        assert money(D("50.00"), "USD") in text  # the five lines left out
        assert money(D("80.00"), "USD") in text  # the declared total
    assert "0.8" in text  # net weight in kg
    # the whole block fits on the label: nothing below the table is cut off
    assert "I certify that the particulars" in text
    assert "DATE AND SENDER'S SIGNATURE" in text.upper() and SENDER.name in text.split("SIGNATURE")[-1]


def invoice(currency: str, items: tuple[Item, ...], freight: str = "0", insurance: str = "0") -> CommercialInvoice:
    return CommercialInvoice(
        invoice_number="CI-2026-000123", issued_on=dt.date(2026, 11, 27), order_number="JP-202611-77",
        seller=SENDER, buyer=JAPANESE, ship_to=JAPANESE, items=items, currency=currency,
        incoterms=Incoterms.DAP, reason=ExportReason.SALE, freight=D(freight), insurance=D(insurance),
        carrier="Yanwen", tracking_number="LX123456789CN", signatory="王小明", place="深圳")


def test_invoice_totals_add_up_in_dollars() -> None:
    items = (item(quantity=2, unit="19.99"), item(description="USB-C cable", quantity=3, unit="3.50"),
             item(description="Sticker", quantity=1, unit="0.125"))  # 0.125 -> 0.12, half-even
    doc = invoice("USD", items, freight="12.00", insurance="1.50")
    assert [i.total_value for i in doc.items] == [D("39.98"), D("10.50"), D("0.12")]
    assert doc.goods_total == D("50.60")
    assert doc.total == D("64.10")
    text = pages_text(invoice_pdf(doc))[0]
    with translation.override("en"):
        for amount in ("39.98", "10.50", "0.12", "50.60", "12.00", "1.50", "64.10"):
            assert money(D(amount), "USD") in text
    assert "DAP" in text and "8518.30" in text and "CN" in text and JAPANESE.name in text


def test_invoice_in_yen_has_no_decimals() -> None:
    items = (item(quantity=3, unit="1980", currency="JPY"), item(description="Case", quantity=1, unit="499.5",
                                                                  currency="JPY"))
    doc = invoice("JPY", items, freight="1500")
    assert doc.goods_total == D("6440")  # 5940 + 500 (499.5 rounds half-even to 500)
    assert doc.total == D("7940")
    text = pages_text(invoice_pdf(doc))[0]
    with translation.override("en"):
        assert money(D("5940"), "JPY") in text
        assert money(D("7940"), "JPY") in text
    assert not re.search(r"¥[\d,]+\.\d", text)


def test_mixed_currencies_are_refused() -> None:
    with pytest.raises(ValueError, match="convert"):
        invoice("USD", (item(), item(currency="EUR")))


def test_the_invoice_prints_in_the_store_language() -> None:
    doc = invoice("CNY", (item(currency="CNY", unit="199.00"),))
    english, chinese = pages_text(invoices_pdf([doc])), pages_text(invoices_pdf([doc], language="zh-hans"))
    assert "Carrier" in english[0] and "Carrier" not in chinese[0]
    with translation.override("zh-hans"):
        assert translation.gettext("Carrier") in chinese[0]
        assert money(D("199.00"), "CNY") in chinese[0]
    assert "Incoterms" in chinese[0] and "HS" in chinese[0]


def test_the_packing_slip_lists_quantities_without_prices() -> None:
    slip = PackingSlip(order_number="TH-202611-5", issued_on=dt.date(2026, 11, 27), ship_from=SENDER, ship_to=THAI,
                       lines=(SlipLine("BT-EAR-01", "Bluetooth earphones 蓝牙耳机", 2, ordered=3),
                              SlipLine("CBL-C-1M", "USB-C cable 1 m", 3)), note="ขอบคุณที่สั่งซื้อ")
    text = pages_text(packing_slip_pdf(slip))[0]
    for expected in ("TH-202611-5", "BT-EAR-01", "CBL-C-1M", "蓝牙耳机", THAI.name, SENDER.name):
        assert expected in text
    assert re.search(r"Total quantity\s*5", text)
    assert not re.search(r"[$¥€]|USD|CNY", text)


def test_missing_fonts_are_an_error_not_empty_boxes(tmp_path: Path) -> None:
    with override_settings(DOCUMENT_FONTS_DIR=tmp_path), pytest.raises(ImproperlyConfigured, match="make assets"):
        pdf.font_face_css()


def test_a_worker_process_loads_the_fonts_before_its_first_task(tmp_path: Path, caplog: pytest.LogCaptureFixture
                                                                 ) -> None:
    from sellercenter.celery import _worker_process_ready, _worker_starting

    pdf.stylesheet.cache_clear()
    try:
        _worker_starting()
        _worker_process_ready()
        assert pdf.stylesheet.cache_info().currsize == 2  # the label's and the sheets' stylesheets, with the fonts
        assert gc.get_freeze_count() > 0  # what the process keeps for good is out of the collector's full walks
    finally:
        gc.unfreeze()
    # Fonts missing: the worker still starts (its other tasks run) and says why it cannot print.
    pdf.stylesheet.cache_clear()
    try:
        with override_settings(DOCUMENT_FONTS_DIR=tmp_path), caplog.at_level(logging.ERROR):
            _worker_starting()
            _worker_process_ready()
        assert caplog.text.count("Shipping documents cannot be printed by this worker") == 2
    finally:
        pdf.stylesheet.cache_clear()
        gc.unfreeze()
