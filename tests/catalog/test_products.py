"""Product pages and services: create with a variant, edit, content per language, images, list search."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from audit.models import Activity
from catalog.models import Product, ProductContent, ProductImage, Variant
from catalog.services import products as services
from catalog.tasks_images import image_make_thumbnail
from sellercenter.errors import DomainError
from tests.catalog.factories import make_gtin, make_product
from tests.tenancy import connection

URL = "/store/test-a/catalog"


def _image(size: tuple[int, int] = (600, 400), fmt: str = "JPEG", exif: bool = False) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 40, 40))
    options: dict[str, Any] = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SpyCam"  # Make
        data[0x0110] = "Model X"
        options["exif"] = data.tobytes()
    image.save(buffer, fmt, **options)
    return SimpleUploadedFile(f"p.{fmt.lower()}", buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def test_create_a_product_with_its_first_variant(client_a: Client) -> None:
    response = client_a.post(f"{URL}/products/new/", {
        "product-code": "HDP-100", "product-brand": "Youpin", "product-status": "active",
        "product-variation_theme": "colour", "variant-sku": "HDP-100-BLK", "variant-gtin": make_gtin(42),
        "variant-base_price": "199.00", "variant-option_colour": "Black", "variant-unit_cost_currency": "CNY",
        "variant-declared_value_currency": "USD",
    })
    assert response.status_code == 302
    with schema_context("st_test_a"):
        product = Product.objects.get(code="HDP-100")
        variant = product.variants.get()
        assert (variant.sku, variant.options) == ("HDP-100-BLK", {"colour": "Black"})
        assert str(variant.base_price.currency) == "CNY"
        assert Activity.objects.filter(action="product.created", object_id=str(product.pk)).exists()


def test_bad_gtin_and_taken_sku_are_refused_and_nothing_is_saved(client_a: Client) -> None:
    with schema_context("st_test_a"):
        make_product(code="EXIST")
    bad = client_a.post(f"{URL}/products/new/", {
        "product-code": "NEW-1", "product-status": "active", "variant-sku": "NEW-1-A", "variant-gtin": "4006381333932",
    })
    assert bad.status_code == 200
    assert b"not a valid GTIN" in bad.content
    taken = client_a.post(f"{URL}/products/new/", {
        "product-code": "NEW-1", "product-status": "active", "variant-sku": "EXIST-1",
    })
    assert b"already in use" in taken.content
    with schema_context("st_test_a"):
        assert not Product.objects.filter(code="NEW-1").exists()


def test_content_per_language_and_copy_as_a_starting_point(in_store_a: Any, owner_a: Any) -> None:
    product = make_product(languages=("en",))
    services.content_save(actor=owner_a, product=product, language="ja", data={"title": "既存のタイトル"})
    services.content_copy(actor=owner_a, product=product, source="en", target="ja")
    ja = ProductContent.objects.get(product=product, language="ja")
    assert ja.title == "既存のタイトル"  # kept: already written
    assert ja.description.startswith("Description")  # filled from English
    services.content_copy(actor=owner_a, product=product, source="en", target="ja", overwrite=True)
    ja.refresh_from_db()
    assert ja.title.startswith("Product")
    with pytest.raises(DomainError):
        services.content_save(actor=owner_a, product=product, language="en", data={"bullets": ["x"] * 6})


def test_images_are_checked_stripped_of_exif_and_get_a_thumbnail(in_store_a: Any, owner_a: Any,
                                                                  settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    product = make_product()
    images = services.images_add(actor=owner_a, product=product, uploads=[_image(exif=True), _image(fmt="PNG")])
    assert [image.is_main for image in images] == [True, False]
    stored = Image.open(images[0].file.path)
    assert not stored.getexif(), "camera data must be removed"
    assert images[0].file.path.startswith(str(tmp_path / "st_test_a"))
    assert image_make_thumbnail.apply(args=[images[0].pk]).result is True
    assert image_make_thumbnail.apply(args=[images[0].pk]).result is False  # a retry makes no second thumbnail
    thumbnail = ProductImage.objects.get(pk=images[0].pk).thumbnail.name
    assert thumbnail is not None and thumbnail.endswith(".webp")
    for bad in (_image(size=(100, 100)), SimpleUploadedFile("x.jpg", b"not an image"),
                _image(fmt="GIF") if False else SimpleUploadedFile("g.gif", b"GIF89a" + b"\0" * 50)):
        with pytest.raises(DomainError):
            services.images_add(actor=owner_a, product=product, uploads=[bad])
    assert product.images.count() == 2
    services.image_delete(actor=owner_a, image=images[0])
    assert ProductImage.objects.get(pk=images[1].pk).is_main


def test_product_list_searches_sku_gtin_and_titles_in_any_language(client_a: Client) -> None:
    with schema_context("st_test_a"):
        hit = make_product(code="ZX-1", languages=("en", "zh-hans"))
        ProductContent.objects.filter(product=hit, language="zh-hans").update(title="无线蓝牙耳机")
        make_product(code="OTHER")
        gtin = Variant.objects.get(product=hit).gtin
    for query in ("ZX-1-1", gtin, "蓝牙耳机", "zx-1"):
        response = client_a.get(f"{URL}/products/", {"q": query})
        assert response.status_code == 200
        assert b"ZX-1" in response.content, query
        assert b"OTHER" not in response.content, query
    fragment = client_a.get(f"{URL}/products/", {"q": "ZX"}, HTTP_HX_REQUEST="true")
    assert fragment.content.lstrip().startswith(b'<div id="product-table"')


def test_product_list_pages_with_keyset_cursors_to_the_last_page(client_a: Client) -> None:
    with schema_context("st_test_a"):
        for number in range(120):
            Product.objects.create(code=f"K{number:04d}")
    first = client_a.get(f"{URL}/products/", {"sort": "code"})
    assert b"K0000" in first.content and b"K0050" not in first.content
    last = client_a.get(f"{URL}/products/", {"sort": "code", "dir": "last"})
    assert b"K0119" in last.content and b"K0000" not in last.content


def test_a_catalog_viewer_can_read_but_not_change(client_a: Client, store_a: Any, owner_a: Any) -> None:
    from accounts.models import User
    from stores.models import Membership, Role

    viewer = User.objects.create_user(email="viewer-a@example.com", password="x" * 12)
    role = Role.objects.create(store=store_a, name="Catalog viewer", levels={"catalog": 1})
    Membership.objects.create(user=viewer, store=store_a, role=role)
    with schema_context("st_test_a"):
        product = make_product()
    client = Client()
    client.force_login(viewer)
    assert client.get(f"{URL}/products/{product.pk}/").status_code == 200
    response = client.post(f"{URL}/products/{product.pk}/", {"brand": "Hacked", "status": "active"})
    assert response.status_code == 403
    connection.set_schema_to_public()
    with schema_context("st_test_a"):
        assert Product.objects.get(pk=product.pk).brand == "Acme"


def test_another_stores_product_is_unreachable(owner_b: Any, client_a: Client) -> None:
    with schema_context("st_test_a"):
        product = make_product()
    client = Client()
    client.force_login(owner_b)
    assert client.get(f"/store/test-b/catalog/products/{product.pk}/").status_code == 404
    assert client.get(f"{URL}/products/{product.pk}/").status_code == 404


def test_pictures_upload_through_the_page(client_a: Client, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with schema_context("st_test_a"):
        product = make_product()
    response = client_a.post(f"{URL}/products/{product.pk}/images/", {"images": [_image(), _image(fmt="WEBP")]})
    assert response.status_code == 302
    refused = client_a.post(f"{URL}/products/{product.pk}/images/",
                            {"images": [_image(), SimpleUploadedFile("a.jpg", b"\x00binary")]})
    assert refused.status_code == 200
    assert b"not a picture we can read" in refused.content
    with schema_context("st_test_a"):
        assert product.images.count() == 2


@pytest.mark.parametrize("page", ["catalog/products/", "catalog/stock/", "catalog/listings/", "activity/"])
def test_a_boosted_click_gets_the_whole_page_and_a_fragment_request_only_the_table(client_a: Client, page: str) -> None:
    boosted = client_a.get(f"/store/test-a/{page}", HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true")
    assert boosted.status_code == 200
    assert b'id="sc-nav"' in boosted.content
    fragment = client_a.get(f"/store/test-a/{page}", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert b'id="sc-nav"' not in fragment.content
