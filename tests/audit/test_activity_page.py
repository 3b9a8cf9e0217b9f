"""The activity log page: filters, the htmx fragment, paging, permissions, and one log per store."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from audit.models import Activity
from stores.models import Store
from stores.permissions import NO_ACCESS, Level
from tests.stores.factories import RoleFactory, client_for, member_add

pytestmark = pytest.mark.django_db

PAGE = "/store/test-a/activity/"
UTC = dt.UTC
SHANGHAI = ZoneInfo("Asia/Shanghai")  # test-a's time zone


def _entry(store: Store, *, at: dt.datetime, email: str, action: str, obj: str, **changes: Any) -> Activity:
    with schema_context(store.schema_name):
        return Activity.objects.create(at=at, actor_id=1, actor_email=email, action=action, object_type="role",
                                       object_id="1", object_repr=obj, changes=changes)


def _rows(content: bytes) -> list[dict[str, str]]:
    """The table's rows as {person, action, object}, in page order."""
    rows = []
    for row in re.findall(r"<tr>\s*(<td.*?)</tr>", content.decode(), re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>",
                                                                                            row, re.S)]
        rows.append({"person": cells[1], "action": cells[2], "object": cells[3]})
    return rows


def _objects(response: Any) -> list[str]:
    return [row["object"] for row in _rows(response.content)]


@pytest.fixture
def log_a(store_a: Store) -> None:
    """A week of entries in test-a, newest last."""
    _entry(store_a, at=dt.datetime(2024, 5, 8, 3, 0, tzinfo=UTC), email="owner-a@example.com",
           action="role.created", obj="Packer")
    _entry(store_a, at=dt.datetime(2024, 5, 9, 9, 0, tzinfo=UTC), email="li.na@example.test",
           action="member.joined", obj="li.na@example.test")
    _entry(store_a, at=dt.datetime(2024, 5, 10, 9, 0, tzinfo=UTC), email="owner-a@example.com",
           action="role.changed", obj="Senior packer", name=["Packer", "Senior packer"])
    # 20:00 UTC on the 10th is 04:00 on the 11th in Shanghai: it belongs to the 11th for this store.
    _entry(store_a, at=dt.datetime(2024, 5, 10, 20, 0, tzinfo=UTC), email="li.na@example.test",
           action="role.created", obj="Night shift")
    _entry(store_a, at=dt.datetime(2024, 5, 12, 9, 0, tzinfo=UTC), email="wang.wei@example.test",
           action="tax_registration.added", obj="DE VAT DE123456789", number=[None, "DE123456789"])


def test_the_owner_sees_the_whole_log_newest_first(client_a: Client, log_a: None) -> None:
    response = client_a.get(PAGE)

    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" in content
    assert 'name="person"' in content and 'name="action"' in content
    objects = _objects(response)
    assert objects[:5] == ["Store test-a (test-a)", "DE VAT DE123456789", "Night shift", "Senior packer",
                           "li.na@example.test"]  # the store's opening is today
    first = _rows(response.content)[0]
    assert (first["person"], first["action"]) == ("owner-a@example.com", "Store opened")
    # Before and after are shown for each changed field.
    assert "<del>Packer</del> → <ins>Senior packer</ins>" in content
    assert "<del>—</del> → <ins>DE123456789</ins>" in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"person": "li.na"}, ["Night shift", "li.na@example.test"]),
        ({"person": "LI.NA@EXAMPLE"}, ["Night shift", "li.na@example.test"]),
        ({"action": "role.created"}, ["Night shift", "Packer"]),
        ({"person": "owner-a", "action": "role.changed"}, ["Senior packer"]),
        ({"since": "2024-05-09", "until": "2024-05-10"}, ["Senior packer", "li.na@example.test"]),
        ({"since": "2024-05-11", "until": "2024-05-11"}, ["Night shift"]),
        ({"until": "2024-05-08"}, ["Packer"]),
        ({"since": "2024-05-12", "until": "2024-05-31"}, ["DE VAT DE123456789"]),
        ({"person": "li.na", "since": "2024-05-10"}, ["Night shift"]),
    ],
)
def test_filters_narrow_the_log(client_a: Client, log_a: None, query: dict[str, str], expected: list[str]) -> None:
    response = client_a.get(PAGE, query)
    assert response.status_code == 200
    assert _objects(response) == expected


def test_nothing_matching_says_so(client_a: Client, log_a: None) -> None:
    response = client_a.get(PAGE, {"person": "nobody-at-all"})
    assert _rows(response.content) == []
    assert b"Nothing matches these filters." in response.content


def test_an_unknown_action_or_a_bad_date_is_shown_as_a_field_error(client_a: Client, log_a: None) -> None:
    response = client_a.get(PAGE, {"action": "store.deleted", "since": "last tuesday"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["action"][0].startswith("Select a valid choice.")
    assert errors["since"] == ["Enter a valid date."]


def test_an_htmx_request_gets_only_the_table_fragment(client_a: Client, log_a: None) -> None:
    response = client_a.get(PAGE, {"person": "li.na"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    content = response.content.decode().strip()
    assert content.startswith('<div id="activity-table"')
    assert content.endswith("</div>")
    assert "<html" not in content and "<form" not in content and 'name="person"' not in content
    assert _objects(response) == ["Night shift", "li.na@example.test"]
    # The same filtered rows as the full page's table.
    assert _objects(client_a.get(PAGE, {"person": "li.na"})) == _objects(response)


def test_a_long_log_is_paged_and_the_pages_keep_the_filters(client_a: Client, store_a: Store) -> None:
    start = dt.datetime(2024, 6, 1, tzinfo=UTC)
    for n in range(60):
        _entry(store_a, at=start + dt.timedelta(minutes=n), email="bulk@example.test", action="role.changed",
               obj=f"Role {n:02d}")

    first = client_a.get(PAGE, {"person": "bulk"})
    second = client_a.get(PAGE, {"person": "bulk", "page": "2"}, HTTP_HX_REQUEST="true")

    assert _objects(first) == [f"Role {n:02d}" for n in range(59, 9, -1)]
    assert 'href="?person=bulk&page=2"' in first.content.decode()
    assert _objects(second) == [f"Role {n:02d}" for n in range(9, -1, -1)]


def test_entries_stay_in_their_own_store(client_a: Client, store_a: Store, store_b: Store, owner_b: User) -> None:
    now = dt.datetime.now(UTC)
    _entry(store_a, at=now, email="owner-a@example.com", action="role.created", obj="Written in test-a")
    _entry(store_b, at=now, email="owner-b@example.com", action="role.created", obj="Written in test-b")
    client_b = client_for(owner_b)

    page_a = client_a.get(PAGE)
    page_b = client_b.get("/store/test-b/activity/")

    assert "Written in test-a" in _objects(page_a)
    assert "Written in test-b" not in _objects(page_a)
    assert "Written in test-b" in _objects(page_b)
    assert "Written in test-a" not in _objects(page_b)
    assert b"owner-a@example.com" not in page_b.content
    # Nor through the filters, nor the fragment.
    assert _objects(client_b.get("/store/test-b/activity/", {"person": "owner-a"}, HTTP_HX_REQUEST="true")) == []
    assert client_b.get(PAGE).status_code == 404


def test_the_log_needs_the_manage_level_on_the_team(store_a: Store) -> None:
    for level in (Level.NONE, Level.VIEW, Level.EDIT):
        role = RoleFactory.create(store=store_a, levels={**NO_ACCESS, "team": level, "settings": Level.MANAGE})
        response = client_for(member_add(store_a, role).user).get(PAGE, HTTP_HX_REQUEST="true")
        assert response.status_code == 403
        assert b"activity-table" not in response.content
    manager = RoleFactory.create(store=store_a, levels={**NO_ACCESS, "team": Level.MANAGE})
    assert client_for(member_add(store_a, manager).user).get(PAGE).status_code == 200


def test_dates_are_shown_in_the_stores_time_zone(client_a: Client, log_a: None) -> None:
    night = dt.datetime(2024, 5, 10, 20, 0, tzinfo=UTC).astimezone(SHANGHAI)
    assert night.day == 11
    [row_html] = [row for row in re.findall(r"<tr>\s*<td.*?</tr>", client_a.get(PAGE).content.decode(), re.S)
                  if "Night shift" in row]
    assert "4:00" in row_html and "5/11/24" in row_html
