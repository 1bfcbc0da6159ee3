"""Every change to complaints (SPEC §4): intake, the state machine, SLA clock, escalation
sweep, resolution, surveys and violation cases. Views, API and tasks call these only."""

from __future__ import annotations

import datetime
import logging
import os
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from advisory.clock import now
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.formats import local_date, local_datetime
from advisory.history import audited_delete, audited_save
from advisory.models import Notification, User
from advisory.notifications import notify
from advisory.numbering import next_number
from advisory.outbox import outbox_enqueue
from advisory.roles import Role
from advisory.rules import can
from audit.managers import allow_bulk_writes
from audit.models import AuditAction
from audit.services import EntrySpec, audit_log, audit_log_many

from . import sla
from .models import (
    CLOCK_RUNNING_STATES,
    AccountabilityAction,
    Channel,
    Complaint,
    ComplaintAttachment,
    ComplaintEscalation,
    ComplaintEvent,
    ComplaintSettings,
    EscalationLevel,
    EventKind,
    MeasureStatus,
    Priority,
    RectificationMeasure,
    SatisfactionSurvey,
    SLAPolicy,
    State,
    ViolationCase,
    ViolationStage,
)

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# The state machine: one table, one function (CONVENTIONS: state machines are explicit).
# (from, to) -> action name. "reopen" goes back to investigating from resolved or closed.
# --------------------------------------------------------------------------------------------
TRANSITIONS: dict[tuple[str, str], str] = {
    (State.RECEIVED, State.ACKNOWLEDGED): "acknowledge",
    (State.ACKNOWLEDGED, State.INVESTIGATING): "investigate",
    (State.INVESTIGATING, State.WAITING_ON_CLIENT): "wait_on_client",
    (State.WAITING_ON_CLIENT, State.INVESTIGATING): "resume",
    (State.INVESTIGATING, State.RESOLVED): "resolve",
    (State.RESOLVED, State.CLOSED): "close",
    (State.RESOLVED, State.INVESTIGATING): "reopen",
    (State.CLOSED, State.INVESTIGATING): "reopen",
}
ACTION_TARGET = {action: to for (_from, to), action in TRANSITIONS.items()}
# What a client may do on their own ticket (confirm the resolution; a reply resumes the clock).
CLIENT_ACTIONS = {"close", "resume"}

ALLOWED_UPLOAD_TYPES = {
    "pdf": {"application/pdf"},
    "png": {"image/png"},
    "jpg": {"image/jpeg"},
    "jpeg": {"image/jpeg"},
}
MAGIC = {"pdf": b"%PDF", "png": b"\x89PNG", "jpg": b"\xff\xd8\xff", "jpeg": b"\xff\xd8\xff"}


def allowed_actions(complaint: Complaint) -> list[str]:
    return [action for (frm, _to), action in TRANSITIONS.items() if frm == complaint.state]


# -- helpers ---------------------------------------------------------------------------------
def _can_act(actor: User, complaint: Complaint) -> bool:
    return can(actor, "complaints.act_on_complaint", complaint)


def _url(complaint: Complaint) -> str:
    return reverse("complaints:detail", args=[complaint.pk])


def _portal_url(complaint: Complaint) -> str:
    return reverse("complaints_portal:detail", args=[complaint.pk])


def _event(
    complaint: Complaint,
    *,
    kind: str,
    actor: User | None,
    body: str = "",
    internal: bool = False,
    from_state: str = "",
    to_state: str = "",
    at: datetime.datetime | None = None,
) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        actor=actor,
        body=body,
        is_internal=internal,
        from_state=from_state,
        to_state=to_state,
        created_at=at or now(),
    )


def default_policy() -> SLAPolicy:
    policy = SLAPolicy.objects.filter(is_default=True).first()
    if policy is None:
        try:
            with transaction.atomic():
                policy = SLAPolicy.objects.create(name="Standard", is_default=True)
        except IntegrityError:
            policy = SLAPolicy.objects.get(is_default=True)
    return policy


def routing_settings() -> ComplaintSettings:
    row = ComplaintSettings.objects.select_related("complaints_team_user").first()
    return row or ComplaintSettings()


def _auto_assignee(client: Any) -> User | None:
    conf = routing_settings()
    if conf.assign_to_advisor and client.advisor_id and client.advisor.is_active:
        return client.advisor
    return conf.complaints_team_user or client.advisor


def validate_attachment(upload: UploadedFile) -> str:
    """Server-side check of an upload: extension, declared type, first bytes and size."""
    name = os.path.basename(upload.name or "")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = {e.lower() for e in settings.UPLOAD_ALLOWED_EXTENSIONS}
    if ext not in allowed or ext not in ALLOWED_UPLOAD_TYPES:
        raise DomainError(
            _("Files of type .%(ext)s are not accepted. Use PDF, PNG or JPEG.") % {"ext": ext or "?"},
            field="attachment",
        )
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise DomainError(
            _("The file is larger than %(mb)d MB.") % {"mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
            field="attachment",
        )
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(MAGIC[ext]):
        raise DomainError(
            _("The file's content does not match its .%(ext)s name.") % {"ext": ext}, field="attachment"
        )
    content_type = (getattr(upload, "content_type", "") or "").split(";")[0]
    if content_type and content_type not in ALLOWED_UPLOAD_TYPES[ext] | {"application/octet-stream"}:
        raise DomainError(_("The file type %(t)s is not accepted.") % {"t": content_type}, field="attachment")
    return ext


def _store_attachments(
    complaint: Complaint, files: Iterable[UploadedFile], *, actor: User, internal: bool
) -> None:
    for upload in files:
        ext = validate_attachment(upload)
        row = ComplaintAttachment(
            complaint=complaint,
            original_name=os.path.basename(upload.name)[:200],
            content_type=ALLOWED_UPLOAD_TYPES[ext].copy().pop(),
            size_bytes=upload.size,
            is_internal=internal,
            uploaded_by=actor,
        )
        row.file.save(f"{complaint.number}-{os.path.basename(upload.name)}", upload, save=False)
        audited_save(row, actor=actor, reason="attachment uploaded")


def attachment_download_log(*, attachment: ComplaintAttachment, actor: User) -> None:
    """Downloading an attachment is a recorded sensitive read (SPEC §5). The caller found the
    attachment through the actor's own scope (staff: the complaint's rules; the client: their
    own complaint and never an internal attachment)."""
    audit_log(
        actor=actor,
        action=AuditAction.DOWNLOAD,
        obj=attachment.complaint,
        reason="attachment downloaded",
        changes={"attachment": attachment.pk, "internal": attachment.is_internal},
    )


# -- intake ----------------------------------------------------------------------------------
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
        from .sms import complaint_acknowledge_by_sms

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
) -> Complaint:
    """The raw write behind every intake (checked by complaint_file, or by the mailbox intake
    for a message from a known sender; actor None = the platform). `number` is a ticket number
    reserved when the message arrived."""
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
        audited_save(complaint, actor=actor, reason=f"complaint filed via {channel}")
        _event(
            complaint,
            kind=EventKind.CREATED,
            actor=actor,
            body=complaint.description,
            to_state=State.RECEIVED,
            at=received_at,
        )
        _store_attachments(complaint, attachments, actor=actor, internal=False)
        if complaint.assignee:
            notify(
                recipients=[complaint.assignee],
                kind="complaint.assigned",
                subject=_("New complaint %(n)s assigned to you") % {"n": complaint.number},
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
        subject=_("We received your complaint %(n)s") % {"n": complaint.number},
        body=_(
            "Your complaint %(n)s was received on %(received)s. We will answer by %(due)s at the latest; "
            "you can follow it and reply under My complaints."
        )
        % {
            "n": complaint.number,
            "received": local_datetime(complaint.received_at),
            "due": local_date(complaint.resolve_due_at),
        },
        url=_portal_url(complaint),
    )


# -- the one transition function -------------------------------------------------------------
def complaint_transition(
    *, complaint: Complaint, actor: User | None, to_state: str, note: str = "", internal: bool = False
) -> Complaint:
    """Move a ticket along the state machine (SPEC §4). Records who, when and a note, keeps the
    SLA clock (pause on waiting, resume with the paused span added back) and audits it."""
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().select_related("policy").get(pk=complaint.pk)
        from_state = locked.state
        action = TRANSITIONS.get((from_state, to_state))
        if action is None:
            raise Conflict(
                _("A ticket that is %(from)s cannot be moved to %(to)s.")
                % {
                    "from": State(from_state).label,
                    "to": State(to_state).label if to_state in State.values else to_state,
                }
            )
        if actor is not None:
            if actor.is_client:
                if action not in CLIENT_ACTIONS or locked.client.user_id != actor.pk:
                    raise NotAllowed(_("Only the firm's staff can do this."))
                internal = False
            elif not _can_act(actor, locked):
                raise NotAllowed(_("You may view this ticket but not act on it."))
        if action == "resolve" and not locked.resolution_answer.strip():
            raise Conflict(_("Record the resolution (root cause, remedy and answer) before resolving."))
        stamp = now()
        cal_changed = False
        if from_state == State.WAITING_ON_CLIENT and locked.paused_at:
            locked.paused_seconds += sla.paused_span(locked.paused_at, stamp)
            locked.paused_clock_seconds += int((stamp - locked.paused_at).total_seconds())
            locked.paused_at = None
            cal_changed = True
        if action == "acknowledge":
            locked.acknowledged_at = stamp
            locked.ack_breached = stamp > locked.ack_due_at
            if locked.first_response_at is None and not internal:
                locked.first_response_at = stamp
        elif action == "wait_on_client":
            locked.paused_at = stamp
        elif action == "resolve":
            locked.resolved_at = stamp
            locked.resolution_breached = locked.resolution_breached or stamp > locked.resolve_due_at
        elif action == "close":
            locked.closed_at = stamp
            if actor is not None and actor.is_client:
                locked.client_confirmed_at = stamp
        elif action == "reopen":
            # The span between resolution and reopening does not count against the firm.
            if locked.resolved_at:
                locked.paused_seconds += sla.paused_span(locked.resolved_at, stamp)
                locked.paused_clock_seconds += int((stamp - locked.resolved_at).total_seconds())
            locked.reopened_count += 1
            locked.resolved_at = None
            locked.closed_at = None
            locked.client_confirmed_at = None
            cal_changed = True
        locked.state = to_state
        if cal_changed:
            sla.apply_deadlines(locked)
        else:
            sla.refresh_next_escalation(locked)
        audited_save(locked, actor=actor, reason=f"{action}: {note}"[:250])
        _event(
            locked,
            kind=EventKind.TRANSITION,
            actor=actor,
            body=note,
            internal=internal,
            from_state=from_state,
            to_state=to_state,
            at=stamp,
        )
        audit_log(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=locked,
            reason=note or action,
            changes={"state": [from_state, to_state]},
        )
        if action == "close":
            _send_survey(locked, stamp)
        if not internal and locked.client.user_id and actor is not None and not actor.is_client:
            notify(
                recipients=[locked.client.user],
                kind="complaint.update",
                subject=_("Your complaint %(n)s is now: %(s)s")
                % {"n": locked.number, "s": State(to_state).label},
                body=note,
                url=_portal_url(locked),
            )
    complaint.refresh_from_db()
    return locked


def complaint_act(
    *, complaint: Complaint, actor: User, action: str, note: str = "", internal: bool = False
) -> Complaint:
    """Perform a named action ("acknowledge", "reopen", ...) from the ticket's current state."""
    target = next(
        (to for (frm, to), a in TRANSITIONS.items() if a == action and frm == complaint.state), None
    )
    if target is None:
        raise Conflict(
            _("“%(action)s” is not possible while the ticket is %(state)s.")
            % {"action": action.replace("_", " "), "state": complaint.get_state_display()}
        )
    return complaint_transition(
        complaint=complaint, actor=actor, to_state=target, note=note, internal=internal
    )


def _send_survey(complaint: Complaint, stamp: datetime.datetime) -> None:
    import secrets

    survey, created = SatisfactionSurvey.objects.get_or_create(
        complaint=complaint,
        defaults={
            "client": complaint.client,
            "sent_at": stamp,
            "source_ref": f"complaints.complaint:{complaint.pk}",
            "token_nonce": secrets.token_hex(8),
        },
    )
    if created and complaint.client.email:
        # also by email, with the signed single-use link (complaints/feedback.py)
        from .feedback import survey_email

        survey_email(
            survey, subject=lambda: _("How did we handle complaint %(n)s?") % {"n": complaint.number}
        )
    if created and complaint.client.user_id:
        notify(
            recipients=[complaint.client.user],
            kind="complaint.survey",
            subject=_("How did we handle complaint %(n)s?") % {"n": complaint.number},
            body=_("Please rate our handling of your complaint in the portal."),
            url=_portal_url(complaint),
        )


# -- messages --------------------------------------------------------------------------------
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
                    note=_("The client replied."),
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
            from .mailbox import reply_by_email

            reply_by_email(complaint=complaint, body=body.strip())
            if complaint.client.user_id:
                notify(
                    recipients=[complaint.client.user],
                    kind="complaint.reply",
                    subject=_("New reply on your complaint %(n)s") % {"n": complaint.number},
                    body=body[:500],
                    url=_portal_url(complaint),
                )
        return event


def notify_client_reply(*, complaint: Complaint, body: str) -> None:
    """Tell the assignee that the client answered (from the portal or by email)."""
    if complaint.assignee_id:
        notify(
            recipients=[complaint.assignee],
            kind="complaint.client_reply",
            subject=_("The client replied on %(n)s") % {"n": complaint.number},
            body=body[:500],
            url=_url(complaint),
        )


# -- assignment, priority, policy ------------------------------------------------------------
def complaint_reassign(*, complaint: Complaint, actor: User, assignee: User, note: str = "") -> Complaint:
    """Manual re-assignment, recorded on the timeline (internal) and in the audit trail."""
    if not _can_act(actor, complaint):
        raise NotAllowed(_("You may view this ticket but not act on it."))
    if not assignee.is_workspace_user or not assignee.is_active:
        raise DomainError(_("Assign the ticket to an active member of staff."), field="assignee")
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        old = locked.assignee
        if old and old.pk == assignee.pk:
            return locked
        locked.assignee = assignee
        audited_save(locked, actor=actor, reason=f"reassigned: {note}"[:250])
        _event(
            locked,
            kind=EventKind.ASSIGNMENT,
            actor=actor,
            internal=True,
            body=_("Reassigned from %(a)s to %(b)s. %(note)s")
            % {"a": old or "—", "b": assignee, "note": note},
        )
        notify(
            recipients=[assignee],
            kind="complaint.assigned",
            subject=_("Complaint %(n)s assigned to you") % {"n": locked.number},
            body=note,
            url=_url(locked),
        )
    return locked


def complaint_change_sla(
    *,
    complaint: Complaint,
    actor: User | None,
    priority: str | None = None,
    policy: SLAPolicy | None = None,
    note: str = "",
) -> Complaint:
    """Change the priority or the SLA policy of a ticket. Deadlines are recomputed from the
    receipt time; the pause time already accumulated is kept (SPEC §4)."""
    if actor is not None and not _can_act(actor, complaint):
        raise NotAllowed(_("You may view this ticket but not act on it."))
    if priority is not None and priority not in Priority.values:
        raise DomainError(_("Choose a priority."), field="priority")
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().select_related("policy").get(pk=complaint.pk)
        changes: dict[str, list] = {}
        if priority and priority != locked.priority:
            changes["priority"] = [locked.priority, priority]
            locked.priority = priority
        if policy and policy.pk != locked.policy_id:
            changes["policy"] = [locked.policy.name, policy.name]
            locked.policy = policy
        if not changes:
            return locked
        _recompute(locked, actor=actor, reason=f"SLA change {changes}: {note}"[:250])
        _event(
            locked,
            kind=EventKind.PRIORITY,
            actor=actor,
            internal=True,
            body=", ".join(f"{k}: {v[0]} → {v[1]}" for k, v in changes.items())
            + (f". {note}" if note else ""),
        )
    return locked


def _recompute(complaint: Complaint, *, actor: User | None, reason: str) -> None:
    sla.apply_deadlines(complaint)
    if complaint.state in CLOCK_RUNNING_STATES and complaint.escalation_level < EscalationLevel.SUPERVISOR:
        # A breach already escalated stays recorded; a new, later deadline is not a breach.
        complaint.resolution_breached = complaint.escalation_level >= EscalationLevel.SUPERVISOR
    audited_save(complaint, actor=actor, reason=reason)


def sla_policy_apply(*, policy: SLAPolicy, actor: User | None) -> int:
    """After an administrator edits a policy: recompute the stored deadlines of the open tickets
    under it (their pause time is kept). Returns how many tickets changed."""
    count = 0
    for complaint in (
        Complaint.objects.filter(
            policy=policy, state__in=[s for s in State.values if s not in (State.RESOLVED, State.CLOSED)]
        )
        .select_related("policy")
        .order_by("pk")
        .iterator()
    ):
        with transaction.atomic():
            locked = Complaint.objects.select_for_update().select_related("policy").get(pk=complaint.pk)
            _recompute(locked, actor=actor, reason=f"SLA policy {policy.name} changed")
        count += 1
    return count


# -- resolution ------------------------------------------------------------------------------
def complaint_resolve(
    *,
    complaint: Complaint,
    actor: User,
    root_cause: str,
    resolution_answer: str,
    remedy_apology: bool = False,
    compensation_amount: Decimal | None = None,
    compensation_currency: str | None = None,
) -> Complaint:
    """Record the resolution (root cause, remedy, answer to the client) and resolve (SPEC §4)."""
    if not _can_act(actor, complaint):
        raise NotAllowed(_("You may view this ticket but not act on it."))
    if complaint.state != State.INVESTIGATING:
        raise Conflict(_("Only a ticket under investigation can be resolved."))
    if not root_cause.strip():
        raise DomainError(_("State the root cause."), field="root_cause")
    if not resolution_answer.strip():
        raise DomainError(_("Write the answer that is sent to the client."), field="resolution_answer")
    amount = compensation_amount or Decimal("0")
    if amount < 0:
        raise DomainError(_("Compensation cannot be negative."), field="compensation_amount")
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        locked.root_cause = root_cause.strip()
        locked.resolution_answer = resolution_answer.strip()
        locked.remedy_apology = remedy_apology
        locked.compensation_amount = amount.quantize(Decimal("0.01"))
        locked.compensation_currency = compensation_currency or settings.FIRM_CURRENCY
        audited_save(locked, actor=actor, reason="resolution recorded")
        _event(
            locked,
            kind=EventKind.RESOLUTION,
            actor=actor,
            internal=True,
            body=_("Root cause: %s") % locked.root_cause,
        )
        result = complaint_transition(
            complaint=locked, actor=actor, to_state=State.RESOLVED, note=locked.resolution_answer
        )
    return result


def survey_answer(
    *, survey: SatisfactionSurvey, actor: User, csat: int, nps: int, comment: str = ""
) -> SatisfactionSurvey:
    if actor.is_client and survey.client.user_id != actor.pk:
        raise NotAllowed(_("This survey is not yours."))
    if not actor.is_client:
        raise NotAllowed(_("Only the client answers the survey."))
    if survey.answered_at:
        raise Conflict(_("You have already answered this survey. Thank you."))
    if not (1 <= int(csat) <= 5):
        raise DomainError(_("Choose a satisfaction score from 1 to 5."), field="csat")
    if not (0 <= int(nps) <= 10):
        raise DomainError(_("Choose a score from 0 to 10."), field="nps")
    with transaction.atomic():
        survey.csat, survey.nps, survey.comment, survey.answered_at = (
            int(csat),
            int(nps),
            comment.strip(),
            now(),
        )
        survey.answered_via = "portal"
        audited_save(survey, actor=actor, reason="survey answered")
    return survey


# -- escalation sweep ------------------------------------------------------------------------
def _escalation_recipients(
    complaint: Complaint, level: int, people: dict[int, User], supervisors: list[User], compliance: list[User]
) -> list[User]:
    assignee = people.get(complaint.assignee_id) if complaint.assignee_id else None
    if level == EscalationLevel.WARNING:
        return [assignee] if assignee else supervisors[:1]
    if level == EscalationLevel.SUPERVISOR:
        sup = (
            assignee.supervisor
            if assignee and assignee.supervisor_id and assignee.supervisor.is_active
            else None
        )
        return [sup] if sup else supervisors[:1]
    return compliance or supervisors[:1]


NEXT_THRESHOLD_FIELD = {
    EscalationLevel.NONE: "warn_at",
    EscalationLevel.WARNING: "resolve_due_at",
    EscalationLevel.SUPERVISOR: "compliance_at",
}

LEVEL_TEXT = {
    EscalationLevel.WARNING: "75% of the resolution time used",
    EscalationLevel.SUPERVISOR: "resolution deadline breached",
    EscalationLevel.COMPLIANCE: "50% past the resolution deadline",
}


def complaint_escalation_sweep(
    *, at: datetime.datetime | None = None, batch_size: int = 1000
) -> dict[str, int]:
    """SPEC §4: warn the assignee at 75% of the budget, escalate to the supervisor at breach and
    to compliance 50% past breach — exactly once per ticket and level.

    Only tickets with `next_escalation_at <= now` are read, through the partial index on tickets
    whose clock runs, so quiet tickets cost nothing. Rows are claimed with
    SELECT ... FOR UPDATE SKIP LOCKED ordered by pk: a concurrent sweep skips them, and after it
    commits their `next_escalation_at` has moved on. The unique (complaint, level) constraint is
    the last line: a duplicate insert aborts the batch instead of escalating twice. The state
    lives in the table, so a ticket whose threshold passed while the broker was down is
    escalated by the first sweep after it returns.
    """
    at = at or now()
    totals = {"tickets": 0, "escalations": 0, "notifications": 0}
    supervisors = list(User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("pk")[:5])
    compliance = list(User.objects.filter(role=Role.COMPLIANCE, is_active=True).order_by("pk")[:5])
    while True:
        with transaction.atomic():
            batch = list(
                Complaint.objects.filter(state__in=list(CLOCK_RUNNING_STATES), next_escalation_at__lte=at)
                .select_for_update(skip_locked=True)
                .only(*SWEEP_FIELDS)
                .order_by("pk")[:batch_size]
            )
            if not batch:
                break
            done = _escalate_batch(batch, at=at, supervisors=supervisors, compliance=compliance)
            for key in totals:
                totals[key] += done[key]
        if len(batch) < batch_size:
            break
    logger.info("complaint escalation sweep: %s", totals)
    return totals


# The sweep loads only what it needs (a Client row carries encrypted fields: not loaded here).
SWEEP_FIELDS = (
    "id", "number", "subject", "client_id", "assignee_id", "state", "escalation_level",
    "warn_at", "resolve_due_at", "compliance_at",
)  # fmt: skip


def _escalate_batch(
    batch: list[Complaint], *, at: datetime.datetime, supervisors: list[User], compliance: list[User]
) -> dict[str, int]:
    escalations: list[ComplaintEscalation] = []
    notifications: list[Notification] = []
    audits: list[EntrySpec] = []
    by_level: dict[int, list[int]] = {}
    people = {
        u.pk: u
        for u in User.objects.filter(pk__in={c.assignee_id for c in batch if c.assignee_id})
        .select_related("supervisor")
        .only("id", "email", "full_name", "supervisor__id", "supervisor__email", "supervisor__full_name",
              "supervisor__is_active")
    }  # fmt: skip
    url_template = _url(Complaint(pk=987654321))
    label = Complaint._meta.label_lower
    for c in batch:
        due_levels = []
        level = c.escalation_level + 1
        while level <= EscalationLevel.COMPLIANCE:
            threshold = sla.threshold_for(c, level)
            if threshold is None or threshold > at:
                break
            due_levels.append((level, threshold))
            level += 1
        if not due_levels:  # stale pointer: just move it to the next threshold
            by_level.setdefault(c.escalation_level, []).append(c.pk)
            continue
        top = due_levels[-1][0]
        url = url_template.replace("987654321", str(c.pk))
        recipients = _escalation_recipients(c, top, people, supervisors, compliance)
        names = ", ".join(r.email for r in recipients)[:500]
        for lvl, threshold in due_levels:
            notified = lvl == top
            escalations.append(
                ComplaintEscalation(
                    complaint_id=c.pk,
                    level=lvl,
                    threshold_at=threshold,
                    escalated_at=at,
                    recipients=names if notified else "",
                    notified=notified,
                )
            )
            text = LEVEL_TEXT[lvl]
            audits.append(
                EntrySpec(
                    action=AuditAction.ESCALATION,
                    record_type=label,
                    record_id=str(c.pk),
                    record_label=f"{c.number} {c.subject}"[:200],
                    client_id=c.client_id,
                    reason=f"{text} (level {lvl})" + (f"; notified {names}" if notified else ""),
                    changes={"escalation_level": [lvl - 1, lvl], "threshold_at": threshold.isoformat()},
                )
            )
        subject = f"[{c.number}] {LEVEL_TEXT[top]}"[:200]
        body = f"{c.subject}\nDeadline: {local_datetime(c.resolve_due_at)}"
        for r in recipients:
            notifications.append(
                Notification(
                    recipient_id=r.pk, kind="complaint.escalation", subject=subject, body=body, url=url
                )
            )
        by_level.setdefault(top, []).append(c.pk)
    _insert_escalations(escalations)  # unique (complaint, level): raises on a race
    Notification.objects.bulk_create(notifications)
    # The scheduling fields are written set-based, one UPDATE per level reached (at most 3), and
    # the history library's bulk helper then writes one history row per changed ticket, so the
    # record's history (and its point-in-time view) shows every escalation. The ESCALATION audit
    # entries above say who was told and why.
    with allow_bulk_writes():
        for level, ids in by_level.items():
            fields: dict[str, Any] = {"escalation_level": level}
            if level >= EscalationLevel.SUPERVISOR:
                fields["resolution_breached"] = True
            nxt = NEXT_THRESHOLD_FIELD.get(level)
            fields["next_escalation_at"] = F(nxt) if nxt else None
            fields["next_escalation_level"] = level + 1 if nxt else EscalationLevel.NONE
            Complaint.objects.filter(pk__in=ids).update(**fields)
    changed_ids = [pk for ids in by_level.values() for pk in ids]
    if changed_ids:
        Complaint.history.bulk_history_create(
            list(Complaint.objects.filter(pk__in=changed_ids).order_by("pk")),
            update=True,
            default_change_reason="SLA escalation sweep",
            default_date=at,
        )
    audit_log_many(audits)  # one lock of the chain head for the whole batch
    # Emails go out from a worker after commit, so the sweep never waits on the mail server; the
    # outbox keeps them through a broker outage.
    ids = [n.pk for n in notifications if n.pk]
    if ids:
        outbox_enqueue(task="complaints.tasks.complaint_notification_emails_task", args=[ids])
    return {"tickets": len(batch), "escalations": len(escalations), "notifications": len(notifications)}


def _insert_escalations(rows: list[ComplaintEscalation]) -> None:
    """bulk_create, or on PostgreSQL one multi-row INSERT without building statements per field
    (a third of the sweep's Python time went into bulk_create's per-value preparation)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        ComplaintEscalation.objects.bulk_create(rows)
        return
    from psycopg2.extras import execute_values

    table = ComplaintEscalation._meta.db_table
    with connection.cursor() as cur:
        execute_values(
            cur.cursor,
            f'INSERT INTO "{table}" (complaint_id, level, threshold_at, escalated_at, recipients, notified) VALUES %s',  # noqa: S608 - table name from the model
            [
                (r.complaint_id, r.level, r.threshold_at, r.escalated_at, r.recipients, r.notified)
                for r in rows
            ],
            page_size=1000,
        )


def complaint_autoclose_sweep(*, at: datetime.datetime | None = None) -> dict[str, int]:
    """Close resolved tickets whose client stayed silent for the policy's autoclose_days."""
    at = at or now()
    closed = 0
    candidates = (
        Complaint.objects.filter(state=State.RESOLVED, resolved_at__lte=at - datetime.timedelta(days=1))
        .select_related("policy")
        .order_by("pk")
        .values_list("pk", "resolved_at", "policy__autoclose_days")
    )
    for pk, resolved_at, days in candidates:
        if resolved_at > at - datetime.timedelta(days=days):
            continue
        with transaction.atomic():
            row = (
                Complaint.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, state=State.RESOLVED)
                .first()
            )
            if row is None:
                continue
            last_client = ComplaintEvent.objects.filter(
                complaint=row, kind=EventKind.CLIENT_REPLY, created_at__gt=resolved_at
            ).exists()
            if last_client:
                continue
            complaint_transition(
                complaint=row,
                actor=None,
                to_state=State.CLOSED,
                note=_("Closed automatically after %(d)d days without a reply from the client.")
                % {"d": days},
            )
            closed += 1
    logger.info("complaint auto-close sweep: closed=%d", closed)
    return {"closed": closed}


def notification_emails_send(*, notification_ids: list[int]) -> int:
    """Email the in-app notifications with these ids (idempotent enough: a retry may resend)."""
    from django.core.mail import get_connection, send_mass_mail

    # Claim the unsent ones first (emailed_at), so a redelivered task does not send them again.
    at = now()
    pending = list(
        Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    Notification.objects.filter(pk__in=pending, emailed_at__isnull=True).update(emailed_at=at)
    rows = Notification.objects.filter(pk__in=pending, emailed_at=at).select_related("recipient")
    messages = [
        (n.subject, n.body or n.subject, settings.DEFAULT_FROM_EMAIL, [n.recipient.email])
        for n in rows
        if n.recipient.email
    ]
    try:
        return send_mass_mail(messages, connection=get_connection()) if messages else 0
    except Exception:
        Notification.objects.filter(pk__in=pending, emailed_at=at).update(emailed_at=None)
        raise


def complaint_purge_personal(complaint: Complaint) -> None:
    """Retention disposal (audit app): blank the personal content of a ticket, its timeline and
    its attachments; keep the numbers, dates, categories and flags the dashboard counts."""
    with transaction.atomic():
        complaint.subject = "[disposed]"
        complaint.description = ""
        complaint.root_cause = ""
        complaint.resolution_answer = ""
        audited_save(complaint, actor=None, reason="retention disposal: personal content blanked")
        for event in ComplaintEvent.objects.filter(complaint=complaint).exclude(body=""):
            event.body = ""
            event.save(update_fields=["body"])
        for attachment in ComplaintAttachment.objects.filter(complaint=complaint):
            attachment.file.delete(save=False)
            pk = attachment.pk
            audited_delete(attachment, actor=None, reason="retention disposal")
            # its history rows name the uploaded file: they go with it
            ComplaintAttachment.history.filter(id=pk).delete()
        survey = SatisfactionSurvey.objects.filter(complaint=complaint).exclude(comment="").first()
        if survey is not None:
            survey.comment = ""
            audited_save(survey, actor=None, reason="retention disposal: comment blanked")


# -- violation cases -------------------------------------------------------------------------
VIOLATION_FLOW = [
    ViolationStage.VERIFICATION,
    ViolationStage.INVESTIGATION,
    ViolationStage.FINDING,
    ViolationStage.ACCOUNTABILITY,
    ViolationStage.RECTIFICATION,
    ViolationStage.EVALUATION,
    ViolationStage.CLOSED,
]
# What must be written before leaving a stage.
VIOLATION_REQUIRED = {
    ViolationStage.VERIFICATION: ("verification_notes", _("Record the verification before investigating.")),
    ViolationStage.INVESTIGATION: ("investigation_notes", _("Record the investigation before the finding.")),
    ViolationStage.FINDING: ("finding", _("Record the finding before deciding an action.")),
    ViolationStage.ACCOUNTABILITY: ("accountability_action", _("Choose the accountability action.")),
    ViolationStage.EVALUATION: ("evaluation_notes", _("Record the evaluation of the measures' effect.")),
}


def _check_violation_actor(actor: User, perm: str = "complaints.manage_violation") -> None:
    if not can(actor, perm):
        raise NotAllowed(_("Only compliance officers and supervisors handle violation cases."))


def violation_open(*, complaint: Complaint, actor: User, staff_member: User, summary: str) -> ViolationCase:
    _check_violation_actor(actor)
    if not staff_member.is_workspace_user:
        raise DomainError(_("A violation case is opened against a member of staff."), field="staff_member")
    if not summary.strip():
        raise DomainError(_("Describe the alleged misconduct."), field="summary")
    with transaction.atomic():
        case = ViolationCase(
            complaint=complaint,
            client=complaint.client,
            staff_member=staff_member,
            summary=summary.strip(),
            opened_by=actor,
            opened_at=now(),
        )
        audited_save(case, actor=actor, reason="violation case opened")
        _event(
            complaint,
            kind=EventKind.NOTE,
            actor=actor,
            internal=True,
            body=_("Violation case opened against %s.") % staff_member,
        )
    return case


def violation_update(*, case: ViolationCase, actor: User, **fields: Any) -> ViolationCase:
    """Write the notes of the current stage (verification, investigation, finding, action, evaluation)."""
    _check_violation_actor(actor)
    allowed = {
        "verification_notes", "investigation_notes", "finding", "substantiated",
        "accountability_action", "action_notes", "evaluation_notes", "effective",
    }  # fmt: skip
    action = fields.get("accountability_action")
    if action and action not in AccountabilityAction.values:
        raise DomainError(_("Choose an action from the list."), field="accountability_action")
    with transaction.atomic():
        locked = ViolationCase.objects.select_for_update().get(pk=case.pk)
        if locked.stage == ViolationStage.CLOSED:
            raise Conflict(_("This violation case is closed."))
        for key, value in fields.items():
            if key in allowed and value is not None:
                setattr(locked, key, value)
        audited_save(locked, actor=actor, reason=f"violation case updated at {locked.stage}")
    return locked


def violation_advance(*, case: ViolationCase, actor: User, note: str = "") -> ViolationCase:
    """Move a violation case to its next stage (the fixed order in VIOLATION_FLOW)."""
    _check_violation_actor(actor)
    with transaction.atomic():
        locked = ViolationCase.objects.select_for_update().get(pk=case.pk)
        if locked.stage == ViolationStage.CLOSED:
            raise Conflict(_("This violation case is closed."))
        required = VIOLATION_REQUIRED.get(locked.stage)
        if locked.stage == ViolationStage.ACCOUNTABILITY and locked.sanctions.exists():
            required = None  # decided as one or more accountability actions (complaints.violations)
        if required and not getattr(locked, required[0]):
            raise Conflict(required[1])
        if locked.stage == ViolationStage.FINDING and locked.substantiated is False:
            nxt = ViolationStage.CLOSED  # not substantiated: no action, the case ends here
        else:
            nxt = VIOLATION_FLOW[VIOLATION_FLOW.index(locked.stage) + 1]
        if locked.stage == ViolationStage.RECTIFICATION and not locked.measures.exists():
            raise Conflict(_("Add at least one rectification measure with an owner and a due date."))
        if locked.stage == ViolationStage.RECTIFICATION:
            still_open = locked.measures.exclude(status=MeasureStatus.DONE).count()
            if still_open:
                raise Conflict(
                    _(
                        "%(n)s rectification measure(s) still open: the case moves to evaluation once every measure is done."
                    )
                    % {"n": still_open}
                )
        if (
            locked.stage == ViolationStage.EVALUATION
            and locked.regulator_report_due
            and not locked.regulator_reported_on
        ):
            raise Conflict(_("A major violation closes once its report to the regulator is recorded."))
        old = locked.stage
        locked.stage = nxt
        if nxt == ViolationStage.CLOSED:
            locked.closed_at = now()
        audited_save(locked, actor=actor, reason=f"{old} → {nxt}: {note}"[:250])
        audit_log(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=locked,
            reason=note or nxt,
            changes={"stage": [old, nxt]},
        )
    return locked


def measure_add(
    *, case: ViolationCase, actor: User, description: str, owner: User, due_on: datetime.date
) -> RectificationMeasure:
    _check_violation_actor(actor)
    if case.stage not in (
        ViolationStage.ACCOUNTABILITY,
        ViolationStage.RECTIFICATION,
        ViolationStage.EVALUATION,
    ):
        raise Conflict(_("Rectification measures are added once the accountability action is decided."))
    if not description.strip():
        raise DomainError(_("Describe the measure."), field="description")
    measure = RectificationMeasure(case=case, description=description.strip(), owner=owner, due_on=due_on)
    with transaction.atomic():
        audited_save(measure, actor=actor, reason="rectification measure added")
        notify(
            recipients=[owner],
            kind="complaints.measure",
            subject=_("Rectification measure due %(d)s") % {"d": due_on},
            body=description,
            url=reverse("complaints:violation_detail", args=[case.pk]),
        )
    return measure


def measure_set_status(*, measure: RectificationMeasure, actor: User, status: str) -> RectificationMeasure:
    if not (can(actor, "complaints.manage_violation") or measure.owner_id == actor.pk):
        raise NotAllowed(_("Only the owner, compliance or a supervisor update a measure."))
    if status not in MeasureStatus.values:
        raise DomainError(_("Choose a status."), field="status")
    measure.status = status
    measure.completed_on = now().date() if status == MeasureStatus.DONE else None
    with transaction.atomic():
        audited_save(measure, actor=actor, reason=f"measure {status}")
    return measure
