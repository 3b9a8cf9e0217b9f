"""Forms of the order pages: the list's filters, the seller's steps on one order, the bulk actions, notes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.models import Marketplace
from stores.reference import country_choices

from .models import Order, OrderLine
from .selectors import ORDER_TABS
from .services.bulk import BULK_MAX


def site_choices(marketplaces: Sequence[Marketplace]) -> list[tuple[str, str]]:
    # By code, not id: an address such as ?site=JP reads well in a saved view or a link sent to a teammate.
    return [(site.code, f"{site.code} · {site.currency}") for site in marketplaces]


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight starting ``day`` in the store's time zone (the active one)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


FIXED_CHOICES = ("status", "channel", "country")


class OrderFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": _("Order number, buyer, e-mail or tracking number")}))
    tab = forms.ChoiceField(required=False, choices=[(key, label) for key, label, _s in ORDER_TABS],
                            widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *Order.Status.choices])
    site = forms.ChoiceField(label=_("Site"), required=False)
    channel = forms.ChoiceField(label=_("Fulfilment"), required=False,
                                choices=[("", _("Any fulfilment")), *Order.Channel.choices])
    # The same choices on every page (their labels translate when shown): built once, and their <option>s kept
    # once rendered per language (see ``select_options``).
    country = forms.ChoiceField(label=_("Buyer country"), required=False,
                                choices=[("", _("Any country")), *country_choices()])
    sku = forms.CharField(label=_("SKU"), required=False, max_length=64)
    placed_from = forms.DateField(label=_("Ordered from"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    placed_to = forms.DateField(label=_("Ordered to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    overdue = forms.BooleanField(label=_("Ship-by date passed"), required=False)
    attention = forms.BooleanField(label=_("Needs attention"), required=False)

    def __init__(self, *args: Any, marketplaces: Sequence[Marketplace], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site_ids = {site.code: site.pk for site in marketplaces}
        cast(forms.ChoiceField, self.fields["site"]).choices = [("", _("All sites")), *site_choices(marketplaces)]
        for name in FIXED_CHOICES:
            self.fields[name].fixed_choices = True  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        """The valid filters for ``order_page``; one that is not (a site the store left) is left out. The site
        is given by id; dates are whole days in the store's time zone, the end day included."""
        self.is_valid()
        data = dict(self.cleaned_data)
        data["site"] = self.site_ids.get(data.get("site") or "")
        if data.get("placed_from"):
            data["placed_from"] = _day_start(data["placed_from"])
        if data.get("placed_to"):
            data["placed_to"] = _day_start(data["placed_to"] + dt.timedelta(days=1))
        return data


def parse_ids(values: Sequence[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit()][:BULK_MAX]


class CancelForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *Order.SELLER_CANCEL_REASONS])
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))


class CancelDecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
                                 widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=500)


class ShipForm(forms.Form):
    """Carrier and tracking number, and how many units of each open line leave now (all by default)."""

    carrier = forms.CharField(label=_("Carrier"), max_length=100)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=64)

    def __init__(self, *args: Any, lines: Sequence[OrderLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.open_lines = [line for line in lines if line.quantity_open]
        for line in self.open_lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=line.sku, min_value=0, max_value=line.quantity_open, initial=line.quantity_open)

    def line_fields(self) -> list[tuple[OrderLine, forms.BoundField]]:
        return [(line, self[f"line_{line.pk}"]) for line in self.open_lines]

    def quantities(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data[f"line_{line.pk}"] or 0 for line in self.open_lines}


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note for the team"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class BulkForm(forms.Form):
    ACTIONS = [("confirm", _("Confirm")), ("cancel", _("Cancel"))]

    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    reason = forms.ChoiceField(label=_("Reason"), required=False,
                               choices=[("", _("Reason to cancel")), *Order.SELLER_CANCEL_REASONS])

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        # The checked rows: many values of one name, which a form field does not hold.
        self.order_ids = parse_ids(data.getlist("ids")) if data is not None else []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.order_ids:
            raise forms.ValidationError(_("Select at least one order."))
        if cleaned.get("action") == "cancel" and not cleaned.get("reason"):
            self.add_error("reason", _("Choose why the orders are cancelled."))
        return cleaned


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name of this view"), max_length=60,
                           widget=forms.TextInput(attrs={"placeholder": _("e.g. Japan, to ship")}))
    query = forms.CharField(required=False, max_length=1000)


class ShipUploadForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (CSV or XLSX)"),
                           help_text=_("Columns: Order number, Carrier, Tracking number. One order a row; every unit "
                                       "still open is marked shipped."))
