"""The team: members, invitations and roles."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sellercenter.errors import DomainError

from .. import selectors, services
from ..forms import InvitationForm, MemberRoleForm, RoleForm
from ..models import Role
from ..permissions import Level, Module, store_view


def _grantable_roles(request: HttpRequest) -> QuerySet[Role]:
    """The roles this person may hand out: an Owner any; anyone else only roles within their own access."""
    membership = request.membership  # type: ignore[attr-defined]
    roles = selectors.role_list(store=request.tenant)  # type: ignore[attr-defined]
    if membership.is_owner:
        return roles
    return roles.filter(pk__in=[role.pk for role in roles if role.kind != Role.Kind.OWNER
                                and all(role.level(module) <= membership.level(module) for module in Module)])


@store_view(Module.TEAM, Level.VIEW)
def team_members(request: HttpRequest) -> HttpResponse:
    store = request.tenant  # type: ignore[attr-defined]
    roles = _grantable_roles(request)
    return render(request, "stores/team_members.html", {
        "members": selectors.member_list(store=store),
        "invitations": selectors.invitation_pending_list(store=store),
        "invite_form": InvitationForm(roles=roles),
        "roles": roles,
        "section": "members",
    })


@require_POST
@store_view(Module.TEAM, Level.MANAGE)
def invitation_create(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST, roles=_grantable_roles(request))
    if form.is_valid():
        try:
            services.invitation_create(actor=request.user, membership=request.membership,  # type: ignore[attr-defined]
                                       email=form.cleaned_data["email"], role=form.cleaned_data["role"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
    else:
        for errors in form.errors.values():
            # ErrorList[i] gives the message, not the ValidationError the stubs also allow.
            messages.error(request, errors[0])  # type: ignore[arg-type]
    return redirect("team:members")


@require_POST
@store_view(Module.TEAM, Level.MANAGE)
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = selectors.invitation_get(store=request.tenant, pk=pk)  # type: ignore[attr-defined]
    services.invitation_revoke(actor=request.user, invitation=invitation)
    messages.success(request, _("The invitation is withdrawn."))
    return redirect("team:members")


@require_POST
@store_view(Module.TEAM, Level.MANAGE)
def member_role_change(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(store=request.tenant, pk=pk)  # type: ignore[attr-defined]
    form = MemberRoleForm(request.POST, roles=_grantable_roles(request))
    if not form.is_valid():
        messages.error(request, _("Choose one of this store's roles."))
        return redirect("team:members")
    try:
        services.membership_change_role(actor=request.user, acting=request.membership,  # type: ignore[attr-defined]
                                        membership=member, role=form.cleaned_data["role"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(person)s is now %(role)s.") % {
            "person": member.user, "role": form.cleaned_data["role"].display_name})
    return redirect("team:members")


@require_POST
@store_view(Module.TEAM, Level.MANAGE)
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(store=request.tenant, pk=pk)  # type: ignore[attr-defined]
    try:
        services.membership_remove(actor=request.user, acting=request.membership, membership=member)  # type: ignore[attr-defined]
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(person)s no longer has access to this store.") % {"person": member.user})
    return redirect("team:members")


@store_view(Module.TEAM, Level.VIEW)
def role_list(request: HttpRequest) -> HttpResponse:
    return render(request, "stores/team_roles.html", {
        "roles": selectors.role_list(store=request.tenant),  # type: ignore[attr-defined]
        "section": "roles",
    })


@store_view(Module.TEAM, Level.MANAGE)
def role_new(request: HttpRequest) -> HttpResponse:
    form = RoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_create(actor=request.user, acting=request.membership,  # type: ignore[attr-defined]
                                 name=form.cleaned_data["name"], levels=form.levels())
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The role is created."))
            return redirect("team:roles")
    return render(request, "stores/team_role_form.html", {"form": form, "section": "roles"})


@store_view(Module.TEAM, Level.MANAGE)
def role_edit(request: HttpRequest, pk: int) -> HttpResponse:
    role = selectors.role_get(store=request.tenant, pk=pk)  # type: ignore[attr-defined]
    initial = {"name": role.name, **{f"level_{key}": value for key, value in role.levels.items()}}
    form = RoleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_update(actor=request.user, acting=request.membership,  # type: ignore[attr-defined]
                                 role=role, name=form.cleaned_data["name"], levels=form.levels())
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The role is saved."))
            return redirect("team:roles")
    return render(request, "stores/team_role_form.html", {"form": form, "role": role, "section": "roles"})


@require_POST
@store_view(Module.TEAM, Level.MANAGE)
def role_delete(request: HttpRequest, pk: int) -> HttpResponse:
    role = selectors.role_get(store=request.tenant, pk=pk)  # type: ignore[attr-defined]
    try:
        services.role_delete(actor=request.user, role=role)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The role is deleted."))
    return redirect("team:roles")
