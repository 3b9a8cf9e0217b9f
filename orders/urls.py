"""The order pages, mounted at /store/<handle>/orders/."""

from django.urls import path

from . import views, views_returns

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="order-list"),
    path("export.csv", views.order_export, name="order-export"),
    path("bulk/", views.order_bulk, name="order-bulk"),
    path("ship-upload/", views.order_ship_upload, name="order-ship-upload"),
    path("views/", views.order_view_save, name="order-view-save"),
    path("views/<int:pk>/delete/", views.order_view_delete, name="order-view-delete"),
    path("returns/", views_returns.return_list, name="return-list"),
    path("<str:number>/", views.order_detail, name="order-detail"),
    path("<str:number>/confirm/", views.order_confirm, name="order-confirm"),
    path("<str:number>/cancel/", views.order_cancel, name="order-cancel"),
    path("<str:number>/cancellation/", views.order_cancel_decide, name="order-cancel-decide"),
    path("<str:number>/ship/", views.order_ship, name="order-ship"),
    path("<str:number>/notes/", views.order_note_add, name="order-note-add"),
    path("<str:number>/returns/", views_returns.return_open, name="return-open"),
    path("<str:number>/returns/<str:rma_number>/decide/", views_returns.return_decide, name="return-decide"),
    path("<str:number>/returns/<str:rma_number>/receive/", views_returns.return_receive, name="return-receive"),
    path("<str:number>/refund/", views_returns.order_refund, name="order-refund"),
]
