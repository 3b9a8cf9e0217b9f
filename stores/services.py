"""Writes to stores, their teams and their settings. Each service owns its transaction and records activity."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from audit.services import activity_record, diff, snapshot
from sellercenter.errors import DomainError

from .models import Category, Invitation, Marketplace, Membership, Role, Store, TaxRegistration
from .permissions import Level, Module
from .provisioning import template_ensure
from .taxnumbers import normalise_tax_number

RESERVED_HANDLES = frozenset(
    {
        "admin", "api", "app", "accounts", "account", "auth", "login", "logout", "signup", "static", "media",
        "store", "stores", "new", "public", "www", "help", "support", "status", "healthz", "readyz", "platform",
        "settings", "dashboard", "seller", "sellers", "template", "store-template", "root", "system", "mail",
    }
)
PROFILE_FIELDS = (
    "name", "description", "contact_email", "address_line1", "address_line2", "city", "region",
    "postal_code", "address_country", "logo",
)


def schema_name_for(handle: str) -> str:
    return "st_" + handle.replace("-", "_")


def _validation_to_domain(error: ValidationError) -> DomainError:
    if hasattr(error, "error_dict"):
        field, errors = next(iter(error.error_dict.items()))
        return DomainError(errors[0].messages[0], field=field)
    return DomainError(error.messages[0])


def store_open(
    *,
    actor: Any,
    name: str,
    handle: str,
    home_country: str,
    base_currency: str,
    default_language: str,
    timezone_name: str,
    marketplaces: Iterable[Marketplace],
) -> Store:
    """Open a store: its row, its schema, its Owner and Admin roles, and the creator as Owner.

    Everything happens in one transaction, schema included (PostgreSQL DDL is transactional), so a failure
    anywhere leaves neither a store row nor a schema behind.
    """
    handle = handle.strip().lower()
    if handle in RESERVED_HANDLES:
        raise DomainError(_("This handle is reserved. Please choose another."), field="handle")
    marketplaces = list(marketplaces)
    if not marketplaces:
        raise DomainError(_("Choose at least one marketplace."), field="marketplaces")
    store = Store(
        schema_name=schema_name_for(handle),
        handle=handle,
        name=name.strip(),
        home_country=home_country,
        base_currency=base_currency,
        default_language=default_language,
        timezone=timezone_name,
    )
    try:
        store.full_clean(exclude=["schema_name"], validate_unique=False)
    except ValidationError as error:
        raise _validation_to_domain(error) from error
    template_ensure()
    try:
        with transaction.atomic():
            if Store.objects.filter(handle=handle).exists():
                raise DomainError(_("This handle is already taken."), field="handle")
            store.save(verbosity=0)
            store.marketplaces.set(marketplaces)
            owner = Role.objects.create(store=store, name="Owner", kind=Role.Kind.OWNER)
            Role.objects.create(store=store, name="Admin", kind=Role.Kind.ADMIN)
            Membership.objects.create(user=actor, store=store, role=owner)
            with schema_context(store.schema_name):
                activity_record(
                    actor=actor,
                    action="store.opened",
                    target=store,
                    changes={"marketplaces": [None, sorted(m.code for m in marketplaces)]},
                )
    except IntegrityError as error:
        raise DomainError(_("This handle is already taken."), field="handle") from error
    return store


def store_update_profile(*, actor: Any, store: Store, data: dict[str, Any], logo: UploadedFile | None) -> Store:
    written: list[str] = []
    try:
        return _store_update_profile(actor=actor, store=store, data=data, logo=logo, written=written)
    except Exception:
        # The new logo file was written before the transaction rolled back: do not leave it behind.
        for name in written:
            Store._meta.get_field("logo").storage.delete(name)
        raise


def _store_update_profile(*, actor: Any, store: Store, data: dict[str, Any], logo: UploadedFile | None,
                          written: list[str]) -> Store:
    with transaction.atomic():
        store = Store.objects.select_for_update().get(pk=store.pk)
        before = snapshot(store, PROFILE_FIELDS)
        old_logo = store.logo.name
        for field in PROFILE_FIELDS:
            if field in data and field != "logo":
                setattr(store, field, data[field])
        try:
            store.full_clean(exclude=["schema_name", "marketplaces", "logo"], validate_unique=False)
        except ValidationError as error:
            raise _validation_to_domain(error) from error
        if logo is not None:
            assert logo.name is not None  # an uploaded file always has a name
            store.logo.save(logo.name, logo, save=False)
            assert store.logo.name is not None  # set by the save just above
            written.append(store.logo.name)
        elif data.get("logo_clear"):
            store.logo = ""  # type: ignore[assignment]
        store.save()
        if old_logo and old_logo != store.logo.name:
            storage = store.logo.storage
            transaction.on_commit(lambda: storage.delete(old_logo))
        changes = diff(before, snapshot(store, PROFILE_FIELDS))
        if changes:
            activity_record(actor=actor, action="store.profile_changed", target=store, changes=changes)
    return store


def store_set_marketplaces(*, actor: Any, store: Store, marketplaces: Iterable[Marketplace]) -> Store:
    wanted = sorted({m.code: m for m in marketplaces}.values(), key=lambda m: m.code)
    if not wanted:
        raise DomainError(_("Choose at least one marketplace."), field="marketplaces")
    with transaction.atomic():
        store = Store.objects.select_for_update().get(pk=store.pk)
        before = sorted(store.marketplaces.values_list("code", flat=True))
        store.marketplaces.set(wanted)
        after = [m.code for m in wanted]
        if before != after:
            activity_record(actor=actor, action="store.marketplaces_changed", target=store,
                            changes={"marketplaces": [before, after]})
    return store


ORDER_SETTINGS_FIELDS = ("orders_without_stock", "orders_auto_cancel_days")


def store_update_order_settings(*, actor: Any, store: Store, orders_without_stock: str,
                                orders_auto_cancel_days: int) -> Store:
    """What happens to orders without stock, and after how many days unshipped orders are cancelled."""
    with transaction.atomic():
        store = Store.objects.select_for_update().get(pk=store.pk)
        before = snapshot(store, ORDER_SETTINGS_FIELDS)
        store.orders_without_stock, store.orders_auto_cancel_days = orders_without_stock, orders_auto_cancel_days
        try:
            store.clean_fields(exclude=[field.name for field in Store._meta.fields
                                        if field.name not in ORDER_SETTINGS_FIELDS])
        except ValidationError as error:
            raise _validation_to_domain(error) from error
        changes = diff(before, snapshot(store, ORDER_SETTINGS_FIELDS))
        if changes:
            store.save(update_fields=list(ORDER_SETTINGS_FIELDS))
            activity_record(actor=actor, action="store.order_settings_changed", target=store, changes=changes)
    return store


def store_set_two_factor_requirement(*, actor: Any, store: Store, membership: Membership, required: bool) -> Store:
    if not membership.is_owner:
        raise DomainError(_("Only the store's Owner can change the two-factor requirement."))
    with transaction.atomic():
        store = Store.objects.select_for_update().get(pk=store.pk)
        if store.require_two_factor != required:
            store.require_two_factor = required
            store.save(update_fields=["require_two_factor"])
            activity_record(
                actor=actor,
                action="store.two_factor_requirement_changed",
                target=store,
                changes={"require_two_factor": [not required, required]},
            )
    return store


# --- Roles -------------------------------------------------------------------------------------------------


def _clean_levels(levels: dict[str, Any]) -> dict[str, int]:
    cleaned: dict[str, int] = {}
    for module in Module:
        value = int(levels.get(module.value, Level.NONE))
        if value not in Level.values:
            raise DomainError(_("Unknown access level."))
        cleaned[module.value] = value
    return cleaned


def role_create(*, actor: Any, acting: Membership, name: str, levels: dict[str, Any]) -> Role:
    store = acting.store
    name = name.strip()
    if not name:
        raise DomainError(_("Give the role a name."), field="name")
    _check_within_own_access(acting, _clean_levels(levels))
    try:
        with transaction.atomic():
            role = Role.objects.create(store=store, name=name, kind=Role.Kind.CUSTOM, levels=_clean_levels(levels))
            activity_record(actor=actor, action="role.created", target=role, changes={"levels": [None, role.levels]})
    except IntegrityError as error:
        raise DomainError(_("A role with this name already exists."), field="name") from error
    return role


def role_update(*, actor: Any, acting: Membership, role: Role, name: str, levels: dict[str, Any]) -> Role:
    if role.is_system:
        raise DomainError(_("The Owner and Admin roles cannot be changed."))
    _check_within_own_access(acting, _clean_levels(levels))
    name = name.strip()
    if not name:
        raise DomainError(_("Give the role a name."), field="name")
    try:
        with transaction.atomic():
            role = Role.objects.select_for_update().get(pk=role.pk)
            before = snapshot(role, ["name", "levels"])
            role.name = name
            role.levels = _clean_levels(levels)
            role.save()
            changes = diff(before, snapshot(role, ["name", "levels"]))
            if changes:
                activity_record(actor=actor, action="role.changed", target=role, changes=changes)
    except IntegrityError as error:
        raise DomainError(_("A role with this name already exists."), field="name") from error
    return role


def role_delete(*, actor: Any, role: Role) -> None:
    if role.is_system:
        raise DomainError(_("The Owner and Admin roles cannot be deleted."))
    with transaction.atomic():
        role = Role.objects.select_for_update().get(pk=role.pk)
        if role.memberships.exists():
            raise DomainError(_("Members still have this role. Give them another role first."))
        activity_record(actor=actor, action="role.deleted", target=role,
                        changes={"name": [role.name, None], "levels": [role.levels, None]})
        role.invitations.filter(status=Invitation.Status.PENDING).update(status=Invitation.Status.REVOKED)
        role.delete()


# --- Team --------------------------------------------------------------------------------------------------

INVITATION_SALT = "stores.invitation"


def invitation_token(invitation: Invitation) -> str:
    return signing.TimestampSigner(salt=INVITATION_SALT).sign(str(invitation.pk))


def invitation_from_token(token: str) -> Invitation:
    """The invitation a link points to; raises DomainError when the link is forged, expired or used."""
    try:
        pk = signing.TimestampSigner(salt=INVITATION_SALT).unsign(token, max_age=settings.INVITATION_MAX_AGE)
    except signing.SignatureExpired as error:
        raise DomainError(_("This invitation has expired. Ask the store for a new one.")) from error
    except signing.BadSignature as error:
        raise DomainError(_("This invitation link is not valid.")) from error
    invitation = Invitation.objects.select_related("store", "role").filter(pk=pk).first()
    if invitation is None or invitation.status == Invitation.Status.REVOKED:
        raise DomainError(_("This invitation was withdrawn."))
    if invitation.status == Invitation.Status.ACCEPTED:
        raise DomainError(_("This invitation has already been used."))
    if invitation.is_expired:
        raise DomainError(_("This invitation has expired. Ask the store for a new one."))
    return invitation


def _check_can_grant(membership: Membership, role: Role) -> None:
    if role.kind == Role.Kind.OWNER and not membership.is_owner:
        raise DomainError(_("Only an Owner can make someone an Owner."), field="role")
    _check_within_own_access(membership, {module.value: role.level(module) for module in Module})


def _check_within_own_access(membership: Membership, levels: dict[str, int]) -> None:
    """Nobody but an Owner hands out more access than they have themselves."""
    if membership.is_owner:
        return
    if any(int(levels.get(module.value, 0)) > membership.level(module) for module in Module):
        raise DomainError(_("You cannot give access you do not have yourself."), field="role")


def invitation_create(*, actor: Any, membership: Membership, email: str, role: Role) -> Invitation:
    from .tasks import email_send_invitation

    store = membership.store
    email = email.strip().lower()
    _check_can_grant(membership, role)
    if role.store_id != store.pk:
        raise DomainError(_("Choose one of this store's roles."), field="role")
    if Membership.objects.filter(store=store, user__email__iexact=email).exists():
        raise DomainError(_("This person is already a member of the store."), field="email")
    try:
        with transaction.atomic():
            # An invitation that ran out frees the address for a new one.
            Invitation.objects.filter(store=store, email=email, status=Invitation.Status.PENDING,
                                      expires_at__lte=timezone.now()).update(status=Invitation.Status.REVOKED)
            invitation = Invitation.objects.create(
                store=store,
                email=email,
                role=role,
                invited_by=actor,
                expires_at=timezone.now() + dt.timedelta(seconds=settings.INVITATION_MAX_AGE),
            )
            activity_record(
                actor=actor, action="invitation.sent", target=invitation, target_repr=email,
                changes={"role": [None, role.display_name]},
            )
            language = translation.get_language() or settings.LANGUAGE_CODE
            transaction.on_commit(lambda: email_send_invitation.delay(invitation.pk, language))
    except IntegrityError as error:
        raise DomainError(_("An invitation to this address is already waiting."), field="email") from error
    return invitation


def invitation_revoke(*, actor: Any, invitation: Invitation) -> None:
    with transaction.atomic():
        updated = Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.PENDING).update(
            status=Invitation.Status.REVOKED
        )
        if updated:
            activity_record(actor=actor, action="invitation.revoked", target=invitation, target_repr=invitation.email,
                            changes={"status": ["pending", "revoked"]})


def invitation_accept(*, user: Any, token: str) -> Membership:
    invitation = invitation_from_token(token)
    if invitation.email.lower() != user.email.lower():
        raise DomainError(
            _("This invitation was sent to %(email)s. Log in with that address to accept it.")
            % {"email": invitation.email}
        )
    with transaction.atomic():
        claimed = Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.PENDING).update(
            status=Invitation.Status.ACCEPTED, accepted_by=user
        )
        existing = Membership.objects.filter(user=user, store=invitation.store).select_related("store", "role").first()
        if existing is not None:
            return existing
        if not claimed:
            raise DomainError(_("This invitation has already been used."))
        membership = Membership.objects.create(user=user, store=invitation.store, role=invitation.role)
        with schema_context(invitation.store.schema_name):
            activity_record(
                actor=user, action="member.joined", target=membership, target_repr=user.email,
                changes={"role": [None, invitation.role.display_name]},
            )
    return membership


def membership_change_role(*, actor: Any, acting: Membership, membership: Membership, role: Role) -> Membership:
    if role.store_id != membership.store_id:
        raise DomainError(_("Choose one of this store's roles."), field="role")
    _check_can_grant(acting, role)
    if membership.is_owner and not acting.is_owner:
        raise DomainError(_("Only an Owner can change another Owner's role."))
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("role", "user").get(pk=membership.pk)
        if membership.is_owner and role.kind != Role.Kind.OWNER:
            _ensure_another_owner(membership)
        before = membership.role.display_name
        membership.role = role
        membership.save(update_fields=["role"])
        if before != role.display_name:
            activity_record(
                actor=actor, action="member.role_changed", target=membership, target_repr=membership.user.email,
                changes={"role": [before, role.display_name]},
            )
    return membership


def _ensure_another_owner(membership: Membership) -> None:
    owners = Membership.objects.select_for_update().filter(store_id=membership.store_id, role__kind=Role.Kind.OWNER)
    if owners.exclude(pk=membership.pk).count() == 0:
        raise DomainError(_("A store needs at least one Owner. Make someone else Owner first."))


def membership_remove(*, actor: Any, acting: Membership, membership: Membership) -> None:
    if membership.is_owner and not acting.is_owner:
        raise DomainError(_("Only an Owner can remove another Owner."))
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("role", "user").get(pk=membership.pk)
        if membership.is_owner:
            _ensure_another_owner(membership)
        activity_record(
            actor=actor, action="member.removed", target=membership, target_repr=membership.user.email,
            changes={"role": [membership.role.display_name, None]},
        )
        membership.delete()


# --- Tax registrations -------------------------------------------------------------------------------------


def tax_registration_add(*, actor: Any, store: Store, country: str, kind: str, number: str) -> TaxRegistration:
    normalised = normalise_tax_number(country=country, kind=kind, number=number)
    try:
        with transaction.atomic():
            registration = TaxRegistration.objects.create(store=store, country=country, kind=kind, number=normalised)
            activity_record(
                actor=actor, action="tax_registration.added", target=registration,
                changes={"number": [None, normalised]},
            )
    except IntegrityError as error:
        raise DomainError(
            _("This store already has a number of this type for this country."), field="kind"
        ) from error
    return registration


def tax_registration_remove(*, actor: Any, registration: TaxRegistration) -> None:
    with transaction.atomic():
        activity_record(
            actor=actor, action="tax_registration.removed", target=registration,
            changes={"number": [registration.number, None]},
        )
        registration.delete()


# --- Platform reference data -------------------------------------------------------------------------------


def category_save(*, category: Category) -> Category:
    """Save a category and keep the path of it and of every category below it in step with the tree."""
    with transaction.atomic():
        parent_path = category.parent.path if category.parent is not None else ""
        if category.parent is not None and (category.parent.path + "/").startswith((category.path or "\0") + "/"):
            raise DomainError(_("A category cannot be placed under itself."), field="parent")
        old_path = category.path
        category.path = f"{parent_path}/{category.code}" if parent_path else category.code
        category.save()
        if old_path and old_path != category.path:
            for child in Category.objects.filter(path__startswith=old_path + "/").order_by("path"):
                child.path = category.path + child.path[len(old_path):]
                child.save(update_fields=["path"])
    return category
