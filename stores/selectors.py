"""Reads for store pages, shaped for the page that shows them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, QuerySet, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import Category, FeeSchedule, Invitation, Membership, Role, Store, TaxRegistration


def membership_list_for_user(*, user: Any) -> QuerySet[Membership]:
    return Membership.objects.for_user(user)


def store_just_opened_by(*, user: Any, handle: str, within: dt.timedelta = dt.timedelta(minutes=5)) -> Store | None:
    """The store with this handle if ``user`` opened it moments ago: a second click on "Open" lands there."""
    return Store.objects.filter(
        handle=handle, created_at__gte=timezone.now() - within,
        memberships__user=user, memberships__role__kind=Role.Kind.OWNER,
    ).first()


def member_list(*, store: Store) -> QuerySet[Membership]:
    return Membership.objects.filter(store=store).select_related("user", "role").order_by("joined_at")


def member_get(*, store: Store, pk: int) -> Membership:
    return get_object_or_404(Membership.objects.select_related("user", "role"), store=store, pk=pk)


def role_list(*, store: Store) -> QuerySet[Role]:
    rank = Case(When(kind=Role.Kind.OWNER, then=0), When(kind=Role.Kind.ADMIN, then=1), default=2)
    return Role.objects.filter(store=store).order_by(rank, "name")


def role_get(*, store: Store, pk: int) -> Role:
    return get_object_or_404(Role, store=store, pk=pk)


def invitation_pending_list(*, store: Store) -> QuerySet[Invitation]:
    return Invitation.objects.pending().filter(store=store).select_related("role", "invited_by")


def invitation_get(*, store: Store, pk: int) -> Invitation:
    return get_object_or_404(Invitation, store=store, pk=pk)


def tax_registration_list(*, store: Store) -> QuerySet[TaxRegistration]:
    return TaxRegistration.objects.filter(store=store)


def tax_registration_get(*, store: Store, pk: int) -> TaxRegistration:
    return get_object_or_404(TaxRegistration, store=store, pk=pk)


@dataclass(frozen=True)
class ChecklistStep:
    key: str
    done: bool


def setup_checklist(*, store: Store, user: Any) -> list[ChecklistStep]:
    """What a new store still has to do, from the store's real state."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    profile_done = bool(store.contact_email and store.address_line1 and store.city and store.address_country)
    return [
        ChecklistStep("profile", profile_done),
        ChecklistStep("logo", bool(store.logo)),
        ChecklistStep("tax", TaxRegistration.objects.filter(store=store).exists()),
        ChecklistStep("team", Membership.objects.filter(store=store).count() > 1
                      or Invitation.objects.pending().filter(store=store).exists()),
        ChecklistStep("two_factor", TOTPDevice.objects.filter(user=user, confirmed=True).exists()),
    ]


def fee_schedule_in_force(*, marketplace_id: int, at: dt.datetime) -> FeeSchedule | None:
    """The marketplace's fee schedule in force at ``at`` (the latest to take effect on or before it), with its
    commission rates and fulfilment bands; None when the platform has set none."""
    return (FeeSchedule.objects.filter(marketplace_id=marketplace_id, effective_from__lte=at)
            .prefetch_related("commission_rates", "fulfilment_bands").order_by("-effective_from").first())


def category_lineage(*, category_id: int | None) -> list[int]:
    """A category's id and its ancestors' ids, nearest first (empty for no category)."""
    if category_id is None:
        return []
    path = Category.objects.filter(pk=category_id).values_list("path", flat=True).first()
    if not path:
        return []
    codes = path.split("/")
    prefixes = ["/".join(codes[: depth + 1]) for depth in range(len(codes))]
    by_path = dict(Category.objects.filter(path__in=prefixes).values_list("path", "pk"))
    return [by_path[prefix] for prefix in reversed(prefixes) if prefix in by_path]
