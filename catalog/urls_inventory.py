"""Warehouses, stock and low-stock alerts, mounted at /store/<handle>/catalog/."""

from django.urls import path

from .views import inventory

urlpatterns = [
    path("warehouses/", inventory.warehouse_list, name="warehouse-list"),
    path("warehouses/new/", inventory.warehouse_create, name="warehouse-create"),
    path("warehouses/<int:pk>/", inventory.warehouse_edit, name="warehouse-edit"),
    path("warehouses/<int:pk>/deactivate/", inventory.warehouse_deactivate, name="warehouse-deactivate"),
    path("warehouses/<int:pk>/reactivate/", inventory.warehouse_reactivate, name="warehouse-reactivate"),
    path("stock/", inventory.stock_list, name="stock-list"),
    path("stock/set/", inventory.stock_bulk_set, name="stock-bulk-set"),
    path("stock/<int:pk>/", inventory.stock_movements, name="stock-movements"),
    path("stock/<int:pk>/adjust/", inventory.stock_adjust, name="stock-adjust"),
    path("stock/<int:pk>/alert/", inventory.low_stock_rule_edit, name="low-stock-rule-edit"),
]
