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
