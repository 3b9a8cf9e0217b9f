"""A marketplace simulator: days of orders from made-up buyers on a store's sites, sent through the platform API
exactly as the marketplace would send them, plus the seller's side that the history needs (shipping, deciding
cancellation requests, receiving stock when it runs out).

Every order and event is planned from the seed and the calendar day: the same seed plans the same orders with the
same ids on every run, and a run on a later day plans the same orders for the days both runs cover. Only the
events whose time has come are sent; the API's idempotency answers a repeat with the first answer, and the seller's
steps look at the order's status first, so running again changes nothing (or only adds what has come due since).

Used by ``manage.py simulate_marketplace`` and by ``seed_demo``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from catalog.models import Listing, StockMovement, Warehouse
from catalog.pricing import effective_price, quantum
from catalog.selectors import product_titles, warehouse_first_in_use
from catalog.services.inventory import stock_change
from sellercenter.errors import DomainError
from stores.models import Membership, Role, Store
from stores.platform_tokens import platform_token_create, platform_token_revoke

from .models import Order, Return
from .selectors import order_for_marketplace
from .services import (
    Receipt,
    order_cancel_request_decide,
    order_mark_shipped,
    refund_issue,
    refund_suggestion,
    return_decide,
    return_receive,
)
from .simulator_buyers import buyer_make, reason_pick, return_reason_pick

API = "/api/platform/v1/stores/{handle}"
# How often each site sells, relative to the others; sites not named weigh 1.
SITE_WEIGHTS = {"US": 6, "UK": 3, "DE": 3, "JP": 3, "FR": 2, "SG": 2, "MY": 2, "AU": 2, "MX": 2, "BR": 2}
# Tax on the lines (VAT, GST, sales tax) by country, as a fraction of the line; US sales tax varies by state.
TAX_RATES = {"GB": "0.20", "DE": "0.19", "FR": "0.20", "IT": "0.22", "ES": "0.21", "JP": "0.10", "SG": "0.09",
             "MY": "0.10", "TH": "0.07", "PH": "0.12", "VN": "0.10", "ID": "0.11", "MX": "0.16", "BR": "0",
             "AU": "0.10", "AE": "0.05", "SA": "0.15"}
US_SALES_TAX = ("0", "0.06", "0.0725", "0.08", "0.0825", "0.1025")
# Shipping charged to the buyer below the free-shipping threshold, in the site's currency: (fee, threshold).
SHIPPING = {"USD": ("4.99", "35"), "GBP": ("3.99", "30"), "EUR": ("4.90", "39"), "JPY": ("500", "3500"),
            "SGD": ("3.50", "40"), "MYR": ("8.00", "100"), "THB": ("40", "500"), "PHP": ("99", "999"),
            "VND": ("30000", "300000"), "IDR": ("15000", "200000"), "MXN": ("99", "599"), "BRL": ("19.90", "199"),
            "AUD": ("7.95", "60"), "AED": ("15", "150"), "SAR": ("20", "200")}
CARRIERS = {"US": ("UPS", "USPS", "FedEx"), "GB": ("Royal Mail", "DPD", "Evri"), "DE": ("DHL", "Hermes", "DPD"),
            "FR": ("La Poste Colissimo", "Chronopost"), "IT": ("Poste Italiane", "BRT"), "ES": ("Correos", "SEUR"),
            "JP": ("ヤマト運輸", "佐川急便", "日本郵便"), "SG": ("SingPost", "Ninja Van"),
            "MY": ("Pos Laju", "J&T Express"),
            "TH": ("Kerry Express", "Flash Express"), "PH": ("LBC", "J&T Express"), "VN": ("GHN", "Viettel Post"),
            "ID": ("JNE", "SiCepat"), "MX": ("Estafeta", "DHL"), "BR": ("Correios", "Jadlog"),
            "AU": ("Australia Post", "Sendle"), "AE": ("Aramex", "Emirates Post"), "SA": ("SMSA", "Aramex")}
# Days from shipment to delivery: the demo stores ship from their overseas warehouses and from China.
TRANSIT_DAYS = (2.0, 9.0)
RESTOCK_UNITS = (30, 120)


@dataclass(frozen=True)
class Offer:
    """One SKU on one site at its listing's price."""

    sku: str
    title: str
    price: Decimal | None
    sale_price: Decimal | None
    sale_start: dt.datetime | None
    sale_end: dt.datetime | None


@dataclass(frozen=True)
class Site:
    code: str
    country: str
    currency: str
    offers: tuple[Offer, ...]


@dataclass(frozen=True)
class Step:
    """One thing that happens to an order: an API event (``event`` names the endpoint) or a seller's step."""

    at: dt.datetime
    order_id: str
    site: str
    event: str  # placed, payment-confirmed, cancellation-requested, delivery-confirmed, return-requested,
    #             seller-ship, seller-approve-cancel, seller-refuse-cancel, seller-authorise-return,
    #             seller-reject-return, seller-receive-return, seller-refund
    body: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """What a run did: how many of each step were sent, answered new (201) or as before (200), and every answer
    that was neither."""

    sent: Counter[str] = field(default_factory=Counter)
    created: Counter[str] = field(default_factory=Counter)
    seller: Counter[str] = field(default_factory=Counter)
    restocked_units: int = 0
    errors: list[str] = field(default_factory=list)
    orders_planned: int = 0


def _money(amount: Decimal, currency: str) -> str:
    """An amount as the API takes it: a string with the currency's own decimals (JPY none, USD two)."""
    return format(amount.quantize(quantum(currency), rounding=ROUND_HALF_EVEN), "f")


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def sites_load(store: Store) -> list[Site]:
    """The store's sites and, on each, the SKUs listed there with a price (what a buyer can order). Runs in the
    store's schema."""
    sites = []
    for marketplace in store.marketplaces.order_by("code"):
        listings = list(Listing.objects.filter(marketplace=marketplace, price__isnull=False)
                        .exclude(wanted_status=Listing.Status.INACTIVE)
                        .select_related("variant").order_by("variant__sku"))
        titles = product_titles(product_ids={listing.variant.product_id for listing in listings},
                                language=marketplace.language)
        offers = tuple(
            Offer(sku=listing.variant.sku, title=titles.get(listing.variant.product_id, listing.variant.sku)[:200],
                  price=listing.price.amount,
                  sale_price=listing.sale_price.amount if listing.sale_price is not None else None,
                  sale_start=listing.sale_start, sale_end=listing.sale_end)
            for listing in listings
        )
        if offers:
            sites.append(Site(code=marketplace.code, country=marketplace.country, currency=marketplace.currency,
                              offers=offers))
    return sites


def _order_steps(*, site: Site, order_id: str, placed_at: dt.datetime, rng: random.Random) -> list[Step]:
    """One order's whole life, planned up front: placed, maybe paid later, maybe a cancellation request, shipped by
    the seller, delivered, maybe a return request."""
    currency, country = site.currency, site.country
    buyer, address = buyer_make(country, rng)
    lines_wanted = min(len(site.offers), rng.choices((1, 2, 3, 4), weights=(60, 25, 10, 5))[0])
    rate = Decimal(TAX_RATES.get(country) or rng.choice(US_SALES_TAX))
    lines = []
    items = Decimal("0")
    for number, offer in enumerate(rng.sample(site.offers, lines_wanted), start=1):
        quantity = rng.choices((1, 2, 3), weights=(80, 15, 5))[0]
        price = effective_price(price=offer.price, sale_price=offer.sale_price, sale_start=offer.sale_start,
                                sale_end=offer.sale_end, now=placed_at) or Decimal("0")
        price = price.quantize(quantum(currency), rounding=ROUND_HALF_EVEN)
        items += price * quantity
        lines.append({"line_id": str(number), "sku": offer.sku, "title": offer.title, "quantity": quantity,
                      "unit_price": _money(price, currency), "tax": _money(price * quantity * rate, currency)})
    fee, threshold = (Decimal(value) for value in SHIPPING.get(currency, ("0", "0")))
    shipping = fee if items < threshold else Decimal("0")
    discount = (items * Decimal("0.10")) if rng.random() < 0.1 else Decimal("0")
    paid_now = rng.random() < 0.85
    body: dict[str, Any] = {
        "marketplace": site.code, "marketplace_order_id": order_id, "placed_at": _iso(placed_at),
        "currency": currency, "channel": Order.Channel.SELLER.value,
        "ship_by": _iso(placed_at + dt.timedelta(days=2)), "deliver_by": _iso(placed_at + dt.timedelta(days=12)),
        "buyer": buyer, "shipping_address": address, "lines": lines,
        "shipping": _money(shipping, currency), "discount": _money(discount, currency),
    }
    if paid_now:
        body["paid_at"] = _iso(placed_at + dt.timedelta(seconds=rng.randint(5, 180)))
    steps = [Step(placed_at, order_id, site.code, "placed", body)]

    def later(start: dt.datetime, low_hours: float, high_hours: float) -> dt.datetime:
        return start + dt.timedelta(seconds=int(rng.uniform(low_hours, high_hours) * 3600))

    paid_at: dt.datetime | None = placed_at
    if not paid_now:
        if rng.random() < 0.8:
            paid_at = later(placed_at, 0.2, 36)
            steps.append(Step(paid_at, order_id, site.code, "payment-confirmed",
                              {"event_id": f"PAY-{order_id}", "paid_at": _iso(paid_at)}))
        else:
            paid_at = None
    ship_at = later(paid_at or placed_at, 4, 60)
    asks_to_cancel = paid_at is None or rng.random() < 0.04
    if asks_to_cancel:
        asked_at = later(placed_at, 1, 30)
        steps.append(Step(asked_at, order_id, site.code, "cancellation-requested",
                          {"event_id": f"CXL-{order_id}", "requested_at": _iso(asked_at),
                           "reason": reason_pick(country, rng, kind="cancel")}))
        decided_at = later(asked_at, 1, 12)
        approve = paid_at is None or rng.random() < 0.85
        steps.append(Step(decided_at, order_id, site.code,
                          "seller-approve-cancel" if approve else "seller-refuse-cancel"))
        if approve:
            # A payment that would have come after the order was cancelled never comes.
            return [step for step in steps if step.at <= decided_at]
        ship_at = max(ship_at, later(decided_at, 1, 12))
    carrier = rng.choice(CARRIERS.get(country, ("DHL",)))
    tracking = f"{site.code}{rng.randrange(10**11, 10**12)}"
    steps.append(Step(ship_at, order_id, site.code, "seller-ship", {"carrier": carrier, "tracking_number": tracking}))
    delivered_at = later(ship_at, TRANSIT_DAYS[0] * 24, TRANSIT_DAYS[1] * 24)
    if rng.random() < 0.97:  # a few parcels are never confirmed
        steps.append(Step(delivered_at, order_id, site.code, "delivery-confirmed",
                          {"event_id": f"DLV-{order_id}", "delivered_at": _iso(delivered_at)}))
        if rng.random() < 0.05:
            asked_at = later(delivered_at, 12, 14 * 24)
            code, text = return_reason_pick(country, rng)
            steps.append(Step(asked_at, order_id, site.code, "return-requested",
                              {"event_id": f"RET-{order_id}", "requested_at": _iso(asked_at), "reason": text,
                               "reason_code": code}))
            steps += _return_steps(site=site, order_id=order_id, asked_at=asked_at, reason_code=code,
                                   later=later, rng=rng)
    return steps


def _return_steps(*, site: Site, order_id: str, asked_at: dt.datetime, reason_code: str,
                  later: Callable[[dt.datetime, float, float], dt.datetime], rng: random.Random) -> list[Step]:
    """The seller's side of a return: most are authorised within two days, the parcel comes back a week later
    (damaged and defective units are written off, the rest go back to stock) and is refunded; a few are refunded
    without the parcel, a few rejected."""
    decided_at = later(asked_at, 2, 48)
    if rng.random() < 0.1:
        return [Step(decided_at, order_id, site.code, "seller-reject-return",
                     {"note": "Return window closed"})]
    steps = [Step(decided_at, order_id, site.code, "seller-authorise-return")]
    if rng.random() < 0.15:  # not worth the postage back: refunded, the buyer keeps it
        return [*steps, Step(later(decided_at, 1, 6), order_id, site.code, "seller-refund")]
    received_at = later(decided_at, 3 * 24, 10 * 24)
    steps.append(Step(received_at, order_id, site.code, "seller-receive-return",
                      {"restock": reason_code not in ("damaged", "defective")}))
    steps.append(Step(later(received_at, 2, 36), order_id, site.code, "seller-refund"))
    return steps


def plan(*, sites: list[Site], days: int, orders_per_day: int, seed: int, today: dt.date) -> tuple[int, list[Step]]:
    """Every order of the ``days`` calendar days (UTC) up to and including ``today`` and each step of their lives,
    in time order; steps may lie in the future. Returns (orders planned, steps). Each day draws from its own
    generator, seeded by the seed and the date, so the same day plans the same orders in any run that covers it."""
    if not sites:
        return 0, []
    weights = [SITE_WEIGHTS.get(site.code, 1) for site in sites]
    # Runs with another seed or rate plan other orders: their ids must not collide with these.
    tag = hashlib.sha256(f"{seed}:{orders_per_day}".encode()).hexdigest()[:4].upper()
    steps: list[Step] = []
    orders = 0
    for offset in range(days - 1, -1, -1):
        day = today - dt.timedelta(days=offset)
        rng = random.Random(f"{seed}:{orders_per_day}:{day.isoformat()}")
        # Busier at weekends, and from day to day a little more or less.
        expected = orders_per_day * (1.15 if day.weekday() >= 5 else 0.94) * rng.uniform(0.85, 1.15)
        count = max(0, round(expected))
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        times = sorted(rng.randrange(86400) for _ in range(count))
        for number, second in enumerate(times, start=1):
            site = rng.choices(sites, weights=weights)[0]
            order_id = f"{day:%y%m%d}{tag}{number:05d}"
            steps += _order_steps(site=site, order_id=order_id, placed_at=midnight + dt.timedelta(seconds=second),
                                  rng=rng)
        orders += count
    steps.sort(key=lambda step: step.at)
    return orders, steps


def _api_client() -> Client:
    """A test client speaking to the real URLconf in this process, under a host name the settings allow."""
    host = next((name for name in settings.ALLOWED_HOSTS if name and "*" not in name and not name.startswith(".")),
                "localhost")
    return Client(SERVER_NAME=host.strip("[]") if host.startswith("[") else host)


def _restock(order: Order, *, actor: Any) -> int:
    """The seller receives stock for the lines of ``order`` that hold none, in the first own warehouse."""
    warehouse = warehouse_first_in_use(kinds=(Warehouse.Kind.OWN, Warehouse.Kind.THIRD_PARTY))
    if warehouse is None:
        return 0
    received = 0
    rng = random.Random(order.number)
    for line in order.lines.filter(variant__isnull=False, quantity_reserved=0).select_related("variant"):
        if line.quantity_open and line.variant is not None:
            units = line.quantity_open + rng.randint(*RESTOCK_UNITS)
            stock_change(variant=line.variant, warehouse=warehouse, reason=StockMovement.Reason.RECEIVED,
                         actor=actor, on_hand_change=units, note="Replenishment (simulated)")
            received += units
    return received


def _seller_step(step: Step, *, actor: Any, outcome: Outcome) -> None:
    """The seller's part, done through the orders services, only when the order is where the step expects it, and
    recorded at the step's planned time (as the marketplace's own events are stamped with theirs)."""
    order = order_for_marketplace(marketplace_code=step.site, marketplace_order_id=step.order_id)
    if order is None:
        return
    if step.event == "seller-ship":
        if order.status not in Order.AWAITING_SHIPMENT:
            return
        if order.attention == Order.Attention.NO_STOCK:
            # Out of stock: the seller receives more, then ships.
            outcome.restocked_units += _restock(order, actor=actor)
        try:
            order_mark_shipped(actor=actor, order=order, at=step.at, **step.body)
        except DomainError as error:
            outcome.errors.append(f"ship {step.site} {step.order_id}: {error.message}")
            return
        outcome.seller["shipped"] += 1
    elif step.event.endswith("-cancel"):
        if order.status == Order.Status.CANCEL_REQUESTED:
            approve = step.event == "seller-approve-cancel"
            order_cancel_request_decide(actor=actor, order=order, approve=approve, at=step.at)
            outcome.seller["cancel approved" if approve else "cancel refused"] += 1
    else:
        try:
            _seller_return_step(step, order=order, actor=actor, outcome=outcome)
        except DomainError as error:
            outcome.errors.append(f"{step.event} {step.site} {step.order_id}: {error.message}")


def _seller_return_step(step: Step, *, order: Order, actor: Any, outcome: Outcome) -> None:
    """Authorise or reject, receive, refund: each only when the order's open return waits for it."""
    rma = order.returns.filter(status__in=Return.OPEN).order_by("-id").first()
    if rma is None:
        return
    if step.event in ("seller-authorise-return", "seller-reject-return") and rma.status == Return.Status.REQUESTED:
        authorise = step.event == "seller-authorise-return"
        return_decide(actor=actor, rma=rma, authorise=authorise, note=step.body.get("note", ""), at=step.at)
        outcome.seller["return authorised" if authorise else "return rejected"] += 1
    elif step.event == "seller-receive-return" and rma.status == Return.Status.AUTHORISED:
        warehouse = warehouse_first_in_use(kinds=(Warehouse.Kind.OWN, Warehouse.Kind.THIRD_PARTY))
        restock = bool(step.body.get("restock")) and warehouse is not None
        receipts = {line.pk: Receipt(restock=line.quantity, write_off=0)
                    if restock and line.order_line.variant_id is not None
                    else Receipt(restock=0, write_off=line.quantity)
                    for line in rma.lines.select_related("order_line")}
        return_receive(actor=actor, rma=rma, receipts=receipts, warehouse_id=warehouse.pk if warehouse else None,
                       at=step.at)
        outcome.seller["return received"] += 1
    elif step.event == "seller-refund" and rma.status in (Return.Status.AUTHORISED, Return.Status.RECEIVED):
        amount = refund_suggestion(order, rma)
        if amount > 0:
            refund_issue(actor=actor, order=order, amount=amount, idempotency_key=f"SIM-{rma.rma_number}",
                         at=step.at)
            outcome.seller["refunded"] += 1


def store_owner(store: Store) -> Any:
    membership = (Membership.objects.filter(store=store, role__kind=Role.Kind.OWNER).select_related("user")
                  .order_by("pk").first())
    return membership.user if membership is not None else None


def simulate_marketplace(
    *,
    store: Store,
    days: int,
    orders_per_day: int,
    seed: int,
    token: str | None = None,
    actor: Any = None,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Send ``days`` days of orders to ``store`` through its platform API and do the seller's steps they need.
    Without ``token``, one is created for the run and revoked at its end. ``actor`` is the person the seller's steps
    are recorded under (the store's Owner by default)."""
    now = now or timezone.now()
    outcome = Outcome()
    with tenant_context(store):
        sites = sites_load(store)
    outcome.orders_planned, steps = plan(sites=sites, days=days, orders_per_day=orders_per_day, seed=seed,
                                         today=now.astimezone(dt.UTC).date())
    due = [step for step in steps if step.at <= now]
    if not due:
        return outcome
    actor = actor or store_owner(store)
    created_token = None
    if token is None:
        created_token, token = platform_token_create(actor=None, store=store, name="Marketplace simulator")
    client = _api_client()
    headers = {"Authorization": f"Bearer {token}"}
    base = API.format(handle=store.handle)
    try:
        for index, step in enumerate(due, start=1):
            if step.event.startswith("seller-"):
                with tenant_context(store):
                    _seller_step(step, actor=actor, outcome=outcome)
            else:
                path = (f"{base}/orders" if step.event == "placed"
                        else f"{base}/orders/{step.site}/{step.order_id}/{step.event}")
                response = client.post(path, data=json.dumps(step.body, ensure_ascii=False),
                                       content_type="application/json", headers=headers, secure=True)
                outcome.sent[step.event] += 1
                if response.status_code == 201:
                    outcome.created[step.event] += 1
                elif response.status_code != 200:
                    outcome.errors.append(f"{step.event} {step.site} {step.order_id}: {response.status_code} "
                                          f"{response.content.decode()[:300]}")
            if progress is not None and index % 1000 == 0:
                progress(index, len(due))
    finally:
        if created_token is not None:
            platform_token_revoke(tokens=[created_token])
    return outcome
