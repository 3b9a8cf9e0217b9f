"""Thumbnails are made by the worker, so an upload of many pictures answers at once."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from PIL import Image

from sellercenter.celery import StoreTask, app

from .models import ProductImage

THUMBNAIL_SIZE = (320, 320)


@app.task(name="catalog.image_make_thumbnail", base=StoreTask, autoretry_for=(OSError,), max_retries=3)
def image_make_thumbnail(image_id: int) -> bool:
    """Make a 320 px WebP thumbnail once; a retried or duplicated task finds it made and stops."""
    image = ProductImage.objects.filter(pk=image_id, thumbnail="").first()
    if image is None:
        return False
    with image.file.open("rb") as handle, Image.open(handle) as picture:
        picture.thumbnail(THUMBNAIL_SIZE)
        buffer = io.BytesIO()
        picture.convert("RGBA" if picture.mode in ("RGBA", "LA", "P") else "RGB").save(buffer, "WEBP", quality=80)
    name = ProductImage._meta.get_field("thumbnail").generate_filename(image, "thumb.webp")
    stored = image.thumbnail.storage.save(name, ContentFile(buffer.getvalue()))
    updated = ProductImage.objects.filter(pk=image_id, thumbnail="").update(thumbnail=stored)
    if not updated:  # another run got there first
        image.thumbnail.storage.delete(stored)
    return bool(updated)
