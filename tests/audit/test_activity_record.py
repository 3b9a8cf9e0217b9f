"""Recording activity: entries go to the active store's schema only, and snapshots diff to before/after pairs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django_tenants.utils import get_public_schema_name, schema_context
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import User
from audit.models import Activity
from audit.services import activity_record, diff, snapshot
from stores.models import Role, Store
from stores.services import PROFILE_FIELDS


@pytest.mark.django_db
def test_recording_outside_a_store_is_refused(owner_a: User, store_a: Store) -> None:
    with schema_context(store_a.schema_name):
        before = Activity.objects.count()
    with schema_context(get_public_schema_name()), pytest.raises(RuntimeError, match="belongs to a store"):
        activity_record(actor=owner_a, action="role.created")
    with schema_context(store_a.schema_name):
        assert Activity.objects.count() == before


@pytest.mark.django_db
def test_an_entry_names_the_person_and_the_object(store_a: Store, store_b: Store, owner_a: User) -> None:
    role = Role.objects.get(store=store_a, kind=Role.Kind.ADMIN)
    with schema_context(store_a.schema_name):
        entry = activity_record(actor=owner_a, action="role.changed", target=role, changes={"name": ["A", "B"]})
        long_one = activity_record(actor=None, action="invitation.emailed", target=role, target_repr="x" * 300)
        assert Activity.objects.filter(pk=entry.pk).exists()

    assert (entry.actor_id, entry.actor_email) == (owner_a.pk, owner_a.email)
    assert (entry.object_type, entry.object_id, entry.object_repr) == ("role", str(role.pk), "Admin")
    assert (long_one.actor_id, long_one.actor_email, len(long_one.object_repr)) == (None, "", 200)
    with schema_context(store_b.schema_name):
        assert not Activity.objects.filter(action="role.changed").exists()


@pytest.mark.django_db
def test_a_snapshot_of_a_store_with_a_logo_is_plain_json(store_a: Store) -> None:
    store_a.logo.name = "st_test_a/logo/abc.png"
    data = snapshot(store_a, PROFILE_FIELDS)
    assert data["logo"] == "st_test_a/logo/abc.png"
    assert data["name"] == "Store test-a"
    json.dumps(data)


@pytest.mark.django_db
def test_a_snapshot_of_a_store_without_a_logo_is_plain_json(store_a: Store) -> None:
    assert not store_a.logo
    data = snapshot(store_a, PROFILE_FIELDS)
    assert data["logo"] == ""
    json.dumps(data)


values = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=3))
rows = st.dictionaries(st.sampled_from(["name", "city", "levels", "logo", "status"]), values)


@settings(deadline=None)
@given(rows, rows)
def test_a_diff_holds_exactly_the_changed_fields_as_before_after_pairs(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    changes = diff(before, after)
    for key in set(before) | set(after):
        if before.get(key) == after.get(key):
            assert key not in changes
        else:
            assert changes[key] == [before.get(key), after.get(key)]
    assert diff(after, after) == {}
    json.dumps(changes)
