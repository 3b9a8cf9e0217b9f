"""The demo stores' catalogs: warehouses, products with variants, content in several languages, pictures, stock
and listings, made through the catalog's own services. Runs inside the store's schema; skipped when the store
already has products."""

from __future__ import annotations

import io
import random
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from djmoney.money import Money
from PIL import Image, ImageDraw, ImageFont

from stores.models import Category, Marketplace, Store

from .gtin import gtin_check_digit
from .models import Listing, Product, ProductImage
from .services.inventory import low_stock_rule_set, stock_set_counts, warehouse_create
from .services.listings import listing_create
from .services.products import content_save, images_add, product_create
from .tasks_images import image_make_thumbnail

WAREHOUSES: dict[str, list[dict[str, str]]] = {
    "electronics": [
        {
            "code": "sz-main",
            "name": "深圳宝安仓 Shenzhen Bao'an",
            "kind": "own",
            "address_line1": "宝安区福永街道 88 号",
            "city": "深圳 Shenzhen",
            "region": "广东 Guangdong",
            "postal_code": "518103",
            "country": "CN",
            "contact_name": "陈强",
            "phone": "+86 755 2345 6789",
        },
        {
            "code": "us-ont",
            "name": "Ontario CA overseas warehouse",
            "kind": "third_party",
            "address_line1": "4200 E Airport Dr",
            "city": "Ontario",
            "region": "CA",
            "postal_code": "91761",
            "country": "US",
            "contact_name": "Receiving desk",
            "phone": "+1 909 555 0142",
        },
        {
            "code": "eu-fc",
            "name": "Platform fulfilment centre Leipzig",
            "kind": "platform",
            "address_line1": "Amazonstraße 1",
            "city": "Leipzig",
            "postal_code": "04347",
            "country": "DE",
        },
    ],
    "fashion": [
        {
            "code": "la-main",
            "name": "Los Angeles studio",
            "kind": "own",
            "address_line1": "1200 S Santee St",
            "city": "Los Angeles",
            "region": "CA",
            "postal_code": "90015",
            "country": "US",
        },
        {
            "code": "sg-3pl",
            "name": "Singapore 3PL",
            "kind": "third_party",
            "address_line1": "21 Changi North Cres",
            "city": "Singapore",
            "postal_code": "499617",
            "country": "SG",
        },
    ],
}

# code, brand, category, theme, [(suffix, options)], {language: title}, base price, cost, grams, colour
ELECTRONICS: list[tuple[Any, ...]] = [
    (
        "YP-EB100",
        "Youpin",
        "audio",
        ["colour"],
        [("BLK", {"colour": "Black"}), ("WHT", {"colour": "White"})],
        {
            "en": "Youpin EB100 Wireless Earbuds, Bluetooth 5.3, 36 h Battery",
            "zh-hans": "优品 EB100 真无线蓝牙耳机 蓝牙5.3 续航36小时",
            "de": "Youpin EB100 Kabellose Ohrhörer, Bluetooth 5.3, 36 Std. Akku",
            "ja": "Youpin EB100 ワイヤレスイヤホン Bluetooth 5.3",
        },
        "169.00",
        "58.00",
        60,
        (30, 30, 30),
    ),
    (
        "YP-PB20K",
        "Youpin",
        "phone-accessories",
        [],
        [("STD", {})],
        {
            "en": "Youpin 20000 mAh Power Bank, 22.5 W Fast Charging",
            "zh-hans": "优品 20000毫安 充电宝 22.5W快充",
            "de": "Youpin Powerbank 20000 mAh, 22,5 W Schnellladen",
        },
        "129.00",
        "46.50",
        380,
        (20, 90, 200),
    ),
    (
        "YP-C65",
        "Youpin",
        "chargers-cables",
        ["plug"],
        [("US", {"plug": "US"}), ("UK", {"plug": "UK"}), ("EU", {"plug": "EU"}), ("JP", {"plug": "JP"})],
        {
            "en": "Youpin 65 W GaN USB-C Charger, 3 Ports",
            "zh-hans": "优品 65W 氮化镓 USB-C 充电器 三口",
            "de": "Youpin 65 W GaN USB-C Ladegerät, 3 Anschlüsse",
            "ja": "Youpin 65W GaN USB-C 充電器 3ポート",
        },
        "199.00",
        "72.00",
        120,
        (220, 80, 20),
    ),
    (
        "YP-CB2M",
        "Youpin",
        "chargers-cables",
        ["length"],
        [("1M", {"length": "1 m"}), ("2M", {"length": "2 m"})],
        {
            "en": "Braided USB-C to USB-C Cable, 100 W",
            "zh-hans": "编织 USB-C 转 USB-C 数据线 100W",
            "ja": "USB-C to USB-C ケーブル 100W 編み込み",
        },
        "39.00",
        "9.80",
        45,
        (90, 90, 90),
    ),
    (
        "YP-CASE15",
        "Youpin",
        "cases-covers",
        ["colour"],
        [("CLR", {"colour": "Clear"}), ("BLU", {"colour": "Blue"})],
        {"en": "Shockproof Clear Case for iPhone 15", "zh-hans": "iPhone 15 防摔透明手机壳"},
        "49.00",
        "8.20",
        40,
        (30, 120, 220),
    ),
    (
        "YP-LAMP1",
        "Youpin",
        "smart-home",
        [],
        [("STD", {})],
        {
            "en": "Smart LED Desk Lamp with Wireless Charger",
            "zh-hans": "智能 LED 台灯 带无线充电",
            "de": "Smarte LED-Schreibtischlampe mit kabellosem Ladegerät",
            "ja": "ワイヤレス充電付き スマートLEDデスクライト",
        },
        "259.00",
        "96.00",
        900,
        (240, 190, 30),
    ),
    (
        "YP-KB68",
        "Youpin",
        "computer-accessories",
        ["switch"],
        [("RED", {"switch": "Red"}), ("BRN", {"switch": "Brown"})],
        {"en": "68-Key Wireless Mechanical Keyboard, Hot-Swappable", "zh-hans": "68键 无线机械键盘 热插拔"},
        "299.00",
        "118.00",
        650,
        (60, 60, 70),
    ),
    (
        "YP-PLUG2",
        "Youpin",
        "smart-home",
        ["plug"],
        [("US", {"plug": "US"}), ("EU", {"plug": "EU"})],
        {"en": "Wi-Fi Smart Plug with Energy Monitoring, 2-Pack", "zh-hans": "Wi-Fi 智能插座 电量统计 两只装"},
        "89.00",
        "31.00",
        210,
        (40, 170, 120),
    ),
]

FASHION: list[tuple[Any, ...]] = [
    (
        "LU-TEE01",
        "Lumen",
        "womens-clothing",
        ["colour", "size"],
        [(f"{c[:3].upper()}-{s}", {"colour": c, "size": s}) for c in ("Black", "Oat") for s in ("S", "M", "L")],
        {"en": "Organic Cotton Relaxed Tee"},
        "24.00",
        "6.80",
        180,
        (30, 30, 30),
    ),
    (
        "LU-DRS02",
        "Lumen",
        "womens-clothing",
        ["size"],
        [(s, {"size": s}) for s in ("XS", "S", "M", "L")],
        {"en": "Linen Midi Wrap Dress", "ms": "Gaun Balut Linen Midi"},
        "68.00",
        "19.50",
        320,
        (190, 140, 110),
    ),
    (
        "LU-CRD03",
        "Lumen",
        "womens-clothing",
        ["colour"],
        [("CRM", {"colour": "Cream"}), ("SGE", {"colour": "Sage"})],
        {"en": "Chunky Knit Cardigan"},
        "54.00",
        "16.00",
        540,
        (150, 170, 140),
    ),
    (
        "LU-BAG04",
        "Lumen",
        "bags",
        [],
        [("STD", {})],
        {"en": "Recycled Canvas Tote Bag", "ms": "Beg Tote Kanvas Kitar Semula"},
        "29.00",
        "7.40",
        300,
        (200, 180, 140),
    ),
    (
        "LU-SNK05",
        "Lumen",
        "shoes",
        ["size"],
        [(s, {"size": s}) for s in ("37", "38", "39", "40")],
        {"en": "Minimal Leather Sneakers"},
        "89.00",
        "27.00",
        780,
        (240, 240, 235),
    ),
    (
        "LU-EAR06",
        "Lumen",
        "jewelry",
        [],
        [("STD", {})],
        {"en": "Gold-Plated Hoop Earrings"},
        "32.00",
        "5.10",
        20,
        (212, 175, 55),
    ),
]

ROUNDING = {"JPY": Listing.Rounding.WHOLE, "EUR": Listing.Rounding.ENDING_95, "MYR": Listing.Rounding.WHOLE}


def _gtin(sku: str) -> str:
    """A stable EAN-13 under the demo's own prefix, with its check digit."""
    body = "690" + str(int.from_bytes(sku.encode(), "big") % 10**9).zfill(9)
    return body + str(gtin_check_digit(body))


def _picture(label: str, colour: tuple[int, int, int], variant: int) -> SimpleUploadedFile:
    image = Image.new("RGB", (800, 800), (248, 248, 246))
    draw = ImageDraw.Draw(image)
    shade = tuple(max(0, min(255, c + variant * 35)) for c in colour)
    draw.rounded_rectangle((140, 140, 660, 660), radius=90, fill=shade)
    draw.ellipse((300, 300, 500, 500), fill=(255, 255, 255))
    font = ImageFont.load_default(size=64)
    draw.text((400, 720), label, fill=(60, 60, 60), font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile(f"{label}.png", buffer.getvalue(), content_type="image/png")


def catalog_demo(*, store: Store, owner: Any, profile: str) -> None:
    if Product.objects.exists():
        return
    rng = random.Random(f"{store.handle}-catalog")
    warehouses = [warehouse_create(actor=owner, data=data) for data in WAREHOUSES[profile]]
    sites = list(store.marketplaces.all())
    categories = {category.code: category for category in Category.objects.all()}
    counts: list[tuple[int, int, int]] = []
    listings: list[tuple[Any, Marketplace]] = []
    for code, brand, category, theme, variants, titles, price, cost, grams, colour in (
        ELECTRONICS if profile == "electronics" else FASHION
    ):
        product = product_create(
            actor=owner,
            data={
                "code": code,
                "brand": brand,
                "category": categories.get(category),
                "variation_theme": theme,
                "hs_code": "851830" if category == "audio" else ("850440" if "charger" in category else "620442"),
                "country_of_origin": "CN",
                "status": Product.Status.ACTIVE,
            },
            variants=[
                {
                    "sku": f"{code}-{suffix}",
                    "gtin": _gtin(f"{code}-{suffix}"),
                    "options": options,
                    "weight_g": grams,
                    "length_mm": 160,
                    "width_mm": 110,
                    "height_mm": 50,
                    "base_price": Money(Decimal(price), store.base_currency),
                    "unit_cost": Money(Decimal(cost), store.base_currency),
                    "declared_value": Money(
                        (Decimal(cost) / (Decimal("7.2") if store.base_currency == "CNY" else 1)).quantize(
                            Decimal("0.01")
                        ),
                        "USD",
                    ),
                }
                for suffix, options in variants
            ],
        )
        for language, title in titles.items():
            content_save(
                actor=owner,
                product=product,
                language=language,
                data={
                    "title": title,
                    "bullets": [f"{title} — {point}" for point in ("quality checked", "ships in 2 days")][:2],
                    "description": title
                    + ". "
                    + ("Designed in Shenzhen." if profile == "electronics" else "Made to last."),
                    "keywords": " ".join(title.lower().split()[:6]),
                },
            )
        images_add(actor=owner, product=product, uploads=[_picture(code, colour, index) for index in range(2)])
        for variant in product.variants.all():
            for number, warehouse in enumerate(warehouses):
                counts.append((variant.pk, warehouse.pk, rng.choice([0, 3, 12, 40, 85, 150]) if number < 2 else 0))
            listings += [(variant, site) for site in sites]
    stock_set_counts(counts=counts, reason="received", actor=owner, note="Opening stock")
    for variant, site in listings:
        listing_create(
            actor=owner,
            store=store,
            variant=variant,
            marketplace=site,
            data={
                "price_mode": Listing.PriceMode.DERIVED,
                "rounding": ROUNDING.get(site.currency, Listing.Rounding.ENDING_99),
                "wanted_status": Listing.Status.ACTIVE,
            },
        )
    watched = {variant.pk: variant for variant, _site in listings}
    for variant in list(watched.values())[::3]:
        low_stock_rule_set(actor=owner, variant=variant, min_available=20, min_days_of_cover=None)
    for image_id in ProductImage.objects.filter(thumbnail="").values_list("pk", flat=True):
        image_make_thumbnail.apply(args=[image_id])
