"""The finance settings: the settlement period and the reserve."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .settlements_models import HOLD_MAX_DAYS, PERIOD_MAX_DAYS, PERIOD_MIN_DAYS


class FinanceSettingsForm(forms.Form):
    settlement_period_days = forms.IntegerField(
        label=_("Settlement period"), min_value=PERIOD_MIN_DAYS, max_value=PERIOD_MAX_DAYS,
        error_messages={"min_value": _("Enter a whole number of days between 1 and 31."),
                        "max_value": _("Enter a whole number of days between 1 and 31.")})
    reserve_percent = forms.DecimalField(
        label=_("Reserve held on each sale"), min_value=Decimal("0"), max_value=Decimal("50"), max_digits=5,
        decimal_places=2, error_messages={"min_value": _("Enter a percentage between 0 and 50."),
                                          "max_value": _("Enter a percentage between 0 and 50.")})
    reserve_hold_days = forms.IntegerField(
        label=_("Reserve held for"), min_value=1, max_value=HOLD_MAX_DAYS,
        error_messages={"min_value": _("Enter a whole number of days between 1 and 90."),
                        "max_value": _("Enter a whole number of days between 1 and 90.")})
