"""The platform's reference data that every installation starts with: its country sites."""

from __future__ import annotations

from .models import Marketplace

# code, name, country, currency, language, time zone
MARKETPLACES: list[tuple[str, str, str, str, str, str]] = [
    ("US", "United States", "US", "USD", "en", "America/New_York"),
    ("UK", "United Kingdom", "GB", "GBP", "en", "Europe/London"),
    ("DE", "Germany", "DE", "EUR", "de", "Europe/Berlin"),
    ("FR", "France", "FR", "EUR", "fr", "Europe/Paris"),
    ("IT", "Italy", "IT", "EUR", "it", "Europe/Rome"),
    ("ES", "Spain", "ES", "EUR", "es", "Europe/Madrid"),
    ("JP", "Japan", "JP", "JPY", "ja", "Asia/Tokyo"),
    ("SG", "Singapore", "SG", "SGD", "en", "Asia/Singapore"),
    ("MY", "Malaysia", "MY", "MYR", "ms", "Asia/Kuala_Lumpur"),
    ("TH", "Thailand", "TH", "THB", "th", "Asia/Bangkok"),
    ("PH", "Philippines", "PH", "PHP", "en", "Asia/Manila"),
    ("VN", "Vietnam", "VN", "VND", "vi", "Asia/Ho_Chi_Minh"),
    ("ID", "Indonesia", "ID", "IDR", "id", "Asia/Jakarta"),
    ("MX", "Mexico", "MX", "MXN", "es", "America/Mexico_City"),
    ("BR", "Brazil", "BR", "BRL", "pt", "America/Sao_Paulo"),
    ("AU", "Australia", "AU", "AUD", "en", "Australia/Sydney"),
    ("AE", "United Arab Emirates", "AE", "AED", "ar", "Asia/Dubai"),
    ("SA", "Saudi Arabia", "SA", "SAR", "ar", "Asia/Riyadh"),
]


def marketplaces_ensure() -> int:
    """Create or refresh the standard country sites; returns how many there are."""
    for order, (code, name, country, currency, language, tz) in enumerate(MARKETPLACES):
        Marketplace.objects.update_or_create(
            code=code,
            defaults={"name": name, "country": country, "currency": currency, "language": language,
                      "timezone": tz, "sort_order": order},
        )
    return len(MARKETPLACES)


# code, parent code, English name, Chinese name
CATEGORIES: list[tuple[str, str, str, str]] = [
    ("electronics", "", "Electronics", "电子产品"),
    ("audio", "electronics", "Headphones & Audio", "耳机与音频"),
    ("phone-accessories", "electronics", "Phone Accessories", "手机配件"),
    ("chargers-cables", "phone-accessories", "Chargers & Cables", "充电器与数据线"),
    ("cases-covers", "phone-accessories", "Cases & Covers", "手机壳与保护套"),
    ("computer-accessories", "electronics", "Computer Accessories", "电脑配件"),
    ("smart-home", "electronics", "Smart Home", "智能家居"),
    ("fashion", "", "Fashion", "服装与配饰"),
    ("womens-clothing", "fashion", "Women's Clothing", "女装"),
    ("mens-clothing", "fashion", "Men's Clothing", "男装"),
    ("shoes", "fashion", "Shoes", "鞋靴"),
    ("bags", "fashion", "Bags & Luggage", "箱包"),
    ("jewelry", "fashion", "Jewelry & Watches", "珠宝与手表"),
    ("home-kitchen", "", "Home & Kitchen", "家居与厨房"),
    ("kitchen", "home-kitchen", "Kitchen & Dining", "厨房与餐具"),
    ("home-decor", "home-kitchen", "Home Décor", "家居装饰"),
    ("beauty", "", "Beauty & Personal Care", "美妆个护"),
    ("sports", "", "Sports & Outdoors", "运动户外"),
    ("toys", "", "Toys & Games", "玩具游戏"),
]


def categories_ensure() -> int:
    """Create or refresh the starting category tree; returns how many categories there are."""
    from .models import Category

    paths: dict[str, str] = {}
    for code, parent_code, name_en, name_zh in CATEGORIES:
        parent = Category.objects.get(code=parent_code) if parent_code else None
        path = f"{paths[parent_code]}/{code}" if parent_code else code
        paths[code] = path
        Category.objects.update_or_create(
            code=code, defaults={"parent": parent, "name_en": name_en, "name_zh": name_zh, "path": path},
        )
    return len(CATEGORIES)


# Fee schedules the platform starts with, by site: commission % (default; electronics, its accessories, fashion),
# minimum commission per unit, closing fee per order, storage per m³ and month; amounts in the site's currency.
# Figures in the range the big marketplaces publish (Amazon referral fees 8-17 %, a 0.30 minimum, a 1.80 closing fee
# on media; Shopee 4-10 %); the admin edits them as a new schedule from the day it takes effect.
FEE_SCHEDULES: dict[str, tuple[str, str, str, str, str, str, str]] = {
    # site: default %, electronics %, accessories %, fashion %, minimum, closing fee, storage per m³
    "US": ("15", "8", "15", "17", "0.30", "0", "27.54"),
    "UK": ("15.3", "7", "15.3", "15.3", "0.25", "0", "22.00"),
    "DE": ("15", "7", "15", "15", "0.30", "0", "26.00"),
    "FR": ("15", "7", "15", "15", "0.30", "0", "26.00"),
    "IT": ("15", "7", "15", "15", "0.30", "0", "26.00"),
    "ES": ("15", "7", "15", "15", "0.30", "0", "26.00"),
    "JP": ("10", "8", "10", "10", "30", "0", "5160"),
    "SG": ("8", "6", "8", "8", "0.10", "0", "30.00"),
    "MY": ("6", "5", "6", "6", "0.30", "0", "90.00"),
    "MX": ("15", "8", "15", "15", "5", "0", "450"),
    "BR": ("14", "11", "14", "14", "1", "0", "120"),
    "AU": ("15", "8", "15", "15", "0.50", "0", "40.00"),
}
# Fulfilment bands in grams and millimetres, fee in US dollars, scaled to each site's currency by the fee table.
FULFILMENT_BANDS = [
    ("Small standard", 380, 300, 20, 450, "3.22"),
    ("Large standard", 450, 350, 200, 1000, "4.75"),
    ("Large standard", 450, 350, 200, 3000, "6.10"),
    ("Large standard", 450, 350, 200, 9000, "7.96"),
    ("Large bulky", 1500, 760, 760, 22700, "10.94"),
]
FULFILMENT_SCALE = {"US": "1", "UK": "0.85", "DE": "0.95", "FR": "0.95", "IT": "0.95", "ES": "0.95", "JP": "150",
                    "SG": "1.35", "MY": "4.7", "MX": "18", "BR": "5", "AU": "1.5"}


def fee_schedules_ensure() -> int:
    """A first fee schedule for each listed site that has none; returns how many were created."""
    import datetime as dt
    from decimal import Decimal

    from .fees import CommissionRate, FeeSchedule, FulfilmentFeeBand
    from .models import Category

    categories = {category.code: category for category in Category.objects.filter(
        code__in=["electronics", "phone-accessories", "fashion"])}
    created = 0
    for code, (default, electronics, accessories, fashion, minimum, closing, storage) in FEE_SCHEDULES.items():
        marketplace = Marketplace.objects.filter(code=code).first()
        if marketplace is None or marketplace.fee_schedules.exists():
            continue
        schedule = FeeSchedule.objects.create(
            marketplace=marketplace, name="Standard fees 2025", effective_from=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            commission_percent=Decimal(default), commission_min_per_unit=Decimal(minimum),
            closing_fee_per_order=Decimal(closing), storage_per_m3_month=Decimal(storage),
            refund_admin_percent=Decimal("20"), refund_admin_max=Decimal("5") * Decimal(FULFILMENT_SCALE[code]))
        for category_code, percent in (("electronics", electronics), ("phone-accessories", accessories),
                                       ("fashion", fashion)):
            if category_code in categories:
                CommissionRate.objects.create(schedule=schedule, category=categories[category_code],
                                              percent=Decimal(percent))
        for position, (tier, longest, median, shortest, weight, fee) in enumerate(FULFILMENT_BANDS, start=1):
            FulfilmentFeeBand.objects.create(
                schedule=schedule, position=position, tier=tier, max_longest_mm=longest, max_median_mm=median,
                max_shortest_mm=shortest, max_weight_g=weight,
                fee_per_unit=(Decimal(fee) * Decimal(FULFILMENT_SCALE[code])).quantize(Decimal("0.01")))
        created += 1
    return created
