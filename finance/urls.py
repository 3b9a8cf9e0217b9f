"""The finance pages, mounted at /store/<handle>/finance/."""

from django.urls import path

from . import views

app_name = "finance"

urlpatterns = [
    path("", views.transaction_list, name="transaction-list"),
    path("profit/", views.profit_report, name="profit-report"),
    path("transactions.csv", views.transaction_export, name="transaction-export"),
    path("orders/<str:number>/money/", views.order_money, name="order-money"),
]
