from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from audit.labels import register_actions
        from audit.notifications import register_kinds

        from .services.auto_cancel import NOTIFICATION_KINDS

        # What people do to orders; what the marketplace does is in each order's own history.
        register_actions({
            "order.confirmed": _("Order confirmed"),
            "order.cancelled": _("Order cancelled"),
            "order.shipped": _("Order marked shipped"),
            "order.cancel_request_approved": _("Buyer's cancellation approved"),
            "order.cancel_request_rejected": _("Buyer's cancellation refused"),
            "order.note_added": _("Note added to an order"),
            "orders.bulk_confirmed": _("Orders confirmed in bulk"),
            "orders.bulk_cancelled": _("Orders cancelled in bulk"),
            "orders.shipped_from_file": _("Orders marked shipped from a file"),
            "order.return_opened": _("Return opened for a buyer"),
            "order.return_authorised": _("Return authorised"),
            "order.return_rejected": _("Return rejected"),
            "order.return_received": _("Return received"),
            "order.refunded": _("Buyer refunded"),
        })
        # The seller center's own notices to the team (orders cancelled for not being shipped in time).
        register_kinds(NOTIFICATION_KINDS)
        # The demo stores' order history, made by the marketplace simulator after the catalog's demo data.
        from stores.demo import register_demo_seeder

        from .demo import orders_demo

        register_demo_seeder("orders", orders_demo)
