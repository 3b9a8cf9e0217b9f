"""Recording activity. Every service that writes store data calls ``activity_record`` inside its transaction."""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Iterable
from typing import Any, cast

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Max
from django.db.models.fields.files import FieldFile
from django.forms.models import model_to_dict
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tenants.utils import get_public_schema_name

from stores.routing import store_reverse

from .models import Activity, Notification, NotificationCursor


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple, set)):
        return [_plain(item) for item in value]
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, (str, int, float, bool)) or value is None or isinstance(value, dict):
        return value
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The given fields of a row as JSON-safe values, for diffing before and after a change."""
    data = model_to_dict(instance, fields=list(fields) if fields is not None else None)
    return {key: _plain(value) for key, value in data.items()}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for every field whose value changed."""
    keys = sorted(set(before) | set(after))
    return {key: [before.get(key), after.get(key)] for key in keys if before.get(key) != after.get(key)}


def activity_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    target_repr: str = "",
    changes: dict[str, Any] | None = None,
) -> Activity:
    """Append one entry to the current store's activity log. Refuses to run in the public schema."""
    if connection.schema_name == get_public_schema_name():  # type: ignore[attr-defined]
        raise RuntimeError("The activity log belongs to a store; activate the store's schema first.")
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    return Activity.objects.create(
        actor_id=actor.pk if is_person else None,
        actor_email=actor.email if is_person else "",
        action=action,
        object_type=cast(str, target._meta.model_name) if target is not None else "",  # set on every model class
        object_id=str(target.pk) if target is not None else "",
        object_repr=(target_repr or str(target))[:200] if target is not None or target_repr else "",
        changes=changes or {},
    )


# --- Notifications -----------------------------------------------------------------------------------------------

# A digest lists at most this many notifications per person; the rest are a link away.
DIGEST_MAX_ITEMS = 100


def _require_store() -> None:
    if connection.schema_name == get_public_schema_name():  # type: ignore[attr-defined]
        raise RuntimeError("Notifications belong to a store; activate the store's schema first.")


def notification_create(*, kind: str, module: str, params: dict[str, Any], link: str = "") -> Notification:
    """Tell the store's team something (shown in the header's list, then in the next daily digest). ``params`` is
    rendered into text in each reader's language by the renderer registered for ``kind`` (audit.notifications)."""
    _require_store()
    return Notification.objects.create(kind=kind, module=module, params=params, link=link[:300])


def notification_create_many(*, items: Iterable[dict[str, Any]]) -> int:
    """Several notifications in one insert (``kind``, ``module``, ``params``, ``link`` each), for a worker that
    finds many at once. Returns how many were created."""
    _require_store()
    rows = [Notification(kind=item["kind"], module=item["module"], params=item["params"],
                         link=item.get("link", "")[:300]) for item in items]
    Notification.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def notification_mark_read(*, user: Any, up_to: int | None = None) -> int:
    """Everything up to ``up_to`` (default: the newest notification) counts as read for this person in the current
    store. The cursor only moves forward, so a stale page cannot mark newer notifications unread."""
    _require_store()
    newest = Notification.objects.aggregate(newest=Max("id"))["newest"] or 0
    target = newest if up_to is None else min(up_to, newest)
    with transaction.atomic():
        cursor, _created = NotificationCursor.objects.select_for_update().get_or_create(user_id=user.pk)
        if target > cursor.last_seen_id:
            cursor.last_seen_id = target
            cursor.save(update_fields=["last_seen_id"])
    return cursor.last_seen_id


def _reader_language(user: Any, store: Any) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    for candidate in (user.language, (store.default_language or "").lower()):
        if candidate in codes:
            return candidate
    return settings.LANGUAGE_CODE


def _absolute(link: str) -> str:
    return settings.SITE_URL.rstrip("/") + link if link.startswith("/") else link


def notification_digest_send(*, store: Any) -> int:
    """E-mail each member of ``store`` the notifications not yet e-mailed that their role may see, in their own
    language, then stamp them e-mailed. The stamp and the queued e-mails commit together (e-mails leave only after
    commit), and rows already stamped or being sent by another run are skipped: a retried or doubled run sends
    nothing twice. Returns how many e-mails were queued."""
    from accounts.tasks import email_send
    from stores.selectors import member_list

    from .notifications import notification_text
    from .selectors import notification_modules

    _require_store()
    now = timezone.now()
    with transaction.atomic():
        pending = list(Notification.objects.select_for_update(skip_locked=True)
                       .filter(emailed_at__isnull=True).order_by("-at", "-id"))
        if not pending:
            return 0
        Notification.objects.filter(pk__in=[item.pk for item in pending]).update(emailed_at=now)
        list_link = _absolute(store_reverse(store.handle, "audit:notification-list"))
        outgoing = []
        for member in member_list(store=store):
            if not member.user.is_active or not member.user.email:
                continue
            modules = set(notification_modules(membership=member))
            mine = [item for item in pending if item.module in modules]
            if not mine:
                continue
            with translation.override(_reader_language(member.user, store)), \
                    timezone.override(zoneinfo.ZoneInfo(store.timezone)):
                context = {
                    "store": store, "person": member.user, "count": len(mine), "list_link": list_link,
                    "more": max(len(mine) - DIGEST_MAX_ITEMS, 0),
                    "items": [{"at": item.at, "text": notification_text(item.kind, item.params),
                               "link": _absolute(item.link) if item.link else ""} for item in mine[:DIGEST_MAX_ITEMS]],
                }
                subject = render_to_string("audit/email/notification_digest_subject.txt", context).strip()
                body = render_to_string("audit/email/notification_digest.txt", context)
            outgoing.append({"to": [member.user.email], "subject": subject, "body": body})
        for message in outgoing:
            transaction.on_commit(functools.partial(email_send.delay, **message))
    return len(outgoing)
