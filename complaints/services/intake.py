"""Complaint intake (SPEC §4): filing from the portal or by staff, and the acknowledgement."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from advisory.clock import now
from advisory.errors import DomainError, NotAllowed
from advisory.formats import local_date
from advisory.history import audited_save
from advisory.models import User
from advisory.notifications import notify
from advisory.numbering import next_number
from advisory.rules import can
from advisory.texts import Text, text

from .. import sla
from ..models import Channel, Complaint, EventKind, Priority, State
from .attachments import _store_attachments
from .common import _auto_assignee, _event, _portal_url, _url, default_policy


def complaint_file(
    *,
    actor: User,
    client: Any,
    channel: str,
    category: str,
    subject: str,
    description: str,
    priority: str = Priority.NORMAL,
    received_at: datetime.datetime | None = None,
    attachments: Iterable[UploadedFile] = (),
    assignee: User | None = None,
) -> Complaint:
    """Intake (SPEC §4): a client from the portal, or staff on a client's behalf for any channel.
    Gives the ticket its number, policy, deadlines and assignee."""
    if actor.is_client:
        if getattr(client, "user_id", None) != actor.pk:
            raise NotAllowed(_("You can only file complaints about your own account."))
        channel, priority, received_at, assignee = Channel.PORTAL, Priority.NORMAL, None, None
    elif not can(actor, "complaints.file_complaint", client):
        raise NotAllowed(_("You may not log complaints for this client."))
    if channel not in Channel.values:
        raise DomainError(_("Choose a channel."), field="channel")
    if priority not in Priority.values:
        raise DomainError(_("Choose a priority."), field="priority")
    if not subject.strip() or not description.strip():
        raise DomainError(
            _("Describe the complaint: a subject and a description are required."), field="description"
        )
    stamp = now()
    received_at = received_at or stamp
    if received_at > stamp:
        raise DomainError(_("The receipt time cannot be in the future."), field="received_at")
    complaint = complaint_create(
        actor=actor,
        client=client,
        channel=channel,
        category=category,
        subject=subject,
        description=description,
        priority=priority,
        received_at=received_at,
        attachments=attachments,
        assignee=assignee,
    )
    if complaint.channel == Channel.PORTAL:
        transaction.on_commit(lambda: complaint_acknowledge_in_portal(complaint=complaint))
    else:  # by phone or SMS: a text message where SMS is configured (complaints/sms.py)
        from ..sms import complaint_acknowledge_by_sms

        complaint_acknowledge_by_sms(complaint=complaint)
    return complaint


def complaint_create(
    *,
    actor: User | None,
    client: Any,
    channel: str,
    category: str,
    subject: str,
    description: str,
    received_at: datetime.datetime,
    priority: str = Priority.NORMAL,
    attachments: Iterable[UploadedFile] = (),
    assignee: User | None = None,
    number: str = "",
    first_event: str | Text | None = None,
) -> Complaint:
    """The raw write behind every intake (checked by complaint_file, or by the mailbox intake
    for a message from a known sender; actor None = the platform). `number` is a ticket number
    reserved when the message arrived; `first_event` is the timeline's first line when it says
    more than the description (the mailbox's notes on an empty message or refused attachments)."""
    with transaction.atomic():
        complaint = Complaint(
            number=number or next_number(prefix="CP", year=timezone.localtime(received_at).year),
            client=client,
            channel=channel,
            category=category,
            priority=priority,
            subject=subject.strip()[:200],
            description=description.strip(),
            state=State.RECEIVED,
            assignee=assignee or _auto_assignee(client),
            filed_by=actor,
            policy=default_policy(),
            received_at=received_at,
        )
        sla.apply_deadlines(complaint)
        audited_save(
            complaint,
            actor=actor,
            reason=text(
                "audit.complaint_filed_via_channel",
                channel=Channel(channel).label if channel in Channel.values else channel,
            ),
        )
        _event(
            complaint,
            kind=EventKind.CREATED,
            actor=actor,
            body=first_event if first_event is not None else complaint.description,
            to_state=State.RECEIVED,
            at=received_at,
        )
        _store_attachments(complaint, attachments, actor=actor, internal=False)
        if complaint.assignee:
            notify(
                recipients=[complaint.assignee],
                kind="complaint.assigned",
                subject=text("notify.complaint_assigned_new", n=complaint.number),
                body=complaint.subject,
                url=_url(complaint),
            )
    return complaint


def complaint_acknowledge_in_portal(*, complaint: Complaint) -> None:
    """The automatic acknowledgement, at once, through the channel the complaint came in: for
    the portal, a notification with the ticket number, the expected answer date and where to
    follow it (email intake sends the same by email, complaints/mailbox.py)."""
    if not complaint.client.user_id:
        return
    notify(
        recipients=[complaint.client.user],
        kind="complaint.acknowledged",
        subject=text("notify.complaint_acknowledged", n=complaint.number),
        body=text(
            "notify.complaint_acknowledged_body",
            n=complaint.number,
            received=complaint.received_at,
            due=local_date(complaint.resolve_due_at),
        ),
        url=_portal_url(complaint),
    )
