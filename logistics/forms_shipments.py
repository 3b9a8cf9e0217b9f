"""Forms of the shipment pages: a new parcel of an order, and the status filter of the shipments list."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Warehouse
from orders.models import OrderLine
from stores.carriers import CarrierService

from .models import Shipment


class ShipmentForm(forms.Form):
    service = forms.TypedChoiceField(label=_("Carrier service"), coerce=int)
    warehouse = forms.TypedChoiceField(label=_("Ship from"), coerce=int)
    tracking_number = forms.CharField(
        label=_("Tracking number"), max_length=64, required=False,
        help_text=_("From the carrier. Platform Logistics issues its own: leave it empty."))
    weight_g = forms.IntegerField(label=_("Weight (g)"), min_value=1, max_value=70000)
    length_cm = forms.DecimalField(label=_("Length (cm)"), max_digits=5, decimal_places=1, min_value=Decimal("0.1"),
                                   max_value=Decimal("300"))
    width_cm = forms.DecimalField(label=_("Width (cm)"), max_digits=5, decimal_places=1, min_value=Decimal("0.1"),
                                  max_value=Decimal("300"))
    height_cm = forms.DecimalField(label=_("Height (cm)"), max_digits=5, decimal_places=1, min_value=Decimal("0.1"),
                                   max_value=Decimal("300"))

    def __init__(self, data: Any = None, *, services: list[CarrierService], warehouses: list[Warehouse],
                 lines: list[OrderLine], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.services = {s.pk: s for s in services}
        self.warehouses = {w.pk: w for w in warehouses}
        self.order_lines = lines
        cast(forms.ChoiceField, self.fields["service"]).choices = [(s.pk, f"{s.carrier.name} · {s.name}")
                                                                   for s in services]
        cast(forms.ChoiceField, self.fields["warehouse"]).choices = [(w.pk, str(w)) for w in warehouses]
        for line in lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=line.sku, min_value=0, max_value=line.quantity_open, required=False,
                initial=line.quantity_open)

    @property
    def line_fields(self) -> list[tuple[OrderLine, forms.BoundField]]:
        return [(line, self[f"line_{line.pk}"]) for line in self.order_lines]

    def units(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data.get(f"line_{line.pk}") or 0 for line in self.order_lines}

    def dims_mm(self) -> tuple[int, int, int]:
        return tuple(int(self.cleaned_data[name] * 10) for name in ("length_cm", "width_cm", "height_cm"))  # type: ignore[return-value]


class ShipmentFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *Shipment.Status.choices])
