from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from accounts.tasks import email_send
from sellercenter.celery import app

from .models import Invitation
from .routing import public_reverse
from .services import invitation_token


@app.task(name="stores.invitation_send_email")
def email_send_invitation(invitation_id: int, language: str = "en") -> None:
    invitation = Invitation.objects.select_related("store", "role", "invited_by").filter(
        pk=invitation_id, status=Invitation.Status.PENDING
    ).first()
    if invitation is None:
        return  # withdrawn or accepted before the worker got to it
    with translation.override(language):
        link = settings.SITE_URL.rstrip("/") + public_reverse("invitation-accept", token=invitation_token(invitation))
        context = {"invitation": invitation, "link": link}
        subject = render_to_string("stores/email/invitation_subject.txt", context).strip()
        body = render_to_string("stores/email/invitation.txt", context)
    email_send(to=[invitation.email], subject=subject, body=body)
