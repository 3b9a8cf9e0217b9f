"""URLs inside a store, mounted at /store/<handle>/ by stores.routing. Every view declares its permission."""

from django.urls import include, path

from stores.urls import dashboard_view, settings_patterns, team_patterns

handler403 = "sellercenter.errorpages.permission_denied"
handler404 = "sellercenter.errorpages.page_not_found"
handler500 = "sellercenter.errorpages.server_error"

urlpatterns = [
    path("", dashboard_view, name="dashboard"),
    path("settings/", include(settings_patterns)),
    path("team/", include(team_patterns)),
    path("activity/", include("audit.urls")),
    path("catalog/", include("catalog.urls")),
    path("orders/", include("orders.urls")),
    path("logistics/", include("logistics.urls")),
    path("finance/", include("finance.urls")),
    path("jobs/", include("jobs.urls")),
]
