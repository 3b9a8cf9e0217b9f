"""Forms of the returns steps on the order page: open a return, decide it, receive it, refund."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Warehouse

from .models import OrderLine, Return, ReturnLine
from .services.returns import Receipt


class ReturnOpenForm(forms.Form):
    """Which shipped units come back (per line, none by default) and why."""

    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *Return.Reason.choices])
    comment = forms.CharField(label=_("What the buyer said (optional)"), required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, lines: Sequence[OrderLine], returnable: Mapping[int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = [(line, returnable[line.pk]) for line in lines if returnable.get(line.pk)]
        for line, units in self.lines:
            self.fields[f"return_{line.pk}"] = forms.IntegerField(label=line.sku, min_value=0, max_value=units,
                                                                  initial=0, required=False)

    def line_fields(self) -> list[tuple[OrderLine, int, forms.BoundField]]:
        return [(line, units, self[f"return_{line.pk}"]) for line, units in self.lines]

    def units(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data.get(f"return_{line.pk}") or 0 for line, _units in self.lines}


class ReturnDecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("authorise", _("Authorise")), ("reject", _("Reject"))],
                                 widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note to the buyer (required to reject)"), required=False, max_length=500)


class ReturnReceiveForm(forms.Form):
    """Per line of the return: units back on the shelf, units written off; and where the shelf is."""

    warehouse = forms.TypedChoiceField(label=_("Put back in"), coerce=int, required=False)

    def __init__(self, *args: Any, lines: Sequence[ReturnLine], warehouses: Iterable[Warehouse],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        cast(forms.TypedChoiceField, self.fields["warehouse"]).choices = [
            ("", "—"), *((w.pk, f"{w.code} · {w.name}") for w in warehouses)]
        for line in self.lines:
            restockable = line.order_line.variant_id is not None
            self.fields[f"restock_{line.pk}"] = forms.IntegerField(
                label=_("Back to stock"), min_value=0, max_value=line.quantity if restockable else 0,
                initial=line.quantity if restockable else 0, required=False)
            self.fields[f"writeoff_{line.pk}"] = forms.IntegerField(
                label=_("Written off"), min_value=0, max_value=line.quantity,
                initial=0 if restockable else line.quantity, required=False)

    def line_fields(self) -> list[tuple[ReturnLine, forms.BoundField, forms.BoundField]]:
        return [(line, self[f"restock_{line.pk}"], self[f"writeoff_{line.pk}"]) for line in self.lines]

    def receipts(self) -> dict[int, Receipt]:
        return {line.pk: Receipt(restock=self.cleaned_data.get(f"restock_{line.pk}") or 0,
                                 write_off=self.cleaned_data.get(f"writeoff_{line.pk}") or 0)
                for line in self.lines}


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount to refund"), min_value=0, max_digits=14, decimal_places=3)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=500)
    # A fresh key each time the form is shown: a second click sends the same key, and nothing is refunded twice.
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4().hex)
