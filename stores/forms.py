from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from .models import HANDLE_PATTERN, Marketplace, Role, Store, TaxRegistration
from .permissions import Level, Module
from .reference import CONTENT_LANGUAGES, country_choices, currency_choices

COMMON_TIMEZONES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 4000
LOGO_MIN_SIDE = 64
AUTO_CANCEL_MIN_DAYS, AUTO_CANCEL_MAX_DAYS = 3, 90
LOGO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class MarketplaceChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Marketplace) -> str:
        return f"{obj.code} · {obj.display_name} ({obj.currency})"


class StoreOpenForm(forms.Form):
    name = forms.CharField(label=_("Store name"), max_length=120)
    handle = forms.RegexField(
        label=_("Handle"), regex=HANDLE_PATTERN, max_length=40,
        help_text=_("Part of your store's web address: /store/<handle>/. Lowercase letters, digits and hyphens."),
        error_messages={"invalid": _("Use 3 to 40 lowercase letters, digits and hyphens, starting and ending with a "
                                     "letter or digit.")},
    )
    home_country = forms.ChoiceField(label=_("Home country"), choices=country_choices)
    base_currency = forms.ChoiceField(label=_("Base currency"), choices=currency_choices,
                                      help_text=_("Reports and profit are shown in this currency."))
    default_language = forms.ChoiceField(label=_("Default language"), choices=CONTENT_LANGUAGES)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=[(tz, tz) for tz in COMMON_TIMEZONES])
    marketplaces = MarketplaceChoiceField(label=_("Marketplaces you sell on"),
                                          queryset=Marketplace.objects.filter(is_active=True))


class StoreProfileForm(forms.Form):
    name = forms.CharField(label=_("Store name"), max_length=120)
    logo = forms.FileField(label=_("Logo"), required=False,
                           help_text=_("JPEG, PNG or WebP, at most 2 MB, between 64 and 4000 pixels a side."))
    logo_clear = forms.BooleanField(label=_("Remove the logo"), required=False)
    description = forms.CharField(label=_("Description"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    address_line1 = forms.CharField(label=_("Address line 1"), max_length=200, required=False)
    address_line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    region = forms.CharField(label=_("State / province"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    address_country = forms.ChoiceField(label=_("Country"), required=False,
                                        choices=lambda: [("", "—"), *country_choices()])

    def clean_logo(self) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get("logo")
        if upload is None:
            return None
        if upload.size is not None and upload.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(_("The logo is larger than 2 MB."))
        try:
            with Image.open(upload) as image:
                image_format = image.format
                width, height = image.size
                image.verify()
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
            raise forms.ValidationError(_("This file is not a picture we can read.")) from error
        if image_format not in LOGO_FORMATS:
            raise forms.ValidationError(_("Upload a JPEG, PNG or WebP picture."))
        if max(width, height) > LOGO_MAX_SIDE or min(width, height) < LOGO_MIN_SIDE:
            raise forms.ValidationError(
                _("The logo is %(width)s×%(height)s pixels; each side must be between 64 and 4000."),
                params={"width": width, "height": height},
            )
        upload.seek(0)
        return upload


class MarketplacesForm(forms.Form):
    marketplaces = MarketplaceChoiceField(label=_("Marketplaces you sell on"),
                                          queryset=Marketplace.objects.filter(is_active=True))


class TaxRegistrationForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), choices=country_choices)
    kind = forms.ChoiceField(label=_("Type"), choices=TaxRegistration.Kind.choices)
    number = forms.CharField(label=_("Number"), max_length=60)


class TwoFactorRequirementForm(forms.Form):
    require_two_factor = forms.BooleanField(label=_("Require two-factor authentication for everyone in this store"),
                                            required=False)


class OrderSettingsForm(forms.Form):
    orders_without_stock = forms.ChoiceField(
        label=_("Seller-fulfilled orders whose units cannot all be reserved"), choices=Store.WithoutStock.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    orders_auto_cancel_days = forms.IntegerField(
        label=_("Cancel unshipped orders after"), min_value=AUTO_CANCEL_MIN_DAYS, max_value=AUTO_CANCEL_MAX_DAYS,
        widget=forms.NumberInput(attrs={"aria-describedby": "id_orders_auto_cancel_days_helptext"}),
        error_messages={"invalid": _("Enter a whole number of days between 3 and 90."),
                        "min_value": _("Enter a whole number of days between 3 and 90."),
                        "max_value": _("Enter a whole number of days between 3 and 90.")},
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.none(), empty_label=_("Choose a role"))

    def __init__(self, *args: Any, roles: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = roles  # type: ignore[attr-defined]
        self.fields["role"].label_from_instance = lambda role: role.display_name  # type: ignore[attr-defined]


class MemberRoleForm(forms.Form):
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.none())

    def __init__(self, *args: Any, roles: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = roles  # type: ignore[attr-defined]
        self.fields["role"].label_from_instance = lambda role: role.display_name  # type: ignore[attr-defined]


class RoleForm(forms.Form):
    name = forms.CharField(label=_("Role name"), max_length=60)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for module in Module:
            self.fields[f"level_{module.value}"] = forms.TypedChoiceField(
                label=module.label, choices=Level.choices, coerce=int, initial=Level.NONE,
            )

    def module_fields(self) -> list[forms.BoundField]:
        return [self[f"level_{module.value}"] for module in Module]

    def levels(self) -> dict[str, int]:
        return {module.value: self.cleaned_data[f"level_{module.value}"] for module in Module}
