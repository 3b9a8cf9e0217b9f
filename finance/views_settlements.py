"""The settlements page (each period's statement per currency, with its CSV and PDF) and the finance settings."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from sellercenter.errors import DomainError
from stores.permissions import Level, Module, store_view

from .forms_settlements import FinanceSettingsForm
from .services.reserve import finance_settings_get
from .services.settlements import (
    SETTINGS_FIELDS,
    finance_settings_update,
    settlement_get,
    settlement_list,
    settlements_generate_due,
)


@store_view(Module.FINANCE, Level.VIEW)
def settlement_index(request: HttpRequest) -> HttpResponse:
    return render(request, "finance/settlement_list.html", {
        "settlements": settlement_list()[:200], "settings": finance_settings_get()})


@require_POST
@store_view(Module.FINANCE, Level.MANAGE)
def settlement_generate(request: HttpRequest) -> HttpResponse:
    """Settle now every period that has ended (the periodic worker would within the hour)."""
    made = settlements_generate_due(actor=request.user)
    if made:
        messages.success(request, ngettext("%(count)d settlement is ready.", "%(count)d settlements are ready.",
                                           len(made)) % {"count": len(made)})
    else:
        messages.info(request, _("Every period that has ended is already settled."))
    return redirect("finance:settlement-list")


@store_view(Module.FINANCE, Level.VIEW)  # type: ignore[arg-type]  # a FileResponse streams
def settlement_download(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    settlement = settlement_get(pk=pk)
    file_field = {"csv": settlement.csv_file, "pdf": settlement.pdf_file}.get(kind)
    if not file_field:
        raise Http404
    try:
        handle = file_field.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(handle, as_attachment=True, filename=f"settlement-{settlement.number}.{kind}")


@store_view(Module.FINANCE, Level.VIEW, post=Level.MANAGE)
def finance_settings(request: HttpRequest) -> HttpResponse:
    current = finance_settings_get()
    form = FinanceSettingsForm(request.POST or None,
                               initial={name: getattr(current, name) for name in SETTINGS_FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            finance_settings_update(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Finance settings are saved."))
            return redirect("finance:finance-settings")
    return render(request, "finance/settlement_settings.html", {"form": form})
