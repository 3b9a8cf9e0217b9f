"""The order endpoints of the platform API: the marketplace tells a store about its orders. JSON in and out.

Every answer about an event is the event's body: 201 when this request recorded it, 200 with the same body when it
had been recorded before. A malformed payload gets 400 with every field's errors and stores nothing; an id reused
with other content, or an event the order's status does not allow, gets 409.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sellercenter.errors import DomainError
from sellercenter.platform_api import Errors, Object, canonical_hash, json_body, json_error
from stores.models import Marketplace, Store
from stores.platform_tokens import platform_api_view

from ..selectors import order_for_marketplace
from ..services import (
    IdempotencyConflict,
    Ingested,
    order_cancel_request,
    order_ingest_placed,
    order_mark_delivered,
    order_payment_confirm,
    order_return_request,
)
from .payloads import (
    CANCELLATION_REQUESTED,
    DELIVERY_CONFIRMED,
    ID_PATTERN,
    ORDER_PLACED,
    PAYMENT_CONFIRMED,
    RETURN_REQUESTED,
    event_body,
)


def _answer(result: Ingested) -> JsonResponse:
    return JsonResponse(event_body(result.event), status=201 if result.created else 200,
                        json_dumps_params={"ensure_ascii": False})


def _invalid(errors: Errors) -> JsonResponse:
    return json_error(400, "invalid", _("The payload has errors; nothing was stored."), fields=errors)


def _site_errors(sites: dict[str, Marketplace], raw: Any) -> tuple[Marketplace | None, Errors]:
    """The store's own rules for a new order: one of its sites (``sites``, read with the token), in that site's
    currency. Checked on the raw payload, so that these errors come back together with the others. Returns the
    site too."""
    code = raw.get("marketplace") if isinstance(raw, dict) else None
    if not isinstance(code, str) or not code.strip():
        return None, {}
    site = sites.get(code.strip())
    if site is None:
        return None, {"marketplace": [_("This store does not sell on %(site)s.") % {"site": code.strip()}]}
    currency = raw.get("currency")
    if isinstance(currency, str) and currency.strip() and currency.strip() != site.currency:
        return site, {"currency": [_("Orders on %(site)s are in %(currency)s.") % {"site": site.code,
                                                                                   "currency": site.currency}]}
    return site, {}


@platform_api_view(sites=True)
def order_placed(request: HttpRequest, store: Store, sites: dict[str, Marketplace]) -> HttpResponse:
    raw, refused = json_body(request)
    if refused is not None:
        return refused
    if store.is_suspended:
        return json_error(403, "store_suspended", _("This store is suspended and cannot take new orders."))
    cleaned, errors = ORDER_PLACED.validate(raw)
    site, site_errors = _site_errors(sites, raw)
    for where, messages in site_errors.items():
        errors.setdefault(where, []).extend(messages)
    if errors or cleaned is None:
        return _invalid(errors)
    try:
        return _answer(order_ingest_placed(store=store, data=cleaned, payload_hash=canonical_hash(cleaned),
                                           marketplace=site))
    except IdempotencyConflict as error:
        return json_error(409, "conflict", error.message)
    except DomainError as error:
        return _invalid({error.field or "$": [str(error.message)]})


def _order_event(request: HttpRequest, *, site: str, order_id: str, payload: Object,
                 record: Callable[..., Ingested], times: dict[str, str]) -> HttpResponse:
    """One event about an existing order: find it, validate the payload, record the event with ``record``, passing
    it the payload's fields named in ``times`` (payload name -> service argument) and the reason if any."""
    raw, refused = json_body(request)
    if refused is not None:
        return refused
    order = order_for_marketplace(marketplace_code=site, marketplace_order_id=order_id) if re.fullmatch(
        ID_PATTERN, order_id) else None
    if order is None:
        return json_error(404, "not_found", _("No such order."))
    cleaned, errors = payload.validate(raw)
    if errors or cleaned is None:
        return _invalid(errors)
    arguments = {argument: cleaned[name] for name, argument in times.items()}
    if "reason" in cleaned:
        arguments["reason"] = cleaned["reason"] or ""
    if cleaned.get("reason_code"):
        arguments["reason_code"] = cleaned["reason_code"]
    try:
        return _answer(record(order=order, event_id=cleaned["event_id"], payload_hash=canonical_hash(cleaned),
                              **arguments))
    except IdempotencyConflict as error:
        return json_error(409, "conflict", error.message)
    except DomainError as error:
        return json_error(409, "invalid_transition", error.message)


@platform_api_view()
def payment_confirmed(request: HttpRequest, store: Store, site: str, order_id: str) -> HttpResponse:
    return _order_event(request, site=site, order_id=order_id, payload=PAYMENT_CONFIRMED,
                        record=order_payment_confirm, times={"paid_at": "paid_at"})


@platform_api_view()
def cancellation_requested(request: HttpRequest, store: Store, site: str, order_id: str) -> HttpResponse:
    return _order_event(request, site=site, order_id=order_id, payload=CANCELLATION_REQUESTED,
                        record=order_cancel_request, times={"requested_at": "requested_at"})


@platform_api_view()
def delivery_confirmed(request: HttpRequest, store: Store, site: str, order_id: str) -> HttpResponse:
    return _order_event(request, site=site, order_id=order_id, payload=DELIVERY_CONFIRMED,
                        record=order_mark_delivered, times={"delivered_at": "delivered_at"})


@platform_api_view()
def return_requested(request: HttpRequest, store: Store, site: str, order_id: str) -> HttpResponse:
    return _order_event(request, site=site, order_id=order_id, payload=RETURN_REQUESTED,
                        record=order_return_request, times={"requested_at": "requested_at"})


@require_GET
def openapi_json(request: HttpRequest) -> HttpResponse:
    """The contract, for anyone integrating. Public: it holds no store's data."""
    from .urls import document  # the routes list this view among them

    return JsonResponse(document(), json_dumps_params={"ensure_ascii": False})
