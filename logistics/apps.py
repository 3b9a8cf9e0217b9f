from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "logistics"
    verbose_name = _("Logistics")

    def ready(self) -> None:
        from audit.labels import register_actions
        from stores.demo import register_demo_seeder

        from .demo import logistics_demo

        register_actions({
            "carrier_service.enabled": _("Carrier service enabled"),
            "carrier_service.disabled": _("Carrier service disabled"),
            "shipping_template.created": _("Shipping template added"),
            "shipping_template.changed": _("Shipping template changed"),
            "shipping_template.deleted": _("Shipping template deleted"),
            "shipment.created": _("Shipment created"),
            "shipment.label_requested": _("Shipping label printed"),
            "shipment.labels_batch": _("Shipping labels printed in a batch"),
            "shipment.handed_over": _("Parcel handed over to the carrier"),
            "shipment.tracking_corrected": _("Tracking number corrected"),
        })
        register_demo_seeder("logistics", logistics_demo)
