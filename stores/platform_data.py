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
