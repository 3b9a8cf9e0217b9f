"""Writes to products, their variants, their content per language and their images."""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from audit.services import activity_record, diff, snapshot
from sellercenter.errors import DomainError

from ..gtin import gtin_is_valid
from ..models import MAX_BULLETS, Product, ProductContent, ProductImage, Variant
from .listings import listings_refresh

PRODUCT_FIELDS = ("code", "brand", "category", "variation_theme", "attributes", "hs_code", "country_of_origin",
                  "status")
VARIANT_FIELDS = ("sku", "gtin", "options", "weight_g", "length_mm", "width_mm", "height_mm", "base_price",
                  "declared_value", "unit_cost")
CONTENT_FIELDS = ("title", "bullets", "description", "keywords")

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
IMAGE_MAX_BYTES = 10 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000
IMAGE_MIN_SIDE = 300
IMAGES_PER_PRODUCT = 30


def _raise_first(error: ValidationError, prefix: str = "") -> DomainError:
    if hasattr(error, "error_dict"):
        field, errors = next(iter(error.error_dict.items()))
        return DomainError(errors[0].messages[0], field=prefix + field)
    return DomainError(error.messages[0])


def _check_variant(variant: Variant) -> None:
    if variant.gtin and not gtin_is_valid(variant.gtin):
        raise DomainError(_("%(gtin)s is not a valid GTIN: check the length and the check digit.")
                          % {"gtin": variant.gtin}, field="gtin")
    try:
        variant.full_clean(exclude=["product"], validate_unique=False)
    except ValidationError as error:
        raise _raise_first(error) from error


def product_create(*, actor: Any, data: dict[str, Any], variants: Sequence[dict[str, Any]]) -> Product:
    """A product with at least one variant. SKUs and the product code must be new to the store."""
    if not variants:
        raise DomainError(_("Add at least one variant (SKU)."), field="variants")
    skus = [row["sku"].strip() for row in variants]
    if len(set(skus)) != len(skus):
        raise DomainError(_("Each variant needs its own SKU."), field="variants")
    product = Product(**{field: data[field] for field in PRODUCT_FIELDS if field in data})
    product.code = product.code.strip()
    try:
        product.full_clean(validate_unique=False)
    except ValidationError as error:
        raise _raise_first(error) from error
    try:
        with transaction.atomic():
            if Product.objects.filter(code=product.code).exists():
                raise DomainError(_("A product with this code already exists."), field="code")
            taken = list(Variant.objects.filter(sku__in=skus).values_list("sku", flat=True))
            if taken:
                raise DomainError(_("These SKUs are already in use: %(skus)s") % {"skus": ", ".join(taken)},
                                  field="variants")
            product.save()
            for row in variants:
                variant = Variant(product=product, **{f: row[f] for f in VARIANT_FIELDS if f in row})
                variant.sku = variant.sku.strip()
                _check_variant(variant)
                variant.save()
            activity_record(actor=actor, action="product.created", target=product,
                            changes={"variants": [None, skus]})
    except IntegrityError as error:
        raise DomainError(_("A product or SKU with this code already exists."), field="code") from error
    return product


def product_update(*, actor: Any, product: Product, data: dict[str, Any]) -> Product:
    fields = [field for field in PRODUCT_FIELDS if field in data and field != "code"]
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)
        before = snapshot(product, fields)
        for field in fields:
            setattr(product, field, data[field])
        try:
            product.full_clean(validate_unique=False)
        except ValidationError as error:
            raise _raise_first(error) from error
        changes = diff(before, snapshot(product, fields))
        if changes:
            product.updated_at = timezone.now()
            product.save()
            activity_record(actor=actor, action="product.changed", target=product, changes=changes)
    return product


def variant_create(*, actor: Any, product: Product, data: dict[str, Any]) -> Variant:
    variant = Variant(product=product, **{field: data[field] for field in VARIANT_FIELDS if field in data})
    variant.sku = variant.sku.strip()
    _check_variant(variant)
    try:
        with transaction.atomic():
            if Variant.objects.filter(sku=variant.sku).exists():
                raise DomainError(_("This SKU is already in use."), field="sku")
            variant.save()
            activity_record(actor=actor, action="variant.created", target=variant, changes={"sku": [None, variant.sku]})
    except IntegrityError as error:
        raise DomainError(_("This SKU is already in use."), field="sku") from error
    return variant


def variant_update(*, actor: Any, variant: Variant, data: dict[str, Any]) -> Variant:
    fields = [field for field in VARIANT_FIELDS if field in data and field != "sku"]
    with transaction.atomic():
        variant = Variant.objects.select_for_update().get(pk=variant.pk)
        before = snapshot(variant, fields)
        for field in fields:
            setattr(variant, field, data[field])
        _check_variant(variant)
        changes = diff(before, snapshot(variant, fields))
        if changes:
            variant.updated_at = timezone.now()
            variant.save()
            activity_record(actor=actor, action="variant.changed", target=variant, changes=changes)
            if "base_price" in changes:
                # Listings priced from the base price follow it; the worker recomputes them after the commit.
                from ..tasks_listings import store_listings_reprice

                variant_id = variant.pk
                transaction.on_commit(lambda: store_listings_reprice.delay(variant_ids=[variant_id]))
    return variant


def variant_delete(*, actor: Any, variant: Variant) -> None:
    with transaction.atomic():
        variant = Variant.objects.select_for_update().get(pk=variant.pk)
        if variant.product.variants.count() == 1:
            raise DomainError(_("A product needs at least one variant. Archive the product instead."))
        # Locked, so a stock change in progress is waited for and seen: a SKU deleted with stock on hand would
        # take units out of its product's stored total (Product.available) that no stock change accounts for.
        if any(on_hand > 0 for on_hand in variant.stock.select_for_update().order_by("pk")
               .values_list("on_hand", flat=True)):
            raise DomainError(_("This SKU still has stock. Move or write off the stock first."))
        activity_record(actor=actor, action="variant.deleted", target=variant, changes={"sku": [variant.sku, None]})
        variant.delete()


# --- Content per language ----------------------------------------------------------------------------------


def _clean_bullets(bullets: Sequence[str]) -> list[str]:
    cleaned = [bullet.strip() for bullet in bullets if bullet and bullet.strip()]
    if len(cleaned) > MAX_BULLETS:
        raise DomainError(_("At most %(count)s bullet points.") % {"count": MAX_BULLETS}, field="bullets")
    if any(len(bullet) > 500 for bullet in cleaned):
        raise DomainError(_("A bullet point can be at most 500 characters."), field="bullets")
    return cleaned


def content_save(*, actor: Any, product: Product, language: str, data: dict[str, Any]) -> ProductContent:
    """Create or change the product's content in one language."""
    with transaction.atomic():
        content, created = ProductContent.objects.select_for_update().get_or_create(product=product,
                                                                                    language=language)
        before = {} if created else snapshot(content, CONTENT_FIELDS)
        for field in CONTENT_FIELDS:
            if field in data:
                value = data[field]
                setattr(content, field, _clean_bullets(value) if field == "bullets" else (value or "").strip())
        try:
            content.full_clean(exclude=["product"], validate_unique=False)
        except ValidationError as error:
            raise _raise_first(error) from error
        content.save()
        changes = diff(before, snapshot(content, CONTENT_FIELDS))
        if changes:
            activity_record(actor=actor, action="content.changed", target=product,
                            target_repr=f"{product.code} [{language}]", changes=changes)
            Product.objects.filter(pk=product.pk).update(updated_at=timezone.now())
            listings_refresh(variant_ids=product.variants.values_list("pk", flat=True))
    return content


def content_copy(*, actor: Any, product: Product, source: str, target: str, overwrite: bool = False) -> ProductContent:
    """Start a translation: copy one language's content into another. Fields already written in the target
    language are kept unless ``overwrite`` is set."""
    if source == target:
        raise DomainError(_("Choose two different languages."))
    original = ProductContent.objects.filter(product=product, language=source).first()
    if original is None:
        raise DomainError(_("There is no content in that language to copy."))
    existing = ProductContent.objects.filter(product=product, language=target).first()
    data = {}
    for field in CONTENT_FIELDS:
        if overwrite or existing is None or not getattr(existing, field):
            data[field] = getattr(original, field)
    return content_save(actor=actor, product=product, language=target, data=data)


# --- Images ------------------------------------------------------------------------------------------------


def _clean_image(upload: UploadedFile) -> tuple[ContentFile, str, int, int]:
    """Check type, size and pixels, and re-encode without metadata (EXIF, GPS) but upright."""
    if upload.size is not None and upload.size > IMAGE_MAX_BYTES:
        raise DomainError(_("%(name)s is larger than 10 MB.") % {"name": upload.name}, field="images")
    try:
        with Image.open(upload) as probe:
            image_format = probe.format or ""
            width, height = probe.size
            probe.verify()
        if image_format not in IMAGE_FORMATS:
            raise DomainError(_("%(name)s is not a JPEG, PNG or WebP picture.") % {"name": upload.name},
                              field="images")
        if width * height > IMAGE_MAX_PIXELS:
            raise DomainError(_("%(name)s has too many pixels (at most 40 megapixels).") % {"name": upload.name},
                              field="images")
        if min(width, height) < IMAGE_MIN_SIDE:
            raise DomainError(_("%(name)s is too small: each side needs at least %(min)s pixels.")
                              % {"name": upload.name, "min": IMAGE_MIN_SIDE}, field="images")
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            buffer = io.BytesIO()
            save_options: dict[str, Any] = {"format": image_format}
            if image_format == "JPEG":
                upright = upright.convert("RGB")
                save_options.update(quality=92, optimize=True)
            elif image_format == "WEBP":
                save_options.update(quality=92)
            upright.save(buffer, **save_options)  # no exif= argument: the metadata stays behind
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as error:
        raise DomainError(_("%(name)s is not a picture we can read.") % {"name": upload.name},
                          field="images") from error
    extension = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}[image_format]
    return ContentFile(buffer.getvalue(), name=f"image{extension}"), IMAGE_FORMATS[image_format], *upright.size


def images_add(*, actor: Any, product: Product, uploads: Sequence[UploadedFile],
               variant: Variant | None = None) -> list[ProductImage]:
    """Add pictures to a product (or one variant). All are checked before any is kept."""
    from ..tasks_images import image_make_thumbnail

    if variant is not None and variant.product_id != product.pk:
        raise DomainError(_("Choose one of this product's variants."), field="variant")
    cleaned = [_clean_image(upload) for upload in uploads]
    with transaction.atomic():
        Product.objects.select_for_update().filter(pk=product.pk).first()
        count = product.images.count()
        if count + len(cleaned) > IMAGES_PER_PRODUCT:
            raise DomainError(_("A product can have at most %(count)s images.") % {"count": IMAGES_PER_PRODUCT},
                              field="images")
        position = (product.images.aggregate(top=Max("position"))["top"] or 0) + 1
        created = []
        for offset, (content, content_type, _width, _height) in enumerate(cleaned):
            image = ProductImage(product=product, variant=variant, content_type=content_type,
                                 size_bytes=content.size, position=position + offset,
                                 is_main=(count == 0 and offset == 0))
            assert content.name is not None  # _clean_image names every picture
            image.file.save(content.name, content, save=False)
            image.save()
            created.append(image)
        activity_record(actor=actor, action="image.added", target=product,
                        changes={"images": [count, count + len(created)]})
        for image in created:
            transaction.on_commit(functools.partial(image_make_thumbnail.delay, image.pk))
    return created


def image_set_main(*, actor: Any, image: ProductImage) -> None:
    with transaction.atomic():
        ProductImage.objects.filter(product_id=image.product_id, is_main=True).update(is_main=False)
        ProductImage.objects.filter(pk=image.pk).update(is_main=True)
        assert image.file.name is not None  # a stored image always has its file
        activity_record(actor=actor, action="image.main_changed", target=image.product,
                        changes={"main image": [None, image.file.name.rsplit("/", 1)[-1]]})


def images_reorder(*, actor: Any, product: Product, order: Sequence[int]) -> None:
    ids = list(product.images.values_list("pk", flat=True))
    if sorted(order) != sorted(ids):
        raise DomainError(_("The list of images changed meanwhile. Reload the page and try again."))
    with transaction.atomic():
        images = {image.pk: image for image in product.images.select_for_update()}
        for position, pk in enumerate(order, start=1):
            images[pk].position = position
        ProductImage.objects.bulk_update(images.values(), ["position"])
        activity_record(actor=actor, action="image.reordered", target=product)


def image_delete(*, actor: Any, image: ProductImage) -> None:
    with transaction.atomic():
        product = image.product
        was_main = image.is_main
        names = [image.file.name, image.thumbnail.name]
        assert names[0] is not None  # a stored image always has its file
        image.delete()
        if was_main:
            successor = product.images.order_by("position", "id").first()
            if successor is not None:
                ProductImage.objects.filter(pk=successor.pk).update(is_main=True)
        activity_record(actor=actor, action="image.deleted", target=product,
                        changes={"images": [names[0].rsplit("/", 1)[-1], None]})
        storage = ProductImage._meta.get_field("file").storage

        def delete_files() -> None:
            for name in names:
                if name:
                    storage.delete(name)

        transaction.on_commit(delete_files)
