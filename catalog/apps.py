from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Catalog and inventory")

    def ready(self) -> None:
        from audit.labels import register_actions
        from audit.notifications import register_kinds

        from .notifications import NOTIFICATION_KINDS

        # Inventory: warehouses, stock and low-stock rules.
        register_actions({
            "warehouse.created": _("Warehouse added"),
            "warehouse.changed": _("Warehouse changed"),
            "warehouse.deactivated": _("Warehouse taken out of use"),
            "warehouse.reactivated": _("Warehouse back in use"),
            "stock.adjusted": _("Stock adjusted"),
            "stock.bulk_set": _("Stock set for several SKUs"),
            "low_stock_rule.set": _("Low-stock alert set"),
            "low_stock_rule.cleared": _("Low-stock alert removed"),
        })
        register_kinds(NOTIFICATION_KINDS)
        # Listings: one entry per listing edit, and one per bulk action or copy, naming how many listings.
        register_actions({
            "listing.created": _("Listing created"),
            "listing.changed": _("Listing changed"),
            "listing.copied": _("Listings copied to other sites"),
            "listing.prices_changed": _("Listing prices changed in bulk"),
            "listing.status_changed": _("Listing status changed in bulk"),
            "listing.repriced": _("Listing prices recomputed from base prices"),
        })
        from . import tasks_listings  # noqa: F401 - registers the daily repricing with the worker
        # Bulk work by spreadsheet: one entry per applied import, with its counts. Importing the tasks module
        # registers its tasks with the worker (autodiscovery only finds catalog/tasks.py).
        register_actions({
            "catalog.imported": _("Catalog imported from a spreadsheet"),
            "catalog.import_cancelled": _("Spreadsheet import cancelled"),
        })
        from stores.demo import register_demo_seeder

        from . import tasks_spreadsheet  # noqa: F401
        from .demo import catalog_demo

        register_demo_seeder("catalog", catalog_demo)
        # Products, their variants, content and images.
        register_actions({
            "product.created": _("Product created"),
            "product.changed": _("Product changed"),
            "variant.created": _("Variant added"),
            "variant.changed": _("Variant changed"),
            "variant.deleted": _("Variant deleted"),
            "content.changed": _("Product content changed"),
            "image.added": _("Pictures added"),
            "image.main_changed": _("Main picture changed"),
            "image.reordered": _("Pictures reordered"),
            "image.deleted": _("Picture deleted"),
        })
