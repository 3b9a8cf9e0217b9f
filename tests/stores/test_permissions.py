"""Role levels against access: a member reaches a page exactly when their role's level for its module is enough."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stores.models import Role, Store
from stores.permissions import FULL_ACCESS, Level, Module
from tests.stores.factories import RoleFactory, client_for, member_add

# (method, path in test-a, module, level the page needs). POSTs carry no data: an allowed one re-shows its form
# with errors (200) or redirects with a message (302), and changes nothing.
PAGES: list[tuple[str, str, Module, Level]] = [
    ("get", "settings/", Module.SETTINGS, Level.VIEW),
    ("post", "settings/", Module.SETTINGS, Level.EDIT),
    ("get", "settings/marketplaces/", Module.SETTINGS, Level.VIEW),
    ("post", "settings/marketplaces/", Module.SETTINGS, Level.MANAGE),
    ("get", "settings/tax/", Module.SETTINGS, Level.VIEW),
    ("post", "settings/tax/", Module.SETTINGS, Level.EDIT),
    ("get", "settings/security/", Module.SETTINGS, Level.VIEW),
    ("post", "settings/security/", Module.SETTINGS, Level.MANAGE),
    ("get", "team/", Module.TEAM, Level.VIEW),
    ("get", "team/roles/", Module.TEAM, Level.VIEW),
    ("get", "team/roles/new/", Module.TEAM, Level.MANAGE),
    ("post", "team/roles/new/", Module.TEAM, Level.MANAGE),
    ("post", "team/invitations/", Module.TEAM, Level.MANAGE),
    ("get", "activity/", Module.TEAM, Level.MANAGE),
]
BROWSER_FORM = {"csrfmiddlewaretoken": "sent-by-every-browser-form"}

levels_strategy = st.fixed_dictionaries({module.value: st.sampled_from(Level.values) for module in Module})


@pytest.fixture
def member(store_a: Store) -> tuple[Any, Role]:
    role = RoleFactory.create(store=store_a, name="Under test")
    return client_for(member_add(store_a, role).user), role


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(levels=levels_strategy)
def test_a_custom_role_reaches_exactly_the_pages_its_levels_allow(
    member: tuple[Any, Role], levels: dict[str, int]
) -> None:
    client, role = member
    Role.objects.filter(pk=role.pk).update(levels=levels)

    assert client.get("/store/test-a/").status_code == 200  # the dashboard is open to every member
    for method, path, module, needed in PAGES:
        data = BROWSER_FORM if method == "post" else None
        response = getattr(client, method)(f"/store/test-a/{path}", data)
        if levels[module.value] >= needed:
            assert response.status_code in (200, 302), (method, path, levels)
        else:
            assert response.status_code == 403, (method, path, levels)
            assert str(module.label).encode() in response.content


@given(levels=st.dictionaries(st.sampled_from([m.value for m in Module]), st.sampled_from(Level.values)),
       kind=st.sampled_from([Role.Kind.OWNER, Role.Kind.ADMIN]))
def test_owner_and_admin_have_every_module_whatever_their_stored_levels(levels: dict[str, int], kind: str) -> None:
    role = Role(name="System", kind=kind, levels=levels)
    assert {module.value: role.level(module) for module in Module} == FULL_ACCESS


@given(levels=st.dictionaries(st.sampled_from([m.value for m in Module]), st.sampled_from(Level.values)))
def test_a_custom_role_has_no_access_to_a_module_it_does_not_name(levels: dict[str, int]) -> None:
    role = Role(name="Custom", kind=Role.Kind.CUSTOM, levels=levels)
    for module in Module:
        assert role.level(module) == levels.get(module.value, Level.NONE)
