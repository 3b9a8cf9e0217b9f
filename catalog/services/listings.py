"""Listings: what each site shows for a SKU. ``listings_refresh`` keeps the shown status, the suppression reason
and the quantity offered in step with stock, content and price; every service that changes one of those calls it.

The rest are the writes a person makes: create and edit a listing, copy listings to other sites (converting
prices, keeping each site's local edits), recompute prices derived from the base price, and the bulk actions of
the listing list. Each bulk action is one activity entry, with the number of listings and what changed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from djmoney.money import Money

from audit.services import activity_record, diff
from sellercenter.errors import DomainError
from stores.fx import fx_rate
from stores.models import Marketplace, Store

from .. import pricing
from ..bulk import update_rows
from ..models import Listing, Stock, Variant, Warehouse
from ..selectors import available_by_variant, content_missing, languages_with_required_content

# Content a site needs in its own language before a listing can be shown there.
REQUIRED_CONTENT = ("title", "description")
# Fields a person edits on the listing form, in the order the activity log lists them.
EDIT_FIELDS = ("price_mode", "price", "rounding", "sale_price", "sale_start", "sale_end", "quantity_limit",
               "wanted_status")
# How many listings one bulk action or one copy may touch: a page of the list holds at most this many.
BULK_MAX = 500


def shown_state(*, wanted_status: str, price: Decimal | None, quantity_limit: int | None, language: str,
                available: int, content_languages: set[str]) -> tuple[str, str, int]:
    """(status, suppression reason, quantity offered) of a listing, from what the seller wants and the facts."""
    offered = available if quantity_limit is None else min(available, quantity_limit)
    offered = max(offered, 0)
    if wanted_status == Listing.Status.INACTIVE:
        return Listing.Status.INACTIVE, "", offered
    if price is None or price <= 0:
        return Listing.Status.SUPPRESSED, Listing.Suppression.PRICE_MISSING, offered
    if language not in content_languages:
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
    languages = dict(Marketplace.objects.values_list("pk", "language"))
    fields = ("pk", "variant_id", "variant__product_id", "marketplace_id", "wanted_status", "price",
              "quantity_limit", "status", "suppression", "quantity_offered")
    with transaction.atomic():
        for start in range(0, len(ids), 2000):
            batch = ids[start:start + 2000]
            rows = list(Listing.objects.filter(variant_id__in=batch).order_by().values_list(*fields))
            if not rows:
                continue
            available = available_by_variant(variant_ids=batch)
            content = languages_with_required_content(product_ids={row[2] for row in rows}, fields=REQUIRED_CONTENT)
            dirty = []
            for pk, variant_id, product_id, site_id, wanted, price, limit, status, suppression, offered in rows:
                state = shown_state(wanted_status=wanted, price=price, quantity_limit=limit,
                                    language=languages[site_id], available=available.get(variant_id, 0),
                                    content_languages=content.get(product_id, set()))
                if state != (status, suppression, offered):
                    dirty.append((pk, *state, now))
            # One set-based UPDATE per batch (bulk_update's CASE expression grows with the square of the rows).
            update_rows(Listing, ["status", "suppression", "quantity_offered", "updated_at"], dirty)
            changed += len(dirty)
    return changed


def listings_refresh_stock(*, variant_ids: Iterable[int]) -> int:
    """``listings_refresh`` for a change of stock only (a reservation, a shipment, a count), in one statement.

    Stock moves only the quantity offered and, with it, whether a listing that would otherwise show is suppressed
    for want of stock: inactive listings and those suppressed for a missing price or content keep their status (a
    change of price or content refreshes them through ``listings_refresh``). Returns how many listings changed."""
    ids = sorted(set(variant_ids))
    if not ids:
        return 0
    quote = connection.ops.quote_name
    listing, stock, warehouse = (quote(model._meta.db_table) for model in (Listing, Stock, Warehouse))
    status, reason = Listing.Status, Listing.Suppression
    # Only quoted table names go into the SQL text; every value is a parameter.
    sql = f"""
        WITH ids AS (SELECT unnest(%(ids)s::bigint[]) AS variant_id),
        units AS (
            SELECT s.variant_id, SUM(s.on_hand - s.reserved) AS available
            FROM {stock} AS s JOIN {warehouse} AS w ON w.id = s.warehouse_id
            WHERE w.is_active AND s.variant_id IN (SELECT variant_id FROM ids)
            GROUP BY s.variant_id),
        offered AS (
            SELECT l.id, l.status, l.suppression,
                   GREATEST(CASE WHEN l.quantity_limit IS NULL THEN COALESCE(u.available, 0)
                                 ELSE LEAST(COALESCE(u.available, 0), l.quantity_limit) END, 0) AS quantity,
                   (l.status = %(active)s OR (l.status = %(suppressed)s AND l.suppression = %(no_stock)s)) AS follows
            FROM {listing} AS l LEFT JOIN units AS u ON u.variant_id = l.variant_id
            WHERE l.variant_id IN (SELECT variant_id FROM ids)),
        shown AS (
            SELECT id, quantity,
                   CASE WHEN NOT follows THEN status WHEN quantity > 0 THEN %(active)s ELSE %(suppressed)s END
                       AS status,
                   CASE WHEN NOT follows THEN suppression WHEN quantity > 0 THEN '' ELSE %(no_stock)s END
                       AS suppression
            FROM offered)
        UPDATE {listing} AS t
        SET quantity_offered = shown.quantity, status = shown.status, suppression = shown.suppression,
            updated_at = %(now)s
        FROM shown
        WHERE t.id = shown.id AND (t.quantity_offered, t.status, t.suppression)
            IS DISTINCT FROM (shown.quantity, shown.status, shown.suppression)
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, {"ids": ids, "active": status.ACTIVE.value, "suppressed": status.SUPPRESSED.value,
                             "no_stock": reason.NO_STOCK.value, "now": timezone.now()})
        return cursor.rowcount


# --- Prices ------------------------------------------------------------------------------------------------------


class _Rates:
    """FX rates looked up once per currency pair for the length of one service call."""

    def __init__(self, on: dt.date) -> None:
        self.on = on
        self._cache: dict[tuple[str, str], tuple[Decimal, dt.date] | DomainError] = {}

    def get(self, from_currency: str, to_currency: str) -> tuple[Decimal, dt.date]:
        key = (from_currency, to_currency)
        if key not in self._cache:
            try:
                self._cache[key] = fx_rate(from_currency=from_currency, to_currency=to_currency, on=self.on)
            except DomainError as error:
                self._cache[key] = error
        found = self._cache[key]
        if isinstance(found, DomainError):
            raise found
        return found

    def convert(self, money: Money, *, to_currency: str, rule: str) -> pricing.Conversion:
        rate, rate_date = self.get(money.currency.code, to_currency)
        return pricing.convert(money.amount, rate=rate, rate_date=rate_date, to_currency=to_currency, rule=rule)


def _today() -> dt.date:
    return timezone.localdate()


def _money(amount: Decimal | None, currency: str) -> Money | None:
    return None if amount is None else Money(amount, currency)


def _derived_price(variant: Variant, *, currency: str, rule: str, rates: _Rates) -> Money | None:
    """The site price from the SKU's base price, or None when the SKU has no base price (the listing is then
    suppressed for a missing price). Raises DomainError when there is no FX rate."""
    if variant.base_price is None:
        return None
    conversion = rates.convert(variant.base_price, to_currency=currency, rule=rule)
    return Money(conversion.amount, currency)


def _fixed_price(amount: Decimal | None, currency: str) -> Money | None:
    if amount is None:
        return None
    if amount < 0:
        raise DomainError(_("A price cannot be negative."), field="price")
    return Money(pricing.round_exact(amount, currency), currency)


def _check_sale(listing: Listing) -> None:
    if listing.sale_price is not None:
        if listing.sale_price.amount <= 0:
            raise DomainError(_("A sale price must be above zero."), field="sale_price")
        if listing.price is not None and listing.sale_price.amount >= listing.price.amount:
            raise DomainError(_("The sale price must be below the price."), field="sale_price")
    if listing.sale_start and listing.sale_end and listing.sale_start >= listing.sale_end:
        raise DomainError(_("The sale must end after it starts."), field="sale_end")
    if (listing.sale_start or listing.sale_end) and listing.sale_price is None:
        raise DomainError(_("Enter the sale price for these sale dates."), field="sale_price")


def _apply_edit(listing: Listing, data: dict[str, Any], *, rates: _Rates) -> None:
    """Put a person's values on ``listing`` (not saved). ``price`` and ``sale_price`` are amounts in the site's
    currency; a derived price is computed from the base price instead of taken from ``data``."""
    currency = listing.marketplace.currency
    for name in ("price_mode", "rounding", "sale_start", "sale_end", "quantity_limit", "wanted_status"):
        if name in data:
            setattr(listing, name, data[name])
    if listing.rounding not in pricing.RULES:
        raise DomainError(_("Choose a rounding rule."), field="rounding")
    if listing.wanted_status not in (Listing.Status.ACTIVE, Listing.Status.INACTIVE):
        raise DomainError(_("A listing can be set active or inactive."), field="wanted_status")
    if listing.quantity_limit is not None and listing.quantity_limit < 0:
        raise DomainError(_("The quantity limit cannot be negative."), field="quantity_limit")
    if "sale_price" in data:
        sale = data["sale_price"]
        listing.sale_price = None if sale is None else Money(pricing.round_exact(sale, currency), currency)
    if listing.price_mode == Listing.PriceMode.DERIVED:
        listing.price = _derived_price(listing.variant, currency=currency, rule=listing.rounding, rates=rates)
    elif listing.price_mode == Listing.PriceMode.FIXED:
        if "price" in data:
            listing.price = _fixed_price(data["price"], currency)
    else:
        raise DomainError(_("Choose how the price is set."), field="price_mode")
    _check_sale(listing)


def _store_marketplace(store: Store, marketplace: Marketplace) -> None:
    if not store.marketplaces.filter(pk=marketplace.pk).exists():
        raise DomainError(_("%(site)s is not one of this store's sites.") % {"site": marketplace.code},
                          field="marketplace")


def listing_create(*, actor: Any, store: Store, variant: Variant, marketplace: Marketplace,
                   data: dict[str, Any]) -> Listing:
    """A SKU put on one of the store's sites. ``data`` holds the fields of ``EDIT_FIELDS`` (amounts as Decimal in
    the site's currency). A derived price is converted from the base price with today's FX rate."""
    _store_marketplace(store, marketplace)
    listing = Listing(variant=variant, marketplace=marketplace)
    _apply_edit(listing, data, rates=_Rates(_today()))
    taken = DomainError(_("%(sku)s is already listed on %(site)s.") % {"sku": variant.sku, "site": marketplace.code},
                        field="marketplace")
    try:
        with transaction.atomic():
            if Listing.objects.filter(variant=variant, marketplace=marketplace).exists():
                raise taken
            listing.created_at = listing.updated_at = timezone.now()
            listing.save()
            activity_record(actor=actor, action="listing.created", target=listing, target_repr=_repr(listing),
                            changes={key: [None, value] for key, value in _snapshot(listing).items()
                                     if value not in (None, "")})
            listings_refresh(variant_ids=[variant.pk])
    except IntegrityError as error:
        raise taken from error
    listing.refresh_from_db()
    return listing


def listing_update(*, actor: Any, listing: Listing, data: dict[str, Any],
                   follow_source: Iterable[str] = ()) -> Listing:
    """A person's edit of one listing. On a listing copied from another site, every field of
    ``Listing.LOCAL_FIELDS`` the edit changes becomes a local override: the next copy leaves it alone.
    ``follow_source`` names overrides to drop, so the next copy sets those fields again."""
    with transaction.atomic():
        listing = (Listing.objects.select_for_update(of=("self",)).select_related("marketplace", "variant")
                   .get(pk=listing.pk))
        before = _snapshot(listing)
        _apply_edit(listing, data, rates=_Rates(_today()))
        changes = diff(before, _snapshot(listing))
        overrides = [name for name in listing.local_overrides if name not in set(follow_source)]
        if listing.copied_from_id is not None:
            edited = set(changes)
            # A derived price follows the base price: choosing the mode or the rule is the person's edit, the
            # price that results is not.
            if listing.price_mode == Listing.PriceMode.DERIVED:
                edited.discard("price")
            overrides += [name for name in Listing.LOCAL_FIELDS if name in edited and name not in overrides]
        overrides = [name for name in Listing.LOCAL_FIELDS if name in overrides]
        if overrides != listing.local_overrides:
            changes["local_overrides"] = [listing.local_overrides, overrides]
            listing.local_overrides = overrides
        if changes:
            listing.updated_at = timezone.now()
            listing.save()
            activity_record(actor=actor, action="listing.changed", target=listing, target_repr=_repr(listing),
                            changes=changes)
            listings_refresh(variant_ids=[listing.variant_id])
    listing.refresh_from_db()
    return listing


def _repr(listing: Listing) -> str:
    return f"{listing.variant.sku} @ {listing.marketplace.code}"


def _snapshot(listing: Listing) -> dict[str, Any]:
    """The fields a person edits, as JSON-safe values for the activity log."""
    data: dict[str, Any] = {}
    for name in EDIT_FIELDS:
        value = getattr(listing, name)
        if isinstance(value, Money):
            value = _money_text(value)
        elif isinstance(value, dt.datetime):
            value = value.isoformat()
        data[name] = value
    return data


def _money_text(money: Money | None) -> str | None:
    return None if money is None else f"{money.amount.normalize():f} {money.currency.code}"


def listings_reprice(*, variant_ids: Iterable[int] | None = None, actor: Any = None,
                     on: dt.date | None = None, batch_size: int = 2000) -> int:
    """Recompute the prices derived from the base price (after an FX import or a base price change), for the
    given SKUs or for every derived listing. Listings whose currency has no FX rate keep their price. Works in
    batches of ``batch_size`` listings, each its own transaction, so a store-wide run never holds its locks long.
    Returns how many prices changed; a person's request is one activity entry."""
    rates = _Rates(on or _today())
    queryset = Listing.objects.filter(price_mode=Listing.PriceMode.DERIVED)
    if variant_ids is not None:
        queryset = queryset.filter(variant_id__in=list(variant_ids))
    changed, last_pk = 0, 0
    while True:
        with transaction.atomic():
            batch = list(queryset.filter(pk__gt=last_pk).select_related("marketplace", "variant")
                         .select_for_update(of=("self",)).order_by("pk")[:batch_size])
            if not batch:
                break
            last_pk, now, dirty = batch[-1].pk, timezone.now(), []
            for listing in batch:
                try:
                    price = _derived_price(listing.variant, currency=listing.marketplace.currency,
                                           rule=listing.rounding, rates=rates)
                except DomainError:
                    continue
                if price != listing.price:
                    listing.price, listing.updated_at = price, now
                    dirty.append(listing)
            Listing.objects.bulk_update(dirty, ["price", "price_currency", "updated_at"])
            listings_refresh(variant_ids={listing.variant_id for listing in dirty})
            changed += len(dirty)
    if changed and actor is not None:
        activity_record(actor=actor, action="listing.repriced", target_repr=_count_repr(changed),
                        changes={"price": [None, _("from the base price at the FX rates of %(day)s")
                                           % {"day": rates.on.isoformat()}]})
    return changed


# --- Bulk actions ------------------------------------------------------------------------------------------------


def _count_repr(count: int) -> str:
    return ngettext("%(count)s listing", "%(count)s listings", count) % {"count": count}


def _locked(listing_ids: Iterable[int]) -> list[Listing]:
    ids = sorted(set(listing_ids))
    if not ids:
        raise DomainError(_("Select at least one listing."))
    if len(ids) > BULK_MAX:
        raise DomainError(_("Select at most %(count)s listings at a time.") % {"count": BULK_MAX})
    return list(Listing.objects.select_for_update(of=("self",)).select_related("marketplace", "variant")
                .filter(pk__in=ids).order_by("pk"))


def _mark_local(listing: Listing, names: Iterable[str]) -> None:
    """Record a person's edit of these fields as local overrides, when the listing was copied from another site."""
    if listing.copied_from_id is None:
        return
    merged = set(listing.local_overrides) | set(names)
    listing.local_overrides = [name for name in Listing.LOCAL_FIELDS if name in merged]


@dataclass
class BulkResult:
    changed: int
    skipped: int = 0


def listings_bulk_adjust_price(*, actor: Any, listing_ids: Iterable[int], percent: Decimal | None = None,
                               amount: Decimal | None = None) -> BulkResult:
    """Move the prices of the selected listings by a percentage (``-10`` is 10 % off) or by an amount. An amount is
    in the listings' own currency, so they must share one. Prices never go below zero; each listing's rounding
    rule is applied; a derived price becomes a fixed one. Listings without a price, and listings whose sale price
    would no longer be below the new price, are left as they are (counted as skipped)."""
    if (percent is None) == (amount is None):
        raise DomainError(_("Enter either a percentage or an amount."), field="percent")
    if percent is not None and percent <= -100:
        raise DomainError(_("A price can go down by less than 100 %."), field="percent")
    with transaction.atomic():
        listings = _locked(listing_ids)
        priced = [listing for listing in listings if listing.price is not None]
        currencies = {listing.price.currency.code for listing in priced}
        if amount is not None and len(currencies) > 1:
            raise DomainError(_("An amount needs listings in one currency; these are in %(currencies)s. "
                                "Change them by a percentage, or select one site's listings.")
                              % {"currencies": ", ".join(sorted(currencies))}, field="amount")
        now = timezone.now()
        changed = []
        for listing in priced:
            currency = listing.price.currency.code
            new = pricing.adjust(listing.price.amount, currency=currency, rule=listing.rounding, percent=percent,
                                 change=amount)
            if new == listing.price.amount and listing.price_mode == Listing.PriceMode.FIXED:
                continue
            if listing.sale_price is not None and listing.sale_price.amount >= new:
                continue  # the sale price would no longer be below the price: left for the person to decide
            edited = ["price"] + (["price_mode"] if listing.price_mode != Listing.PriceMode.FIXED else [])
            listing.price, listing.price_mode, listing.updated_at = Money(new, currency), Listing.PriceMode.FIXED, now
            _mark_local(listing, edited)
            changed.append(listing)
        Listing.objects.bulk_update(changed, ["price", "price_currency", "price_mode", "local_overrides",
                                              "updated_at"])
        if percent is not None:
            how = f"{percent.normalize():+f} %"
        else:
            how = f"{amount.normalize():+f} {next(iter(currencies))}" if currencies else f"{amount:+f}"  # type: ignore[union-attr]
        if changed:
            activity_record(actor=actor, action="listing.prices_changed", target_repr=_count_repr(len(changed)),
                            changes={"price": [None, how], "variant": [None, _skus(changed)]})
        listings_refresh(variant_ids={listing.variant_id for listing in changed})
    return BulkResult(changed=len(changed), skipped=len(listings) - len(changed))


def listings_bulk_set_status(*, actor: Any, listing_ids: Iterable[int], status: str) -> BulkResult:
    """Set the selected listings active or inactive (what the seller wants; the site may still suppress it)."""
    if status not in (Listing.Status.ACTIVE, Listing.Status.INACTIVE):
        raise DomainError(_("A listing can be set active or inactive."), field="status")
    with transaction.atomic():
        listings = _locked(listing_ids)
        now = timezone.now()
        changed = []
        for listing in listings:
            if listing.wanted_status == status:
                continue
            listing.wanted_status, listing.updated_at = status, now
            _mark_local(listing, ["wanted_status"])
            changed.append(listing)
        Listing.objects.bulk_update(changed, ["wanted_status", "local_overrides", "updated_at"])
        if changed:
            activity_record(actor=actor, action="listing.status_changed", target_repr=_count_repr(len(changed)),
                            changes={"wanted_status": [None, status], "variant": [None, _skus(changed)]})
        listings_refresh(variant_ids={listing.variant_id for listing in changed})
    return BulkResult(changed=len(changed), skipped=len(listings) - len(changed))


def _skus(listings: Sequence[Listing], limit: int = 20) -> list[str]:
    """The first listings of a bulk action as SKU@site, for the activity entry (the count is in its title)."""
    shown = [_repr(listing) for listing in listings[:limit]]
    return shown + (["…"] if len(listings) > limit else [])


# --- Copy to other sites ----------------------------------------------------------------------------------------


@dataclass
class CopyLine:
    """What a copy does to one SKU on one target site."""

    source: Listing
    marketplace: Marketplace
    target: Listing | None  # the existing listing on the target site, if any
    values: dict[str, Any] = field(default_factory=dict)  # the fields the copy sets
    kept: list[str] = field(default_factory=list)  # local overrides left alone
    missing_content: list[str] = field(default_factory=list)  # required content absent in the site's language
    errors: list[str] = field(default_factory=list)
    conversion: pricing.Conversion | None = None
    converted_from: Money | None = None  # the source price, or the base price for a derived price

    @property
    def action(self) -> str:
        return "update" if self.target is not None else "create"

    @property
    def sku(self) -> str:
        return self.source.variant.sku

    @property
    def price(self) -> Money | None:
        if "price" in self.values:
            return self.values["price"]
        return self.target.price if self.target is not None else None

    @property
    def price_before(self) -> Money | None:
        return self.target.price if self.target is not None else None

    @property
    def sale_price(self) -> Money | None:
        if "sale_price" in self.values:
            return self.values["sale_price"]
        return self.target.sale_price if self.target is not None else None


@dataclass
class CopyTarget:
    """The report for one target site."""

    marketplace: Marketplace
    lines: list[CopyLine] = field(default_factory=list)

    @property
    def creates(self) -> int:
        return sum(1 for line in self.lines if line.action == "create")

    @property
    def updates(self) -> int:
        return sum(1 for line in self.lines if line.action == "update")

    @property
    def errors(self) -> int:
        return sum(1 for line in self.lines if line.errors)

    @property
    def missing_content(self) -> int:
        return sum(1 for line in self.lines if line.missing_content)

    @property
    def kept(self) -> int:
        return sum(1 for line in self.lines if line.kept)


@dataclass
class CopyReport:
    targets: list[CopyTarget]
    errors: list[str] = field(default_factory=list)  # problems with the request as a whole
    applied: bool = False

    @property
    def is_valid(self) -> bool:
        return not self.errors and not any(target.errors for target in self.targets)

    @property
    def lines(self) -> list[CopyLine]:
        return [line for target in self.targets for line in target.lines]

    @property
    def creates(self) -> int:
        return sum(target.creates for target in self.targets)

    @property
    def updates(self) -> int:
        return sum(target.updates for target in self.targets)


class CopyInvalid(DomainError):
    """A copy that was refused because some target is invalid; ``report`` says which and why. Nothing changed."""

    def __init__(self, report: CopyReport) -> None:
        problems = report.errors + [f"{line.sku} → {line.marketplace.code}: {error}"
                                    for line in report.lines for error in line.errors]
        super().__init__(_("Nothing was copied: %(problems)s") % {"problems": "; ".join(problems[:5])})
        self.report = report


def _copy_plan(*, store: Store, sources: Sequence[Listing], marketplaces: Sequence[Marketplace],
               rounding: str | None, rates: _Rates, lock: bool) -> CopyReport:
    report = CopyReport(targets=[CopyTarget(marketplace=site) for site in marketplaces])
    if not sources:
        report.errors.append(_("Select at least one listing to copy."))
    if not marketplaces:
        report.errors.append(_("Choose at least one site to copy to."))
    if len(sources) > BULK_MAX:
        report.errors.append(_("Copy at most %(count)s listings at a time.") % {"count": BULK_MAX})
    if rounding is not None and rounding not in pricing.RULES:
        report.errors.append(_("Choose a rounding rule."))
    allowed = set(store.marketplaces.values_list("pk", flat=True))
    for site in marketplaces:
        if site.pk not in allowed:
            report.errors.append(_("%(site)s is not one of this store's sites.") % {"site": site.code})
    variants = Counter(source.variant_id for source in sources)
    doubled = sorted({source.variant.sku for source in sources if variants[source.variant_id] > 1})
    if doubled:
        report.errors.append(_("Choose one listing per SKU to copy from: %(skus)s") % {"skus": ", ".join(doubled)})
    if report.errors:
        return report

    existing_rows = Listing.objects.filter(variant_id__in=variants, marketplace__in=marketplaces)
    if lock:
        existing_rows = existing_rows.select_for_update()
    existing = {(row.variant_id, row.marketplace_id): row for row in existing_rows}
    missing = content_missing(product_ids={source.variant.product_id for source in sources},
                              languages={site.language for site in marketplaces}, fields=REQUIRED_CONTENT)
    for target_report in report.targets:
        site = target_report.marketplace
        for source in sources:
            if source.marketplace_id == site.pk:
                continue  # a listing is not copied onto its own site
            target = existing.get((source.variant_id, site.pk))
            line = CopyLine(source=source, marketplace=site, target=target,
                            missing_content=missing.get((source.variant.product_id, site.language), []))
            _copy_values(line, rounding=rounding, rates=rates)
            target_report.lines.append(line)
    return report


def _copy_values(line: CopyLine, *, rounding: str | None, rates: _Rates) -> None:
    """Work out what the copy sets on the target, leaving its local overrides alone."""
    source, target, currency = line.source, line.target, line.marketplace.currency
    overrides = set(target.local_overrides) if target is not None else set()
    line.kept = [name for name in Listing.LOCAL_FIELDS if name in overrides]

    def pick(name: str, copied: Any) -> Any:
        if name in overrides:
            return getattr(target, name)
        line.values[name] = copied
        return copied

    mode = pick("price_mode", source.price_mode)
    rule = pick("rounding", rounding or source.rounding)
    for name in ("quantity_limit", "wanted_status"):
        pick(name, getattr(source, name))
    start, end = pick("sale_start", source.sale_start), pick("sale_end", source.sale_end)
    try:
        if "price" not in overrides:
            if mode == Listing.PriceMode.DERIVED:
                if source.variant.base_price is None:
                    line.errors.append(_("the SKU has no base price to derive the price from"))
                else:
                    line.converted_from = source.variant.base_price
            elif source.price is None:
                line.errors.append(_("the source listing has no price"))
            else:
                line.converted_from = source.price
            if line.converted_from is not None:
                line.conversion = rates.convert(line.converted_from, to_currency=currency, rule=rule)
            if line.conversion is not None:
                line.values["price"] = Money(line.conversion.amount, currency)
        if "sale_price" not in overrides:
            sale = None
            if source.sale_price is not None:
                sale = Money(rates.convert(source.sale_price, to_currency=currency, rule=rule).amount, currency)
            line.values["sale_price"] = sale
    except DomainError as error:
        line.errors.append(str(error.message))
        return
    price, sale = line.price, line.sale_price
    if sale is not None and price is not None and sale.amount >= price.amount:
        line.errors.append(_("after rounding, the sale price %(sale)s would not be below the price %(price)s")
                           % {"sale": _money_text(sale), "price": _money_text(price)})
    if start and end and start >= end:
        line.errors.append(_("the sale would end before it starts (one of its dates is a local edit)"))


def listings_copy_to_sites(*, actor: Any, store: Store, listing_ids: Iterable[int],
                           marketplaces: Sequence[Marketplace], rounding: str | None = None,
                           dry_run: bool = False, on: dt.date | None = None) -> CopyReport:
    """Copy listings to other sites of the store in one action: a listing is created on each target site where
    the SKU has none, and updated where it has one. Prices are converted from the source price (or derived from
    the base price when the source's price follows it) at the FX rate of ``on`` (today), with the target's rounding
    rule (``rounding`` for targets whose rule is not a local edit; the source's rule by default). Fields a person
    edited on a target (its local overrides) are left alone and reported as kept; SKUs without the target
    language's title or description are reported (their listing is created but suppressed until it is written).

    Everything is validated first: if any target is invalid, nothing is written and ``CopyInvalid`` carries the
    report. ``dry_run`` returns the report without writing, for the preview."""
    rates = _Rates(on or _today())
    with transaction.atomic():
        sources = list(Listing.objects.select_related("marketplace", "variant")
                       .filter(pk__in=sorted(set(listing_ids))).order_by("variant__sku", "marketplace__sort_order"))
        report = _copy_plan(store=store, sources=sources, marketplaces=list(marketplaces), rounding=rounding,
                            rates=rates, lock=not dry_run)
        if dry_run:
            return report
        if not report.is_valid:
            raise CopyInvalid(report)
        now = timezone.now()
        created, updated = [], []
        for line in report.lines:
            if line.target is None:
                listing = Listing(variant=line.source.variant, marketplace=line.marketplace, created_at=now)
                created.append(listing)
            else:
                listing = line.target
                updated.append(listing)
            for name, value in line.values.items():
                setattr(listing, name, value)
            listing.copied_from = line.source
            listing.updated_at = now
        Listing.objects.bulk_create(created, batch_size=1000)
        Listing.objects.bulk_update(updated, [*Listing.LOCAL_FIELDS, "price_currency", "sale_price_currency",
                                              "copied_from", "updated_at"], batch_size=1000)
        report.applied = True
        sites_from = sorted({source.marketplace.code for source in sources})
        sites_to = [target.marketplace.code for target in report.targets]
        activity_record(
            actor=actor, action="listing.copied",
            target_repr=_("%(listings)s to %(sites)s: %(created)s created, %(updated)s updated") % {
                "listings": _count_repr(len(sources)), "sites": ", ".join(sites_to),
                "created": len(created), "updated": len(updated)},
            changes={"marketplace": [sites_from, sites_to], "variant": [None, _skus(sources)],
                              "local_overrides": [None, sorted({f"{line.sku} @ {line.marketplace.code}: {name}"
                                                       for line in report.lines for name in line.kept})[:20]]},
        )
        listings_refresh(variant_ids={source.variant_id for source in sources})
    return report

