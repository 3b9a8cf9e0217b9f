from django.urls import path

from .views import listings

urlpatterns = [
    path("listings/", listings.listing_list, name="listing-list"),
    path("listings/new/", listings.listing_create, name="listing-create"),
    path("listings/bulk/", listings.listing_bulk, name="listing-bulk"),
    path("listings/copy/", listings.listing_copy, name="listing-copy"),
    path("listings/<int:pk>/", listings.listing_edit, name="listing-edit"),
    path("products/<int:pk>/listings/", listings.product_listings, name="product-listings"),
]
