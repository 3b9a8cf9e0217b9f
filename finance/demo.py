"""The demo stores' ledger: everything their 90 days of orders shipped and refunded, posted as the worker would."""

from __future__ import annotations

from typing import Any

from stores.models import Store

from .services.orders import ledger_catch_up


def finance_demo(*, store: Store, owner: Any, profile: str) -> None:
    ledger_catch_up()
