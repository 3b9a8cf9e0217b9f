"""The team: invitations (sent, e-mailed after commit, accepted, refused), roles of members, and custom roles."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from sellercenter.errors import DomainError
from stores import services
from stores.models import Invitation, Membership, Role, Store
from stores.permissions import NO_ACCESS, Level, Module
from tests.stores.factories import RoleFactory, UserFactory, activities, client_for, eager_tasks, member_add

pytestmark = pytest.mark.django_db

TEAM = "/store/test-a/team/"


@pytest.fixture
def owner_membership(store_a: Store, owner_a: User) -> Membership:
    return Membership.objects.select_related("role", "store").get(store=store_a, user=owner_a)


@pytest.fixture
def admin_membership(store_a: Store) -> Membership:
    return member_add(store_a, "admin", email="admin-a@example.test", full_name="Admin A")


@pytest.fixture
def packer_role(store_a: Store) -> Role:
    return RoleFactory.create(store=store_a, name="Packer", levels={**NO_ACCESS, "orders": Level.EDIT})


def _invite(membership: Membership, email: str, role: Role) -> Invitation:
    with schema_context(membership.store.schema_name):
        return services.invitation_create(actor=membership.user, membership=membership, email=email, role=role)


def _messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- Invitations ----------------------------------------------------------------------------------------------


def test_an_invitation_is_stored_and_emailed_only_after_commit(
    client_a: Client, store_a: Store, owner_a: User, django_capture_on_commit_callbacks: Any
) -> None:
    admin_role = Role.objects.get(store=store_a, kind=Role.Kind.ADMIN)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client_a.post(f"{TEAM}invitations/", {"email": "Li.Na@Example.test", "role": admin_role.pk})

    assert response.status_code == 302
    assert response["Location"] == TEAM
    invitation = Invitation.objects.get(store=store_a, email="li.na@example.test")
    assert invitation.status == Invitation.Status.PENDING
    assert (invitation.role, invitation.invited_by) == (admin_role, owner_a)
    expected_expiry = timezone.now() + dt.timedelta(seconds=settings.INVITATION_MAX_AGE)
    assert abs((invitation.expires_at - expected_expiry).total_seconds()) < 60
    [sent] = activities(store_a, "invitation.sent")
    assert (sent.actor_email, sent.object_repr, sent.changes) == (owner_a.email, "li.na@example.test",
                                                                 {"role": [None, "Admin"]})
    # Nothing leaves before the transaction commits.
    assert len(callbacks) == 1
    assert mail.outbox == []

    # The commit happens inside the store's request, so the task is sent with the store's schema.
    with schema_context(store_a.schema_name), eager_tasks():
        callbacks[0]()

    [message] = mail.outbox
    assert message.to == ["li.na@example.test"]
    assert message.subject == "You are invited to join Store test-a on Seller Center"
    assert "Owner A invites you to join Store test-a as Admin." in message.body
    link = re.search(r"https?://\S+/invitations/(\S+)/", str(message.body))
    assert link is not None
    invitation.refresh_from_db()
    assert invitation.emailed_at is not None
    assert len(activities(store_a, "invitation.emailed")) == 1

    # A duplicated task finds the invitation already e-mailed and sends nothing more.
    with schema_context(store_a.schema_name), eager_tasks():
        callbacks[0]()
    assert len(mail.outbox) == 1

    page = Client().get(f"/invitations/{link[1]}/")
    assert page.status_code == 200
    assert b"Join Store test-a" in page.content


def test_an_invalid_invitation_form_creates_nothing(client_a: Client, store_a: Store) -> None:
    admin_role = Role.objects.get(store=store_a, kind=Role.Kind.ADMIN)
    response = client_a.post(f"{TEAM}invitations/", {"email": "not-an-address", "role": admin_role.pk}, follow=True)
    assert "Enter a valid email address." in _messages(response)
    assert not Invitation.objects.filter(store=store_a).exists()


def test_inviting_a_current_member_is_refused(client_a: Client, store_a: Store) -> None:
    admin_role = Role.objects.get(store=store_a, kind=Role.Kind.ADMIN)
    response = client_a.post(f"{TEAM}invitations/", {"email": "NONE-A@example.com", "role": admin_role.pk},
                             follow=True)
    assert "This person is already a member of the store." in _messages(response)
    assert not Invitation.objects.filter(store=store_a).exists()


def test_a_second_pending_invitation_to_the_same_address_is_refused(
    owner_membership: Membership, packer_role: Role, store_a: Store
) -> None:
    _invite(owner_membership, "li.na@example.test", packer_role)
    with pytest.raises(DomainError, match="already waiting"):
        _invite(owner_membership, "LI.NA@example.test", packer_role)
    assert Invitation.objects.filter(store=store_a).count() == 1


def test_accepting_with_the_invited_account_makes_a_membership(
    owner_membership: Membership, packer_role: Role, store_a: Store
) -> None:
    invitation = _invite(owner_membership, "li.na@example.test", packer_role)
    invitee = UserFactory.create(email="li.na@example.test")
    client = client_for(invitee)
    token = services.invitation_token(invitation)

    page = client.get(f"/invitations/{token}/")
    assert page.status_code == 200
    assert b"Accept and join" in page.content
    response = client.post(f"/invitations/{token}/")

    assert response.status_code == 302
    assert response["Location"] == "/store/test-a/"
    membership = Membership.objects.get(store=store_a, user=invitee)
    assert membership.role == packer_role
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == (Invitation.Status.ACCEPTED, invitee)
    [joined] = activities(store_a, "member.joined")
    assert (joined.actor_email, joined.changes) == ("li.na@example.test", {"role": [None, "Packer"]})
    assert client.get("/store/test-a/").status_code == 200


def test_an_anonymous_visitor_is_asked_to_log_in_and_nothing_is_accepted(
    owner_membership: Membership, packer_role: Role, store_a: Store
) -> None:
    invitation = _invite(owner_membership, "li.na@example.test", packer_role)
    token = services.invitation_token(invitation)
    response = Client().post(f"/invitations/{token}/")
    assert response.status_code == 200
    assert b"Log in or create an account with that address to accept." in response.content
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


def test_another_account_cannot_accept(owner_membership: Membership, packer_role: Role, store_a: Store) -> None:
    invitation = _invite(owner_membership, "li.na@example.test", packer_role)
    token = services.invitation_token(invitation)
    stranger = UserFactory.create(email="stranger@example.test")

    response = client_for(stranger).post(f"/invitations/{token}/")

    assert response.status_code == 400
    assert b"This invitation was sent to li.na@example.test. Log in with that address to accept it." in (
        response.content
    )
    assert not Membership.objects.filter(store=store_a, user=stranger).exists()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING
    # The right person can still use it.
    invitee = UserFactory.create(email="li.na@example.test")
    assert client_for(invitee).post(f"/invitations/{token}/").status_code == 302


def test_a_link_signed_longer_ago_than_the_maximum_age_is_refused(
    owner_membership: Membership, packer_role: Role, store_a: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    invitation = _invite(owner_membership, "li.na@example.test", packer_role)
    signed_at = time.time() - settings.INVITATION_MAX_AGE - 60
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: signed_at)
        token = services.invitation_token(invitation)
    invitee = UserFactory.create(email="li.na@example.test")

    for response in (client_for(invitee).get(f"/invitations/{token}/"),
                     client_for(invitee).post(f"/invitations/{token}/")):
        assert response.status_code == 410
        assert b"This invitation has expired. Ask the store for a new one." in response.content
    assert not Membership.objects.filter(store=store_a, user=invitee).exists()


def test_an_invitation_past_its_expiry_is_refused_even_with_a_fresh_link(
    owner_membership: Membership, packer_role: Role, store_a: Store
) -> None:
    invitation = _invite(owner_membership, "li.na@example.test", packer_role)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    invitee = UserFactory.create(email="li.na@example.test")

    response = client_for(invitee).post(f"/invitations/{services.invitation_token(invitation)}/")

    assert response.status_code == 410
    assert b"This invitation has expired." in response.content
    assert not Membership.objects.filter(store=store_a, user=invitee).exists()


def test_a_forged_link_is_refused(owner_membership: Membership, packer_role: Role) -> None:
    invitation = _invite(owner_membership, "li.na@example.test", packer_role)
    token = services.invitation_token(invitation)
    forged = f"{invitation.pk + 1}:{token.split(':', 1)[1]}"
    response = client_for(UserFactory.create(email="li.na@example.test")).post(f"/invitations/{forged}/")
    assert response.status_code == 410
    assert b"This invitation link is not valid." in response.content


def test_a_withdrawn_invitation_is_refused_and_not_emailed(
    client_a: Client, owner_membership: Membership, packer_role: Role, store_a: Store, owner_a: User
) -> None:
    invitation = _invite(owner_membership, "li.na@example.test", packer_role)

    response = client_a.post(f"{TEAM}invitations/{invitation.pk}/revoke/", follow=True)

    assert "The invitation is withdrawn." in _messages(response)
    assert b"li.na@example.test" not in response.content  # no longer listed as waiting
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    [revoked] = activities(store_a, "invitation.revoked")
    assert (revoked.actor_email, revoked.object_repr) == (owner_a.email, "li.na@example.test")

    invitee = UserFactory.create(email="li.na@example.test")
    accept = client_for(invitee).post(f"/invitations/{services.invitation_token(invitation)}/")
    assert accept.status_code == 410
    assert b"This invitation was withdrawn." in accept.content
    assert not Membership.objects.filter(store=store_a, user=invitee).exists()

    from stores.tasks import email_send_invitation

    with schema_context(store_a.schema_name), eager_tasks():
        email_send_invitation.delay(invitation.pk, "en")
    assert mail.outbox == []


def test_an_invitation_used_twice_makes_one_membership(
    owner_membership: Membership, packer_role: Role, store_a: Store
) -> None:
    invitation = _invite(owner_membership, "li.na@example.test", packer_role)
    token = services.invitation_token(invitation)
    invitee = UserFactory.create(email="li.na@example.test")
    client = client_for(invitee)

    first = client.post(f"/invitations/{token}/")
    second = client.post(f"/invitations/{token}/")

    assert first.status_code == 302
    assert second.status_code == 410
    assert b"This invitation has already been used." in second.content
    with pytest.raises(DomainError, match="already been used"):
        services.invitation_accept(user=invitee, token=token)
    assert Membership.objects.filter(store=store_a, user=invitee).count() == 1
    assert len(activities(store_a, "member.joined")) == 1


def test_an_expired_invitation_does_not_block_a_new_one(
    owner_membership: Membership, packer_role: Role, store_a: Store
) -> None:
    old = _invite(owner_membership, "li.na@example.test", packer_role)
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    # The team page no longer lists it, so nobody can withdraw it.
    assert not Invitation.objects.pending().filter(store=store_a).exists()

    fresh = _invite(owner_membership, "li.na@example.test", packer_role)

    assert fresh.pk != old.pk
    assert Invitation.objects.pending().filter(store=store_a, email="li.na@example.test").get() == fresh


# --- Members ----------------------------------------------------------------------------------------------------


def test_an_owner_changes_a_members_role(
    client_a: Client, admin_membership: Membership, packer_role: Role, store_a: Store, owner_a: User
) -> None:
    response = client_a.post(f"{TEAM}members/{admin_membership.pk}/role/", {"role": packer_role.pk}, follow=True)

    assert "Admin A is now Packer." in _messages(response)
    admin_membership.refresh_from_db()
    assert admin_membership.role == packer_role
    [changed] = activities(store_a, "member.role_changed")
    assert (changed.actor_email, changed.object_repr, changed.changes) == (
        owner_a.email, "admin-a@example.test", {"role": ["Admin", "Packer"]},
    )
    # Now only a Packer: the team pages are closed to them.
    assert client_for(admin_membership.user).get(TEAM).status_code == 403


def test_an_owner_removes_a_member(
    client_a: Client, admin_membership: Membership, store_a: Store, owner_a: User
) -> None:
    response = client_a.post(f"{TEAM}members/{admin_membership.pk}/remove/", follow=True)

    assert "Admin A no longer has access to this store." in _messages(response)
    assert not Membership.objects.filter(pk=admin_membership.pk).exists()
    [removed] = activities(store_a, "member.removed")
    assert (removed.actor_email, removed.object_repr, removed.changes) == (
        owner_a.email, "admin-a@example.test", {"role": ["Admin", None]},
    )
    assert client_for(admin_membership.user).get("/store/test-a/").status_code == 404


def test_the_last_owner_can_be_neither_demoted_nor_removed(
    client_a: Client, owner_membership: Membership, store_a: Store
) -> None:
    admin_role = Role.objects.get(store=store_a, kind=Role.Kind.ADMIN)

    demote = client_a.post(f"{TEAM}members/{owner_membership.pk}/role/", {"role": admin_role.pk}, follow=True)
    remove = client_a.post(f"{TEAM}members/{owner_membership.pk}/remove/", follow=True)

    needs_owner = "A store needs at least one Owner. Make someone else Owner first."
    assert needs_owner in _messages(demote)
    assert needs_owner in _messages(remove)
    owner_membership.refresh_from_db()
    assert owner_membership.role.kind == Role.Kind.OWNER
    assert not activities(store_a, "member.role_changed")
    assert not activities(store_a, "member.removed")


def test_with_a_second_owner_the_first_can_step_down(
    client_a: Client, owner_membership: Membership, admin_membership: Membership, store_a: Store
) -> None:
    owner_role = Role.objects.get(store=store_a, kind=Role.Kind.OWNER)
    admin_role = Role.objects.get(store=store_a, kind=Role.Kind.ADMIN)
    client_a.post(f"{TEAM}members/{admin_membership.pk}/role/", {"role": owner_role.pk})
    client_a.post(f"{TEAM}members/{owner_membership.pk}/role/", {"role": admin_role.pk})

    owners = Membership.objects.filter(store=store_a, role__kind=Role.Kind.OWNER)
    assert [m.user.email for m in owners] == ["admin-a@example.test"]
    assert [a.changes for a in activities(store_a, "member.role_changed")] == [
        {"role": ["Admin", "Owner"]}, {"role": ["Owner", "Admin"]},
    ]


def test_an_admin_cannot_make_anyone_owner(
    admin_membership: Membership, packer_role: Role, store_a: Store, owner_membership: Membership
) -> None:
    owner_role = Role.objects.get(store=store_a, kind=Role.Kind.OWNER)
    colleague = member_add(store_a, packer_role, email="packer@example.test")
    client = client_for(admin_membership.user)

    response = client.post(f"{TEAM}members/{colleague.pk}/role/", {"role": owner_role.pk}, follow=True)
    invite = client.post(f"{TEAM}invitations/", {"email": "new@example.test", "role": owner_role.pk}, follow=True)

    assert "Choose one of this store's roles." in _messages(response)
    assert invite.status_code == 200
    colleague.refresh_from_db()
    assert colleague.role == packer_role
    assert not Invitation.objects.filter(store=store_a).exists()
    # The rule holds in the service too, not only in the form's choices.
    admin = Membership.objects.select_related("role", "store").get(pk=admin_membership.pk)
    with schema_context(store_a.schema_name):
        with pytest.raises(DomainError, match=re.escape("Only an Owner can make someone an Owner.")):
            services.membership_change_role(actor=admin.user, acting=admin, membership=colleague, role=owner_role)
        with pytest.raises(DomainError, match=re.escape("Only an Owner can make someone an Owner.")):
            services.invitation_create(actor=admin.user, membership=admin, email="new@example.test", role=owner_role)
        with pytest.raises(DomainError, match=re.escape("Only an Owner can change another Owner's role.")):
            services.membership_change_role(actor=admin.user, acting=admin, membership=owner_membership,
                                            role=packer_role)
        with pytest.raises(DomainError, match=re.escape("Only an Owner can remove another Owner.")):
            services.membership_remove(actor=admin.user, acting=admin, membership=owner_membership)
    assert not activities(store_a, "member.role_changed")


def test_a_member_of_another_store_cannot_be_changed_from_this_one(
    client_a: Client, store_b: Store, owner_b: User
) -> None:
    foreign = Membership.objects.get(store=store_b, user=owner_b)
    assert client_a.post(f"{TEAM}members/{foreign.pk}/remove/").status_code == 404
    assert client_a.post(f"{TEAM}members/{foreign.pk}/role/", {"role": foreign.role_id}).status_code == 404
    assert Membership.objects.filter(pk=foreign.pk, role__kind=Role.Kind.OWNER).exists()


# --- Custom roles -----------------------------------------------------------------------------------------------


def _role_form(name: str, **levels: int) -> dict[str, Any]:
    return {"name": name, **{f"level_{module.value}": levels.get(module.value, Level.NONE) for module in Module}}


def test_a_custom_role_is_created_edited_and_deleted_with_its_history(
    client_a: Client, store_a: Store, owner_a: User
) -> None:
    created = client_a.post(f"{TEAM}roles/new/", _role_form("Order clerk", orders=Level.EDIT, catalog=Level.VIEW))
    assert created.status_code == 302
    role = Role.objects.get(store=store_a, name="Order clerk")
    assert role.kind == Role.Kind.CUSTOM
    assert role.levels == {**NO_ACCESS, "orders": 2, "catalog": 1}
    assert role.level(Module.ORDERS) == Level.EDIT
    assert role.level(Module.FINANCE) == Level.NONE

    edited = client_a.post(f"{TEAM}roles/{role.pk}/", _role_form("Senior clerk", orders=Level.MANAGE))
    assert edited.status_code == 302
    role.refresh_from_db()
    assert (role.name, role.levels["orders"], role.levels["catalog"]) == ("Senior clerk", 3, 0)

    deleted = client_a.post(f"{TEAM}roles/{role.pk}/delete/", follow=True)
    assert "The role is deleted." in _messages(deleted)
    assert not Role.objects.filter(pk=role.pk).exists()

    [create_entry] = activities(store_a, "role.created")
    assert create_entry.actor_email == owner_a.email
    assert create_entry.changes == {"levels": [None, {**NO_ACCESS, "orders": 2, "catalog": 1}]}
    [edit_entry] = activities(store_a, "role.changed")
    assert edit_entry.changes == {
        "name": ["Order clerk", "Senior clerk"],
        "levels": [{**NO_ACCESS, "orders": 2, "catalog": 1}, {**NO_ACCESS, "orders": 3}],
    }
    [delete_entry] = activities(store_a, "role.deleted")
    assert (delete_entry.object_id, delete_entry.object_repr) == (str(role.pk), "Senior clerk")


def test_deleting_a_role_records_what_it_was(client_a: Client, store_a: Store) -> None:
    client_a.post(f"{TEAM}roles/new/", _role_form("Order clerk", orders=Level.EDIT))
    role = Role.objects.get(store=store_a, name="Order clerk")
    client_a.post(f"{TEAM}roles/{role.pk}/delete/")
    [entry] = activities(store_a, "role.deleted")
    assert entry.changes == {"name": ["Order clerk", None], "levels": [{**NO_ACCESS, "orders": 2}, None]}


def test_a_role_name_is_unique_in_its_store(client_a: Client, packer_role: Role, store_a: Store) -> None:
    response = client_a.post(f"{TEAM}roles/new/", _role_form("Packer"))
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["A role with this name already exists."]
    assert Role.objects.filter(store=store_a, name="Packer").count() == 1
    # Names are per store: test-b may have its own Packer.
    RoleFactory.create(store=Store.objects.get(handle="test-b"), name="Packer")


def test_a_role_held_by_members_cannot_be_deleted(client_a: Client, packer_role: Role, store_a: Store) -> None:
    holder = member_add(store_a, packer_role, email="packer@example.test")

    response = client_a.post(f"{TEAM}roles/{packer_role.pk}/delete/", follow=True)

    assert "Members still have this role. Give them another role first." in _messages(response)
    assert Role.objects.filter(pk=packer_role.pk).exists()
    assert not activities(store_a, "role.deleted")

    admin_role = Role.objects.get(store=store_a, kind=Role.Kind.ADMIN)
    client_a.post(f"{TEAM}members/{holder.pk}/role/", {"role": admin_role.pk})
    client_a.post(f"{TEAM}roles/{packer_role.pk}/delete/")
    assert not Role.objects.filter(pk=packer_role.pk).exists()


def test_deleting_a_role_withdraws_its_pending_invitations(
    client_a: Client, owner_membership: Membership, packer_role: Role
) -> None:
    invitation = _invite(owner_membership, "li.na@example.test", packer_role)
    client_a.post(f"{TEAM}roles/{packer_role.pk}/delete/")
    assert not Invitation.objects.pending().filter(pk=invitation.pk).exists()
    response = client_for(UserFactory.create(email="li.na@example.test")).get(
        f"/invitations/{services.invitation_token(invitation)}/"
    )
    assert response.status_code == 410


@pytest.mark.parametrize("kind", [Role.Kind.OWNER, Role.Kind.ADMIN])
def test_the_owner_and_admin_roles_cannot_be_edited_or_deleted(client_a: Client, store_a: Store, kind: str) -> None:
    role = Role.objects.get(store=store_a, kind=kind)

    edit = client_a.post(f"{TEAM}roles/{role.pk}/", _role_form("Renamed"))
    delete = client_a.post(f"{TEAM}roles/{role.pk}/delete/", follow=True)

    assert edit.status_code == 200
    assert edit.context["form"].non_field_errors() == ["The Owner and Admin roles cannot be changed."]
    assert "The Owner and Admin roles cannot be deleted." in _messages(delete)
    role.refresh_from_db()
    assert role.name == str(Role.Kind(kind).label)
    assert role.level(Module.FINANCE) == Level.MANAGE


# --- Granting no more than one has ------------------------------------------------------------------------------

@pytest.fixture
def team_manager(store_a: Store) -> Membership:
    role = RoleFactory.create(store=store_a, name="Team lead", levels={**NO_ACCESS, "team": Level.MANAGE})
    return member_add(store_a, role, email="lead@example.test")


def test_a_team_manager_cannot_make_themselves_admin(team_manager: Membership, store_a: Store) -> None:
    admin_role = Role.objects.get(store=store_a, kind=Role.Kind.ADMIN)
    client = client_for(team_manager.user)
    assert client.get("/store/test-a/settings/").status_code == 403

    client.post(f"{TEAM}members/{team_manager.pk}/role/", {"role": admin_role.pk})

    team_manager.refresh_from_db()
    assert team_manager.role.kind == Role.Kind.CUSTOM
    assert client.get("/store/test-a/settings/").status_code == 403


def test_a_team_manager_cannot_invite_an_admin(team_manager: Membership, store_a: Store) -> None:
    admin_role = Role.objects.get(store=store_a, kind=Role.Kind.ADMIN)
    client_for(team_manager.user).post(f"{TEAM}invitations/", {"email": "friend@example.test", "role": admin_role.pk})
    assert not Invitation.objects.filter(store=store_a, role=admin_role).exists()


def test_a_team_manager_cannot_widen_their_own_role(team_manager: Membership, store_a: Store) -> None:
    client = client_for(team_manager.user)
    client.post(f"{TEAM}roles/{team_manager.role_id}/", _role_form("Team lead", team=Level.MANAGE,
                                                                    finance=Level.MANAGE))
    team_manager.role.refresh_from_db()
    assert team_manager.role.level(Module.FINANCE) == Level.NONE
