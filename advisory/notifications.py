"""Notifications: one in-app record and one email per recipient, sent after commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import connections, models

from .clock import now
from .models import Notification, User
from .outbox import outbox_enqueue
from .texts import Text, recipient_language


def _parts(value: Text | str) -> tuple[str, dict, str]:
    """(code, params, text) of a subject or body: a `Text` is stored as code and parameters;
    a plain string is text a person typed (a note passed along) and is stored as it is."""
    if isinstance(value, Text):
        return value.code, value.params, ""
    return "", {}, str(value or "")


def _state_of(obj: models.Model) -> str | None:
    """A record's workflow state: its `status`, or `state` where the model names it so."""
    for name in ("status", "state"):
        value = getattr(obj, name, None)
        if isinstance(value, str) and value:
            return value
    return None


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    subject: Text,
    body: Text | str = "",
    url: str = "",
    about: models.Model | None = None,
    open_states: Iterable[str] | None = None,
) -> list[Notification]:
    """Create in-app notifications now; their emails go through the outbox, so a broker or mail
    outage delays them and never loses them. The subject (and a system-written body) is a
    `Text`: each reader sees it in their language, each email goes out in the recipient's.

    `about` is the record the notification asks someone to act on; it stays open while the record
    is in one of `open_states` (default: the state it is in now, its `status` or `state`) and is
    marked done by `notifications_resolve` once the record moves on."""
    people = [r for r in recipients if r is not None]
    subject_code, subject_params, subject_text = _parts(subject)
    body_code, body_params, body_text = _parts(body)
    about_type = about_id = ""
    states: list[str] = []
    if about is not None:
        about_type, about_id = about._meta.label_lower, str(about.pk)
        if open_states is None:
            current = _state_of(about)
            open_states = [current] if current else []
        states = [str(s) for s in open_states]
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient=r,
                kind=kind,
                subject_code=subject_code,
                subject_params=subject_params,
                subject=subject_text[:200],
                body_code=body_code,
                body_params=body_params,
                body=body_text,
                url=url,
                about_type=about_type,
                about_id=about_id,
                open_states=states,
            )
            for r in people
        ]
    )
    ids = [n.pk for n in rows if n.pk and n.recipient.email]
    if ids:
        outbox_enqueue(task="advisory.tasks.notification_emails_task", args=[ids])
    return rows


def notification_emails_send(*, notification_ids: list[int]) -> int:
    """Email each notification once, in the recipient's language: a row is claimed by a
    conditional UPDATE of `emailed_at` before sending, and released again if the mail server
    refused it (the task then retries)."""
    sent = 0
    rows = Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).select_related(
        "recipient"
    )
    for n in rows.order_by("pk"):
        if not n.recipient.email:
            continue
        if Notification.objects.filter(pk=n.pk, emailed_at__isnull=True).update(emailed_at=now()) != 1:
            continue
        subject, body = n.texts_in(recipient_language(n.recipient))
        try:
            send_mail(subject, body or subject, settings.DEFAULT_FROM_EMAIL, [n.recipient.email])
        except Exception:
            Notification.objects.filter(pk=n.pk).update(emailed_at=None)
            raise
        sent += 1
    return sent


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=now())


def notifications_resolve(*, about: models.Model, state: str | None = None) -> int:
    """Mark done the open notifications about `about` that no longer apply: those whose open
    states do not include the record's state now (`state`, default its `status` or `state`). Call
    it from the one function that changes the record's state, in its transaction. A notification
    that asked nothing of a state (no open states) stays as it is. Unread ones count as read:
    nothing is left to do. Two UPDATEs through a partial index. Returns how many were marked done."""
    if state is None:
        state = _state_of(about)
    if state is None:
        return 0
    at = now()
    open_rows = Notification.objects.filter(
        about_type=about._meta.label_lower, about_id=str(about.pk), done_at__isnull=True
    ).exclude(open_states=[])
    if connections[open_rows.db].vendor == "postgresql":
        moved_on = open_rows.exclude(open_states__contains=[str(state)])
    else:  # SQLite has no JSON containment: the few open rows of one record, checked here
        ids = [
            pk
            for pk, states in open_rows.values_list("pk", "open_states")
            if str(state) not in (states or [])
        ]
        moved_on = Notification.objects.filter(pk__in=ids)
    done = moved_on.filter(read_at__isnull=True).update(done_at=at, read_at=at)
    return done + moved_on.update(done_at=at)
