"""Notifications: one in-app record and one email per recipient, sent after commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from .models import Notification, User


def notify(
    *, recipients: Iterable[User], kind: str, subject: str, body: str = "", url: str = ""
) -> list[Notification]:
    """Create in-app notifications now and send the emails once the transaction commits."""
    people = [r for r in recipients if r is not None]
    rows = Notification.objects.bulk_create(
        [Notification(recipient=r, kind=kind, subject=subject[:200], body=body, url=url) for r in people]
    )
    emails = [r.email for r in people if r.email]

    def _send() -> None:
        for email in emails:
            send_mail(subject, body or subject, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=True)

    transaction.on_commit(_send)
    return rows


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    from .clock import now

    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=now())
