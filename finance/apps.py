from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        # After the orders' demo history: post what it shipped and refunded.
        from stores.demo import register_demo_seeder

        from .demo import finance_demo

        register_demo_seeder("finance", finance_demo)
