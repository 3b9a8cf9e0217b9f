"""FX rates: importing the ECB's XML and CSV files (all or nothing), converting through EUR, and the command."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sellercenter.errors import DomainError
from stores.fx import fx_rate, fx_rates_import
from stores.models import FXRate

pytestmark = pytest.mark.django_db

# The shape of https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml, trimmed to a few currencies.
ECB_DAILY_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
\t<gesmes:subject>Reference rates</gesmes:subject>
\t<gesmes:Sender>
\t\t<gesmes:name>European Central Bank</gesmes:name>
\t</gesmes:Sender>
\t<Cube>
\t\t<Cube time='2024-05-10'>
\t\t\t<Cube currency='USD' rate='1.0773'/>
\t\t\t<Cube currency='JPY' rate='167.63'/>
\t\t\t<Cube currency='GBP' rate='0.86075'/>
\t\t\t<Cube currency='CNY' rate='7.7868'/>
\t\t\t<Cube currency='SGD' rate='1.4590'/>
\t\t</Cube>
\t</Cube>
</gesmes:Envelope>
"""


def _xml(days: dict[str, dict[str, str]]) -> bytes:
    cubes = "".join(
        f"<Cube time='{day}'>" + "".join(f"<Cube currency='{c}' rate='{r}'/>" for c, r in rates.items()) + "</Cube>"
        for day, rates in days.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
        'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">'
        f"<gesmes:subject>Reference rates</gesmes:subject><Cube>{cubes}</Cube></gesmes:Envelope>"
    ).encode()


def _rates(day: str) -> dict[str, tuple[Decimal, str]]:
    return {r.currency: (r.rate, r.source) for r in FXRate.objects.filter(rate_date=dt.date.fromisoformat(day))}


# --- Import -----------------------------------------------------------------------------------------------------


def test_the_ecb_daily_xml_is_imported_with_euro_at_one() -> None:
    count = fx_rates_import(data=ECB_DAILY_XML, filename="eurofxref-daily.xml")

    assert count == 6
    assert _rates("2024-05-10") == {
        "USD": (Decimal("1.0773"), "ECB"), "JPY": (Decimal("167.63"), "ECB"), "GBP": (Decimal("0.86075"), "ECB"),
        "CNY": (Decimal("7.7868"), "ECB"), "SGD": (Decimal("1.459"), "ECB"), "EUR": (Decimal(1), "ECB"),
    }


def test_the_ecb_historical_xml_brings_every_day() -> None:
    fx_rates_import(data=_xml({"2024-05-10": {"USD": "1.0773"}, "2024-05-09": {"USD": "1.0745", "JPY": "167.2"}}))
    assert _rates("2024-05-09") == {"USD": (Decimal("1.0745"), "ECB"), "JPY": (Decimal("167.2"), "ECB"),
                                    "EUR": (Decimal(1), "ECB")}
    assert set(_rates("2024-05-10")) == {"USD", "EUR"}


def test_the_ecb_historical_csv_is_imported_skipping_blanks_and_na() -> None:
    # The shape of eurofxref-hist.csv: ISO dates, N/A for currencies not quoted that day, a trailing comma.
    csv = (
        b"Date,USD,JPY,BGN,CYP,GBP,\n"
        b"2024-05-10,1.0773,167.63,1.9558,N/A,0.86075,\n"
        b"2024-05-09,1.0745,167.2,1.9558,N/A,,\n"
        b"\n"
    )
    count = fx_rates_import(data=csv, filename="eurofxref-hist.csv", source="ECB-hist")

    assert count == 7 + 2  # seven quoted rates, plus EUR on both days
    assert _rates("2024-05-10") == {
        "USD": (Decimal("1.0773"), "ECB-hist"), "JPY": (Decimal("167.63"), "ECB-hist"),
        "BGN": (Decimal("1.9558"), "ECB-hist"), "GBP": (Decimal("0.86075"), "ECB-hist"),
        "EUR": (Decimal(1), "ECB-hist"),
    }
    assert set(_rates("2024-05-09")) == {"USD", "JPY", "BGN", "EUR"}


def test_the_ecb_daily_csv_is_imported() -> None:
    csv = b"Date, USD, JPY, BGN, GBP, \n10 May 2024, 1.0773, 167.63, 1.9558, 0.86075, \n"
    assert fx_rates_import(data=csv, filename="eurofxref.csv") == 5
    assert _rates("2024-05-10")["JPY"] == (Decimal("167.63"), "ECB")


def test_importing_the_same_day_again_replaces_its_rates() -> None:
    fx_rates_import(data=_xml({"2024-05-10": {"USD": "1.0773", "JPY": "167.63"}}))

    fx_rates_import(data=_xml({"2024-05-10": {"USD": "1.0801"}}), source="ECB-corrected")

    rates = _rates("2024-05-10")
    assert rates["USD"] == (Decimal("1.0801"), "ECB-corrected")
    assert rates["JPY"] == (Decimal("167.63"), "ECB")  # not in the new file: kept
    assert FXRate.objects.filter(rate_date=dt.date(2024, 5, 10), currency="USD").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<gesmes:Envelope><Cube><Cube time='2024-05-10'>", "The file is not valid XML"),
        (_xml({"2024-05-10": {"USD": "1.07.73"}}), "2024-05-10 USD: 1.07.73 is not a number."),
        (_xml({"2024-05-10": {"USD": ""}}), "is not a number."),
        (_xml({"2024-05-10": {"USD": "-1.0773"}}), "2024-05-10 USD: a rate must be above zero."),
        (_xml({"2024-05-10": {"USD": "0"}}), "a rate must be above zero."),
        (_xml({"2024-05-10": {"USD": "NaN"}}), "a rate must be above zero."),
        (_xml({"2024-05-10": {"USD": "Infinity"}}), "a rate must be above zero."),
        (_xml({"2024-05-10": {"ZZZ": "1.5"}}), "2024-05-10 ZZZ: ZZZ is not an ISO 4217 currency."),
        (_xml({"2024-13-10": {"USD": "1.0773"}}), "2024-13-10 is not a date (YYYY-MM-DD)."),
        (_xml({}), "No rates were found in the file."),
        (b"Date,USD\n2024-05-10,abc\n", "line 2: abc is not a number."),
        (b"Date,USD\n2024-05-10,-2\n", "line 2: a rate must be above zero."),
        (b"Date,USD,QQQ\n2024-05-10,1.07,1\n", "column QQQ: QQQ is not an ISO 4217 currency."),
        (b"Day,USD\n2024-05-10,1.07\n", "The first column of the CSV file must be Date."),
        (b"Date,USD\n10/05/2024,1.07\n", "line 2: 10/05/2024 is not a date (YYYY-MM-DD)."),
        ("Date,USD\n2024-05-10,1.07\n".encode("utf-16"), "The CSV file is not UTF-8 text."),
    ],
    ids=["broken-xml", "two-points", "empty-rate", "negative", "zero", "nan", "infinity", "unknown-currency",
         "bad-date", "no-rates", "csv-not-number", "csv-negative", "csv-unknown-currency", "csv-no-date-column",
         "csv-bad-date", "csv-not-utf8"],
)
def test_a_bad_file_is_refused_and_nothing_is_stored(data: bytes, message: str) -> None:
    before = FXRate.objects.count()
    with pytest.raises(DomainError) as raised:
        fx_rates_import(data=data)
    assert message in str(raised.value.message)
    assert FXRate.objects.count() == before


def test_one_bad_rate_anywhere_in_the_file_stores_nothing_of_it() -> None:
    fx_rates_import(data=_xml({"2024-05-08": {"USD": "1.0760"}}))
    mixed = _xml({"2024-05-10": {"USD": "1.0773", "JPY": "167.63"}, "2024-05-09": {"USD": "1.0745", "GBP": "-0.8"}})

    with pytest.raises(DomainError, match="a rate must be above zero"):
        fx_rates_import(data=mixed)

    assert _rates("2024-05-10") == {}
    assert _rates("2024-05-09") == {}
    assert _rates("2024-05-08")["USD"] == (Decimal("1.076"), "ECB")


def test_an_xml_file_with_entities_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b"<Envelope><Cube><Cube time='2024-05-10'><Cube currency='USD' rate='&lol2;'/></Cube></Cube></Envelope>"
    )
    with pytest.raises(DomainError, match="The file is not valid XML"):
        fx_rates_import(data=bomb)
    assert _rates("2024-05-10") == {}


def test_a_currency_quoted_twice_for_one_day_is_refused_with_a_message() -> None:
    once = b"<Cube currency='USD' rate='1.0773'/>"
    twice = _xml({"2024-05-10": {"USD": "1.0773"}}).replace(once, once + b"<Cube currency='USD' rate='1.08'/>")
    with pytest.raises(DomainError):
        fx_rates_import(data=twice)
    assert _rates("2024-05-10") == {}


def test_a_rate_too_large_to_store_is_refused_with_a_message() -> None:
    with pytest.raises(DomainError):
        fx_rates_import(data=_xml({"2024-05-10": {"USD": "12345678901.5"}}))
    assert _rates("2024-05-10") == {}


# --- Conversion -------------------------------------------------------------------------------------------------


@pytest.fixture
def ecb_week() -> None:
    fx_rates_import(data=_xml({
        "2024-05-08": {"USD": "1.0750", "JPY": "167.00", "CNY": "7.7600"},
        "2024-05-10": {"USD": "1.0773", "JPY": "167.63", "CNY": "7.7868"},
        "2024-05-13": {"USD": "1.0780"},
    }))


@pytest.mark.usefixtures("ecb_week")
def test_rates_are_crossed_through_the_euro() -> None:
    day = dt.date(2024, 5, 10)
    assert fx_rate(from_currency="EUR", to_currency="USD", on=day) == (Decimal("1.0773"), day)
    assert fx_rate(from_currency="USD", to_currency="EUR", on=day) == (Decimal(1) / Decimal("1.0773"), day)
    assert fx_rate(from_currency="USD", to_currency="JPY", on=day) == (Decimal("167.63") / Decimal("1.0773"), day)
    assert fx_rate(from_currency="CNY", to_currency="USD", on=day) == (Decimal("1.0773") / Decimal("7.7868"), day)
    assert fx_rate(from_currency="JPY", to_currency="JPY", on=day) == (Decimal(1), day)
    rate, _ = fx_rate(from_currency="USD", to_currency="JPY", on=day)
    back, _ = fx_rate(from_currency="JPY", to_currency="USD", on=day)
    assert abs(rate * back - 1) < Decimal("1e-20")


@pytest.mark.usefixtures("ecb_week")
def test_a_day_without_rates_uses_the_newest_earlier_day_and_says_which() -> None:
    saturday, sunday = dt.date(2024, 5, 11), dt.date(2024, 5, 12)
    assert fx_rate(from_currency="USD", to_currency="JPY", on=sunday) == (
        Decimal("167.63") / Decimal("1.0773"), dt.date(2024, 5, 10),
    )
    assert fx_rate(from_currency="EUR", to_currency="CNY", on=saturday) == (Decimal("7.7868"), dt.date(2024, 5, 10))
    assert fx_rate(from_currency="CNY", to_currency="JPY", on=dt.date(2024, 5, 9)) == (
        Decimal("167.00") / Decimal("7.7600"), dt.date(2024, 5, 8),
    )
    # USD has a newer rate than JPY: each uses its newest, and the older date is the one reported.
    assert fx_rate(from_currency="USD", to_currency="JPY", on=dt.date(2024, 5, 13)) == (
        Decimal("167.63") / Decimal("1.0780"), dt.date(2024, 5, 10),
    )


@pytest.mark.usefixtures("ecb_week")
def test_no_rate_on_or_before_the_day_is_an_error() -> None:
    with pytest.raises(DomainError, match="There is no FX rate for USD on or before 2024-05-07"):
        fx_rate(from_currency="USD", to_currency="EUR", on=dt.date(2024, 5, 7))
    with pytest.raises(DomainError, match="There is no FX rate for THB"):
        fx_rate(from_currency="USD", to_currency="THB", on=dt.date(2024, 5, 10))


# --- The management command -------------------------------------------------------------------------------------


def test_the_import_command_loads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "eurofxref-daily.xml"
    path.write_bytes(ECB_DAILY_XML)
    out = StringIO()

    call_command("import_fx_rates", str(path), "--source", "ECB-daily", stdout=out)

    assert "Imported 6 rates from eurofxref-daily.xml." in out.getvalue()
    assert _rates("2024-05-10")["JPY"] == (Decimal("167.63"), "ECB-daily")


def test_the_import_command_reports_a_bad_file_and_stores_nothing(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_bytes(b"Date,USD\n2024-05-10,-1\n")
    with pytest.raises(CommandError, match=r"line 2: a rate must be above zero\."):
        call_command("import_fx_rates", str(path))
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_fx_rates", str(tmp_path / "missing.xml"))
    assert _rates("2024-05-10") == {}

