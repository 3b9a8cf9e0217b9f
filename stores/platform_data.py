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
