"""The finance pages: balances and the transaction list (交易明细) with its export, and the money panel of an
order's page."""

from __future__ import annotations

import datetime as dt

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from catalog.spreadsheet.table import XLSX_CONTENT_TYPE
from orders.selectors import order_get
from sellercenter.htmx import htmx_fragment
from stores.permissions import Level, Module, store_view

from . import selectors
from .export import entry_csv_lines, entry_xlsx_file
from .forms import ProfitForm, TransactionFilterForm
from .profit import profit_rows


def _filter_form(request: HttpRequest) -> TransactionFilterForm:
    store = request.tenant  # type: ignore[attr-defined]
    sites = [site.code for site in store.marketplaces.all()]
    currencies = sorted({site.currency for site in store.marketplaces.all()} | {store.base_currency})
    return TransactionFilterForm(request.GET or None, sites=sites, currencies=currencies)


@store_view(Module.FINANCE, Level.VIEW)
def transaction_list(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request)
    filters = form.filters() if form.is_bound else {}
    page = selectors.transaction_page(filters=filters, cursor=request.GET.get("cursor", ""),
                                      direction=request.GET.get("dir", "next"))
    query = request.GET.copy()
    for key in ("cursor", "dir"):
        query.pop(key, None)
    context = {"form": form, "page": page, "query": query.urlencode(), "balances": selectors.balance_summary()}
    template = ("finance/transaction_list.html#transaction-table" if htmx_fragment(request)
                else "finance/transaction_list.html")
    return render(request, template, context)


@store_view(Module.FINANCE, Level.VIEW)  # type: ignore[arg-type]  # a streamed response is not an HttpResponse
def transaction_export(request: HttpRequest) -> StreamingHttpResponse:
    """One row per ledger entry: CSV streamed, or XLSX with ``?format=xlsx``."""
    form = _filter_form(request)
    filters = form.filters() if form.is_bound else {}
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if request.GET.get("format") == "xlsx":
        return FileResponse(entry_xlsx_file(filters=filters), content_type=XLSX_CONTENT_TYPE, as_attachment=True,
                            filename=f"transactions-{stamp}.xlsx")
    response = StreamingHttpResponse(entry_csv_lines(filters=filters), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="transactions-{stamp}.csv"'
    return response


@store_view(Module.FINANCE, Level.VIEW)
def order_money(request: HttpRequest, number: str) -> HttpResponse:
    """The order page's money panel: what the ledger holds for the order, fee by fee."""
    order = order_get(number=number)
    money = selectors.order_money(order_id=order.pk)
    return render(request, "finance/order_money.html", {"order": order, **money})


@store_view(Module.FINANCE, Level.VIEW)
def profit_report(request: HttpRequest) -> HttpResponse:
    """Net profit and margin by SKU, order or site over a period, in the store's base currency."""
    form = ProfitForm(request.GET or None)
    by, start, end = form.period()
    zone = timezone.get_current_timezone()
    base_currency = request.tenant.base_currency  # type: ignore[attr-defined]
    report = profit_rows(by=by, start=dt.datetime.combine(start, dt.time.min, tzinfo=zone),
                         end=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
                         base_currency=base_currency)
    query = request.GET.copy()
    query.pop("by", None)
    context = {"form": form, "by": by, "start": start, "end": end, "base_currency": base_currency,
               "choices": ProfitForm.BY, "query": query.urlencode(), **report}
    template = "finance/profit_report.html#profit-table" if htmx_fragment(request) else "finance/profit_report.html"
    return render(request, template, context)
