"""Replies and internal notes on a complaint's timeline, from staff or the client (SPEC §4)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.models import User
from advisory.notifications import notify
from advisory.texts import Text, text

from ..models import Complaint, ComplaintEvent, EventKind, State
from .attachments import _store_attachments
from .common import _can_act, _event, _portal_url, _url
from .workflow import complaint_transition


def complaint_reply(
    *,
    complaint: Complaint,
    actor: User,
    body: str,
    internal: bool = False,
    attachments: Iterable[UploadedFile] = (),
) -> ComplaintEvent:
    """A reply on the timeline. Staff: a client-visible reply or an internal note. Client: a
    reply on their own ticket; while waiting on the client it resumes the clock."""
    if not body.strip():
        raise DomainError(_("Write a message."), field="body")
    with transaction.atomic():
        if actor.is_client:
            if complaint.client.user_id != actor.pk:
                raise NotAllowed(_("This is not your ticket."))
            if complaint.state == State.CLOSED:
                raise Conflict(_("This ticket is closed. File a new complaint if the problem continues."))
            event = _event(complaint, kind=EventKind.CLIENT_REPLY, actor=actor, body=body.strip())
            _store_attachments(complaint, attachments, actor=actor, internal=False)
            if complaint.state == State.WAITING_ON_CLIENT:
                complaint_transition(
                    complaint=complaint,
                    actor=actor,
                    to_state=State.INVESTIGATING,
                    note=text("event.client_replied"),
                )
            notify_client_reply(complaint=complaint, body=body)
            return event
        if not _can_act(actor, complaint):
            raise NotAllowed(_("You may view this ticket but not act on it."))
        event = _event(
            complaint,
            kind=EventKind.NOTE if internal else EventKind.REPLY,
            actor=actor,
            body=body.strip(),
            internal=internal,
        )
        _store_attachments(complaint, attachments, actor=actor, internal=internal)
        if not internal:
            locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
            if locked.first_response_at is None:
                locked.first_response_at = event.created_at
                audited_save(locked, actor=actor, reason="first response to the client")
            from ..mailbox import reply_by_email

            reply_by_email(complaint=complaint, body=body.strip())
            if complaint.client.user_id:
                notify(
                    recipients=[complaint.client.user],
                    kind="complaint.reply",
                    subject=text("notify.complaint_reply", n=complaint.number),
                    body=body[:500],
                    url=_portal_url(complaint),
                )
        return event


def notify_client_reply(*, complaint: Complaint, body: str | Text) -> None:
    """Tell the assignee that the client answered (from the portal or by email)."""
    if complaint.assignee_id:
        notify(
            recipients=[complaint.assignee],
            kind="complaint.client_reply",
            subject=text("notify.complaint_client_reply", n=complaint.number),
            body=body if isinstance(body, Text) else body[:500],
            url=_url(complaint),
        )
