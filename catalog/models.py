"""A store's catalog: products and their variants (SKUs), content per language, images, listings on the store's
marketplaces, warehouses and stock. Lives in the store's schema."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import ClassVar, cast

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from stores.models import Category, Marketplace
from stores.reference import CONTENT_LANGUAGES, validate_content_language, validate_country

from .gtin import gtin_is_valid

MAX_BULLETS = 5


class Product(models.Model):
    """What the buyer sees as one item; its variants are the SKUs that are sold and stocked."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")

    code = models.CharField(_("product code"), max_length=64, unique=True,
                            help_text=_("Your own code for the product; its variants each have a SKU."))
    brand = models.CharField(_("brand"), max_length=100, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("category"))
    variation_theme = models.JSONField(_("variation theme"), default=list, blank=True,
                                       help_text=_("The attributes variants differ by, such as colour and size."))
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    hs_code = models.CharField(_("HS code"), max_length=12, blank=True)
    country_of_origin = models.CharField(_("country of origin"), max_length=2, blank=True,
                                         validators=[validate_country])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # Units available to sell (on hand minus reserved) over its SKUs and the warehouses in use: what the product
    # list shows and filters "out of stock" by, without summing the stock table. Only the inventory services
    # (catalog.services.inventory) change it, in the transaction of the stock change itself.
    available = models.IntegerField(_("Available"), default=0, editable=False)
    # Kept by PostgreSQL from ``available``, for the "out of stock" index. An index on ``available`` itself (or with
    # it in its condition) would make every stock change a non-HOT update of the product writing a new entry in
    # each of its indexes; this column changes only when the product runs out or comes back.
    out_of_stock = models.GeneratedField(expression=ExpressionWrapper(Q(available=0), output_field=BooleanField()),
                                         output_field=BooleanField(), db_persist=True, verbose_name=_("out of stock"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="product_code_not_blank"),
            models.CheckConstraint(condition=Q(available__gte=0), name="product_available_not_negative"),
        ]
        indexes = [
            GinIndex(OpClass(Upper("code"), name="gin_trgm_ops"), name="product_code_upper_trgm"),
            models.Index(fields=["-updated_at", "-id"], name="product_updated_id"),
            # Plain B-trees: db_index=True on a text field would add a second, pattern-matching index that no
            # query uses and every insert pays for.
            models.Index(fields=["brand"], name="product_brand"),
            models.Index(fields=["status"], name="product_status"),
            # The "out of stock" filter: usually a small part of the catalog, walked in the list's default order.
            models.Index(fields=["-updated_at", "-id"], condition=Q(out_of_stock=True), name="product_out_of_stock"),
        ]

    def __str__(self) -> str:
        return self.code


class ProductContent(models.Model):
    """What a product says in one language: title, bullet points, description and search keywords."""

    # Looked up through content_one_per_language (product, language), so no index of its own.
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="contents",
                                verbose_name=_("product"), db_index=False)
    language = models.CharField(_("language"), max_length=10, validators=[validate_content_language])
    title = models.CharField(_("title"), max_length=200, blank=True)
    bullets = models.JSONField(_("bullet points"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=10000)
    keywords = models.CharField(_("search keywords"), max_length=500, blank=True)

    class Meta:
        ordering = ["product", "language"]
        verbose_name = _("product content")
        verbose_name_plural = _("product contents")
        constraints = [models.UniqueConstraint(fields=["product", "language"], name="content_one_per_language")]
        indexes = [
            models.Index(fields=["language", "title"], name="content_language_title"),
            GinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="content_title_upper_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} [{self.language}] {self.title}"

    @property
    def is_complete(self) -> bool:
        return bool(self.title and self.description and any(self.bullets))

    def missing(self) -> list[str]:
        return [name for name, present in (("title", self.title), ("bullets", any(self.bullets)),
                                           ("description", self.description)) if not present]


class Variant(models.Model):
    """A SKU: one sellable, stockable version of a product, unique in the store."""

    # django-money replaces the default manager with a Manager subclass made at run time, which the stubs cannot
    # resolve; declare what it is.
    objects: ClassVar[models.Manager[Variant]]
    _default_manager: ClassVar[models.Manager[Variant]]

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants",
                                verbose_name=_("product"))
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True,
                            help_text=_("EAN-13, UPC-A or GTIN-14, with its check digit."))
    options = models.JSONField(_("options"), default=dict, blank=True,
                               help_text=_("This variant's value for each attribute of the variation theme."))
    weight_g = models.PositiveIntegerField(_("weight (g)"), null=True, blank=True)
    length_mm = models.PositiveIntegerField(_("length (mm)"), null=True, blank=True)
    width_mm = models.PositiveIntegerField(_("width (mm)"), null=True, blank=True)
    height_mm = models.PositiveIntegerField(_("height (mm)"), null=True, blank=True)
    base_price = MoneyField(_("base price"), max_digits=14, decimal_places=3, null=True, blank=True,
                            default_currency=None,
                            help_text=_("In the store's base currency; listings can derive their price from it."))
    declared_value = MoneyField(_("declared value"), max_digits=14, decimal_places=3, null=True, blank=True,
                                default_currency=None)
    unit_cost = MoneyField(_("unit cost"), max_digits=14, decimal_places=3, null=True, blank=True,
                           default_currency=None)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["sku"]
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        constraints = [
            models.CheckConstraint(condition=~Q(sku=""), name="variant_sku_not_blank"),
            models.CheckConstraint(condition=Q(gtin="") | Q(gtin__regex=r"^[0-9]{8}$|^[0-9]{12,14}$"),
                                   name="variant_gtin_digits"),
        ]
        # "contains" lookups compare UPPER(sku), so the trigram index is on that expression; a plain trigram index
        # would also be chosen for SKU = ANY(...) lookups, where it is far slower than the unique B-tree.
        indexes = [GinIndex(OpClass(Upper("sku"), name="gin_trgm_ops"), name="variant_sku_upper_trgm"),
                   models.Index(fields=["gtin"], name="variant_gtin")]

    def __str__(self) -> str:
        return self.sku

    @property
    def gtin_is_valid(self) -> bool:
        return not self.gtin or gtin_is_valid(self.gtin)


def image_path(instance: ProductImage, filename: str) -> str:
    return f"catalog/{instance.product_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:5]}"


def thumbnail_path(instance: ProductImage, filename: str) -> str:
    return f"catalog/{instance.product_id}/thumbs/{uuid.uuid4().hex}.webp"


class ProductImage(models.Model):
    """A picture of a product, or of one of its variants. Stored in the store's own media folder."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images", verbose_name=_("product"))
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, null=True, blank=True, related_name="images",
                                verbose_name=_("variant"))
    file = models.ImageField(_("image"), upload_to=image_path, width_field="width", height_field="height")
    thumbnail = models.ImageField(_("thumbnail"), upload_to=thumbnail_path, blank=True)
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    content_type = models.CharField(_("type"), max_length=20)
    size_bytes = models.PositiveIntegerField(_("size"), default=0)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_main = models.BooleanField(_("main image"), default=False)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["product", "-is_main", "position", "id"]
        verbose_name = _("image")
        verbose_name_plural = _("images")
        constraints = [
            models.UniqueConstraint(fields=["product"], condition=Q(is_main=True), name="image_one_main_per_product"),
        ]

    def __str__(self) -> str:
        return cast(str, self.file.name)  # the stubs allow None for a file not yet set; an image always has one


class Warehouse(models.Model):
    """A place stock is kept and parcels leave from."""

    class Kind(models.TextChoices):
        OWN = "own", _("Own warehouse")
        THIRD_PARTY = "third_party", _("Overseas third-party warehouse")
        PLATFORM = "platform", _("Platform fulfilment centre")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.OWN)
    contact_name = models.CharField(_("contact"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address_line1 = models.CharField(_("address line 1"), max_length=200)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    region = models.CharField(_("state / province"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class Stock(models.Model):
    """How many units of a SKU a warehouse holds, and how many of those orders have reserved."""

    # Looked up through stock_one_row_per_place (variant, warehouse), so no index of its own.
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="stock", verbose_name=_("variant"),
                                db_index=False)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock",
                                  verbose_name=_("warehouse"))
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["variant", "warehouse"]
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        constraints = [
            models.UniqueConstraint(fields=["variant", "warehouse"], name="stock_one_row_per_place"),
            # Stock never goes negative, whatever the code above does.
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_within_on_hand"),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.warehouse_id}: {self.on_hand}/{self.reserved}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(models.Model):
    """Every change of stock, with its reason and who made it. Append-only."""

    class Reason(models.TextChoices):
        RECEIVED = "received", _("Received")
        COUNTED = "counted", _("Adjusted after a count")
        DAMAGED = "damaged", _("Damaged")
        RESERVED = "reserved", _("Reserved by an order")
        RELEASED = "released", _("Released by an order")
        SHIPPED = "shipped", _("Shipped")
        RETURNED = "returned", _("Returned")
        IMPORTED = "imported", _("Set by a spreadsheet import")

    # Looked up through movement_variant_at (variant, at), so no index of its own.
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="movements",
                                verbose_name=_("variant"), db_index=False)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="movements",
                                  verbose_name=_("warehouse"))
    on_hand_change = models.IntegerField(_("on hand change"), default=0)
    reserved_change = models.IntegerField(_("reserved change"), default=0)
    on_hand_after = models.IntegerField(_("on hand after"))
    reserved_after = models.IntegerField(_("reserved after"))
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    actor_id = models.BigIntegerField(_("person id"), null=True, blank=True)
    actor_email = models.CharField(_("person"), max_length=254, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        # Movements are read per SKU, newest first; every import writes one per SKU, so no other index.
        indexes = [models.Index(fields=["variant", "-at"], name="movement_variant_at")]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.warehouse_id} {self.on_hand_change:+d} {self.reason}"


class LowStockRule(models.Model):
    """When a SKU counts as low: below a quantity, or below some days of cover at its recent sales rate."""

    variant = models.OneToOneField(Variant, on_delete=models.CASCADE, related_name="low_stock_rule",
                                   verbose_name=_("variant"))
    min_available = models.PositiveIntegerField(_("alert below (units)"), null=True, blank=True)
    min_days_of_cover = models.PositiveIntegerField(_("alert below (days of cover)"), null=True, blank=True)
    # Alerts fire once per crossing: set when the SKU goes low, cleared when it recovers.
    is_low = models.BooleanField(_("currently low"), default=False)
    last_alert_at = models.DateTimeField(_("last alert"), null=True, blank=True)

    class Meta:
        verbose_name = _("low-stock rule")
        verbose_name_plural = _("low-stock rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_available__isnull=False) | Q(min_days_of_cover__isnull=False),
                name="lowstock_rule_has_a_threshold",
            )
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}: <{self.min_available} units / <{self.min_days_of_cover} days"


class Listing(models.Model):
    """A SKU offered on one of the store's marketplaces, priced in that site's currency."""

    # django-money replaces the default manager with a Manager subclass made at run time, which the stubs cannot
    # resolve; declare what it is.
    objects: ClassVar[models.Manager[Listing]]
    _default_manager: ClassVar[models.Manager[Listing]]
    title: str  # not a column: set for the list pages by catalog.selectors.listing_attach_titles

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        SUPPRESSED = "suppressed", _("Suppressed")

    class Suppression(models.TextChoices):
        MISSING_CONTENT = "missing_content", _("Missing required content")
        NO_STOCK = "no_stock", _("No stock")
        PRICE_MISSING = "price_missing", _("Price missing")

    class PriceMode(models.TextChoices):
        FIXED = "fixed", _("Fixed price")
        DERIVED = "derived", _("From the base price")

    class Rounding(models.TextChoices):
        EXACT = "exact", _("To the cent")
        ENDING_99 = "ending_99", _("Ending in .99")
        ENDING_95 = "ending_95", _("Ending in .95")
        WHOLE = "whole", _("Whole units")

    # Fields a person can set on one site; once set there, a copy from another site leaves them alone.
    LOCAL_FIELDS = ("price", "price_mode", "rounding", "sale_price", "sale_start", "sale_end", "wanted_status",
                    "quantity_limit")

    # Looked up through listing_one_per_site (variant, marketplace) and listing_site_status (marketplace, ...),
    # so neither has an index of its own.
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="listings",
                                verbose_name=_("variant"), db_index=False)
    marketplace = models.ForeignKey(Marketplace, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("marketplace"), db_index=False)
    price_mode = models.CharField(_("price"), max_length=8, choices=PriceMode.choices, default=PriceMode.FIXED)
    rounding = models.CharField(_("rounding"), max_length=10, choices=Rounding.choices, default=Rounding.EXACT)
    price = MoneyField(_("price"), max_digits=14, decimal_places=3, null=True, blank=True, default_currency=None)
    sale_price = MoneyField(_("sale price"), max_digits=14, decimal_places=3, null=True, blank=True,
                            default_currency=None)
    sale_start = models.DateTimeField(_("sale starts"), null=True, blank=True)
    sale_end = models.DateTimeField(_("sale ends"), null=True, blank=True)
    quantity_limit = models.PositiveIntegerField(
        _("quantity limit"), null=True, blank=True,
        help_text=_("Offer at most this many units; empty offers everything available."),
    )
    # What the seller wants (active or inactive) and what the site shows (status, with the reason if suppressed).
    wanted_status = models.CharField(_("wanted status"), max_length=10, choices=Status.choices[:2],
                                     default=Status.ACTIVE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    suppression = models.CharField(_("suppressed because"), max_length=16, choices=Suppression.choices,
                                   blank=True)
    quantity_offered = models.PositiveIntegerField(_("quantity offered"), default=0)
    local_overrides = models.JSONField(_("local edits"), default=list, blank=True)
    # Indexed only where set (listing_copies): most listings are not copies.
    copied_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies",
                                    verbose_name=_("copied from"), db_index=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["variant", "marketplace"]
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        constraints = [
            models.UniqueConstraint(fields=["variant", "marketplace"], name="listing_one_per_site"),
            models.CheckConstraint(condition=Q(sale_start__isnull=True) | Q(sale_end__isnull=True)
                                   | Q(sale_start__lt=F("sale_end")), name="listing_sale_window_ordered"),
        ]
        # The listing list's filters and sort orders, each an index range scan at 100,000s of listings.
        indexes = [
            models.Index(fields=["marketplace", "status", "suppression"], name="listing_site_status"),
            models.Index(fields=["updated_at", "id"], name="listing_updated_id"),
            models.Index(fields=["quantity_offered", "id"], name="listing_quantity_id"),
            models.Index(fields=["status"], name="listing_status"),
            models.Index(fields=["copied_from"], condition=Q(copied_from__isnull=False), name="listing_copies"),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.marketplace_id}"

    @property
    def sale_is_on(self) -> bool:
        """Whether the sale price applies now (start inclusive, end exclusive, an empty bound open)."""
        from .pricing import sale_is_on

        return sale_is_on(sale_price=self.sale_price.amount if self.sale_price is not None else None,
                          sale_start=self.sale_start, sale_end=self.sale_end, now=timezone.now())


def content_language_label(code: str) -> str:
    return str(dict(CONTENT_LANGUAGES).get(code, code))

