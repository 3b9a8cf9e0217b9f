from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.tasks import email_send
from audit.services import activity_record
from sellercenter.celery import StoreTask, app

from .models import Invitation
from .routing import public_reverse
from .services import invitation_token


@app.task(name="stores.invitation_send_email", base=StoreTask)
def email_send_invitation(invitation_id: int, language: str = "en") -> None:
    """Send the invitation e-mail once. A retried or duplicated task finds it already e-mailed and stops."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("store", "role", "invited_by")
            .filter(pk=invitation_id, status=Invitation.Status.PENDING, emailed_at__isnull=True)
            .first()
        )
        if invitation is None:
            return  # withdrawn, accepted or already e-mailed
        _send(invitation, language)
        invitation.emailed_at = timezone.now()
        invitation.save(update_fields=["emailed_at"])
        activity_record(actor=None, action="invitation.emailed", target=invitation, target_repr=invitation.email)


def _send(invitation: Invitation, language: str) -> None:
    with translation.override(language):
        link = settings.SITE_URL.rstrip("/") + public_reverse("invitation-accept", token=invitation_token(invitation))
        context = {"invitation": invitation, "link": link}
        subject = render_to_string("stores/email/invitation_subject.txt", context).strip()
        body = render_to_string("stores/email/invitation.txt", context)
    email_send(to=[invitation.email], subject=subject, body=body)
