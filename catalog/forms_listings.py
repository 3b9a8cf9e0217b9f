"""Forms of the listing pages: the list's filters, one listing, the bulk actions and the copy dialog."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from stores.models import Marketplace

from .models import Listing

STATUS_FILTERS = [
    ("", _("Any status")),
    ("active", _("Active")),
    ("inactive", _("Inactive")),
    ("suppressed", _("Suppressed (any reason)")),
    *((f"suppressed:{value}", format_lazy("{}: {}", _("Suppressed"), label))
      for value, label in Listing.Suppression.choices),
]
STOCK_FILTERS = [
    ("", _("Any stock level")),
    ("in", _("Offered (in stock)")),
    ("low", _("Low stock")),
    ("out", _("Nothing offered")),
]
SORTS = [
    ("sku", _("SKU, A to Z")),
    ("-sku", _("SKU, Z to A")),
    ("-updated", _("Recently changed")),
    ("-quantity", _("Most offered")),
    ("quantity", _("Least offered")),
]
# Rows a page of the listing list shows; the first is the default (as on Amazon's inventory page).
PAGE_SIZES = (25, 50, 100)
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
# What each field of Listing.LOCAL_FIELDS is called where local edits are listed (two share the verbose name
# "price" on the model).
LOCAL_FIELD_LABELS = {
    "price": _("Price"),
    "price_mode": _("How the price is set"),
    "rounding": _("Rounding"),
    "sale_price": _("Sale price"),
    "sale_start": _("Sale start"),
    "sale_end": _("Sale end"),
    "wanted_status": _("Active or inactive"),
    "quantity_limit": _("Quantity limit"),
}


def site_choices(marketplaces: Sequence[Marketplace]) -> list[tuple[int, str]]:
    return [(site.pk, f"{site.code} · {site.currency}") for site in marketplaces]


class ListingFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("SKU, GTIN or title")}))
    site = forms.TypedChoiceField(label=_("Site"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_FILTERS)
    stock = forms.ChoiceField(label=_("Stock"), required=False, choices=STOCK_FILTERS)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)
    per_page = forms.TypedChoiceField(label=_("Per page"), required=False, coerce=int, empty_value=None,
                                      choices=[(size, size) for size in PAGE_SIZES])

    def __init__(self, *args: Any, marketplaces: Sequence[Marketplace], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["site"]).choices = [("", _("All sites")), *site_choices(marketplaces)]


class ListingForm(forms.Form):
    """One listing's price, sale and availability. Amounts are in the site's currency."""

    price_mode = forms.ChoiceField(label=_("Price"), choices=Listing.PriceMode.choices, widget=forms.RadioSelect,
                                   initial=Listing.PriceMode.FIXED)
    price = forms.DecimalField(label=_("Price"), required=False, min_value=Decimal("0"), max_digits=14,
                               decimal_places=3)
    rounding = forms.ChoiceField(label=_("Rounding"), choices=Listing.Rounding.choices,
                                 initial=Listing.Rounding.EXACT,
                                 help_text=_("How a price converted from another currency is rounded."))
    sale_price = forms.DecimalField(label=_("Sale price"), required=False, min_value=Decimal("0.001"),
                                    max_digits=14, decimal_places=3)
    sale_start = forms.DateTimeField(label=_("Sale starts"), required=False, widget=DATETIME_WIDGET)
    sale_end = forms.DateTimeField(label=_("Sale ends"), required=False, widget=DATETIME_WIDGET)
    quantity_limit = forms.IntegerField(label=_("Offer at most"), required=False, min_value=0,
                                        max_value=1_000_000,
                                        help_text=_("Units; leave empty to offer everything available."))
    wanted_status = forms.ChoiceField(label=_("Status"), choices=Listing.Status.choices[:2],
                                      initial=Listing.Status.ACTIVE)
    follow_source = forms.MultipleChoiceField(
        label=_("Take these from the source listing again"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(name, name) for name in Listing.LOCAL_FIELDS],
        help_text=_("The next copy from the source site sets the ticked fields again."),
    )

    def __init__(self, *args: Any, currency: str | None = None, overrides: Sequence[str] = (),
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if currency:
            for name in ("price", "sale_price"):
                self.fields[name].label = f"{self.fields[name].label} ({currency})"
        cast(forms.ChoiceField, self.fields["follow_source"]).choices = [
            (name, LOCAL_FIELD_LABELS.get(name, name)) for name in overrides]
        if not overrides:
            del self.fields["follow_source"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("price_mode") == Listing.PriceMode.FIXED and data.get("price") is None \
                and "price" not in self.errors:
            self.add_error("price", _("Enter the price, or let it follow the base price."))
        return data

    def listing_data(self) -> dict[str, Any]:
        """The cleaned values the listing services take."""
        names = ("price_mode", "price", "rounding", "sale_price", "sale_start", "sale_end", "quantity_limit",
                 "wanted_status")
        return {name: self.cleaned_data.get(name) for name in names}


class ListingCreateForm(ListingForm):
    sku = forms.CharField(label=_("SKU"), max_length=64)
    marketplace = forms.TypedChoiceField(label=_("Site"), coerce=int)

    field_order = ["sku", "marketplace"]

    def __init__(self, *args: Any, marketplaces: Sequence[Marketplace], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["marketplace"]).choices = site_choices(marketplaces)
        self.fields["price"].help_text = _("In the site's currency.")


def parse_ids(values: Sequence[str], limit: int = 1000) -> list[int]:
    """Ids from a query string, ignoring anything that is not one."""
    return sorted({int(value) for value in values[:limit] if value.isdigit() and len(value) < 19})


class IdListField(forms.Field):
    """Several ids posted under one name (the checked rows of a list)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, (list, tuple)) else [value]
        try:
            return sorted({int(item) for item in values})
        except (TypeError, ValueError) as error:
            raise forms.ValidationError(_("The selection is not valid; reload the page.")) from error


class ListingBulkForm(forms.Form):
    ACTIONS = [
        ("percent", _("Change price by %")),
        ("amount", _("Change price by an amount")),
        ("activate", _("Set active")),
        ("deactivate", _("Set inactive")),
        ("copy", _("Copy to other sites…")),
    ]

    ids = IdListField(required=True, error_messages={"required": _("Select at least one listing.")})
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    value = forms.DecimalField(label=_("By"), required=False, max_digits=12, decimal_places=3,
                               help_text=_("A negative number lowers the price, for example -10."))
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") in ("percent", "amount") and data.get("value") in (None, Decimal(0)):
            self.add_error("value", _("Enter by how much to change the price."))
        return data


class ListingCopyForm(forms.Form):
    ids = IdListField(required=False)
    sites = forms.TypedMultipleChoiceField(label=_("Copy to"), coerce=int, widget=forms.CheckboxSelectMultiple,
                                           error_messages={"required": _("Choose at least one site.")})
    rounding = forms.ChoiceField(
        label=_("Rounding on the target sites"), required=False,
        choices=[("", _("Same as each source listing")), *Listing.Rounding.choices],
        help_text=_("Not applied where a site's rounding is a local edit."),
    )

    def __init__(self, *args: Any, marketplaces: Sequence[Marketplace], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["sites"]).choices = [
            (site.pk, f"{site.code} · {site.display_name} ({site.currency})") for site in marketplaces]
