"""URLs outside any store: landing, accounts, my stores, invitations, the platform admin and probes."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from sellercenter import health
from stores.urls import public_patterns
from stores.views import public

handler403 = "sellercenter.errorpages.permission_denied"
handler404 = "sellercenter.errorpages.page_not_found"
handler500 = "sellercenter.errorpages.server_error"

urlpatterns = [
    path("", public.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("stores/", include(public_patterns)),
    path("invitations/<str:token>/", public.invitation_accept, name="invitation-accept"),
    path("admin/", admin.site.urls),
    # The marketplace's side: token-authenticated JSON, no session (orders.api).
    path("api/platform/v1/", include("orders.api.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]

if settings.DEBUG:
    # In production the web server or object storage serves MEDIA_URL.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
