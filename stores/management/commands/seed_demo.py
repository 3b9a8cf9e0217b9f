"""Demo data: the platform's sites and FX rates, two stores with their teams. Safe to run again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import tenant_context

from accounts.models import User
from stores import services
from stores.carrier_data import carriers_ensure
from stores.demo import demo_seeders
from stores.fx import fx_rates_import
from stores.models import Marketplace, Membership, Role, Store
from stores.permissions import Level, Module
from stores.platform_data import categories_ensure, fee_schedules_ensure, marketplaces_ensure

DEMO_PASSWORD = "demo-pass-2026"
# Units per euro, fixed so that demo figures are reproducible.
DEMO_RATES = {
    "USD": "1.0850", "GBP": "0.8450", "JPY": "162.50", "CNY": "7.8200", "SGD": "1.4550", "MYR": "5.0500",
    "THB": "38.500", "PHP": "62.100", "VND": "27350", "IDR": "17250", "MXN": "18.600", "BRL": "5.4200",
    "AUD": "1.6500", "AED": "3.9850", "SAR": "4.0700", "KWD": "0.3340", "HKD": "8.4700", "CAD": "1.4700",
}
DEMO_RATE_DATE = dt.date(2025, 1, 2)

STORES: list[dict[str, Any]] = [
    {
        "handle": "sz-electronics", "name": "深圳优品电子 Shenzhen Youpin Electronics", "home_country": "CN",
        "base_currency": "CNY", "default_language": "zh-hans", "timezone_name": "Asia/Shanghai",
        "marketplaces": ["US", "UK", "DE", "JP"], "profile": "electronics",
        "owner": ("owner@sz-electronics.example", "王芳 Wang Fang", "zh-hans"),
        "staff": ("clerk@sz-electronics.example", "李伟 Li Wei", "zh-hans"),
        # The store's own name for the role, in the language its team works in.
        "clerk_role": "订单专员",
    },
    {
        "handle": "lumen-fashion", "name": "Lumen Fashion", "home_country": "US",
        "base_currency": "USD", "default_language": "en", "timezone_name": "America/Los_Angeles",
        "marketplaces": ["US", "SG", "MY"], "profile": "fashion",
        "owner": ("owner@lumen-fashion.example", "Maya Chen", "en"),
        "staff": ("support@lumen-fashion.example", "Jordan Lee", "en"),
        "clerk_role": "Order clerk",
    },
]
CLERK_LEVELS = {
    Module.CATALOG: Level.VIEW, Module.ORDERS: Level.EDIT, Module.LOGISTICS: Level.EDIT,
    Module.MESSAGING: Level.EDIT, Module.ANALYTICS: Level.VIEW,
}


def _person(email: str, name: str, language: str, **extra: Any) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=name, language=language,
                                        **extra)
    return user


class Command(BaseCommand):
    help = "Load demo data: marketplaces, FX rates, two demo stores with an Owner and a team member each."

    def handle(self, *args: Any, **options: Any) -> None:
        marketplaces_ensure()
        categories_ensure()
        fee_schedules_ensure()
        carriers_ensure()
        lines = ["Date," + ",".join(DEMO_RATES), DEMO_RATE_DATE.isoformat() + "," + ",".join(DEMO_RATES.values())]
        fx_rates_import(data="\n".join(lines).encode(), filename="demo.csv", source="demo")
        admin = _person("admin@platform.example", "Platform Admin", "en", is_staff=True, is_superuser=True)
        logins = [(admin.email, "platform admin (/admin/)")]
        for spec in STORES:
            owner = _person(*spec["owner"])
            store = Store.objects.filter(handle=spec["handle"]).first()
            if store is None:
                store = services.store_open(
                    actor=owner, name=spec["name"], handle=spec["handle"], home_country=spec["home_country"],
                    base_currency=spec["base_currency"], default_language=spec["default_language"],
                    timezone_name=spec["timezone_name"],
                    marketplaces=Marketplace.objects.filter(code__in=spec["marketplaces"]),
                )
            staff = _person(*spec["staff"])
            with transaction.atomic():
                role, _ = Role.objects.get_or_create(
                    store=store, name=spec["clerk_role"],
                    defaults={"kind": Role.Kind.CUSTOM,
                              "levels": {m.value: int(CLERK_LEVELS.get(m, Level.NONE)) for m in Module}},
                )
                Membership.objects.get_or_create(user=staff, store=store, defaults={"role": role})
            for name, seeder in demo_seeders():
                # Each seeder in the store's schema afresh: the orders' one sends requests through the platform API,
                # and a request leaves the connection on the public schema when it ends.
                with tenant_context(store):
                    seeder(store=store, owner=owner, profile=spec["profile"])
                self.stdout.write(f"  {store.handle}: {name} demo data ready")
            logins += [(owner.email, f"Owner of /store/{store.handle}/"),
                       (staff.email, f"{spec['clerk_role']} in /store/{store.handle}/")]
        self.stdout.write(self.style.SUCCESS(f"Demo data is ready. Logins (password: {DEMO_PASSWORD}):"))
        for email, what in logins:
            self.stdout.write(f"  {email:<34} {what}")
