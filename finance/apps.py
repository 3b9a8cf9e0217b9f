from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        from audit.labels import register_actions

        # The activity log's names for what people and the workers do to the store's money.
        register_actions({
            "payout_account.added": _("Payout account added"),
            "payout_account.changed": _("Payout account changed"),
            "payout_account.removed": _("Payout account removed"),
            "payout.requested": _("Payout requested"),
            "payout.processing": _("Payout taken up by the platform"),
            "payout.paid": _("Payout paid"),
            "payout.failed": _("Payout failed"),
            "finance.settings_changed": _("Finance settings changed"),
            "finance.settlement_generated": _("Settlement generated"),
            "finance.settlement_regenerated": _("Settlement regenerated with new entries"),
        })
        # After the orders' demo history: post what it shipped and refunded.
        from stores.demo import register_demo_seeder

        from .demo import finance_demo, payouts_demo

        register_demo_seeder("finance", finance_demo)
        register_demo_seeder("finance-payouts", payouts_demo)
