"""The reserve: a share of each sale's payable amount held back for a number of days (new stores' sales, while the
marketplace still carries their risk), then released. A hold is "Dr reserve / Cr payable" with source
"reserve-hold:<sale journal id>"; its release the opposite, "reserve-release:<sale journal id>". Both are posted at
most once (the journals' unique sources and the holds' unique keys), whatever runs twice or at the same time.

Holds follow the ledger instead of being posted by the shipment itself: ``reserve_hold_scan`` reads the sale
journals posted since it last ran (a posting cursor), so the orders' posting code knows nothing of the reserve."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from ..fees import round_money
from ..models import Account, Entry, FinanceSettings, Journal, PostingCursor, ReserveHold
from .ledger import Line, journal_post

CURSOR = "reserve-hold"
SCAN_BATCH = 500


def finance_settings_get() -> FinanceSettings:
    """The store's finance settings, created with the defaults the first time they are read."""
    return FinanceSettings.objects.get_or_create(pk=1)[0]


def _payable(journal: Journal) -> Decimal:
    return (Entry.objects.filter(journal=journal, account=Account.PAYABLE).aggregate(total=Sum("amount"))["total"]
            or Decimal(0))


def reserve_hold_for(journal: Journal, *, settings: FinanceSettings | None = None) -> ReserveHold | None:
    """Hold the store's reserve share of what a sale journal made payable. None when there is nothing to hold
    (no reserve, not a sale, nothing payable, a share that rounds to zero) or when the sale is already held."""
    settings = settings or finance_settings_get()
    if journal.kind != Journal.Kind.SALE or settings.reserve_percent <= 0:
        return None
    payable = _payable(journal)
    if payable <= 0:
        return None
    currency = Entry.objects.filter(journal=journal).values_list("currency", flat=True).first()
    assert currency is not None
    amount = round_money(payable * settings.reserve_percent / Decimal(100), currency)
    if amount <= 0:
        return None
    with transaction.atomic():
        hold = journal_post(
            kind=Journal.Kind.RESERVE_HOLD, source=f"reserve-hold:{journal.pk}", currency=currency,
            lines=[Line(Account.RESERVE, amount), Line(Account.PAYABLE, -amount)], occurred_at=journal.occurred_at,
            order=journal.order, marketplace_code=journal.marketplace_code,
            memo=f"Reserve {settings.reserve_percent}% of {journal.source}")
        if hold is None:
            return None
        return ReserveHold.objects.create(
            sale_journal=journal, hold_journal=hold, currency=currency, amount=amount,
            release_at=journal.occurred_at + dt.timedelta(days=settings.reserve_hold_days))


def reserve_hold_scan(*, batch: int = SCAN_BATCH) -> int:
    """Hold the reserve of every sale journal posted since the last scan; returns how many holds were posted.
    Sales posted while the store held no reserve are passed over for good."""
    settings = finance_settings_get()
    held = 0
    while True:
        with transaction.atomic():
            cursor, _created = PostingCursor.objects.select_for_update().get_or_create(name=CURSOR)
            journals = list(Journal.objects.filter(pk__gt=cursor.last_id, kind=Journal.Kind.SALE)
                            .select_related("order").order_by("pk")[:batch])
            for journal in journals:
                if reserve_hold_for(journal, settings=settings) is not None:
                    held += 1
            if journals:
                cursor.last_id = journals[-1].pk
                cursor.updated_at = timezone.now()
                cursor.save(update_fields=["last_id", "updated_at"])
        if len(journals) < batch:
            return held


def reserve_release(hold: ReserveHold) -> Journal | None:
    """Give one hold back to the payable balance. None when it was released before (by this or another worker)."""
    with transaction.atomic():
        locked = ReserveHold.objects.select_for_update().select_related("sale_journal").get(pk=hold.pk)
        if locked.release_journal_id is not None:
            return None
        sale = locked.sale_journal
        release = journal_post(
            kind=Journal.Kind.RESERVE_RELEASE, source=f"reserve-release:{sale.pk}", currency=locked.currency,
            lines=[Line(Account.PAYABLE, locked.amount), Line(Account.RESERVE, -locked.amount)],
            occurred_at=locked.release_at, order=sale.order, marketplace_code=sale.marketplace_code,
            memo=f"Reserve of {sale.source} released")
        if release is None:
            return None
        ReserveHold.objects.filter(pk=locked.pk, release_journal__isnull=True).update(release_journal=release)
        return release


def reserve_release_due(*, now: dt.datetime | None = None) -> int:
    """Release every hold whose days are over; returns how many were released."""
    now = now or timezone.now()
    released = 0
    for hold in list(ReserveHold.objects.due(now).only("pk")[:5000]):
        if reserve_release(hold) is not None:
            released += 1
    return released
