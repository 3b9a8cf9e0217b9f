"""Logistics pages, mounted at /store/<handle>/logistics/."""

from django.urls import path

from . import views, views_shipments

app_name = "logistics"

urlpatterns = [
    path("", views.rate_calculator, name="rate-calculator"),
    path("carriers/", views.carrier_list, name="carrier-list"),
    path("carriers/services/", views.carrier_services_set, name="carrier-services-set"),
    path("templates/", views.template_list, name="template-list"),
    path("templates/new/", views.template_create, name="template-create"),
    path("templates/<int:pk>/", views.template_edit, name="template-edit"),
    path("templates/<int:pk>/delete/", views.template_delete, name="template-delete"),
    path("shipments/", views_shipments.shipment_list, name="shipment-list"),
    path("shipments/labels/", views_shipments.labels_print, name="labels-print"),
    path("shipments/labels/orders/", views_shipments.labels_print_orders, name="labels-print-orders"),
    path("shipments/labels/<int:pk>/", views_shipments.label_batch, name="label-batch"),
    path("shipments/papers/<slug:kind>/", views_shipments.shipment_papers, name="shipment-papers"),
    path("shipments/<int:pk>/label/", views_shipments.shipment_label, name="shipment-label"),
    path("shipments/<int:pk>/label/print/", views_shipments.shipment_label_print, name="shipment-label-print"),
    path("shipments/<int:pk>/hand-over/", views_shipments.shipment_hand_over, name="shipment-hand-over"),
    path("shipments/<int:pk>/tracking/", views_shipments.shipment_tracking, name="shipment-tracking"),
    path("shipments/<int:pk>/invoice.pdf", views_shipments.shipment_invoice, name="shipment-invoice"),
    path("shipments/<int:pk>/packing-slip.pdf", views_shipments.shipment_packing_slip,
         name="shipment-packing-slip"),
    path("orders/<str:number>/shipments/", views_shipments.shipment_panel, name="shipment-panel"),
    path("orders/<str:number>/shipments/new/", views_shipments.shipment_create, name="shipment-create"),
]
