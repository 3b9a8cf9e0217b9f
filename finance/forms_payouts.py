"""The payouts page's forms: a payout account, a payout request, and the re-authentication asked before an
account is added or changed."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from stores.reference import country_choices

from .payouts_models import PayoutAccount

# The currencies payout accounts are commonly paid in; a store's own currencies are added to them.
PAYOUT_CURRENCIES = ["AUD", "CAD", "CNY", "EUR", "GBP", "HKD", "JPY", "SGD", "USD"]


def payout_currency_choices(extra: list[str]) -> list[tuple[str, str]]:
    return [(code, code) for code in sorted(set(PAYOUT_CURRENCIES) | set(extra))]


class PayoutAccountForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=PayoutAccount.Kind.choices)
    holder_name = forms.CharField(label=_("Account holder"), max_length=140)
    currency = forms.ChoiceField(label=_("Account currency"))
    number = forms.CharField(
        label=_("Account number, IBAN, or the provider's account id or e-mail"), max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    bank_name = forms.CharField(label=_("Bank name"), max_length=140, required=False)
    bank_country = forms.ChoiceField(label=_("Bank country"), required=False)
    swift = forms.CharField(label=_("SWIFT/BIC"), max_length=11, required=False)
    currencies = forms.MultipleChoiceField(label=_("Currencies paid to this account"),
                                           widget=forms.CheckboxSelectMultiple)
    default_for = forms.MultipleChoiceField(label=_("Default account for"), required=False,
                                            widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, currencies: list[str], editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = payout_currency_choices(currencies)
        for name in ("currency", "currencies", "default_for"):
            self.fields[name].choices = choices  # type: ignore[attr-defined]
        self.fields["bank_country"].choices = [("", "—"), *country_choices()]  # type: ignore[attr-defined]
        if editing:
            # The number on file is never sent back to the browser: empty keeps it.
            self.fields["number"].required = False
            self.fields["number"].help_text = _("Leave empty to keep the number on file.")


class PayoutRequestForm(forms.Form):
    account = forms.TypedChoiceField(label=_("Pay to"), coerce=int)
    currency = forms.ChoiceField(label=_("Currency"))
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=18, decimal_places=3)
    # A fresh key each time the form is shown: a second click sends the same key, and one payout is recorded.
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, accounts: list[PayoutAccount], currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [  # type: ignore[attr-defined]
            (account.pk, str(account)) for account in accounts]
        self.fields["currency"].choices = [(code, code) for code in currencies]  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4().hex)


class ReauthForm(forms.Form):
    """The person's password, or their authenticator's code when they use two-factor."""

    secret = forms.CharField(max_length=128, strip=False)

    def __init__(self, *args: Any, two_factor: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["secret"]
        if two_factor:
            field.label = _("6-digit code")
            field.widget = forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                  "autofocus": True})
        else:
            field.label = _("Password")
            field.widget = forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True})
