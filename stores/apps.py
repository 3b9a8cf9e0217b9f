from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoresConfig(AppConfig):
    name = "stores"
    verbose_name = _("Stores and platform")

    def ready(self) -> None:
        from audit.labels import register_actions

        register_actions({
            "store.opened": _("Store opened"),
            "store.profile_changed": _("Store profile changed"),
            "store.marketplaces_changed": _("Marketplaces changed"),
            "store.order_settings_changed": _("Order settings changed"),
            "store.two_factor_requirement_changed": _("Two-factor requirement changed"),
            "role.created": _("Role created"),
            "role.changed": _("Role changed"),
            "role.deleted": _("Role deleted"),
            "invitation.sent": _("Invitation created"),
            "invitation.emailed": _("Invitation e-mailed"),
            "invitation.revoked": _("Invitation withdrawn"),
            "member.joined": _("Member joined"),
            "member.role_changed": _("Member's role changed"),
            "member.removed": _("Member removed"),
            "tax_registration.added": _("Tax number added"),
            "tax_registration.removed": _("Tax number removed"),
        })
