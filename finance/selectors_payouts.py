"""Reads for the payouts page: accounts, payouts and what each currency has available."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from .models import Account, Balance
from .payouts_models import Payout, PayoutAccount, PayoutAccountCurrency


def payout_account_list() -> QuerySet[PayoutAccount]:
    return PayoutAccount.objects.active().prefetch_related(
        Prefetch("currencies", queryset=PayoutAccountCurrency.objects.order_by("currency")))


def payout_account_get(*, pk: int) -> PayoutAccount:
    """An account in use, or 404 (also for another store's, which this schema does not hold)."""
    return get_object_or_404(PayoutAccount.objects.active(), pk=pk)


def payout_list(*, limit: int = 100) -> QuerySet[Payout]:
    return Payout.objects.select_related("account").order_by("-requested_at", "-id")[:limit]


def payout_get(*, pk: int) -> Payout:
    return get_object_or_404(Payout.objects.select_related("account"), pk=pk)


def payout_currencies() -> list[str]:
    """The currencies with money on the payable account, or an account paid in them."""
    held = set(Balance.objects.filter(account=Account.PAYABLE).values_list("currency", flat=True))
    paid_in = set(PayoutAccountCurrency.objects.filter(account__removed_at__isnull=True)
                  .values_list("currency", flat=True))
    return sorted(held | paid_in)
