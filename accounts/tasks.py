"""E-mail goes out from the worker so a slow mail server never holds a page."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives

from sellercenter.celery import app


@app.task(name="accounts.email_send", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_send(*, to: list[str], subject: str, body: str, html: str | None = None) -> None:
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
