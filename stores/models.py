"""The platform's public data: stores (tenants), marketplaces, FX rates, and who works in which store.
Carriers and their rate cards are in stores.carriers, the marketplaces' fee schedules in stores.fees."""

from __future__ import annotations

import uuid
import zoneinfo
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import connection, models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from .carriers import Carrier, CarrierService, RateBand, RateZone  # noqa: F401 - the platform's carriers
from .fees import CommissionRate, FeeSchedule, FulfilmentFeeBand  # noqa: F401 - the marketplaces' fees
from .permissions import FULL_ACCESS, Level, Module
from .reference import babel_locale, territory_name, validate_content_language, validate_country, validate_currency

HANDLE_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$"
handle_validator = RegexValidator(
    HANDLE_PATTERN,
    _("Use 3 to 40 lowercase letters, digits and hyphens, starting and ending with a letter or digit."),
)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Marketplace(models.Model):
    """A country site of the marketplace, such as US or JP, with its currency, language and time zone."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=80)
    country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    language = models.CharField(_("language"), max_length=10, validators=[validate_content_language])
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    is_active = models.BooleanField(_("open to sellers"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("marketplace")
        verbose_name_plural = _("marketplaces")

    def __str__(self) -> str:
        return f"{self.code} · {self.display_name}"

    @property
    def display_name(self) -> str:
        """The site's name in the reader's language. A site named after its country, as the platform's sites are,
        is called by that country's name in the reader's language (Japan, 日本); a site the platform named
        otherwise keeps the name it was given."""
        if self.name == babel_locale("en").territories.get(self.country):
            return str(territory_name(self.country))
        return self.name


class Category(models.Model):
    """The platform's product category tree. Finance reads commission rates by category and site from it."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name=_("parent"))
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)
    # "electronics/audio/headphones": the codes from the root, for listing a branch with one indexed query.
    path = models.CharField(_("path"), max_length=500, editable=False, db_index=True)
    is_active = models.BooleanField(_("open for listing"), default=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.path

    @property
    def depth(self) -> int:
        return self.path.count("/")

    def localized_name(self, language: str) -> str:
        return self.name_zh if language.startswith("zh") and self.name_zh else self.name_en


class FXRateQuerySet(models.QuerySet["FXRate"]):
    def on_or_before(self, day: object) -> FXRateQuerySet:
        return self.filter(rate_date__lte=day)


class FXRate(models.Model):
    """Units of ``currency`` that one euro buys on ``rate_date`` (the ECB's convention)."""

    rate_date = models.DateField(_("date"))
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    rate = models.DecimalField(_("units per euro"), max_digits=18, decimal_places=8)
    source = models.CharField(_("source"), max_length=40, default="ECB")

    objects = FXRateQuerySet.as_manager()

    class Meta:
        ordering = ["-rate_date", "currency"]
        verbose_name = _("FX rate")
        verbose_name_plural = _("FX rates")
        constraints = [
            models.UniqueConstraint(fields=["rate_date", "currency"], name="fxrate_one_per_day"),
            models.CheckConstraint(condition=Q(rate__gt=Decimal("0")), name="fxrate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.rate_date} EUR/{self.currency} {self.rate}"


class StoreQuerySet(models.QuerySet["Store"]):
    def active(self) -> StoreQuerySet:
        return self.filter(status=Store.Status.ACTIVE).sellers()

    def sellers(self) -> StoreQuerySet:
        """Real stores: without the internal template that new stores are cloned from."""
        return self.exclude(schema_name=settings.TENANT_BASE_SCHEMA)


def store_files_storage() -> FileSystemStorage:
    # The logo belongs to the public Store row, so its URL must not depend on which schema is active:
    # plain storage, with the store's own folder in the path.
    return FileSystemStorage()


def store_logo_path(instance: Store, filename: str) -> str:
    extension = Path(filename).suffix.lower()[:5]
    return f"{instance.schema_name}/logo/{uuid.uuid4().hex}{extension}"


class Store(TenantMixin):
    """A seller's store. Its own data lives in the PostgreSQL schema named ``schema_name``."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    class WithoutStock(models.TextChoices):
        HOLD = "hold", _("Accept them and flag them for attention")
        REJECT = "reject", _("Reject them")

    handle = models.CharField(_("handle"), max_length=40, unique=True, validators=[handle_validator])
    name = models.CharField(_("store name"), max_length=120)
    home_country = models.CharField(_("home country"), max_length=2, validators=[validate_country])
    base_currency = models.CharField(_("base currency"), max_length=3, validators=[validate_currency])
    default_language = models.CharField(_("default language"), max_length=10, validators=[validate_content_language])
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    marketplaces = models.ManyToManyField(Marketplace, verbose_name=_("marketplaces"), related_name="stores")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    suspension_reason = models.CharField(_("suspension reason"), max_length=255, blank=True)
    require_two_factor = models.BooleanField(_("require two-factor authentication"), default=False)
    # A store setting kept on the store's own row: the ingest API has the row in hand already, and a column
    # needs no per-store settings row to provision in every schema.
    orders_without_stock = models.CharField(
        _("orders without stock"), max_length=8, choices=WithoutStock.choices, default=WithoutStock.HOLD,
        help_text=_("What happens to a seller-fulfilled order whose units cannot all be reserved."),
    )
    orders_auto_cancel_days = models.PositiveSmallIntegerField(
        _("cancel unshipped orders after (days)"), default=30,
        validators=[MinValueValidator(3), MaxValueValidator(90)],
        help_text=_("Orders not shipped this many days after they were placed are cancelled, as the big "
                    "marketplaces do, and their stock is released."),
    )

    logo = models.ImageField(_("logo"), upload_to=store_logo_path, storage=store_files_storage, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    address_line1 = models.CharField(_("address line 1"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("state / province"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    address_country = models.CharField(_("country"), max_length=2, blank=True, validators=[validate_country])

    created_at = models.DateTimeField(_("opened"), default=now)

    # Provisioning is driven by stores.services.store_open inside one transaction.
    auto_create_schema = True
    auto_drop_schema = False

    objects = StoreQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")

    def __str__(self) -> str:
        return f"{self.name} ({self.handle})"

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED

    def create_schema(self, check_if_exists: bool = False, sync_schema: bool = True, verbosity: int = 1) -> bool:
        """Clone the migrated template schema when there is one (see stores.provisioning); else migrate."""
        from django.core.management import call_command
        from django_tenants.utils import schema_exists

        from .provisioning import schema_clone, schema_missing_migrations, template_schema_name

        template = template_schema_name()
        if not (sync_schema and template and template != self.schema_name and schema_exists(template)):
            return bool(super().create_schema(check_if_exists=check_if_exists, sync_schema=sync_schema,
                                              verbosity=verbosity))
        if check_if_exists and schema_exists(self.schema_name):
            return False
        schema_clone(source=template, target=self.schema_name)
        if schema_missing_migrations(self.schema_name):
            # The template is behind this release's code: apply what it lacks to the new schema.
            call_command("migrate_schemas", tenant=True, schema_name=self.schema_name, interactive=False,
                         verbosity=verbosity)
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        return True

    @property
    def path(self) -> str:
        return f"/store/{self.handle}/"


class Domain(DomainMixin):
    """Required by django-tenants; stores are routed by path, so only custom domains would go here."""

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


class Role(models.Model):
    """A named set of module levels inside one store."""

    class Kind(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        CUSTOM = "custom", _("Custom")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="roles", verbose_name=_("store"))
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CUSTOM)
    levels = models.JSONField(_("levels"), default=dict)

    class Meta:
        ordering = ["store", "kind", "name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="role_name_unique_in_store"),
            models.UniqueConstraint(
                fields=["store", "kind"], condition=~Q(kind="custom"), name="role_one_owner_and_admin"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.kind == self.Kind.CUSTOM:
            return self.name
        return str(self.Kind(self.kind).label)

    @property
    def is_system(self) -> bool:
        return self.kind != self.Kind.CUSTOM

    def access(self) -> list[tuple[str, str]]:
        """(module, level) labels for every module this role can reach, in the modules' order."""
        return [(str(module.label), str(self.level(module).label)) for module in Module if self.level(module)]

    def level(self, module: Module | str) -> Level:
        if self.is_system:
            return Level(FULL_ACCESS[Module(module).value])
        return Level(int(self.levels.get(Module(module).value, Level.NONE)))


class MembershipQuerySet(models.QuerySet["Membership"]):
    def for_user(self, user: object) -> MembershipQuerySet:
        return self.filter(user=user).select_related("store", "role").order_by("store__name")


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person")
    )
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("store"))
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("role"))
    joined_at = models.DateTimeField(_("joined"), default=now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["store", "joined_at"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "store"], name="membership_once_per_store")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.store.handle}"

    def level(self, module: Module | str) -> Level:
        return self.role.level(module)

    @property
    def is_owner(self) -> bool:
        return self.role.kind == Role.Kind.OWNER


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(status=Invitation.Status.PENDING, expires_at__gt=now())


class Invitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("store"))
    email = models.EmailField(_("e-mail"))
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("role"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("invited by")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("sent"), default=now)
    expires_at = models.DateTimeField(_("expires"))
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "email"], condition=Q(status="pending"), name="invitation_one_pending_per_email"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} -> {self.store.handle}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= now()


class TaxRegistration(models.Model):
    """A store's tax number in one country (VAT, GST, ABN, unified social credit code...)."""

    class Kind(models.TextChoices):
        VAT = "vat", _("VAT number")
        GST = "gst", _("GST number")
        ABN = "abn", _("Australian Business Number")
        USCC = "uscc", _("Unified social credit code")
        OTHER = "other", _("Other tax number")

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="tax_registrations", verbose_name=_("store")
    )
    country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=40)
    created_at = models.DateTimeField(_("added"), default=now)

    class Meta:
        ordering = ["country", "kind"]
        verbose_name = _("tax registration")
        verbose_name_plural = _("tax registrations")
        constraints = [
            models.UniqueConstraint(fields=["store", "country", "kind"], name="taxreg_one_per_country_kind")
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.get_kind_display()} {self.number}"


class PlatformTokenQuerySet(models.QuerySet["PlatformToken"]):
    def usable(self) -> PlatformTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class PlatformToken(models.Model):
    """A key the marketplace uses to call the platform API for one store. Only the SHA-256 digest of the secret is
    kept; the secret itself is shown once, when the token is created (stores.platform_tokens)."""

    name = models.CharField(_("name"), max_length=100,
                            help_text=_("Who uses it, such as \"Order feed, production\"."))
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="platform_tokens",
                              verbose_name=_("store"))
    prefix = models.CharField(_("starts with"), max_length=16, editable=False)
    digest = models.CharField(_("fingerprint"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"), editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    objects = PlatformTokenQuerySet.as_manager()

    class Meta:
        ordering = ["store", "-created_at"]
        verbose_name = _("platform API token")
        verbose_name_plural = _("platform API tokens")
        constraints = [models.CheckConstraint(condition=~Q(digest=""), name="platformtoken_digest_not_blank")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
