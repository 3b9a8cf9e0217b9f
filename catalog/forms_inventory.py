"""Forms of the inventory pages: warehouses, stock filters, adjustments, bulk set and low-stock rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from stores.reference import country_choices

from .models import StockMovement, Warehouse
from .services.inventory import ADJUST_REASONS, BULK_SET_MAX, WAREHOUSE_FIELDS


class WarehouseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Warehouse) -> str:
        return f"{obj.code} · {obj.name}"


def _warehouses_in_use() -> Any:
    return Warehouse.objects.filter(is_active=True).only("id", "code", "name").order_by("code")


class WarehouseForm(forms.ModelForm):
    """Parses and checks a warehouse (including a code already taken); the services write it."""

    country = forms.ChoiceField(label=_("Country"), choices=lambda: [("", "—"), *country_choices()])

    class Meta:
        model = Warehouse
        fields = WAREHOUSE_FIELDS
        help_texts = {"code": _("A short code of your own, such as SZ1 or US-LAX; letters, digits and hyphens.")}


class IdListField(forms.Field):
    """The ids of the rows ticked in a list (``name="variant"`` checkboxes); the service checks they exist."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, (list, tuple)) else [value] if value else []
        if not all(str(item).isdigit() and len(str(item)) < 19 for item in values):
            raise forms.ValidationError(_("Select at least one SKU."))
        return sorted({int(item) for item in values})


class StockFilterForm(forms.Form):
    STATES = [("", _("All SKUs")), ("low", _("Low stock (alerted)")), ("out", _("Nothing available")),
              ("rule", _("With a low-stock alert"))]

    q = forms.CharField(label=_("SKU or GTIN"), required=False, max_length=64)
    warehouse = WarehouseChoiceField(label=_("Warehouse"), required=False, empty_label=_("All warehouses in use"),
                                     queryset=Warehouse.objects.order_by("-is_active", "code"))
    state = forms.ChoiceField(label=_("Show"), required=False, choices=STATES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The warehouses are read when the select is drawn, in one query: a model field's own choices are counted
        # first by a template's {% for %}, then read again through a server-side cursor.
        warehouse = cast(WarehouseChoiceField, self.fields["warehouse"])
        warehouses = cast("QuerySet[Warehouse]", warehouse.queryset)
        warehouse.choices = lambda: [("", warehouse.empty_label),
                                     *((item.pk, warehouse.label_from_instance(item)) for item in warehouses)]


class StockAdjustForm(forms.Form):
    warehouse = WarehouseChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none())
    reason = forms.ChoiceField(
        label=_("Reason"), widget=forms.RadioSelect,
        choices=[(value, label) for value, label in StockMovement.Reason.choices if value in ADJUST_REASONS],
        error_messages={"required": _("Choose why the stock changes.")},
    )
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=0, max_value=10_000_000,
        help_text=_("Received and returned add this many units, damaged removes them, and a count sets on hand to "
                    "the number counted."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=255,
                           help_text=_("Optional: a delivery note number, what was damaged..."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = _warehouses_in_use()  # type: ignore[attr-defined]


class StockBulkSetForm(forms.Form):
    variant = IdListField(label=_("SKUs"), error_messages={"required": _("Select at least one SKU.")})
    warehouse = WarehouseChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none(),
                                     error_messages={"required": _("Choose the warehouse to set stock in.")})
    on_hand = forms.IntegerField(label=_("On hand"), min_value=0, max_value=10_000_000,
                                 error_messages={"required": _("Enter the number of units on hand.")})
    note = forms.CharField(label=_("Note"), required=False, max_length=255)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = _warehouses_in_use()  # type: ignore[attr-defined]

    def clean_variant(self) -> list[int]:
        ids = self.cleaned_data["variant"]
        if len(ids) > BULK_SET_MAX:
            raise forms.ValidationError(_("Select at most %(max)s SKUs at a time.") % {"max": BULK_SET_MAX})
        return ids


class LowStockRuleForm(forms.Form):
    min_available = forms.IntegerField(
        label=_("Alert below (units)"), required=False, min_value=1, max_value=10_000_000,
        help_text=_("Alert when units available across your warehouses in use fall below this number."))
    min_days_of_cover = forms.IntegerField(
        label=_("Alert below (days of cover)"), required=False, min_value=1, max_value=365,
        help_text=_("Alert when what is available would last fewer days than this at the rate shipped in the "
                    "last 30 days. Needs sales to work; SKUs without sales never alert on this."))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and data.get("min_available") is None and data.get("min_days_of_cover") is None:
            raise forms.ValidationError(_("Enter a number of units, a number of days of cover, or both."))
        return data
