"""Forms of the product pages: the product, a variant, content in one language, images."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stores.models import Category
from stores.reference import CONTENT_LANGUAGES, country_choices, currency_choices

from .models import MAX_BULLETS, Product


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return "\u2003" * obj.depth + obj.localized_name(get_language() or "en")


def _split_theme(value: str) -> list[str]:
    return [part.strip().lower() for part in value.replace("，", ",").split(",") if part.strip()]


class ProductForm(forms.Form):
    code = forms.CharField(label=_("Product code"), max_length=64,
                           help_text=_("Your own code for the product; its variants each have a SKU."))
    brand = forms.CharField(label=_("Brand"), max_length=100, required=False)
    category = CategoryChoiceField(label=_("Category"), required=False, empty_label=_("No category"),
                                   queryset=Category.objects.filter(is_active=True).order_by("path"))
    variation_theme = forms.CharField(label=_("Variation theme"), required=False, max_length=200,
                                      help_text=_("The attributes your variants differ by, separated by commas: "
                                                  "colour, size."))
    hs_code = forms.RegexField(label=_("HS code"), regex=r"^\d{6,10}$", required=False, max_length=12,
                               error_messages={"invalid": _("An HS code has 6 to 10 digits.")})
    country_of_origin = forms.ChoiceField(label=_("Country of origin"), required=False,
                                          choices=lambda: [("", "—"), *country_choices()])
    status = forms.ChoiceField(label=_("Status"), choices=Product.Status.choices, initial=Product.Status.ACTIVE)

    def clean_variation_theme(self) -> list[str]:
        theme = _split_theme(self.cleaned_data.get("variation_theme") or "")
        if len(theme) > 3:
            raise forms.ValidationError(_("Use at most three attributes."))
        return theme


class VariantForm(forms.Form):
    sku = forms.CharField(label=_("SKU"), max_length=64)
    gtin = forms.RegexField(label=_("GTIN"), regex=r"^\d{8}$|^\d{12,14}$", required=False,
                            error_messages={"invalid": _("A GTIN has 8, 12, 13 or 14 digits.")})
    weight_g = forms.IntegerField(label=_("Weight (g)"), min_value=1, max_value=1_000_000, required=False)
    length_mm = forms.IntegerField(label=_("Length (mm)"), min_value=1, max_value=10_000, required=False)
    width_mm = forms.IntegerField(label=_("Width (mm)"), min_value=1, max_value=10_000, required=False)
    height_mm = forms.IntegerField(label=_("Height (mm)"), min_value=1, max_value=10_000, required=False)
    base_price = forms.DecimalField(label=_("Base price"), min_value=Decimal("0"), max_digits=14, decimal_places=3,
                                    required=False)
    unit_cost = forms.DecimalField(label=_("Unit cost"), min_value=Decimal("0"), max_digits=14, decimal_places=3,
                                   required=False)
    unit_cost_currency = forms.ChoiceField(label=_("Cost currency"), choices=currency_choices, required=False)
    declared_value = forms.DecimalField(label=_("Declared value"), min_value=Decimal("0"), max_digits=14,
                                        decimal_places=3, required=False,
                                        help_text=_("Per unit, for customs declarations."))
    declared_value_currency = forms.ChoiceField(label=_("Declared value currency"), choices=currency_choices,
                                                required=False)

    def __init__(self, *args: Any, theme: list[str], base_currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.theme = theme
        self.base_currency = base_currency
        self.fields["base_price"].help_text = _("In %(currency)s, the store's base currency.") % {
            "currency": base_currency}
        self.fields["unit_cost_currency"].initial = base_currency
        self.fields["declared_value_currency"].initial = "USD"
        for attribute in theme:
            self.fields[f"option_{attribute}"] = forms.CharField(label=attribute.capitalize(), max_length=60)

    def option_fields(self) -> list[forms.BoundField]:
        return [self[f"option_{attribute}"] for attribute in self.theme]

    def variant_data(self) -> dict[str, Any]:
        from djmoney.money import Money

        data = self.cleaned_data

        def money(amount_field: str, currency: str) -> Money | None:
            amount = data.get(amount_field)
            return Money(amount, currency) if amount is not None else None

        return {
            "sku": data["sku"], "gtin": data.get("gtin") or "",
            "options": {attribute: data[f"option_{attribute}"].strip() for attribute in self.theme},
            "weight_g": data.get("weight_g"), "length_mm": data.get("length_mm"), "width_mm": data.get("width_mm"),
            "height_mm": data.get("height_mm"),
            "base_price": money("base_price", self.base_currency),
            "unit_cost": money("unit_cost", data.get("unit_cost_currency") or self.base_currency),
            "declared_value": money("declared_value", data.get("declared_value_currency") or "USD"),
        }


class ContentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    bullets = forms.CharField(label=_("Bullet points"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("One per line, at most five."))
    description = forms.CharField(label=_("Description"), max_length=10000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 8}))
    keywords = forms.CharField(label=_("Search keywords"), max_length=500, required=False,
                               help_text=_("Words buyers search for, separated by spaces."))

    def clean_bullets(self) -> list[str]:
        lines = [line.strip() for line in (self.cleaned_data.get("bullets") or "").splitlines() if line.strip()]
        if len(lines) > MAX_BULLETS:
            raise forms.ValidationError(_("At most five bullet points, one per line."))
        return lines


class ContentCopyForm(forms.Form):
    source = forms.ChoiceField(label=_("Copy from"), choices=CONTENT_LANGUAGES)
    overwrite = forms.BooleanField(label=_("Replace what is already written"), required=False)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked like a single FileField."""

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class ImageUploadForm(forms.Form):
    images = MultipleFileField(label=_("Pictures"),
                             widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
                             help_text=_("JPEG, PNG or WebP, up to 10 MB each, at least 300 pixels a side. "
                                         "Location and camera data are removed."))

    def clean_images(self) -> list[Any]:
        files = [file for file in self.cleaned_data.get("images") or [] if file]
        if not files:
            raise forms.ValidationError(_("Choose at least one picture."))
        if len(files) > 20:
            raise forms.ValidationError(_("Upload at most 20 pictures at a time."))
        return files


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("SKU, GTIN or title in any language"),
                                                      "type": "search"}))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *Product.Status.choices])
    category = CategoryChoiceField(label=_("Category"), required=False, empty_label=_("All categories"),
                                   queryset=Category.objects.order_by("path"))
    brand = forms.CharField(label=_("Brand"), required=False, max_length=100)
    site = forms.ChoiceField(label=_("Site"), required=False)
    stock = forms.ChoiceField(label=_("Stock"), required=False, choices=[
        ("", _("Any stock")), ("in", _("In stock")), ("low", _("Running low")), ("out", _("Out of stock"))])
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=[
        ("updated", _("Recently updated")), ("created", _("Newest")), ("code", _("Product code"))])

    def __init__(self, *args: Any, sites: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["site"]).choices = [("", _("All sites")), *sites]
        # The categories are read when the select is drawn, in one query: a model field's own choices are counted
        # first by a template's {% for %}, then read again through a server-side cursor.
        category = cast(CategoryChoiceField, self.fields["category"])
        categories = cast("QuerySet[Category]", category.queryset)
        category.choices = lambda: [("", category.empty_label),
                                    *((item.pk, category.label_from_instance(item)) for item in categories)]
