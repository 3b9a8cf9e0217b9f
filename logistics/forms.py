"""Forms of the logistics pages: the rate calculator's parcel, shipping templates and their regions, and the
carrier services to enable or disable."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from stores.models import Marketplace
from stores.reference import COUNTRY_CODES, country_choices, territory_name

from . import rates
from .models import ShippingRegion, ShippingTemplate
from .services import MAX_REGIONS, TEMPLATE_FIELDS


class RateForm(forms.Form):
    """A parcel to price: its weight, size, where it goes and where it leaves from."""

    weight_kg = forms.DecimalField(label=_("Weight (kg)"), max_digits=7, decimal_places=3,
                                   min_value=Decimal("0.001"), max_value=Decimal("1000"))
    length_cm = forms.DecimalField(label=_("Length (cm)"), max_digits=5, decimal_places=1, required=False,
                                   min_value=Decimal("0"), max_value=Decimal("500"))
    width_cm = forms.DecimalField(label=_("Width (cm)"), max_digits=5, decimal_places=1, required=False,
                                  min_value=Decimal("0"), max_value=Decimal("500"))
    height_cm = forms.DecimalField(label=_("Height (cm)"), max_digits=5, decimal_places=1, required=False,
                                   min_value=Decimal("0"), max_value=Decimal("500"))
    destination = forms.ChoiceField(label=_("Destination"), choices=lambda: [("", "—"), *country_choices()])
    origin = forms.ChoiceField(label=_("Ships from"))
    declared_value = forms.DecimalField(label=_("Declared value"), max_digits=12, decimal_places=2, required=False,
                                        min_value=Decimal("0"))

    def __init__(self, *args: Any, origins: list[str], currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["origin"]).choices = [(code, territory_name(code)) for code in origins]
        self.fields["declared_value"].help_text = _("For the customs papers, in %(currency)s.") % {
            "currency": currency}
        for name in ("weight_kg", "length_cm", "width_cm", "height_cm", "declared_value"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "step": "any"})

    def parcel(self) -> rates.Parcel:
        data = self.cleaned_data
        return rates.Parcel(
            weight_g=data["weight_kg"] * 1000, length_cm=data.get("length_cm") or Decimal(0),
            width_cm=data.get("width_cm") or Decimal(0), height_cm=data.get("height_cm") or Decimal(0),
            destination=data["destination"], origin=data["origin"],
        )


class ServicesForm(forms.Form):
    """Services to enable or disable, by id; the view keeps the ones the platform offers."""

    ACTIONS = [("enable", _("Enable")), ("disable", _("Disable"))]

    service = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    action = forms.ChoiceField(choices=ACTIONS)

    def __init__(self, *args: Any, offered_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["service"]).choices = [(pk, pk) for pk in offered_ids]


class ShippingTemplateForm(forms.ModelForm):
    class Meta:
        model = ShippingTemplate
        fields = TEMPLATE_FIELDS

    def __init__(self, *args: Any, marketplaces: list[Marketplace], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["marketplace"]
        field.queryset = Marketplace.objects.filter(pk__in=[m.pk for m in marketplaces])  # type: ignore[attr-defined]
        field.label_from_instance = lambda m: f"{m.code} · {m.name} ({m.currency})"  # type: ignore[attr-defined]


_BAND_LINE = re.compile(r"^\s*(\d+)\s*(?:g)?\s*[=:,\s]\s*([0-9]+(?:[.,][0-9]+)?)\s*$", re.IGNORECASE)


def bands_text(bands: list[list[Any]]) -> str:
    return "\n".join(f"{grams} = {price}" for grams, price in bands)


class RegionForm(forms.Form):
    """A region of a template. Countries are ISO codes; bands are "up to grams = price", one a line."""

    countries = forms.CharField(
        label=_("Countries"), required=False, max_length=1000,
        help_text=_("ISO codes separated by commas, such as DE, FR, IT. Leave empty for the site's whole country."),
    )
    bands = forms.CharField(
        label=_("Weight bands"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "500 = 4.99\n1000 = 6.99\n2000 = 9.99"}),
        help_text=_("One band a line: up to how many grams, then the price, such as 500 = 4.99."),
    )
    per_kg_above = forms.DecimalField(label=_("Per kg above the top band"), required=False, min_value=Decimal("0"),
                                      max_digits=12, decimal_places=3)
    first_item_price = forms.DecimalField(label=_("First item"), required=False, min_value=Decimal("0"),
                                          max_digits=12, decimal_places=3)
    additional_item_price = forms.DecimalField(label=_("Each additional item"), required=False,
                                               min_value=Decimal("0"), max_digits=12, decimal_places=3)

    def clean_countries(self) -> list[str]:
        codes = [code.strip().upper() for code in re.split(r"[\s,;]+", self.cleaned_data["countries"]) if code.strip()]
        unknown = [code for code in codes if code not in COUNTRY_CODES]
        if unknown:
            raise forms.ValidationError(_("Not ISO country codes: %(codes)s.") % {"codes": ", ".join(unknown)})
        return sorted(set(codes))

    def clean_bands(self) -> list[list[Any]]:
        bands: list[list[Any]] = []
        for number, line in enumerate(self.cleaned_data["bands"].splitlines(), start=1):
            if not line.strip():
                continue
            match = _BAND_LINE.match(line)
            if not match or int(match.group(1)) < 1:
                raise forms.ValidationError(_("Line %(line)s: write up to how many grams, then the price, such as "
                                              "500 = 4.99.") % {"line": number})
            grams, price = int(match.group(1)), Decimal(match.group(2).replace(",", "."))
            if bands and grams <= bands[-1][0]:
                raise forms.ValidationError(_("Line %(line)s: list the bands from the lightest to the heaviest.")
                                            % {"line": number})
            bands.append([grams, str(price)])
        return bands


class BaseRegionFormSet(forms.BaseFormSet):
    def regions(self) -> list[dict[str, Any]]:
        return [form.cleaned_data for form in self.forms
                if form.has_changed() and not form.cleaned_data.get("DELETE")]


RegionFormSet = forms.formset_factory(RegionForm, formset=BaseRegionFormSet, extra=1, max_num=MAX_REGIONS,
                                      validate_max=True, can_delete=True)


def region_initial(regions: list[ShippingRegion]) -> list[dict[str, Any]]:
    return [{"countries": ", ".join(region.countries), "bands": bands_text(region.bands),
             "per_kg_above": region.per_kg_above, "first_item_price": region.first_item_price,
             "additional_item_price": region.additional_item_price} for region in regions]
