"""The store's activity log: who changed what, when, and the fields before and after. Lives in the store schema."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ActivityQuerySet(models.QuerySet["Activity"]):
    def newest_first(self) -> ActivityQuerySet:
        return self.order_by("-at", "-id")


class Activity(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # The person is kept by id and e-mail, without a foreign key: the entry outlives the account.
    actor_id = models.BigIntegerField(_("person id"), null=True, blank=True, db_index=True)
    actor_email = models.CharField(_("person"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["action", "-at"], name="activity_action_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_email} {self.action} {self.object_repr}"

    @property
    def action_label(self) -> str:
        from .labels import action_label

        return action_label(self.action)


class Notification(models.Model):
    """Something the store's team should know (a SKU running low, an import finished). Shown in the header's list
    and in the daily e-mail digest. The text is rendered from ``kind`` and ``params`` in the reader's language."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    params = models.JSONField(_("details"), default=dict, blank=True)
    # The module whose view level a member needs to see it ("catalog" for stock alerts).
    module = models.CharField(_("module"), max_length=20)
    link = models.CharField(_("link"), max_length=300, blank=True)
    emailed_at = models.DateTimeField(_("in digest"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"


class NotificationCursor(models.Model):
    """The newest notification a person has seen in this store; everything after it is unread."""

    user_id = models.BigIntegerField(_("person id"), unique=True)
    last_seen_id = models.BigIntegerField(_("last seen"), default=0)

    class Meta:
        verbose_name = _("notification cursor")
        verbose_name_plural = _("notification cursors")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.last_seen_id}"
