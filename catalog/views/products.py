"""Product pages: the list, a product with its variants, its content per language and its images."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sellercenter.errors import DomainError
from sellercenter.htmx import htmx_fragment
from stores.permissions import Level, Module, store_view
from stores.reference import CONTENT_LANGUAGES

from .. import selectors_products as selectors
from ..forms_products import ContentCopyForm, ContentForm, ImageUploadForm, ProductFilterForm, ProductForm, VariantForm
from ..models import ProductImage, Variant
from ..services import products as services

LANGUAGES = dict(CONTENT_LANGUAGES)


def _store_sites(request: HttpRequest) -> list[Any]:
    return list(request.tenant.marketplaces.all())  # type: ignore[attr-defined]


def _form_error(form: Any, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@store_view(Module.CATALOG, Level.VIEW)
def product_list(request: HttpRequest) -> HttpResponse:
    sites = _store_sites(request)
    form = ProductFilterForm(request.GET or None,
                             sites=[(site.code, f"{site.code} · {site.display_name}") for site in sites])
    filters = form.cleaned_data if form.is_valid() else {}
    store = request.tenant  # type: ignore[attr-defined]
    page = selectors.product_page(
        filters=filters, cursor=request.GET.get("cursor", ""), direction=request.GET.get("dir", "next"),
        language=request.LANGUAGE_CODE, fallback_language=store.default_language,  # type: ignore[attr-defined]
    )
    query = request.GET.copy()
    for key in ("cursor", "dir"):
        query.pop(key, None)
    context = {"form": form, "page": page, "query": query.urlencode(), "sites": sites}
    template = "catalog/product_list.html#product-table" if htmx_fragment(request) else "catalog/product_list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@store_view(Module.CATALOG, Level.EDIT)
def product_create(request: HttpRequest) -> HttpResponse:
    store = request.tenant  # type: ignore[attr-defined]
    product_form = ProductForm(request.POST or None, prefix="product")
    theme = product_form.cleaned_data["variation_theme"] if product_form.is_bound and product_form.is_valid() else []
    variant_form = VariantForm(request.POST or None, prefix="variant", theme=theme, base_currency=store.base_currency)
    if request.method == "POST" and product_form.is_valid() and variant_form.is_valid():
        try:
            product = services.product_create(actor=request.user, data=product_form.cleaned_data,
                                              variants=[variant_form.variant_data()])
        except DomainError as error:
            _form_error(variant_form if error.field in ("sku", "gtin", "variants") else product_form, error)
        else:
            messages.success(request, _("Product %(code)s is created. Now add its content.") % {"code": product.code})
            return redirect("catalog:product-content", product.pk, store.default_language)
    return render(request, "catalog/product_create.html", {"product_form": product_form, "variant_form": variant_form})


@store_view(Module.CATALOG, Level.VIEW, post=Level.EDIT)
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = selectors.product_get(pk=pk)
    initial = {"code": product.code, "brand": product.brand, "category": product.category_id,
               "variation_theme": ", ".join(product.variation_theme), "hs_code": product.hs_code,
               "country_of_origin": product.country_of_origin, "status": product.status}
    form = ProductForm(request.POST or None, initial=initial)
    form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.product_update(actor=request.user, product=product, data=form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The product is saved."))
            return redirect("catalog:product-detail", product.pk)
    return render(request, "catalog/product_detail.html", {
        "product": product, "form": form, "variants": selectors.product_variants(product=product),
        "tab": "details", **_header(request, product),
    })


def _header(request: HttpRequest, product: Any) -> dict[str, Any]:
    contents = selectors.product_contents(product=product)
    store = request.tenant  # type: ignore[attr-defined]
    title = next((contents[lang].title for lang in (request.LANGUAGE_CODE, store.default_language, "en")  # type: ignore[attr-defined]
                  if lang in contents and contents[lang].title), "")
    return {"contents": contents, "title": title,
            "completeness": selectors.content_completeness(contents=contents, marketplaces=_store_sites(request))}


@store_view(Module.CATALOG, Level.EDIT)
def variant_create(request: HttpRequest, pk: int) -> HttpResponse:
    product = selectors.product_get(pk=pk)
    store = request.tenant  # type: ignore[attr-defined]
    form = VariantForm(request.POST or None, theme=product.variation_theme, base_currency=store.base_currency)
    if request.method == "POST" and form.is_valid():
        try:
            services.variant_create(actor=request.user, product=product, data=form.variant_data())
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Variant %(sku)s is added.") % {"sku": form.cleaned_data["sku"]})
            return redirect("catalog:product-detail", product.pk)
    return render(request, "catalog/product_variant_form.html", {"product": product, "form": form,
                                                                 **_header(request, product)})


@store_view(Module.CATALOG, Level.VIEW, post=Level.EDIT)
def variant_edit(request: HttpRequest, pk: int, variant_pk: int) -> HttpResponse:
    product = selectors.product_get(pk=pk)
    variant = get_object_or_404(Variant, pk=variant_pk, product=product)
    store = request.tenant  # type: ignore[attr-defined]
    initial: dict[str, Any] = {
        "sku": variant.sku, "gtin": variant.gtin, "weight_g": variant.weight_g, "length_mm": variant.length_mm,
        "width_mm": variant.width_mm, "height_mm": variant.height_mm,
        "base_price": variant.base_price.amount if variant.base_price else None,
        "unit_cost": variant.unit_cost.amount if variant.unit_cost else None,
        "unit_cost_currency": str(variant.unit_cost.currency) if variant.unit_cost else store.base_currency,
        "declared_value": variant.declared_value.amount if variant.declared_value else None,
        "declared_value_currency": str(variant.declared_value.currency) if variant.declared_value else "USD",
        **{f"option_{key}": value for key, value in variant.options.items()},
    }
    form = VariantForm(request.POST or None, initial=initial, theme=product.variation_theme,
                       base_currency=store.base_currency)
    form.fields["sku"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.variant_update(actor=request.user, variant=variant, data=form.variant_data())
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Variant %(sku)s is saved.") % {"sku": variant.sku})
            return redirect("catalog:product-detail", product.pk)
    return render(request, "catalog/product_variant_form.html", {"product": product, "form": form,
                                                                 "variant": variant, **_header(request, product)})


@require_POST
@store_view(Module.CATALOG, Level.EDIT)
def variant_delete(request: HttpRequest, pk: int, variant_pk: int) -> HttpResponse:
    variant = get_object_or_404(Variant, pk=variant_pk, product_id=pk)
    try:
        services.variant_delete(actor=request.user, variant=variant)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Variant %(sku)s is deleted.") % {"sku": variant.sku})
    return redirect("catalog:product-detail", pk)


@store_view(Module.CATALOG, Level.VIEW, post=Level.EDIT)
def product_content(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    if language not in LANGUAGES:
        raise Http404
    product = selectors.product_get(pk=pk)
    header = _header(request, product)
    content = header["contents"].get(language)
    initial = {"title": content.title, "bullets": "\n".join(content.bullets), "description": content.description,
               "keywords": content.keywords} if content else {}
    form = ContentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.content_save(actor=request.user, product=product, language=language, data=form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The %(language)s content is saved.") % {"language": LANGUAGES[language]})
            return redirect("catalog:product-content", product.pk, language)
    copy_form = ContentCopyForm(initial={"source": "en" if language != "en" else "zh-hans"})
    site_languages = {site.language for site in _store_sites(request)}
    shown = site_languages | {"en", "zh-hans"} | set(header["contents"])
    tabs = [code for code, _label in CONTENT_LANGUAGES if code in shown]
    return render(request, "catalog/product_content.html", {
        "product": product, "form": form, "copy_form": copy_form, "language": language,
        "language_name": LANGUAGES[language], "languages": [(code, LANGUAGES[code]) for code in tabs],
        "tab": "content", **header,
    })


@require_POST
@store_view(Module.CATALOG, Level.EDIT)
def content_copy(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    if language not in LANGUAGES:
        raise Http404
    product = selectors.product_get(pk=pk)
    form = ContentCopyForm(request.POST)
    if form.is_valid():
        try:
            services.content_copy(actor=request.user, product=product, source=form.cleaned_data["source"],
                                  target=language, overwrite=form.cleaned_data["overwrite"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Copied from %(source)s. Translate it before you publish.")
                             % {"source": LANGUAGES[form.cleaned_data["source"]]})
    return redirect("catalog:product-content", product.pk, language)


@store_view(Module.CATALOG, Level.VIEW, post=Level.EDIT)
def product_images(request: HttpRequest, pk: int) -> HttpResponse:
    product = selectors.product_get(pk=pk)
    form = ImageUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.images_add(actor=request.user, product=product, uploads=form.cleaned_data["images"])
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("%(count)s pictures added.") % {"count": len(added)})
            return redirect("catalog:product-images", product.pk)
    images = selectors.product_images(product=product)
    template = "catalog/product_images.html#image-grid" if htmx_fragment(request) and request.method == "GET" \
        else "catalog/product_images.html"  # type: ignore[attr-defined]
    return render(request, template, {"product": product, "form": form, "images": images, "tab": "images",
                                      "waiting": any(not image.thumbnail for image in images),
                                      **_header(request, product)})


@require_POST
@store_view(Module.CATALOG, Level.EDIT)
def image_action(request: HttpRequest, pk: int, image_pk: int, action: str) -> HttpResponse:
    image = get_object_or_404(ProductImage, pk=image_pk, product_id=pk)
    product = image.product
    if action == "main":
        services.image_set_main(actor=request.user, image=image)
    elif action in ("up", "down"):
        order = [item.pk for item in selectors.product_images(product=product)]
        index = order.index(image.pk)
        swap = index - 1 if action == "up" else index + 1
        if 0 <= swap < len(order):
            order[index], order[swap] = order[swap], order[index]
            services.images_reorder(actor=request.user, product=product, order=order)
    elif action == "delete":
        services.image_delete(actor=request.user, image=image)
        messages.success(request, _("The picture is deleted."))
    else:
        raise Http404
    return redirect("catalog:product-images", pk)
