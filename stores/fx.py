"""The platform's FX rates: importing the ECB's files and converting between currencies."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from defusedxml import ElementTree as ET
from defusedxml.common import DefusedXmlException
from django.db import transaction
from django.utils.translation import gettext as _

from sellercenter.errors import DomainError

from .models import FXRate
from .reference import CURRENCY_CODES

ECB_NS = {"gesmes": "http://www.gesmes.org/xml/2002-08-01", "ecb": "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"}


@dataclass(frozen=True)
class ParsedRate:
    rate_date: dt.date
    currency: str
    rate: Decimal


def _rate(value: str, where: str) -> Decimal:
    try:
        rate = Decimal(value.strip())
    except (InvalidOperation, AttributeError) as error:
        raise DomainError(_("%(where)s: %(value)s is not a number.") % {"where": where, "value": value}) from error
    if not rate.is_finite() or rate <= 0:
        raise DomainError(_("%(where)s: a rate must be above zero.") % {"where": where})
    if rate >= Decimal("1e10"):
        raise DomainError(_("%(where)s: %(value)s is too large for a rate.") % {"where": where, "value": value})
    return rate


MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}


def _date(value: str, where: str) -> dt.date:
    """ISO dates, and the ECB daily CSV's "10 May 2024" (English month names, whatever the server's locale)."""
    try:
        text = value.strip()
        parts = text.split()
        if len(parts) == 3 and parts[1][:3].lower() in MONTHS:
            return dt.date(int(parts[2]), MONTHS[parts[1][:3].lower()], int(parts[0]))
        return dt.date.fromisoformat(text)
    except (ValueError, AttributeError) as error:
        raise DomainError(
            _("%(where)s: %(value)s is not a date (YYYY-MM-DD).") % {"where": where, "value": value}
        ) from error


def _currency(value: str, where: str) -> str:
    code = (value or "").strip().upper()
    if code not in CURRENCY_CODES:
        raise DomainError(_("%(where)s: %(value)s is not an ISO 4217 currency.") % {"where": where, "value": value})
    return code


def parse_ecb_xml(data: bytes) -> list[ParsedRate]:
    """The ECB's eurofxref XML (daily or historical): Cube[time] > Cube[currency, rate]."""
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, DefusedXmlException) as error:
        raise DomainError(_("The file is not valid XML: %(error)s") % {"error": error}) from error
    rates: list[ParsedRate] = []
    for day in root.iterfind(".//ecb:Cube[@time]", ECB_NS):
        rate_date = _date(day.get("time", ""), _("date %(value)s") % {"value": day.get("time")})
        for cube in day.iterfind("ecb:Cube[@currency]", ECB_NS):
            where = f"{rate_date} {cube.get('currency')}"
            rates.append(ParsedRate(rate_date, _currency(cube.get("currency", ""), where),
                                    _rate(cube.get("rate", ""), where)))
    if not rates:
        raise DomainError(_("No rates were found in the file."))
    return rates


def parse_ecb_csv(data: bytes) -> list[ParsedRate]:
    """The ECB's CSV: a ``Date`` column, then one column per currency (units per euro); blanks and N/A skipped."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DomainError(_("The CSV file is not UTF-8 text.")) from error
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip() for cell in next(reader, [])]
    if not header or header[0].lower() != "date":
        raise DomainError(_("The first column of the CSV file must be Date."))
    currencies = [_currency(code, _("column %(code)s") % {"code": code}) if code else "" for code in header[1:]]
    rates: list[ParsedRate] = []
    for line_no, row in enumerate(reader, start=2):
        if not row or not row[0].strip():
            continue
        rate_date = _date(row[0], _("line %(line)s") % {"line": line_no})
        for code, value in zip(currencies, row[1:], strict=False):
            if code and value.strip() and value.strip().upper() not in {"N/A", "NA"}:
                rates.append(ParsedRate(rate_date, code, _rate(value, _("line %(line)s") % {"line": line_no})))
    if not rates:
        raise DomainError(_("No rates were found in the file."))
    return rates


def fx_rates_import(*, data: bytes, filename: str = "", source: str = "ECB") -> int:
    """Store every rate of an ECB-format file, replacing rates of the same day and currency. All or nothing."""
    looks_like_xml = data.lstrip()[:1] == b"<" or filename.lower().endswith(".xml")
    rates = parse_ecb_xml(data) if looks_like_xml else parse_ecb_csv(data)
    seen: set[tuple[dt.date, str]] = set()
    for rate in rates:
        if (rate.rate_date, rate.currency) in seen:
            raise DomainError(_("%(currency)s appears twice for %(day)s.") % {"currency": rate.currency,
                                                                              "day": rate.rate_date})
        seen.add((rate.rate_date, rate.currency))
    # EUR itself is 1 on every day, so conversions to and from EUR need no special case.
    have_eur = {r.rate_date for r in rates if r.currency == "EUR"}
    rates += [ParsedRate(day, "EUR", Decimal(1)) for day in sorted({r.rate_date for r in rates} - have_eur)]
    with transaction.atomic():
        FXRate.objects.bulk_create(
            [FXRate(rate_date=r.rate_date, currency=r.currency, rate=r.rate, source=source) for r in rates],
            update_conflicts=True, unique_fields=["rate_date", "currency"], update_fields=["rate", "source"],
        )
    return len(rates)


def fx_rate(*, from_currency: str, to_currency: str, on: dt.date) -> tuple[Decimal, dt.date]:
    """How many ``to_currency`` one ``from_currency`` buys, from the newest rates on or before ``on``.

    Returns the rate and the date of the rates used, so the caller can record both.
    """
    if from_currency == to_currency:
        return Decimal(1), on
    found: dict[str, FXRate] = {}
    for currency in (from_currency, to_currency):
        if currency == "EUR":
            continue
        rate = FXRate.objects.on_or_before(on).filter(currency=currency).order_by("-rate_date").first()
        if rate is None:
            raise DomainError(_("There is no FX rate for %(currency)s on or before %(day)s.")
                              % {"currency": currency, "day": on})
        found[currency] = rate
    per_eur_from = found[from_currency].rate if from_currency in found else Decimal(1)
    per_eur_to = found[to_currency].rate if to_currency in found else Decimal(1)
    used = min((r.rate_date for r in found.values()), default=on)
    return (per_eur_to / per_eur_from), used
