from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.activity_page, name="activity-list"),
    path("notifications/", views.notification_page, name="notification-list"),
    path("notifications/read/", views.notification_read, name="notification-read"),
]
