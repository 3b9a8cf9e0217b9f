"""Writes of the logistics set-up: enabling carrier services, and shipping templates with their regions. Each
write is one transaction with its activity-log entry."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import activity_record, diff, snapshot
from sellercenter.errors import DomainError
from stores.carriers import CarrierService

from .models import EnabledService, ShippingRegion, ShippingTemplate

TEMPLATE_FIELDS = ("name", "marketplace", "charge_by", "handling_days", "free_shipping_above")
REGION_FIELDS = ("countries", "bands", "per_kg_above", "first_item_price", "additional_item_price")
MAX_REGIONS = 20


def _email(actor: Any) -> str:
    return actor.email if actor is not None and getattr(actor, "is_authenticated", False) else ""


def carrier_services_enable(*, actor: Any, services: Sequence[CarrierService]) -> int:
    """Enable these services (already enabled ones are left as they are); returns how many were newly enabled."""
    if not services:
        return 0
    with transaction.atomic():
        have = set(EnabledService.objects.filter(service__in=services).values_list("service_id", flat=True))
        new = [service for service in services if service.pk not in have]
        EnabledService.objects.bulk_create(
            [EnabledService(service=service, enabled_by_email=_email(actor)) for service in new],
            ignore_conflicts=True,
        )
        if new:
            activity_record(actor=actor, action="carrier_service.enabled",
                            target_repr=", ".join(service.name for service in new),
                            changes={"services": [None, [service.name for service in new]]})
    return len(new)


def carrier_services_disable(*, actor: Any, services: Sequence[CarrierService]) -> int:
    """Disable these services; returns how many were enabled before."""
    if not services:
        return 0
    with transaction.atomic():
        enabled = list(EnabledService.objects.filter(service__in=services).values_list("service_id", flat=True))
        EnabledService.objects.filter(service_id__in=enabled).delete()
        names = [service.name for service in services if service.pk in set(enabled)]
        if names:
            activity_record(actor=actor, action="carrier_service.disabled", target_repr=", ".join(names),
                            changes={"services": [names, None]})
    return len(enabled)


# --- Shipping templates ------------------------------------------------------------------------------------------


def _regions_check(template: ShippingTemplate, regions: list[dict[str, Any]]) -> list[ShippingRegion]:
    if not regions:
        raise DomainError(_("Add at least one region."))
    if len(regions) > MAX_REGIONS:
        raise DomainError(_("A template has at most %(count)s regions.") % {"count": MAX_REGIONS})
    rows = [ShippingRegion(template=template, **{f: data.get(f) for f in REGION_FIELDS if f in data})
            for data in regions]
    seen: set[str] = set()
    whole_country = 0
    for row in rows:
        row.countries = sorted(set(row.countries or []))
        row.bands = [[int(g), str(Decimal(str(p)))] for g, p in (row.bands or [])]
        whole_country += not row.countries
        for country in row.countries:
            if country in seen:
                raise DomainError(_("%(country)s is in more than one region.") % {"country": country})
            seen.add(country)
        if template.charge_by == ShippingTemplate.ChargeBy.ITEM and row.first_item_price is None:
            raise DomainError(_("Give each region the price of the first item."))
        if template.charge_by == ShippingTemplate.ChargeBy.WEIGHT and not row.bands:
            raise DomainError(_("Give each region at least one weight band."))
    if whole_country > 1:
        raise DomainError(_("Only one region can stand for the site's whole country."))
    return rows


def _template_save(template: ShippingTemplate, regions: list[dict[str, Any]]) -> list[ShippingRegion]:
    try:
        template.full_clean()
    except ValidationError as error:
        errors = error.message_dict
        if NON_FIELD_ERRORS in errors:  # the one-name-per-site constraint
            raise DomainError(_("This site already has a template of that name."), field="name") from error
        field_name, messages = next(iter(errors.items()))
        raise DomainError(messages[0], field=field_name if field_name in TEMPLATE_FIELDS else None) from error
    rows = _regions_check(template, regions)
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as error:
        raise DomainError(_("This site already has a template of that name."), field="name") from error
    ShippingRegion.objects.filter(template=template).delete()
    for row in rows:
        row.template = template
    ShippingRegion.objects.bulk_create(rows)
    return rows


def _regions_snapshot(rows: list[ShippingRegion]) -> list[dict[str, Any]]:
    return [snapshot(row, REGION_FIELDS) for row in rows]


def shipping_template_create(*, actor: Any, data: dict[str, Any], regions: list[dict[str, Any]]) -> ShippingTemplate:
    template = ShippingTemplate(**{f: data[f] for f in TEMPLATE_FIELDS if f in data})
    with transaction.atomic():
        rows = _template_save(template, regions)
        activity_record(actor=actor, action="shipping_template.created", target=template,
                        changes={**{f: [None, v] for f, v in snapshot(template, TEMPLATE_FIELDS).items()
                                    if v not in ("", None)},
                                 "regions": [None, _regions_snapshot(rows)]})
    return template


def shipping_template_update(*, actor: Any, template: ShippingTemplate, data: dict[str, Any],
                             regions: list[dict[str, Any]]) -> ShippingTemplate:
    """Change a template and replace its regions. The row is read again under lock, so "before" in the log is
    what was stored."""
    with transaction.atomic():
        current = ShippingTemplate.objects.select_for_update().get(pk=template.pk)
        before = snapshot(current, TEMPLATE_FIELDS)
        regions_before = _regions_snapshot(list(current.regions.order_by("id")))
        for name in TEMPLATE_FIELDS:
            if name in data:
                setattr(current, name, data[name])
        current.updated_at = timezone.now()
        rows = _template_save(current, regions)
        changes: dict[str, Any] = diff(before, snapshot(current, TEMPLATE_FIELDS))
        regions_after = _regions_snapshot(rows)
        if regions_after != regions_before:
            changes["regions"] = [regions_before, regions_after]
        if changes:
            activity_record(actor=actor, action="shipping_template.changed", target=current, changes=changes)
    return current


def shipping_template_delete(*, actor: Any, template: ShippingTemplate) -> None:
    with transaction.atomic():
        current = ShippingTemplate.objects.select_for_update().filter(pk=template.pk).first()
        if current is None:
            return
        name = str(current)
        activity_record(actor=actor, action="shipping_template.deleted", target_repr=name,
                        changes={"name": [name, None]})
        current.delete()
