"""The platform admin's hand on a store's money: payouts live in each store's schema, so the admin works on them
through an action on the stores it selects."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_tenants.utils import tenant_context

from stores.models import Store

from .services.payouts import payouts_advance


@admin.action(description=_("Pay out the selected stores' payout requests now"))
def payouts_pay_now(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Store]) -> None:
    """Requested -> processing -> paid for every open payout of each selected store, without the usual delay."""
    import datetime as dt

    total = 0
    for store in queryset:
        with tenant_context(store):
            total += payouts_advance(delay=dt.timedelta(0))
    modeladmin.message_user(request, ngettext("%(count)d payout paid.", "%(count)d payouts paid.", total)
                            % {"count": total}, messages.SUCCESS)


# The store admin is registered by the stores app, which comes first; its actions gain this one.
_store_admin = admin.site._registry.get(Store)
if _store_admin is not None:
    _store_admin.actions = [*(_store_admin.actions or []), payouts_pay_now]
