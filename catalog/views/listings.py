"""Listing pages: the list with its bulk actions, one listing, the copy-to-sites dialog and a product's listings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from sellercenter.errors import DomainError
from sellercenter.htmx import htmx_fragment
from stores.models import Marketplace
from stores.permissions import Level, Module, store_view

from .. import selectors
from ..forms_listings import (
    ListingBulkForm,
    ListingCopyForm,
    ListingCreateForm,
    ListingFilterForm,
    ListingForm,
    parse_ids,
)
from ..models import content_language_label
from ..pricing import round_exact
from ..services import listings as services


def _sites(request: HttpRequest) -> list[Marketplace]:
    return list(request.tenant.marketplaces.all())  # type: ignore[attr-defined]


def _form_error(form: Any, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _list_url(query: str = "") -> str:
    url = reverse("catalog:listing-list")
    return f"{url}?{query}" if query else url


@store_view(Module.CATALOG, Level.VIEW)
def listing_list(request: HttpRequest) -> HttpResponse:
    sites = _sites(request)
    form = ListingFilterForm(request.GET, marketplaces=sites)
    form.is_valid()
    filters = form.cleaned_data  # the valid filters; one that is not (an old site id) is left out
    page = selectors.listing_page(filters=filters, cursor=request.GET.get("cursor", ""),
                                  direction=request.GET.get("dir", "next"),
                                  size=filters.get("per_page") or selectors.LISTING_PAGE_SIZE)
    query = request.GET.copy()
    for key in ("cursor", "dir"):
        query.pop(key, None)
    context = {"form": form, "page": page, "query": query.urlencode(), "here": request.GET.urlencode(),
               "bulk_actions": ListingBulkForm.ACTIONS}
    template = "catalog/listing_list.html#listing-table" if htmx_fragment(request) else "catalog/listing_list.html"
    return render(request, template, context)


@require_POST
@store_view(Module.CATALOG, Level.EDIT)
def listing_bulk(request: HttpRequest) -> HttpResponse:
    """One bulk action on the checked rows of the list; back to the list as it was (filters and page)."""
    form = ListingBulkForm(request.POST)
    query = request.POST.get("query", "")
    if not form.is_valid():
        messages.error(request, str(next(iter(form.errors.values()))[0]))
        return redirect(_list_url(query))
    ids, action, value = form.cleaned_data["ids"], form.cleaned_data["action"], form.cleaned_data["value"]
    if action == "copy":
        copy_query = QueryDict(mutable=True)
        copy_query.setlist("ids", [str(pk) for pk in ids])
        copy_query["back"] = query
        return redirect(f"{reverse('catalog:listing-copy')}?{copy_query.urlencode()}")
    try:
        if action in ("percent", "amount"):
            result = services.listings_bulk_adjust_price(actor=request.user, listing_ids=ids, **{action: value})
        else:
            status = "active" if action == "activate" else "inactive"
            result = services.listings_bulk_set_status(actor=request.user, listing_ids=ids, status=status)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        text = ngettext("%(count)s listing changed.", "%(count)s listings changed.", result.changed)
        if result.skipped:
            text += " " + ngettext(
                "%(skipped)s left as it was (no price, a sale price not below the new price, or nothing to change).",
                "%(skipped)s left as they were (no price, a sale price not below the new price, or nothing to "
                "change).", result.skipped)
        messages.success(request, text % {"count": result.changed, "skipped": result.skipped})
    return redirect(_list_url(query))


@store_view(Module.CATALOG, Level.VIEW, post=Level.EDIT)
def listing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    listing = selectors.listing_get(pk=pk)
    currency = listing.marketplace.currency
    initial = {name: getattr(listing, name) for name in ("price_mode", "rounding", "sale_start", "sale_end",
                                                         "quantity_limit", "wanted_status")}
    # Amounts are stored with three decimals; the form shows the currency's own (19.99, 1980).
    initial |= {"price": round_exact(listing.price.amount, currency) if listing.price else None,
                "sale_price": round_exact(listing.sale_price.amount, currency) if listing.sale_price else None}
    form = ListingForm(request.POST or None, initial=initial, currency=currency, overrides=listing.local_overrides)
    if request.method == "POST" and form.is_valid():
        try:
            services.listing_update(actor=request.user, listing=listing, data=form.listing_data(),
                                    follow_source=form.cleaned_data.get("follow_source") or ())
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The listing is saved."))
            return redirect("catalog:listing-edit", listing.pk)
    return render(request, "catalog/listing_form.html", {"form": form, "listing": listing})


@store_view(Module.CATALOG, Level.EDIT)
def listing_create(request: HttpRequest) -> HttpResponse:
    sites = _sites(request)
    initial = {"sku": request.GET.get("sku", ""), "marketplace": request.GET.get("site")}
    form = ListingCreateForm(request.POST or None, initial=initial, marketplaces=sites)
    if request.method == "POST" and form.is_valid():
        variant = selectors.variant_by_sku(sku=form.cleaned_data["sku"])
        site = next(site for site in sites if site.pk == form.cleaned_data["marketplace"])  # a valid choice
        if variant is None:
            form.add_error("sku", _("The store has no SKU %(sku)s.") % {"sku": form.cleaned_data["sku"]})
        else:
            try:
                listing = services.listing_create(actor=request.user, store=request.tenant,  # type: ignore[attr-defined]
                                                  variant=variant, marketplace=site, data=form.listing_data())
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, _("%(sku)s is listed on %(site)s.") % {"sku": variant.sku,
                                                                                  "site": listing.marketplace.code})
                return redirect("catalog:listing-edit", listing.pk)
    return render(request, "catalog/listing_form.html", {"form": form, "listing": None})


@store_view(Module.CATALOG, Level.EDIT)
def listing_copy(request: HttpRequest) -> HttpResponse:
    """Copy listings to other sites: choose the sites, see what will happen, then confirm."""
    sites = _sites(request)
    data = request.POST if request.method == "POST" else request.GET
    form = ListingCopyForm(data if "sites" in data else None, marketplaces=sites)
    sources = selectors.listings_for_ids(ids=parse_ids(data.getlist("ids")))
    back = data.get("back", "")
    report = None
    if form.is_bound and form.is_valid():
        targets = [site for site in sites if site.pk in form.cleaned_data["sites"]]
        confirm = request.method == "POST"
        try:
            report = services.listings_copy_to_sites(
                actor=request.user, store=request.tenant, listing_ids=[s.pk for s in sources],  # type: ignore[attr-defined]
                marketplaces=targets, rounding=form.cleaned_data["rounding"] or None, dry_run=not confirm)
        except services.CopyInvalid as error:
            report = error.report
            messages.error(request, _("Nothing was copied: fix the problems below first."))
        else:
            if confirm:
                messages.success(request, _("Copied: %(created)s listings created, %(updated)s updated.")
                                 % {"created": report.creates, "updated": report.updates})
                return redirect(_list_url(back))
    if report is not None:
        for target in report.targets:
            target.language_label = content_language_label(target.marketplace.language)  # type: ignore[attr-defined]
    context = {"form": form, "sources": sources, "report": report, "back": back,
               "back_url": _list_url(back)}
    template = "catalog/listing_copy.html#copy-preview" if htmx_fragment(request) else "catalog/listing_copy.html"
    return render(request, template, context)


@store_view(Module.CATALOG, Level.VIEW)
def product_listings(request: HttpRequest, pk: int) -> HttpResponse:
    """A product's listings on each site (status, price, quantity): a panel of the product page."""
    product, variants = selectors.product_listings(pk=pk, sites=_sites(request))
    # Copying the product copies each SKU from its first site's listing.
    sources = [("ids", listings[0].pk) for listings in (getattr(v, "site_listings", []) for v in variants) if listings]
    copy_url = f"{reverse('catalog:listing-copy')}?{urlencode(sources)}" if sources else ""
    context = {"product": product, "variants": variants, "copy_url": copy_url}
    template = "catalog/listing_product_panel.html#product-listings" if htmx_fragment(request) \
        else "catalog/listing_product_panel.html"
    return render(request, template, context)

