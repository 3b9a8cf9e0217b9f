"""The carriers every installation starts with, their tracking-number formats and demo rate cards.

Tracking-number formats (checked whole, after spaces and hyphens are removed and letters capitalised):

* DHL Express: a 10-digit waybill number.
* FedEx: 12 digits (Express) or 15 digits (Ground).
* UPS: "1Z", a 6-character shipper number and 10 more characters: 1Z + 16 letters and digits.
* USPS: 20 to 22 digits (IMpb barcodes, such as 9400 1118 ...), or the UPU S10 form for international mail:
  2 letters + 9 digits + "US".
* Royal Mail: UPU S10: 2 letters + 9 digits + "GB".
* Yanwen: its own S10-style numbers, "U" + a letter + 9 digits + "YP" (UG..., UH... YP), and registered mail it
  hands to China Post, "L" + a letter + 9 digits + "CN" (LY..., LZ... CN).
* 4PX: "4PX" + 12 to 16 digits + "CN".
* Cainiao: "LP" + 14 digits (the logistics order number buyers track on AliExpress and Cainiao's site).
* SF Express: "SF" + 12 or 13 digits (SF's waybills grew from 12 to 13 digits).
* J&T Express: "JT" + 10 to 13 digits (its cross-border numbers), or "JP" + 10 digits (J&T Indonesia).
* Ninja Van: "NV" + the country it delivers in (SG, MY, TH, PH, VN, ID) + 8 to 16 letters and digits.
* The platform's own logistics service: "SCL" + 12 digits; it issues the numbers itself.

Rate cards are demo figures of the usual shape (discounted account rates from China for express, per-kilogram
lines with a per-parcel fee for the economy lines, the published retail cards of USPS and Royal Mail); the admin
keeps the real ones.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.db import transaction

from .carriers import Carrier, CarrierService, RateBand, RateZone

D = Decimal
CENT = D("0.01")

# Destination zones, by the demo marketplaces' countries.
ASIA = ["JP", "SG", "MY", "TH", "PH", "VN", "ID"]
SEA = ["SG", "MY", "TH", "PH", "VN", "ID"]
EUROPE = ["GB", "DE", "FR", "IT", "ES"]
EU = ["DE", "FR", "IT", "ES"]
NORTH_AMERICA = ["US", "MX"]
MIDDLE_EAST = ["AE", "SA"]


def _express_bands(first: str, additional: str, top_g: int = 20000) -> list[tuple[int, Decimal]]:
    """Every 500 g up to ``top_g``: the first 500 g at ``first``, each further 500 g ``additional`` more."""
    return [(grams, D(first) + D(additional) * (grams // 500 - 1)) for grams in range(500, top_g + 1, 500)]


def _line_bands(fee: str, per_kg: str, step_g: int = 100, top_g: int = 2000) -> list[tuple[int, Decimal]]:
    """Economy lines: a per-parcel fee plus a rate per kilogram, published every ``step_g`` up to ``top_g``."""
    return [(grams, (D(fee) + D(per_kg) * grams / 1000).quantize(CENT, ROUND_HALF_EVEN))
            for grams in range(step_g, top_g + 1, step_g)]


def _express_zones(scale: str, extra_days: int = 0) -> list[dict[str, Any]]:
    """The express carriers' zones from China, their prices scaled from DHL's card."""
    factor = D(scale)
    table = [
        # name, countries, transit, first 500 g, each further 500 g, per kg above 20 kg
        ("Asia", ASIA, (2, 3), "180", "45", "70"),
        ("Oceania", ["AU"], (3, 4), "210", "60", "95"),
        ("North America", NORTH_AMERICA, (3, 5), "230", "70", "110"),
        ("Europe", EUROPE, (3, 5), "240", "75", "120"),
        ("Middle East", MIDDLE_EAST, (3, 5), "260", "80", "130"),
        ("South America", ["BR"], (5, 7), "320", "95", "150"),
    ]
    return [
        {"name": name, "countries": countries, "transit": (low + extra_days, high + extra_days),
         "per_kg_above": (D(per_kg) * factor).quantize(CENT),
         "bands": [(grams, (price * factor).quantize(CENT)) for grams, price in _express_bands(first, further)]}
        for name, countries, (low, high), first, further, per_kg in table
    ]


# name, countries, transit days, per-parcel fee, per kg (CNY): a tracked line from China.
_LINE_TABLE: list[tuple[str, list[str], tuple[int, int], str, str]] = [
    ("United States", ["US"], (8, 15), "20", "85"),
    ("United Kingdom", ["GB"], (7, 12), "18", "70"),
    ("EU", EU, (8, 14), "20", "75"),
    ("Japan", ["JP"], (5, 9), "15", "45"),
    ("Southeast Asia", SEA, (6, 12), "14", "40"),
    ("Australia", ["AU"], (8, 14), "18", "80"),
    ("Mexico", ["MX"], (15, 25), "25", "110"),
    ("Brazil", ["BR"], (20, 35), "30", "130"),
    ("Middle East", MIDDLE_EAST, (10, 18), "22", "90"),
]


def _line_zones(fee_scale: str, kg_scale: str, extra_days: int = 0, top_g: int = 2000,
                per_kg_above: bool = False) -> list[dict[str, Any]]:
    zones = []
    for name, countries, (low, high), fee, per_kg in _LINE_TABLE:
        fee_scaled = (D(fee) * D(fee_scale)).quantize(CENT)
        kg_scaled = (D(per_kg) * D(kg_scale)).quantize(CENT)
        zones.append({"name": name, "countries": countries, "transit": (low + extra_days, high + extra_days),
                      "per_kg_above": kg_scaled if per_kg_above else None,
                      "bands": _line_bands(str(fee_scaled), str(kg_scaled), top_g=top_g)})
    return zones


LB = 453.59237  # grams in a pound
OZ = LB / 16


def _grams(ounces: float) -> int:
    return int(ounces * OZ)


CARRIERS: list[dict[str, Any]] = [
    {
        "code": "platform", "name": "Platform Logistics", "kind": Carrier.Kind.PLATFORM,
        "patterns": [r"SCL\d{12}"], "example": "SCL202611270001", "url": "",
        "divisor": 6000, "step": 10,
        "services": [
            {"code": "standard", "name": "Platform Standard", "origins": ["CN"], "currency": "CNY",
             "zones": _line_zones("0.9", "0.92", top_g=3000, per_kg_above=True)},
            {"code": "express", "name": "Platform Express", "origins": ["CN"], "currency": "CNY",
             "surcharge": "0", "zones": _express_zones("0.62", extra_days=1)},
        ],
    },
    {
        "code": "dhl", "name": "DHL Express", "kind": Carrier.Kind.EXPRESS,
        "patterns": [r"\d{10}"], "example": "4829173650",
        "url": "https://www.dhl.com/global-en/home/tracking/tracking-express.html?tracking-id={number}",
        "divisor": 5000, "step": 500,
        "services": [{"code": "express-worldwide", "name": "DHL Express Worldwide", "origins": ["CN", "HK"],
                      "currency": "CNY", "surcharge": "22.50", "zones": _express_zones("1")}],
    },
    {
        "code": "fedex", "name": "FedEx", "kind": Carrier.Kind.EXPRESS,
        "patterns": [r"\d{12}", r"\d{15}"], "example": "794612345678",
        "url": "https://www.fedex.com/fedextrack/?trknbr={number}",
        "divisor": 5000, "step": 500,
        "services": [
            {"code": "international-priority", "name": "FedEx International Priority", "origins": ["CN", "HK"],
             "currency": "CNY", "surcharge": "24.00", "zones": _express_zones("0.97")},
            {"code": "international-economy", "name": "FedEx International Economy", "origins": ["CN", "HK"],
             "currency": "CNY", "surcharge": "24.00", "zones": _express_zones("0.82", extra_days=2)},
        ],
    },
    {
        "code": "ups", "name": "UPS", "kind": Carrier.Kind.EXPRESS,
        "patterns": [r"1Z[0-9A-Z]{16}"], "example": "1Z999AA10123456784",
        "url": "https://www.ups.com/track?tracknum={number}",
        "divisor": 5000, "step": 500,
        "services": [{"code": "worldwide-saver", "name": "UPS Worldwide Saver", "origins": ["CN", "HK"],
                      "currency": "CNY", "surcharge": "23.00", "zones": _express_zones("0.95")}],
    },
    {
        "code": "usps", "name": "USPS", "kind": Carrier.Kind.POSTAL,
        "patterns": [r"\d{20,22}", r"[A-Z]{2}\d{9}US"], "example": "9400111899223197428490",
        "url": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
        # 166 cubic inches per pound is 5,997 cm³/kg.
        "divisor": 6000, "step": 1,
        "services": [
            {"code": "ground-advantage", "name": "USPS Ground Advantage", "origins": ["US"], "currency": "USD",
             "zones": [{"name": "United States", "countries": ["US"], "transit": (2, 5), "per_kg_above": None,
                        "bands": [(_grams(4), D("5.40")), (_grams(8), D("6.15")), (_grams(12), D("7.60")),
                                  (_grams(16), D("9.00")), (_grams(32), D("10.50")), (_grams(48), D("11.75")),
                                  (_grams(80), D("14.70")), (_grams(160), D("20.50")), (_grams(320), D("35.00")),
                                  (_grams(1120), D("95.00"))]}]},
            {"code": "priority-mail", "name": "USPS Priority Mail", "origins": ["US"], "currency": "USD",
             "zones": [{"name": "United States", "countries": ["US"], "transit": (1, 3), "per_kg_above": None,
                        "bands": [(_grams(16), D("9.85")), (_grams(32), D("12.60")), (_grams(48), D("14.95")),
                                  (_grams(80), D("18.70")), (_grams(160), D("28.90")), (_grams(320), D("48.00")),
                                  (_grams(1120), D("120.00"))]}]},
        ],
    },
    {
        "code": "royal-mail", "name": "Royal Mail", "kind": Carrier.Kind.POSTAL,
        "patterns": [r"[A-Z]{2}\d{9}GB"], "example": "RN123456785GB",
        "url": "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
        "divisor": None, "step": 1,
        "services": [
            {"code": "tracked-48", "name": "Royal Mail Tracked 48", "origins": ["GB"], "currency": "GBP",
             "zones": [{"name": "United Kingdom", "countries": ["GB"], "transit": (2, 3), "per_kg_above": None,
                        "bands": [(1000, D("3.55")), (2000, D("4.55")), (10000, D("8.25")),
                                  (20000, D("12.25"))]}]},
            {"code": "international-tracked", "name": "Royal Mail International Tracked", "origins": ["GB"],
             "currency": "GBP",
             "zones": [{"name": "Europe", "countries": EU, "transit": (3, 5), "per_kg_above": None,
                        "bands": [(500, D("10.70")), (1000, D("12.30")), (2000, D("14.50"))]},
                       {"name": "United States", "countries": ["US"], "transit": (5, 7), "per_kg_above": None,
                        "bands": [(500, D("14.25")), (1000, D("18.10")), (2000, D("25.80"))]},
                       {"name": "Rest of the world", "countries": [*ASIA, "AU", "MX", "BR", *MIDDLE_EAST],
                        "transit": (5, 10), "per_kg_above": None,
                        "bands": [(500, D("15.95")), (1000, D("21.60")), (2000, D("31.30"))]}]},
        ],
    },
    {
        "code": "yanwen", "name": "Yanwen", "kind": Carrier.Kind.POSTAL,
        "patterns": [r"U[A-Z]\d{9}YP", r"L[A-Z]\d{9}CN"], "example": "UG123456785YP",
        "url": "https://track.yw56.com.cn/en/querydel?nums={number}",
        "divisor": 8000, "step": 10,
        "services": [
            {"code": "special-line", "name": "Yanwen Special Line", "origins": ["CN"], "currency": "CNY",
             "zones": _line_zones("1", "1")},
            {"code": "economy", "name": "Yanwen Economy", "origins": ["CN"], "currency": "CNY", "tracked": False,
             "zones": _line_zones("0.45", "0.85", extra_days=5)},
        ],
    },
    {
        "code": "4px", "name": "4PX", "kind": Carrier.Kind.POSTAL,
        "patterns": [r"4PX\d{12,16}CN"], "example": "4PX3000283371298CN",
        "url": "https://track.4px.com/#/result/0/{number}",
        "divisor": 8000, "step": 10,
        "services": [{"code": "global-standard", "name": "4PX Global Standard", "origins": ["CN"],
                      "currency": "CNY", "zones": _line_zones("1.05", "0.96", top_g=5000, per_kg_above=True)}],
    },
    {
        "code": "cainiao", "name": "Cainiao", "kind": Carrier.Kind.POSTAL,
        "patterns": [r"LP\d{14}"], "example": "LP00123456789012",
        "url": "https://global.cainiao.com/detail.htm?mailNoList={number}",
        "divisor": 8000, "step": 10,
        "services": [
            {"code": "standard", "name": "Cainiao Standard Shipping", "origins": ["CN"], "currency": "CNY",
             "zones": _line_zones("0.95", "0.98")},
            {"code": "super-economy", "name": "Cainiao Super Economy", "origins": ["CN"], "currency": "CNY",
             "tracked": False, "zones": _line_zones("0.4", "0.8", extra_days=7)},
        ],
    },
    {
        "code": "sf-express", "name": "SF Express", "kind": Carrier.Kind.EXPRESS,
        "patterns": [r"SF\d{12,13}"], "example": "SF1440034859361",
        "url": "https://www.sf-international.com/us/en/dynamic_function/waybill/#search/bill-number/{number}",
        "divisor": 6000, "step": 500,
        "services": [{"code": "international-standard", "name": "SF International Standard", "origins": ["CN", "HK"],
                      "currency": "CNY", "surcharge": "12.00", "zones": _express_zones("0.7", extra_days=2)}],
    },
    {
        "code": "jt-express", "name": "J&T Express", "kind": Carrier.Kind.LAST_MILE,
        "patterns": [r"JT\d{10,13}", r"JP\d{10}"], "example": "JT5012345678901",
        "url": "https://www.jtexpress.com/trajectoryQuery?billCode={number}",
        "divisor": 6000, "step": 100,
        "services": [{"code": "cross-border", "name": "J&T Cross-border", "origins": ["CN"], "currency": "CNY",
                      "zones": [{"name": "Southeast Asia", "countries": SEA, "transit": (5, 9),
                                 "per_kg_above": D("32.00"),
                                 "bands": _line_bands("9", "32", step_g=500, top_g=2000)}]}],
    },
    {
        "code": "ninja-van", "name": "Ninja Van", "kind": Carrier.Kind.LAST_MILE,
        "patterns": [r"NV(SG|MY|TH|PH|VN|ID)[A-Z0-9]{8,16}"], "example": "NVSGCB0012345678",
        "url": "https://www.ninjavan.co/en-sg/tracking?id={number}",
        "divisor": 6000, "step": 100,
        "services": [{"code": "standard", "name": "Ninja Van Standard", "origins": SEA, "currency": "SGD",
                      "zones": [{"name": "Singapore", "countries": ["SG"], "transit": (1, 3),
                                 "per_kg_above": D("1.20"),
                                 "bands": [(1000, D("3.50")), (3000, D("4.90")), (5000, D("6.50"))]},
                                {"name": "Southeast Asia", "countries": ["MY", "TH", "PH", "VN", "ID"],
                                 "transit": (3, 7), "per_kg_above": D("4.00"),
                                 "bands": [(500, D("6.90")), (1000, D("8.90")), (2000, D("12.50"))]}]}],
    },
]


def carriers_ensure() -> int:
    """Create or refresh the standard carriers, their services and rate cards; returns how many carriers.
    Safe to run again: rows are matched by code (zones by name, bands by weight) and brought to these values."""
    with transaction.atomic():
        for carrier_order, spec in enumerate(CARRIERS):
            carrier, _created = Carrier.objects.update_or_create(code=spec["code"], defaults={
                "name": spec["name"], "kind": spec["kind"], "tracking_patterns": spec["patterns"],
                "tracking_example": spec["example"], "tracking_url": spec["url"],
                "volumetric_divisor": spec["divisor"], "weight_step_g": spec["step"], "sort_order": carrier_order,
            })
            for service_order, service_spec in enumerate(spec["services"]):
                service, _created = CarrierService.objects.update_or_create(
                    carrier=carrier, code=service_spec["code"], defaults={
                        "name": service_spec["name"], "origin_countries": service_spec["origins"],
                        "currency": service_spec["currency"],
                        "fuel_surcharge_percent": D(service_spec.get("surcharge", "0")),
                        "is_tracked": service_spec.get("tracked", True), "sort_order": service_order,
                    })
                _zones_ensure(service, service_spec["zones"])
    return len(CARRIERS)


def _zones_ensure(service: CarrierService, zones: list[dict[str, Any]]) -> None:
    for zone_spec in zones:
        low, high = zone_spec["transit"]
        zone, _created = RateZone.objects.update_or_create(service=service, name=zone_spec["name"], defaults={
            "countries": zone_spec["countries"], "transit_days_min": low, "transit_days_max": high,
            "per_kg_above": zone_spec["per_kg_above"],
        })
        RateBand.objects.bulk_create(
            [RateBand(zone=zone, up_to_g=grams, price=price) for grams, price in zone_spec["bands"]],
            update_conflicts=True, unique_fields=["zone", "up_to_g"], update_fields=["price"],
        )
        RateBand.objects.filter(zone=zone).exclude(up_to_g__in=[grams for grams, _p in zone_spec["bands"]]).delete()
