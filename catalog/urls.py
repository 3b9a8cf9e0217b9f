"""The catalog's store pages, mounted at /store/<handle>/catalog/. One URL module per sub-domain."""

from django.urls import include, path

app_name = "catalog"

urlpatterns = [
    path("", include("catalog.urls_products")),
    path("", include("catalog.urls_listings")),
    path("", include("catalog.urls_inventory")),
    path("", include("catalog.urls_imports")),
]
