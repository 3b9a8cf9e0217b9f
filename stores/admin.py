from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.postgres.forms import SimpleArrayField
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sellercenter.errors import DomainError

from .carriers import Carrier, CarrierService, RateBand, RateZone
from .fees import CommissionRate, FeeSchedule, FulfilmentFeeBand
from .fx import fx_rates_import
from .models import Category, FXRate, Invitation, Marketplace, Membership, PlatformToken, Role, Store, TaxRegistration
from .platform_tokens import platform_token_create, platform_token_revoke
from .services import category_save

if TYPE_CHECKING:
    from .models import StoreQuerySet


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "joined_at"]
    readonly_fields = ["joined_at"]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["name", "handle", "home_country", "base_currency", "status", "created_at"]
    list_filter = ["status", "home_country", "base_currency"]
    search_fields = ["name", "handle", "contact_email"]
    readonly_fields = ["schema_name", "handle", "created_at"]
    filter_horizontal = ["marketplaces"]
    actions = ["suspend", "reactivate"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["name", "handle", "schema_name", "status", "suspension_reason", "created_at"]}),
        (_("Selling"), {"fields": ["home_country", "base_currency", "default_language", "timezone", "marketplaces"]}),
        (_("Profile"), {"fields": ["logo", "description", "contact_email", "address_line1", "address_line2", "city",
                                   "region", "postal_code", "address_country", "require_two_factor"]}),
        (_("Orders"), {"fields": ["orders_without_stock", "orders_auto_cancel_days"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Store]:
        return cast("StoreQuerySet", super().get_queryset(request)).sellers()

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A store is opened by a seller, which provisions its schema and makes its Owner.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Suspend the selected stores"))
    def suspend(self, request: HttpRequest, queryset: QuerySet[Store]) -> None:
        count = queryset.update(status=Store.Status.SUSPENDED)
        self.message_user(request, ngettext("%(count)s store suspended.", "%(count)s stores suspended.", count)
                          % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Reactivate the selected stores"))
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Store]) -> None:
        count = queryset.update(status=Store.Status.ACTIVE, suspension_reason="")
        self.message_user(request, ngettext("%(count)s store reactivated.", "%(count)s stores reactivated.", count)
                          % {"count": count}, messages.SUCCESS)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["path", "name_en", "name_zh", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name_en", "name_zh"]
    readonly_fields = ["path"]

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        category_save(category=obj)


@admin.register(Marketplace)
class MarketplaceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "country", "currency", "language", "timezone", "is_active", "sort_order"]
    list_editable = ["is_active", "sort_order"]
    search_fields = ["code", "name"]


class FXImportForm(forms.Form):
    file = forms.FileField(label=_("ECB XML or CSV file"))
    source = forms.CharField(label=_("Source"), initial="ECB", max_length=40)


@admin.register(FXRate)
class FXRateAdmin(admin.ModelAdmin):
    list_display = ["rate_date", "currency", "rate", "source"]
    list_filter = ["currency", "source"]
    date_hierarchy = "rate_date"
    change_list_template = "admin/stores/fxrate/change_list.html"

    def get_urls(self) -> list[Any]:
        return [path("import/", self.admin_site.admin_view(self.import_view), name="stores_fxrate_import"),
                *super().get_urls()]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        form = FXImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                count = fx_rates_import(data=upload.read(), filename=upload.name, source=form.cleaned_data["source"])
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                self.message_user(request, ngettext("%(count)s rate imported.", "%(count)s rates imported.", count)
                                  % {"count": count}, messages.SUCCESS)
                return redirect("admin:stores_fxrate_changelist")
        context = {**self.admin_site.each_context(request), "form": form, "title": _("Import FX rates"),
                   "opts": self.model._meta}
        return render(request, "admin/stores/fxrate/import.html", context)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "store", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "store__handle"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "store", "role", "joined_at"]
    search_fields = ["user__email", "store__handle"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "store", "role"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "store", "role", "status", "created_at", "expires_at"]
    list_filter = ["status"]
    search_fields = ["email", "store__handle"]


@admin.register(TaxRegistration)
class TaxRegistrationAdmin(admin.ModelAdmin):
    list_display = ["store", "country", "kind", "number"]
    search_fields = ["number", "store__handle"]


class PlatformTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("Who uses it, such as \"Order feed, production\"."))
    store = forms.ModelChoiceField(label=_("Store"), queryset=Store.objects.sellers())


@admin.register(PlatformToken)
class PlatformTokenAdmin(admin.ModelAdmin):
    """Tokens are added through a form of their own, which shows the secret once; afterwards they can only be
    read and revoked."""

    list_display = ["name", "store", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "store__handle", "prefix"]
    list_select_related = ["store"]
    fields = ("name", "store", "prefix", "created_at", "created_by", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Read-only pages: a token is revoked by the action, never edited.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        if not self.has_add_permission(request):
            return redirect("admin:stores_platformtoken_changelist")
        form = PlatformTokenForm(request.POST or None)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": _("Add platform API token")}
        if request.method == "POST" and form.is_valid():
            try:
                token, secret = platform_token_create(actor=request.user, store=form.cleaned_data["store"],
                                                      name=form.cleaned_data["name"])
            except DomainError as error:
                form.add_error(error.field, error.message)
            else:
                self.log_addition(request, token, [{"added": {}}])
                # Rendered, not redirected: the secret must not travel through a message cookie or the session.
                # (The admin marks its pages no-store, so the browser keeps no copy either.)
                return render(request, "admin/stores/platformtoken/created.html",
                              {**context, "token": token, "secret": secret, "title": _("Token created")})
        return render(request, "admin/stores/platformtoken/add.html", {**context, "form": form})

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[PlatformToken]) -> None:
        count = platform_token_revoke(tokens=queryset)
        self.message_user(request, ngettext("%(count)s token revoked.", "%(count)s tokens revoked.", count)
                          % {"count": count}, messages.SUCCESS)


# --- Carriers, their services and rate cards ------------------------------------------------------------------


class CarrierForm(forms.ModelForm):
    # One regular expression a line: formats such as \d{12,15} hold commas, the array field's usual separator.
    tracking_patterns = SimpleArrayField(
        forms.CharField(max_length=200), delimiter="\n", label=_("Tracking number formats"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Regular expressions, one a line; a tracking number is valid when it matches one of them "
                    "whole, after spaces and hyphens are removed and letters are capitalised."),
    )

    class Meta:
        model = Carrier
        fields = ["code", "name", "kind", "tracking_patterns", "tracking_example", "tracking_url",
                  "volumetric_divisor", "weight_step_g", "is_active", "sort_order"]

    def clean_tracking_patterns(self) -> list[str]:
        return [pattern.strip() for pattern in self.cleaned_data["tracking_patterns"] if pattern.strip()]


class CarrierServiceInline(admin.TabularInline):
    model = CarrierService
    extra = 0
    can_delete = False
    fields = ["code", "name", "origin_countries", "currency", "fuel_surcharge_percent", "is_tracked", "is_active",
              "sort_order"]
    show_change_link = True


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    form = CarrierForm
    list_display = ["name", "code", "kind", "tracking_example", "volumetric_divisor", "weight_step_g", "is_active",
                    "sort_order"]
    list_editable = ["is_active", "sort_order"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    inlines = [CarrierServiceInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Stores' rows point at carriers' services from their own schemas: a carrier is retired by taking it out
        # of "offered to stores", never deleted.
        return False


class RateZoneInline(admin.TabularInline):
    model = RateZone
    extra = 0
    fields = ["name", "countries", "transit_days_min", "transit_days_max", "per_kg_above"]
    show_change_link = True


@admin.register(CarrierService)
class CarrierServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "carrier", "code", "currency", "fuel_surcharge_percent", "is_tracked", "is_active"]
    list_filter = ["carrier", "is_active", "is_tracked"]
    list_select_related = ["carrier"]
    search_fields = ["code", "name", "carrier__name"]
    inlines = [RateZoneInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # retired by taking it out of "offered to stores", as carriers are


class RateBandInline(admin.TabularInline):
    model = RateBand
    extra = 1
    fields = ["up_to_g", "price"]


@admin.register(RateZone)
class RateZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "service", "transit_days_min", "transit_days_max", "per_kg_above"]
    list_filter = ["service__carrier"]
    list_select_related = ["service", "service__carrier"]
    search_fields = ["name", "service__name"]
    inlines = [RateBandInline]


class CommissionRateInline(admin.TabularInline):
    model = CommissionRate
    extra = 1
    fields = ["category", "percent", "min_per_unit"]
    autocomplete_fields = ["category"]


class FulfilmentFeeBandInline(admin.TabularInline):
    model = FulfilmentFeeBand
    extra = 1
    fields = ["position", "tier", "max_longest_mm", "max_median_mm", "max_shortest_mm", "max_weight_g",
              "fee_per_unit"]


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    """A change of fees is a new schedule from the day it takes effect: orders placed before keep the old one."""

    list_display = ["marketplace", "name", "effective_from", "commission_percent", "closing_fee_per_order"]
    list_filter = ["marketplace"]
    list_select_related = ["marketplace"]
    ordering = ["marketplace__sort_order", "-effective_from"]
    inlines = [CommissionRateInline, FulfilmentFeeBandInline]
    save_as = True

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # orders placed under it are priced by it
