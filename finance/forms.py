"""The transaction list's filters."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import JournalKind


class TransactionFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All types")), *JournalKind.choices])
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    order = forms.CharField(label=_("Order number"), required=False, max_length=32)
    sku = forms.CharField(label=_("SKU"), required=False, max_length=64)
    site = forms.ChoiceField(label=_("Site"), required=False)
    currency = forms.ChoiceField(label=_("Currency"), required=False)

    def __init__(self, *args: Any, sites: list[str], currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["site"]).choices = [
            ("", _("All sites")), *((code, code) for code in sites)]
        cast(forms.ChoiceField, self.fields["currency"]).choices = [
            ("", _("All currencies")), *((code, code) for code in currencies)]

    def filters(self) -> dict[str, Any]:
        """The valid filters, dates as the store's midnights ("to" includes its whole day); invalid ones dropped."""
        if not self.is_valid():
            return {name: value for name, value in self.cleaned_data.items() if name not in self.errors and value}
        data = {name: value for name, value in self.cleaned_data.items() if value}
        zone = timezone.get_current_timezone()
        if data.get("date_from"):
            data["date_from"] = dt.datetime.combine(data["date_from"], dt.time.min, tzinfo=zone)
        if data.get("date_to"):
            data["date_to"] = dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        return data


class ProfitForm(forms.Form):
    BY = [("sku", _("By SKU")), ("order", _("By order")), ("site", _("By site"))]

    by = forms.ChoiceField(choices=BY, required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def period(self) -> tuple[str, dt.date, dt.date]:
        """The grouping and the days [from, to], the last 30 days by default."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("date_to") or today
        start = data.get("date_from") or end - dt.timedelta(days=29)
        if start > end:
            start, end = end, start
        return data.get("by") or "sku", start, end
