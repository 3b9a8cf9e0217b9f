"""The finance pages, mounted at /store/<handle>/finance/: the ledger's transactions and reports, payouts and their
accounts, settlements and the finance settings."""

from django.urls import path

from . import views, views_payouts, views_settlements

app_name = "finance"

urlpatterns = [
    path("", views.transaction_list, name="transaction-list"),
    path("profit/", views.profit_report, name="profit-report"),
    path("transactions.csv", views.transaction_export, name="transaction-export"),
    path("orders/<str:number>/money/", views.order_money, name="order-money"),
    path("payouts/", views_payouts.payout_list, name="payout-list"),
    path("payouts/request/", views_payouts.payout_request, name="payout-request"),
    path("payouts/confirm/", views_payouts.payout_reauth, name="payout-reauth"),
    path("payouts/accounts/new/", views_payouts.payout_account_new, name="payout-account-new"),
    path("payouts/accounts/<int:pk>/", views_payouts.payout_account_edit, name="payout-account-edit"),
    path("payouts/accounts/<int:pk>/remove/", views_payouts.payout_account_remove, name="payout-account-remove"),
    path("settlements/", views_settlements.settlement_index, name="settlement-list"),
    path("settlements/generate/", views_settlements.settlement_generate, name="settlement-generate"),
    path("settlements/<int:pk>/<str:kind>/", views_settlements.settlement_download, name="settlement-download"),
    path("settings/", views_settlements.finance_settings, name="finance-settings"),
]
