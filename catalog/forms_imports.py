"""Forms of bulk work by spreadsheet: upload a file, choose how to apply it, choose an export format."""

from __future__ import annotations

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from .spreadsheet.apply import MODE_ALL, MODE_VALID
from .spreadsheet.reader import max_bytes


def _upload_help() -> str:
    return str(_("CSV (UTF-8 or GBK) or Excel .xlsx in the template's columns, up to %(size)s.")
               % {"size": filesizeformat(max_bytes())})


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet file"), help_text=lazy(_upload_help, str)(),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}))


class ImportApplyForm(forms.Form):
    mode = forms.ChoiceField(choices=[(MODE_ALL, _("Every row")), (MODE_VALID, _("The valid rows only"))])


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "XLSX")])
