"""The demo stores' money: everything their 90 days of orders shipped and refunded, posted as the worker would,
the settlements of the periods that have ended, and a payout account."""

from __future__ import annotations

from typing import Any

from stores.models import Store

from .services.orders import ledger_catch_up
from .services.settlements import settlements_generate_due


def finance_demo(*, store: Store, owner: Any, profile: str) -> None:
    ledger_catch_up()
    settlements_generate_due()


def payouts_demo(*, store: Store, owner: Any, profile: str) -> None:
    """A Bank of China account in CNY, the default for CNY payouts, added by the demo owner."""
    from .payouts_models import PayoutAccount
    from .services.payouts import payout_account_create

    if PayoutAccount.objects.exists():
        return
    payout_account_create(actor=owner, kind=PayoutAccount.Kind.BANK, holder_name=store.name, currency="CNY",
                          number="6217000010012345678", bank_name="Bank of China", bank_country="CN",
                          swift="BKCHCNBJ", currencies=["CNY"], default_for=["CNY"])
