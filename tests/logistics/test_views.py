"""Logistics pages: carriers enabled and disabled, shipping templates added, edited and deleted, the rate
calculator for a parcel typed in and for an order (page and htmx fragment), permission levels, and another
store's templates out of reach."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from logistics.models import EnabledService, ShippingRegion, ShippingTemplate
from logistics.services import shipping_template_create
from stores.carrier_data import carriers_ensure
from stores.carriers import CarrierService
from stores.models import FXRate, Marketplace, Store
from stores.permissions import NO_ACCESS, Level
from tests.orders.factories import place, stocked, warehouse
from tests.stores.factories import RoleFactory, activities, client_for, member_add

pytestmark = pytest.mark.django_db

BASE = "/store/test-a/logistics/"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _carriers(db: None) -> None:
    carriers_ensure()


def _service(carrier: str, code: str) -> CarrierService:
    return CarrierService.objects.get(carrier__code=carrier, code=code)


def _member_with(store: Store, level: Level) -> Client:
    role = RoleFactory.create(store=store, levels={**NO_ACCESS, "logistics": int(level)})
    return client_for(member_add(store, role).user)


def _enable(store: Store, *services: CarrierService) -> None:
    with schema_context(store.schema_name):
        EnabledService.objects.bulk_create([EnabledService(service=s) for s in services])


def _template(store: Store, site: str = "US", name: str = "Standard") -> ShippingTemplate:
    with schema_context(store.schema_name):
        return shipping_template_create(actor=None, data={
            "name": name, "marketplace": Marketplace.objects.get(code=site), "charge_by": "weight",
            "handling_days": 2, "free_shipping_above": Decimal("49")},
            regions=[{"countries": [], "bands": [[500, "4.99"]], "per_kg_above": None}])


def _template_post(**overrides: Any) -> dict[str, Any]:
    data = {"name": "Economy", "marketplace": str(Marketplace.objects.get(code="UK").pk), "charge_by": "weight",
            "handling_days": "3", "free_shipping_above": "40.00",
            "region-TOTAL_FORMS": "2", "region-INITIAL_FORMS": "0", "region-MIN_NUM_FORMS": "0",
            "region-MAX_NUM_FORMS": "20",
            "region-0-countries": "", "region-0-bands": "500 = 3.99\n1000 = 5.49\n2000 = 7.99",
            "region-0-per_kg_above": "2.50",
            "region-1-countries": "", "region-1-bands": ""}
    data.update(overrides)
    return data


# --- Carriers -----------------------------------------------------------------------------------------------------


def test_the_owner_enables_and_disables_services_and_it_is_logged(client_a: Client, store_a: Store) -> None:
    dhl = _service("dhl", "express-worldwide")
    yanwen = [_service("yanwen", "special-line"), _service("yanwen", "economy")]
    page = client_a.get(f"{BASE}carriers/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "DHL Express Worldwide" in html and "1Z999AA10123456784" in html and "Enable all" in html
    # Each service's zones: countries, transit time and the price of the first band.
    assert "North America (US, MX) · 3–5 days · CN¥230.00 up to 500 g" in html

    response = client_a.post(f"{BASE}carriers/services/", {"service": [dhl.pk], "action": "enable"})
    assert response.status_code == 302 and response["Location"] == f"{BASE}carriers/"
    client_a.post(f"{BASE}carriers/services/", {"service": [s.pk for s in yanwen], "action": "enable"})
    client_a.post(f"{BASE}carriers/services/", {"service": [dhl.pk], "action": "enable"})  # already enabled
    with schema_context(store_a.schema_name):
        assert set(EnabledService.objects.values_list("service_id", flat=True)) == {dhl.pk, *(s.pk for s in yanwen)}
    client_a.post(f"{BASE}carriers/services/", {"service": [yanwen[1].pk], "action": "disable"})
    with schema_context(store_a.schema_name):
        assert set(EnabledService.objects.values_list("service_id", flat=True)) == {dhl.pk, yanwen[0].pk}
    assert [a.action for a in activities(store_a) if a.action.startswith("carrier_service.")] == [
        "carrier_service.enabled", "carrier_service.enabled", "carrier_service.disabled"]
    assert "2 services enabled" in client_a.get(f"{BASE}carriers/").content.decode()  # both Yanwen services


def test_a_service_the_platform_withdrew_cannot_be_enabled(client_a: Client, store_a: Store) -> None:
    retired = _service("fedex", "international-economy")
    CarrierService.objects.filter(pk=retired.pk).update(is_active=False)
    client_a.post(f"{BASE}carriers/services/", {"service": [retired.pk], "action": "enable"})
    with schema_context(store_a.schema_name):
        assert not EnabledService.objects.exists()
    assert "FedEx International Economy" not in client_a.get(f"{BASE}carriers/").content.decode()


# --- Shipping templates -------------------------------------------------------------------------------------------


def test_the_owner_adds_edits_and_deletes_a_shipping_template(client_a: Client, store_a: Store) -> None:
    response = client_a.post(f"{BASE}templates/new/", _template_post())
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context(store_a.schema_name):
        template = ShippingTemplate.objects.get()
        assert (template.marketplace.code, template.handling_days, template.free_shipping_above) == \
            ("UK", 3, Decimal("40.000"))
        region = ShippingRegion.objects.get(template=template)
        assert region.countries == [] and region.bands == [[500, "3.99"], [1000, "5.49"], [2000, "7.99"]]
    listing = client_a.get(f"{BASE}templates/").content.decode()
    assert "Economy" in listing and "£40.00" in listing

    edit = client_a.get(f"{BASE}templates/{template.pk}/")
    assert edit.status_code == 200 and "1000 = 5.49" in edit.content.decode()
    response = client_a.post(f"{BASE}templates/{template.pk}/", _template_post(**{
        "charge_by": "item", "region-TOTAL_FORMS": "2", "region-0-bands": "", "region-0-first_item_price": "2.99",
        "region-0-additional_item_price": "0.99", "region-1-countries": "ie, gg",
        "region-1-first_item_price": "6.99"}))
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context(store_a.schema_name):
        regions = list(ShippingRegion.objects.filter(template=template).order_by("id"))
        assert [(r.countries, r.first_item_price) for r in regions] == [([], Decimal("2.990")),
                                                                        (["GG", "IE"], Decimal("6.990"))]

    response = client_a.post(f"{BASE}templates/{template.pk}/delete/")
    assert response.status_code == 302
    with schema_context(store_a.schema_name):
        assert not ShippingTemplate.objects.exists() and not ShippingRegion.objects.exists()
    assert [a.action for a in activities(store_a) if a.action.startswith("shipping_template.")] == [
        "shipping_template.created", "shipping_template.changed", "shipping_template.deleted"]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"region-0-bands": "1000 = 5\n500 = 3"}, "from the lightest to the heaviest"),
    ({"region-0-bands": "half a kilo = 3"}, "write up to how many grams"),
    ({"region-0-countries": "XX, DE"}, "Not ISO country codes: XX"),
    ({"region-0-bands": ""}, "at least one weight band"),
    ({"region-1-bands": "500 = 9"}, "Only one region can stand for the site"),
    ({"region-0-countries": "FR", "region-1-countries": "FR", "region-1-bands": "500 = 9"}, "FR is in more than"),
    ({"marketplace": ""}, "This field is required"),
])
def test_a_template_that_breaks_a_rule_is_refused(client_a: Client, store_a: Store, overrides: dict[str, str],
                                                  message: str) -> None:
    response = client_a.post(f"{BASE}templates/new/", _template_post(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    with schema_context(store_a.schema_name):
        assert not ShippingTemplate.objects.exists()


def test_a_second_template_of_the_same_name_on_a_site_is_refused(client_a: Client, store_a: Store) -> None:
    _template(store_a, "UK", "Economy")
    response = client_a.post(f"{BASE}templates/new/", _template_post())
    assert "This site already has a template of that name." in response.content.decode()


def test_a_site_the_store_does_not_sell_on_cannot_be_chosen(client_a: Client, store_a: Store) -> None:
    response = client_a.post(f"{BASE}templates/new/", _template_post(
        marketplace=str(Marketplace.objects.get(code="SG").pk)))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


def test_another_stores_template_is_not_found(client_a: Client, store_a: Store, store_b: Store) -> None:
    other = _template(store_b, "SG", "B only")
    with schema_context(store_a.schema_name):
        assert not ShippingTemplate.objects.filter(pk=other.pk).exists()
    for url in (f"{BASE}templates/{other.pk}/", f"{BASE}templates/{other.pk}/delete/"):
        assert client_a.get(url).status_code in (404, 405)
        assert client_a.post(url).status_code == 404
    with schema_context(store_b.schema_name):
        assert ShippingTemplate.objects.filter(pk=other.pk).exists()
    assert "B only" not in client_a.get(f"{BASE}templates/").content.decode()


# --- Rate calculator ----------------------------------------------------------------------------------------------


def _results(response: Any) -> list[str]:
    """The service names of the served rows, in order."""
    results = response.content.decode().split('id="rate-results"')[1]
    return re.findall(r'<div class="fw-semibold">([^<]+)</div>', results)


def test_the_calculator_compares_enabled_services_in_the_base_currency(client_a: Client, store_a: Store) -> None:
    FXRate.objects.create(rate_date=dt.date(2025, 1, 2), currency="CNY", rate=Decimal("7.8"))
    FXRate.objects.create(rate_date=dt.date(2025, 1, 2), currency="USD", rate=Decimal("1.04"))
    _enable(store_a, _service("dhl", "express-worldwide"), _service("yanwen", "special-line"),
            _service("platform", "express"), _service("usps", "ground-advantage"),
            _service("royal-mail", "tracked-48"))
    query = {"weight_kg": "0.8", "length_cm": "30", "width_cm": "20", "height_cm": "10", "destination": "US",
             "origin": "CN"}
    page = client_a.get(BASE, query)
    assert page.status_code == 200
    html = page.content.decode()
    # DHL: 30 x 20 x 10 / 5000 = 1.2 kg > 0.8 kg -> 1.5 kg: 230 + 2 x 70 = 370.00 CNY + 22.5 % (83.25) = 453.25.
    assert "CN¥453.25" in html or "¥453.25" in html
    # Yanwen (8000 divisor: 750 g < 800 g): the 800 g band: 20 + 0.8 x 85 = 88.00 CNY, the cheapest.
    assert _results(page)[0] == "Yanwen Special Line"
    assert html.count("Cheapest") == 1 and html.count("Fastest") == 1
    assert "Does not ship from CN" in html  # USPS (US), Royal Mail (GB)
    assert 'id="rate-results"' in html and "<html" in html

    fragment = client_a.get(BASE, query, headers=HTMX)
    body = fragment.content.decode()
    assert "<html" not in body and body.lstrip().startswith('<div id="rate-results"')
    assert _results(fragment) == _results(page)

    nowhere = client_a.get(BASE, {**query, "destination": "CA"}, headers=HTMX).content.decode()
    assert "None of your enabled services takes this parcel." in nowhere and "Does not deliver to CA" in nowhere


def test_a_parcel_from_the_us_is_priced_by_usps_and_converted(client_a: Client, store_a: Store) -> None:
    FXRate.objects.create(rate_date=dt.date(2025, 1, 2), currency="CNY", rate=Decimal("7.8"))
    FXRate.objects.create(rate_date=dt.date(2025, 1, 2), currency="USD", rate=Decimal("1.04"))
    _enable(store_a, _service("usps", "ground-advantage"))
    with schema_context(store_a.schema_name):
        warehouse("us-lax", country="US")
    html = client_a.get(BASE, {"weight_kg": "0.4", "destination": "US", "origin": "US"}).content.decode()
    # 400 g is in the 12 oz (340 g) .. 16 oz (453 g) band: 9.00 USD; x 7.8 / 1.04 = 67.50 CNY.
    assert "$9.00" in html and "CN¥67.50" in html
    assert "1 USD = 7.5000 CNY" in html


def test_invalid_parcels_show_what_to_fix(client_a: Client, store_a: Store) -> None:
    _enable(store_a, _service("dhl", "express-worldwide"))
    body = client_a.get(BASE, {"weight_kg": "0", "destination": "US", "origin": "CN"}, headers=HTMX).content.decode()
    assert "Check the parcel" in body and "Weight (kg)" in body
    assert "Ensure this value is greater than or equal to 0.001" in body


def test_the_calculator_takes_an_order_s_parcel(client_a: Client, store_a: Store) -> None:
    _enable(store_a, _service("dhl", "express-worldwide"))
    with schema_context(store_a.schema_name):
        from catalog.models import Variant

        where = warehouse("main")
        stocked("LAMP", units={where: 50}, variants=2)
        Variant.objects.filter(sku="LAMP-1").update(length_mm=200, width_mm=150, height_mm=100, weight_g=400)
        Variant.objects.filter(sku="LAMP-2").update(length_mm=300, width_mm=100, height_mm=50, weight_g=300)
        order = place(store_a, lines=[("LAMP-1", 2), ("LAMP-2", 1)], ship_by=(dt.datetime.now(dt.UTC)
                                                                              + dt.timedelta(days=3)).isoformat(),
                      shipping_address={"name": "Ann", "line1": "1 Main St", "city": "Austin", "region": "TX",
                                        "postal_code": "78701", "country": "US"})
    response = client_a.get(BASE, {"order": order.number})
    assert response.status_code == 200
    html = response.content.decode()
    # 2 x 400 g + 300 g = 1.1 kg; 30 x 15 cm; 2 x 3,000 + 1,500 = 7,500 cm³ / (30 x 15) = 16.7 -> 17 cm high.
    assert 'name="weight_kg" value="1.100"' in html
    assert 'name="length_cm" value="30.0"' in html and 'name="width_cm" value="15.0"' in html
    assert 'name="height_cm" value="17.0"' in html
    assert f'name="order" value="{order.number}"' in html
    # 30 x 15 x 17 / 5000 = 1.53 kg -> 2 kg at DHL: 230 + 3 x 70 = 440.00 + 22.5 % = 539.00 CNY.
    assert "539.00" in html and "DHL Express Worldwide" in html
    assert client_a.get(BASE, {"order": "XX-000000-0"}).status_code == 404


# --- Permission levels ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "can_view", "can_manage"), [
    (Level.VIEW, True, False), (Level.EDIT, True, False), (Level.MANAGE, True, True), (Level.NONE, False, False),
])
def test_pages_per_permission_level(store_a: Store, level: Level, can_view: bool, can_manage: bool) -> None:
    client = _member_with(store_a, level)
    template = _template(store_a, "US", f"T{int(level)}")
    service = _service("dhl", "express-worldwide")
    for path in ("", "carriers/", "templates/"):
        response = client.get(f"{BASE}{path}")
        assert response.status_code == (200 if can_view else 403), path
    for path in ("templates/new/", f"templates/{template.pk}/"):
        assert client.get(f"{BASE}{path}").status_code == (200 if can_manage else 403), path
    response = client.post(f"{BASE}carriers/services/", {"service": [service.pk], "action": "enable"})
    assert response.status_code == (302 if can_manage else 403)
    response = client.post(f"{BASE}templates/{template.pk}/delete/")
    assert response.status_code == (302 if can_manage else 403)
    if can_view:
        html = client.get(f"{BASE}carriers/").content.decode()
        assert ('name="action" value="enable"' in html or 'value="disable"' in html) == can_manage
        assert ('href="/store/test-a/logistics/"' in html)  # the navigation's Logistics entry
