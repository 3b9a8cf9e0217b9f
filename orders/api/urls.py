"""Routes of the platform API's order endpoints, mounted at /api/platform/v1/. Each route is declared once, as an
Operation: the URL patterns and the OpenAPI document are both made from this list, so they cannot drift apart."""

from __future__ import annotations

from typing import Any

from sellercenter.openapi import Operation, openapi_document

from . import views
from .payloads import (
    CANCELLATION_REQUESTED,
    DELIVERY_CONFIRMED,
    ORDER_PLACED,
    PAYMENT_CONFIRMED,
    RESULT,
    RETURN_REQUESTED,
)

BASE_PATH = "/api/platform/v1"
STORE = ("store", "The store's handle. The token must belong to this store.")
ORDER = [STORE, ("site", "The site's code, such as US."), ("order_id", "The marketplace's own order id.")]
EVENT_ANSWERS = {
    201: "The event was recorded.",
    200: "The same event had been recorded before: the same body as then.",
    400: "The payload is malformed: every field's errors; nothing was stored.",
    401: "No token, or a token that is not valid or has been revoked.",
    404: "No such store for this token, or no such order.",
    409: "The event id was used before with other content, or the order's status does not allow this event.",
}
ORDER_ROUTE = "stores/<str:store>/orders/<str:site>/<str:order_id>"

OPERATIONS = [
    Operation(name="order-placed", method="POST", route="stores/<str:store>/orders", view=views.order_placed,
              summary="An order was placed: record it and reserve its stock.", payload=ORDER_PLACED, result=RESULT,
              parameters=[STORE],
              responses={**EVENT_ANSWERS, 201: "The order was recorded (or refused for want of stock, as the store's "
                                                "setting says: then cancelled, with rejected true).",
                         403: "The store is suspended.",
                         409: "The order id was used before with other content."}),
    Operation(name="payment-confirmed", method="POST", route=f"{ORDER_ROUTE}/payment-confirmed",
              view=views.payment_confirmed, summary="The buyer's payment settled.", payload=PAYMENT_CONFIRMED,
              result=RESULT, parameters=ORDER, responses=EVENT_ANSWERS),
    Operation(name="cancellation-requested", method="POST", route=f"{ORDER_ROUTE}/cancellation-requested",
              view=views.cancellation_requested, summary="The buyer asks to cancel; the seller will decide.",
              payload=CANCELLATION_REQUESTED, result=RESULT, parameters=ORDER, responses=EVENT_ANSWERS),
    Operation(name="delivery-confirmed", method="POST", route=f"{ORDER_ROUTE}/delivery-confirmed",
              view=views.delivery_confirmed, summary="The parcel reached the buyer.", payload=DELIVERY_CONFIRMED,
              result=RESULT, parameters=ORDER, responses=EVENT_ANSWERS),
    Operation(name="return-requested", method="POST", route=f"{ORDER_ROUTE}/return-requested",
              view=views.return_requested, summary="The buyer asks to return the order.", payload=RETURN_REQUESTED,
              result=RESULT, parameters=ORDER, responses=EVENT_ANSWERS),
    Operation(name="openapi", method="GET", route="openapi.json", view=views.openapi_json,
              summary="This document.", authenticated=False, responses={200: "The OpenAPI document."}),
]


def document() -> dict[str, Any]:
    return openapi_document(
        title="Seller Center platform API", version="1.0.0", base_path=BASE_PATH, operations=OPERATIONS,
        description=(
            "How a marketplace tells a seller's store about its orders. Authenticate with a platform API token "
            "(created by the platform's staff for one store) as 'Authorization: Bearer <token>'. Bodies are JSON; "
            "amounts are decimal strings in the order's currency, date-times ISO 8601 with a UTC offset. Every "
            "event is idempotent on the marketplace's own id."
        ),
    )


app_name = "platform-api"
urlpatterns = [operation.url_pattern() for operation in OPERATIONS]
