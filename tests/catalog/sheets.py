"""Spreadsheet files for the import tests, written the way spreadsheet programs write them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile


def csv_data(rows: Iterable[Sequence[Any]], *, encoding: str = "utf-8", bom: bool = False, crlf: bool = True,
             delimiter: str = ",") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
    for row in rows:
        writer.writerow(["" if cell is None else str(cell) for cell in row])
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_data(rows: Iterable[Sequence[Any]], *, title: str = "Catalog") -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str = "catalog.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def table(data: bytes) -> list[list[str]]:
    """The rows of a CSV file we wrote (UTF-8 with BOM)."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def check(*, actor: Any, data: bytes, name: str = "catalog.csv") -> Any:
    """Upload a file and run the check task (in the current store's schema) as the worker would."""
    from catalog.services.imports import import_create
    from catalog.tasks_spreadsheet import catalog_import_validate

    job = import_create(actor=actor, upload=upload(data, name), language="en")
    catalog_import_validate.apply(args=[job.pk])
    job.refresh_from_db()
    return job


def apply(*, actor: Any, job: Any, mode: str = "all") -> Any:
    """The person applies a checked file; the apply task runs as the worker would."""
    from catalog.services.imports import import_apply
    from catalog.tasks_spreadsheet import catalog_import_apply

    import_apply(actor=actor, job=job, mode=mode, language="en")
    catalog_import_apply.apply(args=[job.pk])
    job.refresh_from_db()
    return job
