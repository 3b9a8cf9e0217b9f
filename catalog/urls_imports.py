"""Bulk work by spreadsheet, mounted at /store/<handle>/catalog/."""

from django.urls import path

from .views import imports

urlpatterns = [
    path("imports/", imports.import_list, name="import-list"),
    path("imports/template.csv", imports.import_template, {"fmt": "csv"}, name="import-template"),
    path("imports/template.xlsx", imports.import_template, {"fmt": "xlsx"}, name="import-template"),
    path("imports/definitions.csv", imports.import_definitions, name="import-definitions"),
    path("imports/upload/", imports.import_upload, name="import-upload"),
    path("imports/<int:pk>/", imports.import_detail, name="import-detail"),
    path("imports/<int:pk>/apply/", imports.import_apply, name="import-apply"),
    path("imports/<int:pk>/cancel/", imports.import_cancel, name="import-cancel"),
    path("exports/", imports.export_start, name="export-start"),
]
