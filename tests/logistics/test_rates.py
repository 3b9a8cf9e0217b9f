"""The rate calculator's arithmetic against cases worked by hand: volumetric against actual weight, band edges,
above the top band, zones, services that cannot take a parcel, half-even rounding at the named points, the
cheapest and the fastest, and shipping templates."""

from __future__ import annotations

from decimal import Decimal

from logistics import rates
from logistics.rates import Parcel, ServiceCard, Zone

D = Decimal

# CNY card, 5000 cm³/kg, rounded up to 500 g, 20 % fuel surcharge.
#   US:     <= 500 g 100.00, <= 1000 g 150.00, <= 2000 g 220.00, then 60.00 per kg; 3 to 5 days
#   DE, FR: <= 500 g 130.00 and nothing heavier; 4 to 6 days
EXPRESS = ServiceCard(
    service_id=1, carrier_name="Test Express", service_name="Express Worldwide", currency="CNY",
    origins=frozenset({"CN", "HK"}), weight_step_g=500, volumetric_divisor=5000, fuel_surcharge_percent=D("20"),
    zones=(
        Zone("America", frozenset({"US"}), 3, 5, ((500, D("100.00")), (1000, D("150.00")), (2000, D("220.00"))),
             per_kg_above=D("60.00")),
        Zone("Europe", frozenset({"DE", "FR"}), 4, 6, ((500, D("130.00")),)),
    ),
)


def _us(weight_g: str, *size: str) -> Parcel:
    length, width, height = (D(x) for x in size) if size else (D(0), D(0), D(0))
    return Parcel(weight_g=D(weight_g), length_cm=length, width_cm=width, height_cm=height, destination="US",
                  origin="CN")


def test_actual_weight_wins_and_is_rounded_up_to_the_step() -> None:
    # 10 x 10 x 10 = 1,000 cm³ / 5000 = 0.2 kg = 200 g < 400 g actual; 400 g -> 500 g; band <= 500: 100.00
    q = rates.quote(EXPRESS, _us("400", "10", "10", "10"))
    assert q.volumetric_g == D(200)
    assert q.chargeable_g == 500
    assert not q.volumetric_counts
    assert (q.freight, q.surcharge, q.price) == (D("100.00"), D("20.00"), D("120.00"))
    assert q.zone is not None and q.zone.name == "America"


def test_volumetric_weight_wins_for_a_light_bulky_parcel() -> None:
    # 30 x 20 x 15 = 9,000 cm³ / 5000 = 1.8 kg = 1,800 g > 300 g; 1,800 -> 2,000 g; band <= 2000: 220.00 + 44.00
    q = rates.quote(EXPRESS, _us("300", "30", "20", "15"))
    assert q.volumetric_g == D(1800)
    assert q.chargeable_g == 2000
    assert q.volumetric_counts
    assert q.price == D("264.00")


def test_a_weight_exactly_on_a_band_edge_pays_that_band() -> None:
    assert rates.quote(EXPRESS, _us("1000")).freight == D("150.00")  # on the edge of <= 1000
    assert rates.quote(EXPRESS, _us("500")).freight == D("100.00")
    # One gram more rounds up to 1,500 g, in the <= 2000 band.
    over = rates.quote(EXPRESS, _us("1001"))
    assert (over.chargeable_g, over.freight) == (1500, D("220.00"))
    # The volumetric weight lands exactly on the edge too: 20 x 20 x 12.5 = 5,000 cm³ -> 1,000 g.
    assert rates.quote(EXPRESS, _us("100", "20", "20", "12.5")).freight == D("150.00")


def test_above_the_top_band_the_rate_per_kg_is_added_for_the_weight_above_it() -> None:
    # 3,200 g -> 3,500 g; 1,500 g above the 2,000 g band: 220.00 + 1.5 x 60.00 = 310.00; + 20 % = 372.00
    q = rates.quote(EXPRESS, _us("3200"))
    assert q.chargeable_g == 3500
    assert (q.freight, q.surcharge, q.price) == (D("310.00"), D("62.00"), D("372.00"))


def test_zones_price_by_destination_and_a_zone_without_a_rate_above_its_top_band_refuses_heavier_parcels() -> None:
    to_germany = rates.quote(EXPRESS, Parcel(weight_g=D("450"), destination="DE", origin="CN"))
    assert to_germany.zone is not None and to_germany.zone.name == "Europe"
    assert to_germany.price == D("156.00")  # 130.00 + 26.00
    heavy = rates.quote(EXPRESS, Parcel(weight_g=D("600"), destination="FR", origin="CN"))
    assert heavy.not_served == rates.TOO_HEAVY and not heavy.served


def test_an_unknown_destination_or_origin_is_not_served() -> None:
    assert rates.quote(EXPRESS, Parcel(weight_g=D("400"), destination="BR", origin="CN")).not_served \
        == rates.NOT_TO_DESTINATION
    assert rates.quote(EXPRESS, Parcel(weight_g=D("400"), destination="US", origin="US")).not_served \
        == rates.NOT_FROM_ORIGIN


def test_a_carrier_without_a_divisor_charges_the_actual_weight_only() -> None:
    postal = ServiceCard(service_id=2, carrier_name="Post", service_name="Tracked", currency="GBP",
                         origins=frozenset({"GB"}), weight_step_g=1, volumetric_divisor=None,
                         zones=(Zone("UK", frozenset({"GB"}), 2, 3, ((1000, D("3.55")), (2000, D("4.55")))),))
    q = rates.quote(postal, Parcel(weight_g=D("999.2"), length_cm=D(60), width_cm=D(50), height_cm=D(40),
                                   destination="GB", origin="GB"))
    assert q.volumetric_g is None
    assert q.chargeable_g == 1000  # 999.2 g rounded up to the 1 g step
    assert q.price == D("3.55")


def test_half_even_at_the_freight_and_surcharge_points() -> None:
    # FREIGHT: 10.00 + 0.05 kg x 99.70 = 14.985 -> 14.98 (half-even; half-up would give 14.99).
    # SURCHARGE: 14.98 x 50 % = 7.49 exactly.
    line = ServiceCard(service_id=3, carrier_name="Line", service_name="Line", currency="CNY",
                       origins=frozenset({"CN"}), weight_step_g=10, fuel_surcharge_percent=D("50"),
                       zones=(Zone("US", frozenset({"US"}), 8, 15, ((100, D("10.00")),), per_kg_above=D("99.70")),))
    q = rates.quote(line, Parcel(weight_g=D("141"), destination="US", origin="CN"))  # 141 g -> 150 g
    assert q.chargeable_g == 150
    assert (q.freight, q.surcharge, q.price) == (D("14.98"), D("7.49"), D("22.47"))
    # SURCHARGE on its own: 10.05 x 50 % = 5.025 -> 5.02.
    flat = ServiceCard(service_id=4, carrier_name="Line", service_name="Flat", currency="CNY",
                       origins=frozenset({"CN"}), fuel_surcharge_percent=D("50"),
                       zones=(Zone("US", frozenset({"US"}), 8, 15, ((100, D("10.05")),)),))
    assert rates.quote(flat, Parcel(weight_g=D("50"), destination="US", origin="CN")).surcharge == D("5.02")


def test_converted_rounds_half_even_to_the_target_currency() -> None:
    assert rates.converted(D("2.5"), D("1"), "JPY") == D("2")
    assert rates.converted(D("3.5"), D("1"), "JPY") == D("4")
    assert rates.converted(D("120.00"), D("0.13875"), "USD") == D("16.65")  # 16.650 exactly
    assert rates.converted(D("10.00"), D("0.1385"), "USD") == D("1.38")  # 1.385 -> 1.38
    assert rates.converted(D("10.00"), D("0.0334"), "KWD") == D("0.334")


def _card(service_id: int, currency: str, price: str, days: tuple[int, int]) -> ServiceCard:
    return ServiceCard(service_id=service_id, carrier_name=f"C{service_id}", service_name=f"S{service_id}",
                       currency=currency, origins=frozenset({"CN"}),
                       zones=(Zone("Z", frozenset({"US"}), days[0], days[1], ((30000, D(price)),)),))


def test_compare_marks_the_cheapest_in_the_base_currency_and_the_fastest() -> None:
    parcel = Parcel(weight_g=D("500"), destination="US", origin="CN")
    cards = [_card(1, "CNY", "80.00", (7, 12)), _card(2, "USD", "10.00", (5, 8)), _card(3, "CNY", "200.00", (2, 4)),
             _card(4, "GBP", "1.00", (1, 2)), ServiceCard(5, "C5", "S5", "CNY", frozenset({"CN"}), ())]
    quotes = [rates.quote(card, parcel) for card in cards]
    # In CNY: 80.00; 10 USD x 7.2 = 72.00; 200.00; GBP has no FX rate.
    result = rates.compare(quotes, {1: D("80.00"), 2: D("72.00"), 3: D("200.00")})
    by_id = {q.card.service_id: q for q in result}
    assert [q.card.service_id for q in result] == [2, 1, 3, 4, 5]  # priced cheapest first, unpriced, not served
    assert by_id[2].cheapest and not by_id[1].cheapest and not by_id[4].cheapest
    assert by_id[4].fastest and not by_id[3].fastest  # 1-2 days beats 2-4
    assert not by_id[5].served and not by_id[5].cheapest and not by_id[5].fastest


def test_compare_marks_every_service_tied_for_the_best() -> None:
    parcel = Parcel(weight_g=D("500"), destination="US", origin="CN")
    quotes = [rates.quote(_card(1, "CNY", "50.00", (3, 5)), parcel), rates.quote(_card(2, "CNY", "50.00", (3, 5)),
                                                                                  parcel)]
    result = rates.compare(quotes, {1: D("50.00"), 2: D("50.00")})
    assert all(q.cheapest and q.fastest for q in result)


# --- Shipping templates -------------------------------------------------------------------------------------------

REGIONS = [
    rates.TemplateRegion(countries=frozenset(), bands=((500, D("4.99")), (1000, D("6.99"))), per_kg_above=D("3.00")),
    rates.TemplateRegion(countries=frozenset({"PR", "GU"}), bands=((500, D("9.99")),)),
]


def _charge(country: str, weight_g: int, value: str = "20.00", **extra: object) -> Decimal | None:
    args: dict[str, object] = {"charge_by": "weight", "site_country": "US", "regions": REGIONS, "currency": "USD",
                               "country": country, "weight_g": weight_g, "items": 1, "order_value": D(value),
                               "free_above": D("49.00"), **extra}
    return rates.template_charge(**args)  # type: ignore[arg-type]


def test_template_by_weight_regions_bands_and_free_shipping() -> None:
    assert _charge("US", 500) == D("4.99")  # on the band's edge
    assert _charge("US", 501) == D("6.99")
    assert _charge("US", 1250) == D("7.74")  # 6.99 + 0.25 kg x 3.00 = 7.74
    assert _charge("PR", 400) == D("9.99")  # the named region wins over the whole country
    assert _charge("PR", 600) is None  # above its top band, no rate per kg
    assert _charge("CA", 400) is None  # not in any region
    assert _charge("US", 400, value="49.00") == D("0")  # at the free-shipping amount
    assert _charge("US", 400, value="48.99") == D("4.99")


def test_template_per_item() -> None:
    regions = [rates.TemplateRegion(countries=frozenset(), first_item_price=D("3.50"),
                                    additional_item_price=D("1.00"))]
    assert _charge("US", 0, charge_by="item", regions=regions, items=3) == D("5.50")
    assert _charge("US", 0, charge_by="item", regions=regions, items=1, currency="JPY",
                   free_above=None) == D("4")  # 3.50 yen rounds half-even to 4
