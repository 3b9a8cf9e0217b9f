"""Logistics pages, mounted at /store/<handle>/logistics/."""

from django.urls import path

from . import views

app_name = "logistics"

urlpatterns = [
    path("", views.rate_calculator, name="rate-calculator"),
    path("carriers/", views.carrier_list, name="carrier-list"),
    path("carriers/services/", views.carrier_services_set, name="carrier-services-set"),
    path("templates/", views.template_list, name="template-list"),
    path("templates/new/", views.template_create, name="template-create"),
    path("templates/<int:pk>/", views.template_edit, name="template-edit"),
    path("templates/<int:pk>/delete/", views.template_delete, name="template-delete"),
]
