from django.urls import path

from .views import dashboard, public, settings, team

public_patterns = (
    [
        path("", public.store_list, name="store-list"),
        path("new/", public.store_new, name="store-new"),
        path("switcher/", public.store_switcher, name="switcher"),
    ],
    "stores",
)

settings_patterns = (
    [
        path("", settings.settings_profile, name="profile"),
        path("marketplaces/", settings.settings_marketplaces, name="marketplaces"),
        path("orders/", settings.settings_orders, name="orders"),
        path("tax/", settings.settings_tax, name="tax"),
        path("tax/<int:pk>/remove/", settings.settings_tax_remove, name="tax-remove"),
        path("security/", settings.settings_security, name="security"),
    ],
    "settings",
)

team_patterns = (
    [
        path("", team.team_members, name="members"),
        path("invitations/", team.invitation_create, name="invitation-create"),
        path("invitations/<int:pk>/revoke/", team.invitation_revoke, name="invitation-revoke"),
        path("members/<int:pk>/role/", team.member_role_change, name="member-role"),
        path("members/<int:pk>/remove/", team.member_remove, name="member-remove"),
        path("roles/", team.role_list, name="roles"),
        path("roles/new/", team.role_new, name="role-new"),
        path("roles/<int:pk>/", team.role_edit, name="role-edit"),
        path("roles/<int:pk>/delete/", team.role_delete, name="role-delete"),
    ],
    "team",
)

dashboard_view = dashboard.dashboard
