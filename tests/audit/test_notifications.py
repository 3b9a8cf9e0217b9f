"""Notifications: the header bell and its count, the list (only modules the member can see), mark read,
and the daily e-mail digest (right people, their language, once)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import get_language
from django_tenants.utils import schema_context, tenant_context

from audit import notifications as registry
from audit import tasks
from audit.models import Notification, NotificationCursor
from audit.selectors import notification_unread_count
from audit.services import notification_create, notification_digest_send, notification_mark_read
from sellercenter.celery import StoreTaskOutsideStore
from stores.models import Membership, Store
from stores.permissions import NO_ACCESS, Level
from tests.stores.factories import RoleFactory, client_for, eager_tasks, member_add
from tests.tenancy import connection

pytestmark = pytest.mark.django_db

LIST = "/store/test-a/activity/notifications/"
LOCMEM = override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                           SITE_URL="https://seller.example")


def _notify(store: Store, module: str = "catalog", sku: str = "HDP-1", **extra: Any) -> Notification:
    with schema_context(store.schema_name):
        return notification_create(kind="catalog.low_stock", module=module, link=f"/store/{store.handle}/x/",
                                   params={"sku": sku, "available": 3, "threshold": 5, **extra})


def _badge(content: bytes) -> str | None:
    match = re.search(rb'sc-bell-badge"[^>]*>(\S+?)<', content)
    return match.group(1).decode() if match else None


def _member(store: Store, **levels: Level) -> Membership:
    role = RoleFactory.create(store=store, levels={**NO_ACCESS, **{key: int(value) for key, value in levels.items()}})
    return member_add(store, role)


def test_the_bell_counts_unread_and_mark_read_clears_it(client_a: Client, store_a: Store, owner_a: Any) -> None:
    assert _badge(client_a.get("/store/test-a/").content) is None
    _notify(store_a, sku="A-1")
    _notify(store_a, sku="A-2")

    home = client_a.get("/store/test-a/")
    assert _badge(home.content) == "2"
    assert f'href="{LIST}"'.encode() in home.content

    page = client_a.get(LIST)
    text = page.content.decode()
    assert "A-2 is running low: 3 available (alert below 5)." in text
    assert text.index("A-2") < text.index("A-1")  # newest first
    newest = page.context["newest_id"]

    _notify(store_a, sku="A-3")  # arrives after the page was shown
    response = client_a.post(f"{LIST}read/", {"up_to": newest})
    assert response.status_code == 302
    assert _badge(client_a.get("/store/test-a/").content) == "1"  # A-3 is still unread
    client_a.post(f"{LIST}read/")
    assert _badge(client_a.get("/store/test-a/").content) is None
    with schema_context(store_a.schema_name):
        # The cursor never moves back.
        assert notification_mark_read(user=owner_a, up_to=1) == NotificationCursor.objects.get().last_seen_id


def test_read_asks_first_without_javascript(client_a: Client, store_a: Store) -> None:
    _notify(store_a)
    page = client_a.get(f"{LIST}read/")
    assert page.status_code == 200
    assert b'method="post"' in page.content
    assert _badge(client_a.get("/store/test-a/").content) == "1"


def test_members_see_only_modules_they_can_view(store_a: Store, store_b: Store) -> None:
    _notify(store_a, module="catalog", sku="CAT-1")
    _notify(store_a, module="finance", sku="FIN-1")
    _notify(store_b, module="catalog", sku="OTHER-STORE")
    catalog_viewer = client_for(_member(store_a, catalog=Level.VIEW).user)
    nobody = client_for(_member(store_a).user)

    page = catalog_viewer.get(LIST)
    assert "CAT-1" in page.content.decode()
    assert "FIN-1" not in page.content.decode()
    assert "OTHER-STORE" not in page.content.decode()
    assert _badge(page.content) == "1"

    empty = nobody.get(LIST)
    assert empty.status_code == 200
    assert _badge(empty.content) is None
    assert "CAT-1" not in empty.content.decode()


def test_the_unread_count_is_one_query_and_capped(store_a: Store, owner_a: Any) -> None:
    with schema_context(store_a.schema_name):
        Notification.objects.bulk_create([Notification(kind="x", module="catalog") for _ in range(120)])
        membership = Membership.objects.select_related("role").get(store=store_a, user=owner_a)
        with CaptureQueriesContext(connection) as queries:
            count = notification_unread_count(membership=membership)
    assert count == 100
    assert len(queries) == 1
    client = client_for(owner_a)
    assert _badge(client.get("/store/test-a/").content) == "99+"


def test_no_bell_outside_a_store(client_a: Client) -> None:
    assert b"sc-bell" not in client_a.get("/").content


def test_unknown_kinds_and_broken_params_still_read(store_a: Store, client_a: Client) -> None:
    with schema_context(store_a.schema_name):
        notification_create(kind="future.kind", module="catalog", params={})
        notification_create(kind="catalog.low_stock", module="catalog", params={"unexpected": 1})
    page = client_a.get(LIST)
    assert page.status_code == 200
    assert "future.kind" in page.content.decode()


# --- The daily digest -------------------------------------------------------------------------------------------


@pytest.fixture
def language_echo(monkeypatch: pytest.MonkeyPatch) -> None:
    """A kind whose text is the language it was rendered in."""
    monkeypatch.setitem(registry._RENDERERS, "test.language", lambda params: f"rendered-in:{get_language()}")


def _run_digest(store: Store, django_capture_on_commit_callbacks: Any) -> int:
    with tenant_context(store), eager_tasks(), django_capture_on_commit_callbacks(execute=True):
        return tasks.digest_send.apply(throw=True).get()


@LOCMEM
def test_the_digest_mails_each_member_what_they_may_see_once_in_their_language(
    store_a: Store, owner_a: Any, language_echo: None, django_capture_on_commit_callbacks: Any
) -> None:
    chinese = _member(store_a, catalog=Level.VIEW)
    chinese.user.language = "zh-hans"
    chinese.user.save()
    finance = _member(store_a, finance=Level.EDIT)
    _member(store_a)  # no access anywhere: no e-mail
    gone = _member(store_a, catalog=Level.MANAGE)
    gone.user.is_active = False
    gone.user.save()
    _notify(store_a, module="catalog", sku="CAT-1")
    _notify(store_a, module="finance", sku="FIN-1")
    with schema_context(store_a.schema_name):
        notification_create(kind="test.language", module="catalog", params={})
        Notification.objects.update(at=dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC))

    assert _run_digest(store_a, django_capture_on_commit_callbacks) == 3

    by_person = {message.to[0]: message for message in mail.outbox}
    assert set(by_person) == {owner_a.email, chinese.user.email, finance.user.email}
    owner_mail, chinese_mail, finance_mail = (by_person[owner_a.email], by_person[chinese.user.email],
                                              by_person[finance.user.email])
    assert owner_mail.subject == "Store test-a: 3 new notifications"
    assert "CAT-1 is running low: 3 available (alert below 5)." in owner_mail.body
    assert "FIN-1" in owner_mail.body and "rendered-in:en" in owner_mail.body
    assert "https://seller.example/store/test-a/x/" in owner_mail.body
    assert "https://seller.example/store/test-a/activity/notifications/" in owner_mail.body
    # The Chinese reader: rendered in Chinese, times in the store's zone (Asia/Shanghai: 09:30) and Chinese format.
    assert "rendered-in:zh-hans" in chinese_mail.body
    assert "FIN-1" not in chinese_mail.body and "CAT-1" in chinese_mail.body
    assert "2026/3/2 09:30" in chinese_mail.body
    assert "3/2/26, 9:30" in owner_mail.body
    assert "FIN-1" in finance_mail.body and "CAT-1" not in finance_mail.body

    with schema_context(store_a.schema_name):
        assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    # A retried or repeated run sends nothing twice.
    assert _run_digest(store_a, django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 3

    # Only what is new goes in the next one.
    _notify(store_a, sku="CAT-2")
    assert _run_digest(store_a, django_capture_on_commit_callbacks) == 2  # owner and the catalog viewer
    assert all("CAT-1" not in message.body for message in mail.outbox[3:])


@LOCMEM
def test_nothing_leaves_if_the_digest_fails_before_commit(store_a: Store, monkeypatch: pytest.MonkeyPatch,
                                                          django_capture_on_commit_callbacks: Any) -> None:
    _notify(store_a)

    def broken(*args: Any, **kwargs: Any) -> str:
        raise OSError("template storage down")

    monkeypatch.setattr("audit.services.render_to_string", broken)
    with pytest.raises(OSError), tenant_context(store_a), django_capture_on_commit_callbacks(execute=True):
        notification_digest_send(store=store_a)
    assert mail.outbox == []
    with schema_context(store_a.schema_name):
        assert Notification.objects.filter(emailed_at__isnull=True).count() == 1


def test_the_digest_dispatcher_enqueues_each_store_in_its_schema(store_a: Store, store_b: Store,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[str] = []
    monkeypatch.setattr(tasks.digest_send, "apply_async", lambda **kwargs: sent.append(connection.schema_name))
    assert tasks.digest_dispatch() == len(sent)
    assert {store_a.schema_name, store_b.schema_name} <= set(sent)
    assert "public" not in sent


def test_the_digest_task_refuses_the_public_schema(db: None) -> None:
    with pytest.raises(StoreTaskOutsideStore):
        tasks.digest_send.apply(throw=True)


def test_beat_runs_both_schedules() -> None:
    from celery.schedules import crontab
    from django.conf import settings

    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["catalog.low_stock_dispatch"] == 15 * 60
    assert schedule["audit.digest_dispatch"] == crontab(hour=7, minute=0)
    assert timezone.now().tzinfo is not None
