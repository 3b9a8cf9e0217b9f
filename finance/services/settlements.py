"""Settlements: what the marketplace owed the seller over a period, per currency, read from the ledger alone.

"Owed" is the payable balance plus the reserve held. A period's movements are the ledger's other accounts seen from
the seller (a sale credits "sales", which the seller sees as +): since every journal balances, the opening balance
plus the movements is the closing balance, to the unit. The amount payable is the closing payable balance.

Periods follow each other without gaps: the first starts at midnight (the store's time) of the day of the ledger's
first entry, each next one where the last settled one ended, each as long as the store's settlement period at the
time. A period is settled once it ended at least ``GRACE`` ago, after the ledger and the reserve have caught up.

The files hold nothing that changes between two runs (no generation time; rows ordered by date, journal and entry;
a PDF with fixed metadata and identifier), so generating the same period again gives the same bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import QuerySet, Sum
from django.http import Http404
from django.utils import timezone, translation
from psycopg import sql

from audit.services import activity_record, diff, snapshot
from catalog.pricing import currency_exponent
from sellercenter.errors import DomainError

from ..models import Account, Balance, Entry, FinanceSettings, Settlement
from .reserve import finance_settings_get, reserve_hold_scan, reserve_release_due

A = Account
OWED = (A.PAYABLE, A.RESERVE)
# Where each account's movements go in a settlement (seller's view); any other account counts as an adjustment.
BUCKETS: dict[str, str] = {
    A.SALES: "sales", A.SHIPPING: "shipping", A.TAX: "tax", A.MARKETPLACE_TAX: "tax",
    A.COMMISSION: "commission", A.CLOSING_FEE: "closing_fee", A.FULFILMENT: "fulfilment", A.STORAGE: "storage",
    A.REFUND_ADMIN: "refund_admin", A.CONVERSION_FEE: "conversion_fee", A.REFUNDS: "refunds",
    A.ADJUSTMENTS: "adjustments", A.PAYOUTS: "payouts", A.PAYOUTS_PENDING: "payouts",
}
MOVEMENTS = ("sales", "shipping", "tax", "commission", "closing_fee", "fulfilment", "storage", "refund_admin",
             "conversion_fee", "refunds", "adjustments", "payouts")
# Entries posted a little after the moment they happened (the ledger follows the orders within a minute) still
# belong to their period: a period is settled this long after it ended.
GRACE = dt.timedelta(hours=1)
SETTINGS_FIELDS = ("settlement_period_days", "reserve_percent", "reserve_hold_days")
CSV_HEADER = ("settlement-id", "settlement-start-date", "settlement-end-date", "currency", "transaction-type",
              "order-id", "sku", "marketplace-name", "amount-type", "amount-description", "amount", "posted-date",
              "quantity-purchased")
CHUNK = 1 << 20
SORT_MEMORY_MB = 192


@dataclass
class Totals:
    """A settlement's figures, as the ledger holds them (Decimal, not yet rounded for display)."""

    currency: str
    opening_balance: Decimal = Decimal(0)
    opening_reserve: Decimal = Decimal(0)
    movements: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(MOVEMENTS, Decimal(0)))
    reserve_held: Decimal = Decimal(0)
    reserve_released: Decimal = Decimal(0)
    line_count: int = 0

    @property
    def closing_balance(self) -> Decimal:
        return self.opening_balance + sum(self.movements.values(), start=Decimal(0))

    @property
    def reserve_balance(self) -> Decimal:
        return self.opening_reserve + self.reserve_held - self.reserve_released

    @property
    def amount_payable(self) -> Decimal:
        return self.closing_balance - self.reserve_balance

    @property
    def empty(self) -> bool:
        return not self.line_count and not self.opening_balance


# --- Reads ----------------------------------------------------------------------------------------------------------

def settlement_list() -> QuerySet[Settlement]:
    return Settlement.objects.order_by("-period_start", "currency")


def settlement_get(*, pk: int) -> Settlement:
    settlement = Settlement.objects.filter(pk=pk).first()
    if settlement is None:
        raise Http404
    return settlement


def store_zone() -> ZoneInfo:
    tenant = connection.tenant  # type: ignore[attr-defined]
    return ZoneInfo(getattr(tenant, "timezone", "") or "UTC")


def settlement_totals(*, start: dt.datetime, end: dt.datetime, currency: str) -> Totals:
    """The opening balance and each movement of [start, end) in ``currency``: two grouped sums in the database."""
    totals = Totals(currency=currency)
    for account, amount in (Entry.objects.filter(currency=currency, account__in=OWED, occurred_at__lt=start)
                            .values_list("account").annotate(total=Sum("amount")).order_by()):
        totals.opening_balance += amount
        if account == A.RESERVE:
            totals.opening_reserve += amount
    table = connection.ops.quote_name(Entry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT account, sum(amount), coalesce(sum(amount) FILTER (WHERE amount > 0), 0), count(*) "  # noqa: S608
            f"FROM {table} WHERE currency = %s AND occurred_at >= %s AND occurred_at < %s GROUP BY account",
            [currency, start, end])
        for account, amount, debits, count in cursor.fetchall():
            totals.line_count += count
            if account == A.PAYABLE:
                continue
            if account == A.RESERVE:
                totals.reserve_held += debits
                totals.reserve_released += debits - amount
                continue
            totals.movements[BUCKETS.get(account, "adjustments")] -= amount
    return totals


# --- Files ----------------------------------------------------------------------------------------------------------

def settlement_number(*, start: dt.datetime, end: dt.datetime, currency: str) -> str:
    zone = store_zone()
    return f"{start.astimezone(zone):%Y%m%d}-{end.astimezone(zone):%Y%m%d}-{currency}"


def _csv_query(*, number: str, start: dt.datetime, end: dt.datetime, currency: str) -> sql.Composed:
    zone = store_zone()
    with translation.override("en"):
        labels = sql.SQL(", ").join(sql.SQL("({}, {})").format(sql.Literal(str(code)), sql.Literal(str(label)))
                                    for code, label in Account.choices)
    return sql.SQL(
        "COPY (SELECT {number}, {start_text}, {end_text}, e.currency, e.kind, e.order_number, e.sku, "
        "e.marketplace_code, e.account, coalesce(d.label, e.account), round(-e.amount, {exponent}), "
        "to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), e.quantity "
        "FROM {table} AS e LEFT JOIN (VALUES {labels}) AS d (account, label) ON d.account = e.account "
        "WHERE e.currency = {currency} AND e.occurred_at >= {start} AND e.occurred_at < {end} "
        "AND e.account <> {payable} ORDER BY e.occurred_at, e.journal_id, e.id) TO STDOUT WITH (FORMAT csv)"
    ).format(number=sql.Literal(number), start_text=sql.Literal(start.astimezone(zone).isoformat()),
             end_text=sql.Literal(end.astimezone(zone).isoformat()), exponent=sql.Literal(currency_exponent(currency)),
             table=sql.Identifier(Entry._meta.db_table), labels=labels, currency=sql.Literal(currency),
             start=sql.Literal(start), end=sql.Literal(end), payable=sql.Literal(str(A.PAYABLE)))


def settlement_csv_write(*, number: str, start: dt.datetime, end: dt.datetime, currency: str,
                         target: IO[bytes]) -> None:
    """The flat file, one row per amount of the period (the payable side left out: it is what the rows add up
    to), written by the database itself (COPY), which keeps a million rows within seconds."""
    target.write(("\ufeff" + ",".join(CSV_HEADER) + "\n").encode("utf-8"))
    with transaction.atomic(), connection.cursor() as cursor:
        # Room to sort a big period's rows in memory rather than in temporary files, for this statement only.
        cursor.execute("SET LOCAL work_mem = '%s MB'" % SORT_MEMORY_MB)  # noqa: UP031 - SET takes no parameters
        raw = cursor.cursor  # the psycopg cursor, in the store's schema
        with raw.copy(_csv_query(number=number, start=start, end=end, currency=currency)) as copy:
            for chunk in copy:
                target.write(bytes(chunk))


def _csv_file(*, number: str, start: dt.datetime, end: dt.datetime, currency: str) -> IO[bytes]:
    spool = tempfile.SpooledTemporaryFile(max_size=8 * CHUNK)  # the caller closes it
    settlement_csv_write(number=number, start=start, end=end, currency=currency, target=spool)
    spool.seek(0)
    return spool


def _digest(csv_file: IO[bytes], pdf: bytes) -> str:
    digest = hashlib.sha256()
    csv_file.seek(0)
    while chunk := csv_file.read(CHUNK):
        digest.update(chunk)
    csv_file.seek(0)
    digest.update(pdf)
    return digest.hexdigest()


# --- Writes ---------------------------------------------------------------------------------------------------------

def settlement_generate(*, start: dt.datetime, end: dt.datetime, currency: str,
                        actor: Any = None) -> tuple[Settlement, bool]:
    """Settle [start, end) in ``currency``: the totals, the CSV and the PDF. Generating a settled period again
    leaves it as it was when the ledger has not changed (same hash); the flag says whether anything was written."""
    from ..settlement_pdf import settlement_pdf

    if end > timezone.now():
        raise DomainError(_not_ended())
    number = settlement_number(start=start, end=end, currency=currency)
    totals = settlement_totals(start=start, end=end, currency=currency)
    values = _values(totals)
    pdf = settlement_pdf(number=number, start=start, end=end, totals=totals, values=values)
    with _csv_file(number=number, start=start, end=end, currency=currency) as csv_file:
        content_hash = _digest(csv_file, pdf)
        with transaction.atomic():
            existing = Settlement.objects.select_for_update().filter(period_start=start, currency=currency).first()
            if existing is not None and existing.content_hash == content_hash:
                return existing, False
            settlement = existing or Settlement(number=number, period_start=start, period_end=end, currency=currency)
            for name, value in values.items():
                setattr(settlement, name, value)
            settlement.content_hash, settlement.generated_at = content_hash, timezone.now()
            for file_field in (settlement.csv_file, settlement.pdf_file):
                if file_field:
                    file_field.delete(save=False)
            settlement.csv_file.save(f"{number}.csv", File(csv_file), save=False)
            settlement.pdf_file.save(f"{number}.pdf", ContentFile(pdf), save=False)
            settlement.save()
            action = "finance.settlement_regenerated" if existing is not None else "finance.settlement_generated"
            activity_record(actor=actor, action=action, target=settlement, target_repr=number,
                            changes={"amount_payable": str(settlement.amount_payable), "hash": content_hash})
    return settlement, True


def _not_ended() -> str:
    from django.utils.translation import gettext

    return gettext("This period has not ended yet: it can be settled once it is over.")


def _values(totals: Totals) -> dict[str, Decimal | int]:
    return {"opening_balance": totals.opening_balance, **totals.movements, "reserve_held": totals.reserve_held,
            "reserve_released": totals.reserve_released, "closing_balance": totals.closing_balance,
            "reserve_balance": totals.reserve_balance, "amount_payable": totals.amount_payable,
            "line_count": totals.line_count}


def _midnight(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(moment.astimezone(zone).date(), dt.time.min, tzinfo=zone)


def _after_days(start: dt.datetime, days: int, zone: ZoneInfo) -> dt.datetime:
    """Midnight ``days`` calendar days later in the store's time (a period over a DST change keeps whole days)."""
    return dt.datetime.combine(start.astimezone(zone).date() + dt.timedelta(days=days), dt.time.min, tzinfo=zone)


def settlement_periods_due(*, now: dt.datetime | None = None) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The periods that ended (GRACE ago) and are not settled yet, oldest first."""
    now = now or timezone.now()
    zone = store_zone()
    days = finance_settings_get().settlement_period_days
    last = Settlement.objects.order_by("-period_end").values_list("period_end", flat=True).first()
    if last is None:
        first = Entry.objects.order_by("occurred_at").values_list("occurred_at", flat=True).first()
        if first is None:
            return
        last = _midnight(first, zone)
    start = last
    while (end := _after_days(start, days, zone)) + GRACE <= now:
        yield start, end
        start = end


def _currencies() -> list[str]:
    return sorted(set(Balance.objects.values_list("currency", flat=True)))


def settlements_generate_due(*, now: dt.datetime | None = None, actor: Any = None) -> list[Settlement]:
    """Hold and release the reserve that is due, then settle every ended period in each currency that had money
    owed or moving. Safe to run twice or at once: a period is settled once per currency (unique key), and a
    second run finds the same hash."""
    now = now or timezone.now()
    reserve_hold_scan()
    reserve_release_due(now=now)
    made: list[Settlement] = []
    currencies = _currencies()
    for start, end in settlement_periods_due(now=now):
        for currency in currencies:
            if Settlement.objects.filter(period_start=start, currency=currency).exists():
                continue
            if settlement_totals(start=start, end=end, currency=currency).empty:
                continue
            settlement, _written = settlement_generate(start=start, end=end, currency=currency, actor=actor)
            made.append(settlement)
    return made


def finance_settings_update(*, actor: Any, settlement_period_days: int, reserve_percent: Decimal,
                            reserve_hold_days: int) -> FinanceSettings:
    """The settlement period and the reserve; a changed reserve applies to sales posted from now on."""
    with transaction.atomic():
        settings = finance_settings_get()
        settings = FinanceSettings.objects.select_for_update().get(pk=settings.pk)
        before = snapshot(settings, SETTINGS_FIELDS)
        settings.settlement_period_days = settlement_period_days
        settings.reserve_percent = reserve_percent
        settings.reserve_hold_days = reserve_hold_days
        settings.full_clean()
        changes = diff(before, snapshot(settings, SETTINGS_FIELDS))
        if changes:
            settings.updated_at = timezone.now()
            settings.save()
            activity_record(actor=actor, action="finance.settings_changed", target=settings,
                            target_repr=str(FinanceSettings._meta.verbose_name), changes=changes)
    return settings
