"""Bulk work by spreadsheet: the template, uploads with their preview, applying or cancelling, exports."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jobs.selectors import job_get, job_list
from sellercenter.errors import DomainError
from sellercenter.htmx import htmx_fragment
from stores.permissions import Level, Module, store_view

from ..forms_imports import ExportForm, ImportApplyForm, ImportUploadForm
from ..services import imports as services
from ..spreadsheet.columns import template_for_store
from ..spreadsheet.validate import error_text
from ..spreadsheet.writer import definitions_csv, template_csv, template_xlsx

ERRORS_PER_PAGE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _list_page(request: HttpRequest, form: ImportUploadForm, status: int = 200) -> HttpResponse:
    jobs = job_list(kinds=(services.IMPORT_KIND, services.EXPORT_KIND))
    page = Paginator(jobs, 20).get_page(request.GET.get("page"))
    return render(request, "catalog/import_list.html", {"form": form, "page": page}, status=status)


@store_view(Module.CATALOG, Level.VIEW)
def import_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, ImportUploadForm())


def _attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@store_view(Module.CATALOG, Level.VIEW)
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    template = template_for_store(store=request.tenant)  # type: ignore[attr-defined]
    name = f"catalog-template-{request.tenant.handle}"  # type: ignore[attr-defined]
    if fmt == "xlsx":
        return _attachment(template_xlsx(template), f"{name}.xlsx", XLSX_TYPE)
    return _attachment(template_csv(template), f"{name}.csv", "text/csv; charset=utf-8")


@store_view(Module.CATALOG, Level.VIEW)
def import_definitions(request: HttpRequest) -> HttpResponse:
    template = template_for_store(store=request.tenant)  # type: ignore[attr-defined]
    return _attachment(definitions_csv(template), f"catalog-definitions-{request.tenant.handle}.csv",  # type: ignore[attr-defined]
                       "text/csv; charset=utf-8")


@require_POST
@store_view(Module.CATALOG, Level.EDIT)
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            job = services.import_create(actor=request.user, upload=form.cleaned_data["file"],
                                         language=get_language() or "en")
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            messages.success(request, _("The file is uploaded; its rows are being checked. Nothing changes until "
                                        "you apply it."))
            return redirect("catalog:import-detail", pk=job.pk)
    return _list_page(request, form, status=400)


@store_view(Module.CATALOG, Level.VIEW)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_get(pk=pk, kind=services.IMPORT_KIND)
    kept = job.summary.get("errors", [])
    page = Paginator(kept, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    errors = [{"row": row, "column": column, "message": error_text(code, params)}
              for row, column, code, params in page.object_list]
    preview, applied = job.summary.get("preview", {}), job.summary.get("applied")
    context = {"job": job, "preview": preview, "applied": applied, "page": page, "errors": errors,
               "error_count": (applied or preview).get("errors", 0)}
    template = "catalog/import_detail.html#import-body" if htmx_fragment(request) else "catalog/import_detail.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_POST
@store_view(Module.CATALOG, Level.EDIT)
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_get(pk=pk, kind=services.IMPORT_KIND)
    form = ImportApplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how to apply the file."))
        return redirect("catalog:import-detail", pk=job.pk)
    try:
        services.import_apply(actor=request.user, job=job, mode=form.cleaned_data["mode"],
                              language=get_language() or "en")
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The import is being applied."))
    return redirect("catalog:import-detail", pk=job.pk)


@require_POST
@store_view(Module.CATALOG, Level.EDIT)
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_get(pk=pk, kind=services.IMPORT_KIND)
    try:
        services.import_cancel(actor=request.user, job=job)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The import is cancelled; nothing was changed."))
    return redirect("catalog:import-detail", pk=job.pk)


@require_POST
@store_view(Module.CATALOG, Level.VIEW)
def export_start(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose CSV or XLSX."))
        return redirect("catalog:import-list")
    services.export_create(actor=request.user, file_format=form.cleaned_data["format"],
                           language=get_language() or "en")
    messages.success(request, _("The export has started; download it from the list below when it is ready."))
    return redirect("catalog:import-list")
