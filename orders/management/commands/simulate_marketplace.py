"""Days of marketplace orders for one store, sent through its platform API (see orders.simulator)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from stores.models import Store

from ...simulator import simulate_marketplace


class Command(BaseCommand):
    help = ("Simulate the marketplace: --days of orders from made-up buyers on the store's sites, sent through the "
            "platform API, with payments, cancellation requests, shipments, deliveries and returns. The same --seed "
            "makes the same orders; running again changes nothing.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", required=True, help="The store's handle.")
        parser.add_argument("--days", type=int, default=90)
        parser.add_argument("--orders-per-day", type=int, default=200)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--token", default=None,
                            help="A platform API token of the store; by default one is made for the run and revoked "
                                 "at its end.")
        parser.add_argument("--actor", default=None,
                            help="E-mail of the person the seller's steps are recorded under (default: the Owner).")

    def handle(self, *args: Any, **options: Any) -> None:
        store = Store.objects.filter(handle=options["store"]).first()
        if store is None:
            raise CommandError(f"No store with the handle {options['store']!r}.")
        if options["days"] < 1 or options["orders_per_day"] < 0:
            raise CommandError("--days must be 1 or more and --orders-per-day 0 or more.")
        actor = None
        if options["actor"]:
            actor = User.objects.filter(email=options["actor"]).first()
            if actor is None:
                raise CommandError(f"No person with the e-mail {options['actor']!r}.")
        started = time.perf_counter()
        outcome = simulate_marketplace(
            store=store, days=options["days"], orders_per_day=options["orders_per_day"], seed=options["seed"],
            token=options["token"], actor=actor,
            progress=lambda done, total: self.stdout.write(f"  {done}/{total} steps ..."),
        )
        elapsed = time.perf_counter() - started
        self.stdout.write(f"{store.handle}: {outcome.orders_planned} orders planned over {options['days']} days, "
                          f"{elapsed:.1f} s")
        for event, count in sorted(outcome.sent.items()):
            self.stdout.write(f"  {event:<24} sent {count:>6}, new {outcome.created[event]:>6}")
        for step, count in sorted(outcome.seller.items()):
            self.stdout.write(f"  seller: {step:<16} {count:>6}")
        if outcome.restocked_units:
            self.stdout.write(f"  seller received {outcome.restocked_units} units when stock ran out")
        if outcome.errors:
            for error in outcome.errors[:20]:
                self.stderr.write(f"  {error}")
            raise CommandError(f"{len(outcome.errors)} steps failed.")
