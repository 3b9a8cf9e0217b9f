from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sellercenter.errors import DomainError
from stores.fx import fx_rates_import


class Command(BaseCommand):
    help = "Import FX rates from an ECB-format XML (eurofxref) or CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the XML or CSV file")
        parser.add_argument("--source", default="ECB")

    def handle(self, *args: Any, path: str, source: str, **options: Any) -> None:
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            count = fx_rates_import(data=file.read_bytes(), filename=file.name, source=source)
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(self.style.SUCCESS(f"Imported {count} rates from {file.name}."))
