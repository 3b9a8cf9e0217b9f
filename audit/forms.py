from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .labels import action_choices


class ActivityFilterForm(forms.Form):
    person = forms.CharField(label=_("Person"), required=False, max_length=254)
    action = forms.ChoiceField(label=_("Action"), required=False,
                               choices=lambda: [("", _("All actions")), *action_choices()])
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
