"""Listings: what each site shows for a SKU. ``listings_refresh`` keeps the shown status, the suppression reason
and the quantity offered in step with stock, content and price; every service that changes one of those calls it."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from ..models import Listing
from ..selectors import available_by_variant, languages_with_required_content

# Content a site needs in its own language before a listing can be shown there.
REQUIRED_CONTENT = ("title", "description")


def listing_shown_state(listing: Listing, *, available: int, content_languages: set[str]) -> tuple[str, str, int]:
    """(status, suppression reason, quantity offered) for a listing, from what the seller wants and the facts."""
    offered = available if listing.quantity_limit is None else min(available, listing.quantity_limit)
    offered = max(offered, 0)
    if listing.wanted_status == Listing.Status.INACTIVE:
        return Listing.Status.INACTIVE, "", offered
    if listing.price is None or listing.price.amount <= 0:
        return Listing.Status.SUPPRESSED, Listing.Suppression.PRICE_MISSING, offered
    if listing.marketplace.language not in content_languages:
        return Listing.Status.SUPPRESSED, Listing.Suppression.MISSING_CONTENT, offered
    if offered <= 0:
        return Listing.Status.SUPPRESSED, Listing.Suppression.NO_STOCK, offered
    return Listing.Status.ACTIVE, "", offered


def listings_refresh(*, variant_ids: Iterable[int]) -> int:
    """Recompute status, suppression and quantity offered for every listing of these SKUs; returns how many
    listings changed. Works in batches, so an import of 100,000 SKUs costs a few queries per thousand."""
    ids = sorted(set(variant_ids))
    changed = 0
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, len(ids), 2000):
            batch = ids[start:start + 2000]
            listings = list(Listing.objects.filter(variant_id__in=batch).select_related("marketplace", "variant"))
            if not listings:
                continue
            available = available_by_variant(variant_ids=batch)
            content = languages_with_required_content(product_ids={item.variant.product_id for item in listings},
                                                      fields=REQUIRED_CONTENT)
            dirty = []
            for listing in listings:
                state = listing_shown_state(listing, available=available.get(listing.variant_id, 0),
                                            content_languages=content.get(listing.variant.product_id, set()))
                if state != (listing.status, listing.suppression, listing.quantity_offered):
                    listing.status, listing.suppression, listing.quantity_offered = state
                    listing.updated_at = now
                    dirty.append(listing)
            Listing.objects.bulk_update(dirty, ["status", "suppression", "quantity_offered", "updated_at"])
            changed += len(dirty)
    return changed
