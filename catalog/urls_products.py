from django.urls import path

from .views import products

urlpatterns = [
    path("products/", products.product_list, name="product-list"),
    path("products/new/", products.product_create, name="product-create"),
    path("products/<int:pk>/", products.product_detail, name="product-detail"),
    path("products/<int:pk>/variants/new/", products.variant_create, name="variant-create"),
    path("products/<int:pk>/variants/<int:variant_pk>/", products.variant_edit, name="variant-edit"),
    path("products/<int:pk>/variants/<int:variant_pk>/delete/", products.variant_delete, name="variant-delete"),
    path("products/<int:pk>/content/<slug:language>/", products.product_content, name="product-content"),
    path("products/<int:pk>/content/<slug:language>/copy/", products.content_copy, name="content-copy"),
    path("products/<int:pk>/images/", products.product_images, name="product-images"),
    path("products/<int:pk>/images/<int:image_pk>/<slug:action>/", products.image_action, name="image-action"),
]
