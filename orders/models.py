"""A store's orders: what the buyer bought on which site, where it goes, where it stands, and its history.
Lives in the store's schema. Only orders.services writes these rows."""

from __future__ import annotations

import datetime as dt
import functools
import operator
from decimal import Decimal

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money

from catalog.models import Variant, Warehouse
from stores.models import Marketplace
from stores.reference import validate_country, validate_currency


class OrderStatus(models.TextChoices):
    """Where an order stands, modelled on the big marketplaces' statuses (Amazon, Shopee, eBay)."""

    PENDING_PAYMENT = "pending_payment", _("Pending payment")
    UNSHIPPED = "unshipped", _("Unshipped")
    CANCEL_REQUESTED = "cancel_requested", _("Cancellation requested")
    PARTIALLY_SHIPPED = "partially_shipped", _("Partially shipped")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    RETURN_REQUESTED = "return_requested", _("Return requested")
    RETURN_AUTHORISED = "return_authorised", _("Return authorised")
    RETURN_REJECTED = "return_rejected", _("Return rejected")
    RETURNED = "returned", _("Returned")
    REFUNDED = "refunded", _("Refunded")


_any_status = functools.reduce(operator.or_, (Q(status=value) for value in OrderStatus.values))


class OrderQuerySet(models.QuerySet["Order"]):
    def awaiting_shipment(self) -> OrderQuerySet:
        return self.filter(status__in=Order.AWAITING_SHIPMENT)

    def ship_by_overdue(self, *, now: dt.datetime | None = None) -> OrderQuerySet:
        return self.awaiting_shipment().filter(ship_by__lt=now or timezone.now())

    def needs_attention(self) -> OrderQuerySet:
        return self.exclude(attention="")

    def newest_first(self) -> OrderQuerySet:
        return self.order_by("-placed_at", "-id")


class Order(models.Model):
    """One order from a marketplace site. Amounts are in ``currency``, the site's currency, never mixed."""

    Status = OrderStatus

    class Channel(models.TextChoices):
        SELLER = "seller", _("Fulfilled by the seller")
        PLATFORM = "platform", _("Fulfilled by the platform")

    class Attention(models.TextChoices):
        NO_STOCK = "no_stock", _("Not enough stock to reserve")
        UNKNOWN_SKU = "unknown_sku", _("SKU not in the catalog")

    class CancelReason(models.TextChoices):
        NO_STOCK = "no_stock", _("Out of stock")
        BUYER_REQUEST = "buyer_request", _("Buyer asked to cancel")
        ADDRESS_UNDELIVERABLE = "address_undeliverable", _("Shipping address undeliverable")
        PRICING_ERROR = "pricing_error", _("Pricing error")
        NOT_SHIPPED_IN_TIME = "not_shipped_in_time", _("Not shipped in time")
        OTHER = "other", _("Other reason")

    AWAITING_SHIPMENT = (Status.UNSHIPPED, Status.PARTIALLY_SHIPPED)
    # The reasons a person may give; the others are the seller center's own (no stock at ordering, too late).
    SELLER_CANCEL_REASONS = [(value, label) for value, label in CancelReason.choices
                             if value != "not_shipped_in_time"]

    number = models.CharField(_("order number"), max_length=32, unique=True)
    marketplace = models.ForeignKey(Marketplace, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("marketplace"), db_index=False)
    marketplace_order_id = models.CharField(_("marketplace order id"), max_length=64)
    channel = models.CharField(_("fulfilment"), max_length=8, choices=Channel.choices, default=Channel.SELLER)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    attention = models.CharField(_("needs attention"), max_length=12, choices=Attention.choices, blank=True)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])

    buyer_name = models.CharField(_("buyer"), max_length=200, blank=True)
    buyer_email = models.EmailField(_("buyer e-mail"), blank=True)
    buyer_phone = models.CharField(_("buyer phone"), max_length=40, blank=True)
    # An address as many countries write it: lines, city, an optional region (state, prefecture, province) and
    # postal code (Hong Kong and the UAE have none).
    ship_name = models.CharField(_("recipient"), max_length=200)
    ship_line1 = models.CharField(_("address line 1"), max_length=200)
    ship_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    ship_city = models.CharField(_("city"), max_length=100)
    ship_region = models.CharField(_("state / province"), max_length=100, blank=True)
    ship_postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    ship_country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    ship_phone = models.CharField(_("recipient phone"), max_length=40, blank=True)

    items_total = models.DecimalField(_("items"), max_digits=14, decimal_places=3)
    shipping_total = models.DecimalField(_("shipping"), max_digits=14, decimal_places=3, default=Decimal("0"))
    tax_total = models.DecimalField(_("tax"), max_digits=14, decimal_places=3, default=Decimal("0"))
    discount_total = models.DecimalField(_("discount"), max_digits=14, decimal_places=3, default=Decimal("0"))
    grand_total = models.DecimalField(_("order total"), max_digits=14, decimal_places=3)
    # What the seller has refunded so far; the database refuses more than the buyer paid.
    refunded_total = models.DecimalField(_("refunded"), max_digits=14, decimal_places=3, default=Decimal("0"))

    placed_at = models.DateTimeField(_("ordered"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    ship_by = models.DateTimeField(_("ship by"), null=True, blank=True)
    deliver_by = models.DateTimeField(_("deliver by"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancellation reason"), max_length=24, choices=CancelReason.choices,
                                     blank=True)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            # The marketplace's own id is the idempotency key of its deliveries.
            models.UniqueConstraint(fields=["marketplace", "marketplace_order_id"], name="order_one_per_site_id"),
            # An OR of equalities, not IN: PostgreSQL prints IN back differently once re-read, and a store's
            # schema cloned from the template must match a migrated one constraint for constraint.
            models.CheckConstraint(condition=_any_status, name="order_status_known"),
            models.CheckConstraint(
                condition=Q(items_total__gte=0, shipping_total__gte=0, tax_total__gte=0, discount_total__gte=0,
                            grand_total__gte=0)
                & Q(grand_total=F("items_total") + F("shipping_total") + F("tax_total") - F("discount_total")),
                name="order_totals_add_up",
            ),
            models.CheckConstraint(condition=~Q(marketplace_order_id=""), name="order_site_id_not_blank"),
            models.CheckConstraint(condition=Q(refunded_total__gte=0, refunded_total__lte=F("grand_total")),
                                   name="order_refund_within_total"),
        ]
        # The order list's filters, each walked in its (placed_at, id) order so keyset pages are index scans.
        indexes = [
            models.Index(fields=["-placed_at", "-id"], name="order_placed_id"),
            models.Index(fields=["status", "-placed_at", "-id"], name="order_status_placed"),
            models.Index(fields=["marketplace", "-placed_at", "-id"], name="order_site_placed"),
            models.Index(fields=["marketplace", "status", "-placed_at", "-id"], name="order_site_status_placed"),
            models.Index(fields=["ship_by", "id"], name="order_ship_by_open",
                         condition=Q(status__in=[OrderStatus.UNSHIPPED, OrderStatus.PARTIALLY_SHIPPED])),
            models.Index(fields=["-placed_at", "-id"], condition=~Q(attention=""), name="order_attention"),
            models.Index(fields=["tracking_number"], condition=~Q(tracking_number=""), name="order_tracking"),
            # The order pages' other filters and searches (orders migration 0002). The channel filter has no index
            # of its own: walking the newest orders for one channel is short (each channel is a large share), and
            # with one the planner at times walked it for "site + status + channel", skipping every recent order
            # not yet in that status (220 ms instead of 5).
            models.Index(fields=["ship_country", "-placed_at", "-id"], name="order_country_placed"),
            models.Index(Upper("buyer_email"), name="order_buyer_email_upper"),
            GinIndex(OpClass(Upper("buyer_name"), name="gin_trgm_ops"), name="order_buyer_name_upper_trgm"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def needs_attention(self) -> bool:
        return bool(self.attention)

    @property
    def awaiting_shipment(self) -> bool:
        return self.status in self.AWAITING_SHIPMENT

    @property
    def overdue(self) -> bool:
        """Awaiting shipment past its ship-by time."""
        return self.awaiting_shipment and self.ship_by is not None and self.ship_by < timezone.now()

    @property
    def grand_total_money(self) -> Money:
        return Money(self.grand_total, self.currency)

    @property
    def items_total_money(self) -> Money:
        return Money(self.items_total, self.currency)

    @property
    def refundable(self) -> Decimal:
        """What may still be refunded: the order's total less what has been refunded."""
        return self.grand_total - self.refunded_total


class OrderLine(models.Model):
    """One SKU of an order. SKU and title are copied at ordering time; the variant link may later be lost.
    Units are either all reserved in ``warehouse`` (what is still open) or not reserved at all."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order"))
    marketplace_line_id = models.CharField(_("marketplace line id"), max_length=64, blank=True)
    variant = models.ForeignKey(Variant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                verbose_name=_("variant"))
    sku = models.CharField(_("SKU"), max_length=64)
    title = models.CharField(_("title"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=3)
    tax = models.DecimalField(_("tax"), max_digits=14, decimal_places=3, default=Decimal("0"))
    quantity_shipped = models.PositiveIntegerField(_("shipped"), default=0)
    quantity_cancelled = models.PositiveIntegerField(_("cancelled"), default=0)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("reserved in"))
    quantity_reserved = models.PositiveIntegerField(_("reserved"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.UniqueConstraint(fields=["order", "sku"], name="orderline_one_per_sku"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orderline_quantity_positive"),
            models.CheckConstraint(condition=Q(quantity_shipped__gte=0, quantity_cancelled__gte=0,
                                               quantity_reserved__gte=0), name="orderline_counts_not_negative"),
            models.CheckConstraint(condition=Q(quantity__gte=F("quantity_shipped") + F("quantity_cancelled")),
                                   name="orderline_shipped_within_quantity"),
            models.CheckConstraint(
                condition=Q(quantity_reserved=0)
                | Q(quantity_reserved=F("quantity") - F("quantity_shipped") - F("quantity_cancelled"),
                    warehouse__isnull=False),
                name="orderline_reserved_is_open_units",
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0, tax__gte=0), name="orderline_amounts_positive"),
        ]
        indexes = [models.Index(fields=["sku"], name="orderline_sku")]

    def __str__(self) -> str:
        return f"{self.sku} x {self.quantity}"

    @property
    def quantity_open(self) -> int:
        """Units neither shipped nor cancelled."""
        return self.quantity - self.quantity_shipped - self.quantity_cancelled


class OrderEvent(models.Model):
    """One step of an order's history: a change of status (or a step that keeps it, such as a confirmation), who
    made it and when. Append-only; also the durable record higher apps read new events from."""

    class Kind(models.TextChoices):
        PLACED = "placed", _("Order placed")
        PAID = "paid", _("Payment confirmed")
        CANCEL_REQUESTED = "cancel_requested", _("Buyer asked to cancel")
        CANCEL_APPROVED = "cancel_approved", _("Cancellation approved")
        CANCEL_REJECTED = "cancel_rejected", _("Cancellation refused")
        CONFIRMED = "confirmed", _("Order confirmed")
        CANCELLED = "cancelled", _("Order cancelled")
        SHIPPED = "shipped", _("Marked shipped")
        DELIVERED = "delivered", _("Delivered")
        RETURN_REQUESTED = "return_requested", _("Return requested")
        RETURN_AUTHORISED = "return_authorised", _("Return authorised")
        RETURN_REJECTED = "return_rejected", _("Return rejected")
        RETURN_RECEIVED = "return_received", _("Return received")
        REFUNDED = "refunded", _("Refunded")

    class ActorKind(models.TextChoices):
        PERSON = "person", _("Person")
        MARKETPLACE = "marketplace", _("Marketplace")
        SYSTEM = "system", _("Seller center")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order"),
                              db_index=False)
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    actor_kind = models.CharField(_("by"), max_length=12, choices=ActorKind.choices)
    # The person is kept by id and e-mail, without a foreign key: the entry outlives the account.
    actor_id = models.BigIntegerField(_("person id"), null=True, blank=True)
    actor_email = models.CharField(_("person"), max_length=254, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)
    note = models.CharField(_("note"), max_length=500, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    # For events the marketplace sends: its own id of the event, and the SHA-256 of what it sent, so a repeat is
    # answered as before and a different content under the same id is refused.
    source_id = models.CharField(_("marketplace event id"), max_length=64, blank=True)
    payload_hash = models.CharField(_("payload fingerprint"), max_length=64, blank=True)

    class Meta:
        ordering = ["order", "at", "id"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        constraints = [
            models.UniqueConstraint(fields=["order", "kind", "source_id"], condition=~Q(source_id=""),
                                    name="orderevent_once_per_source_id"),
            models.CheckConstraint(condition=Q(actor_kind="person") | Q(actor_id__isnull=True),
                                   name="orderevent_person_only_for_people"),
        ]
        indexes = [models.Index(fields=["order", "at", "id"], name="orderevent_order_at")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} {self.from_status}->{self.to_status}"


class OrderNote(models.Model):
    """A note the team leaves on an order for each other; the buyer never sees it. Append-only."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notes", verbose_name=_("order"),
                              db_index=False)
    text = models.CharField(_("note"), max_length=1000)
    # The author is kept by id and e-mail, without a foreign key, as in the order's history.
    author_id = models.BigIntegerField(_("person id"), null=True, blank=True)
    author_email = models.CharField(_("person"), max_length=254, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["order", "-at", "-id"]
        verbose_name = _("order note")
        verbose_name_plural = _("order notes")
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="ordernote_text_not_blank")]
        indexes = [models.Index(fields=["order", "-at", "-id"], name="ordernote_order_at")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.at:%Y-%m-%d %H:%M}"


class OrderSavedView(models.Model):
    """A person's named filters of the order list ("JP to ship", "Overdue, seller-fulfilled"), shown as chips."""

    user_id = models.BigIntegerField(_("person id"))
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["user_id", "name"]
        verbose_name = _("saved order view")
        verbose_name_plural = _("saved order views")
        constraints = [
            models.UniqueConstraint(fields=["user_id", "name"], name="ordersavedview_one_name_per_person"),
            models.CheckConstraint(condition=~Q(name=""), name="ordersavedview_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    AUTHORISED = "authorised", _("Authorised")
    REJECTED = "rejected", _("Rejected")
    RECEIVED = "received", _("Received")
    REFUNDED = "refunded", _("Refunded")


_any_return_status = functools.reduce(operator.or_, (Q(status=value) for value in ReturnStatus.values))


class Return(models.Model):
    """A return (RMA): the buyer asks, through the marketplace, or the seller opens it for them; the seller
    authorises or rejects it, receives the parcel (back to stock or written off) and refunds. One open return per
    order at a time; an order may have several over its life (one line now, another later)."""

    Status = ReturnStatus
    OPEN = (Status.REQUESTED, Status.AUTHORISED, Status.RECEIVED)

    class Reason(models.TextChoices):
        DAMAGED = "damaged", _("Arrived damaged")
        DEFECTIVE = "defective", _("Defective or does not work")
        NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
        WRONG_ITEM = "wrong_item", _("Wrong item sent")
        WRONG_SIZE = "wrong_size", _("Wrong size or does not fit")
        NO_LONGER_NEEDED = "no_longer_needed", _("No longer needed")
        OTHER = "other", _("Other reason")

    class OpenedBy(models.TextChoices):
        MARKETPLACE = "marketplace", _("Buyer, through the marketplace")
        SELLER = "seller", _("Seller")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="returns", verbose_name=_("order"),
                              db_index=False)
    rma_number = models.CharField(_("RMA number"), max_length=40, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED)
    opened_by = models.CharField(_("opened by"), max_length=12, choices=OpenedBy.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices, default=Reason.OTHER)
    comment = models.CharField(_("buyer's comment"), max_length=500, blank=True)
    reject_reason = models.CharField(_("why it was rejected"), max_length=500, blank=True)
    # The marketplace's id of its return request, when it sent one.
    source_id = models.CharField(_("marketplace event id"), max_length=64, blank=True)
    requested_at = models.DateTimeField(_("requested"))
    authorised_at = models.DateTimeField(_("authorised"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)
    refunded_total = models.DecimalField(_("refunded"), max_digits=14, decimal_places=3, default=Decimal("0"))

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        constraints = [
            models.CheckConstraint(condition=_any_return_status, name="return_status_known"),
            models.UniqueConstraint(fields=["order"], condition=Q(status__in=["requested", "authorised", "received"]),
                                    name="return_one_open_per_order"),
            models.CheckConstraint(condition=Q(refunded_total__gte=0), name="return_refunded_not_negative"),
        ]
        indexes = [
            models.Index(fields=["order", "id"], name="return_order"),
            models.Index(fields=["-requested_at", "-id"], name="return_requested"),
            models.Index(fields=["status", "-requested_at", "-id"], name="return_status_requested"),
        ]

    def __str__(self) -> str:
        return self.rma_number

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class ReturnLine(models.Model):
    """Units of one order line in a return, and what became of them once received."""

    rma = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines", verbose_name=_("return"),
                            db_index=False)
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("order line"))
    quantity = models.PositiveIntegerField(_("quantity"))
    quantity_restocked = models.PositiveIntegerField(_("back to stock"), default=0)
    quantity_written_off = models.PositiveIntegerField(_("written off"), default=0)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("restocked in"))

    class Meta:
        ordering = ["rma", "id"]
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        constraints = [
            models.UniqueConstraint(fields=["rma", "order_line"], name="returnline_one_per_line"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="returnline_quantity_positive"),
            models.CheckConstraint(condition=Q(quantity__gte=F("quantity_restocked") + F("quantity_written_off")),
                                   name="returnline_received_within_quantity"),
            models.CheckConstraint(condition=Q(quantity_restocked=0) | Q(warehouse__isnull=False),
                                   name="returnline_restock_has_warehouse"),
        ]

    def __str__(self) -> str:
        return f"{self.rma_id} {self.order_line_id} x {self.quantity}"


class Refund(models.Model):
    """Money given back to the buyer, in the order's currency. Append-only: the order's history records it (the
    event the finance module posts from) and the order's refunded total adds it up."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds", verbose_name=_("order"),
                              db_index=False)
    rma = models.ForeignKey(Return, on_delete=models.PROTECT, null=True, blank=True, related_name="refunds",
                            verbose_name=_("return"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=3)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    note = models.CharField(_("note"), max_length=500, blank=True)
    # One form shown once: a second click or a resent request carries the same key and records nothing more.
    idempotency_key = models.CharField(_("request key"), max_length=64, unique=True)
    actor_id = models.BigIntegerField(_("person id"), null=True, blank=True)
    actor_email = models.CharField(_("person"), max_length=254, blank=True)
    created_at = models.DateTimeField(_("refunded"), default=timezone.now)

    class Meta:
        ordering = ["order", "created_at", "id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]
        indexes = [models.Index(fields=["order", "id"], name="refund_order")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.amount} {self.currency}"

    @property
    def amount_money(self) -> Money:
        return Money(self.amount, self.currency)
