"""The service record's rules (seed 000 §3.4, §6.2; seed 003 §6.2; seed 004 §七): logging
activities on the standard template, attachments, follow-up tasks and their overdue warnings,
and the advisors' secret calendar feeds. Views, the API and tasks call these only.

Kept out of clients/services.py (already ~800 lines) following CONVENTIONS "When a module grows".
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advisory.clock import now, today
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.models import User
from advisory.texts import client_language, in_language, text
from advisory.warnings import WarningSpec
from audit.models import AuditAction
from audit.services import audit_log

from .models import (
    Activity,
    ActivityAttachment,
    ActivityChannel,
    ActivityKind,
    ActivityStatus,
    CalendarFeed,
    Client,
    DocumentKind,
    FollowUpStatus,
    FollowUpTask,
)
from .rules import can

# Activities a person takes part in at a set time: they go into the calendar feed.
CALENDAR_KINDS = (ActivityKind.MEETING, ActivityKind.VISIT, ActivityKind.CALL)
# How far in the past a completed activity may be logged (a record written long after the
# contact is not a reliable record of it).
MAX_BACKDATE_DAYS = 90

A = ActivityStatus
ACTIVITY_TRANSITIONS: dict[tuple[str, str], str] = {
    (A.PLANNED, "complete"): A.COMPLETED,
    (A.PLANNED, "cancel"): A.CANCELLED,
}
F = FollowUpStatus
FOLLOW_UP_TRANSITIONS: dict[tuple[str, str], str] = {
    (F.OPEN, "done"): F.DONE,
    (F.OPEN, "cancel"): F.CANCELLED,
}


def _require(user: User, perm: str, obj: Any = None, message: str | None = None) -> None:
    if not can(user, perm, obj):
        raise NotAllowed(message or _("You are not allowed to do this."))


def _clean(value: Any) -> str:
    return (value or "").strip() if isinstance(value, str) else ""


# -- activities --------------------------------------------------------------------------------
def _check_template(*, status: str, starts_at: datetime.datetime, content: str, subject: str) -> None:
    errors: dict[str, list[str]] = {}
    if not subject:
        errors.setdefault("subject", []).append(_("Give the activity a subject."))
    current = now()
    if status == A.COMPLETED:
        if not content:
            errors.setdefault("content", []).append(
                _("Record what was discussed: the content is part of the standard service record.")
            )
        if starts_at > current + datetime.timedelta(minutes=5):
            errors.setdefault("starts_at", []).append(
                _("A completed activity cannot be in the future; plan it instead.")
            )
        if starts_at < current - datetime.timedelta(days=MAX_BACKDATE_DAYS):
            errors.setdefault("starts_at", []).append(
                _("Activities older than %(days)d days cannot be logged any more.")
                % {"days": MAX_BACKDATE_DAYS}
            )
    elif status == A.PLANNED and starts_at < current - datetime.timedelta(minutes=5):
        errors.setdefault("starts_at", []).append(_("A planned activity must be in the future."))
    if errors:
        first = next(iter(errors.values()))[0]
        raise DomainError(first, fields=errors)


def activity_log(
    *,
    client: Client,
    actor: User,
    kind: str,
    channel: str,
    starts_at: datetime.datetime,
    subject: str,
    content: str = "",
    participants: str = "",
    client_feedback: str = "",
    next_step: str = "",
    duration_minutes: int = 30,
    location: str = "",
    planned: bool = False,
    follow_up_due_on: datetime.date | None = None,
    attachments: Iterable[UploadedFile] = (),
) -> Activity:
    """Log a contact with the client on the standard template (seed 004 §七), or plan one.

    The executor is the person logging it (the responsible advisor). A completed activity needs
    its content; a next step with a due date becomes a follow-up task. Attachments go through the
    validated client-document upload."""
    _require(actor, "clients.log_activity", client, _("Only the client's advisor logs service activities."))
    if kind not in ActivityKind.values:
        raise DomainError(_("Choose a kind of activity."), field="kind")
    if channel not in ActivityChannel.values:
        raise DomainError(_("Choose a channel."), field="channel")
    status = A.PLANNED if planned else A.COMPLETED
    subject, content = _clean(subject), _clean(content)
    _check_template(status=status, starts_at=starts_at, content=content, subject=subject)
    if follow_up_due_on and not _clean(next_step):
        raise DomainError(_("Describe the next step to create a follow-up task for it."), field="next_step")
    if follow_up_due_on and follow_up_due_on < today():
        raise DomainError(_("A follow-up cannot be due in the past."), field="follow_up_due_on")
    with transaction.atomic():
        activity = Activity(
            client=client,
            kind=kind,
            channel=channel,
            starts_at=starts_at,
            duration_minutes=max(1, int(duration_minutes or 30)),
            location=_clean(location)[:200],
            subject=subject[:200],
            participants=_clean(participants)[:300],
            content=content,
            executor=actor,
            client_feedback=_clean(client_feedback),
            next_step=_clean(next_step),
            status=status,
            completed_at=None if planned else now(),
        )
        audited_save(
            activity,
            actor=actor,
            reason=text("audit.activity_planned" if planned else "audit.activity_logged"),
        )
        for upload in attachments:
            activity_attach(activity=activity, actor=actor, upload=upload)
        if follow_up_due_on:
            follow_up_create(
                client=client,
                actor=actor,
                title=activity.next_step[:200],
                due_on=follow_up_due_on,
                activity=activity,
            )
    return activity


def activity_transition(
    *,
    activity: Activity,
    actor: User,
    action: str,
    content: str = "",
    client_feedback: str = "",
    next_step: str = "",
    reason: str = "",
    follow_up_due_on: datetime.date | None = None,
) -> Activity:
    """Complete (with the template's content) or cancel (with a reason) a planned activity."""
    _require(
        actor, "clients.change_activity", activity, _("Only the client's advisor changes this activity.")
    )
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        target = ACTIVITY_TRANSITIONS.get((locked.status, action))
        if target is None:
            raise Conflict(
                _("This activity is %(status)s; it cannot be changed that way.")
                % {"status": locked.get_status_display()}
            )
        if target == A.COMPLETED:
            content = _clean(content)
            _check_template(
                status=A.COMPLETED,
                starts_at=min(locked.starts_at, now()),
                content=content,
                subject=locked.subject,
            )
            locked.content = content
            locked.client_feedback = _clean(client_feedback)
            locked.next_step = _clean(next_step)
            locked.completed_at = now()
            if locked.starts_at > locked.completed_at:
                locked.starts_at = locked.completed_at  # held earlier than planned
        else:
            reason = _clean(reason)
            if not reason:
                raise DomainError(_("Say why the activity is cancelled."), field="reason")
            locked.cancel_reason = reason[:300]
        old = locked.status
        locked.status = target
        moved = text("audit.activity_action", action=ActivityStatus(target).label)
        audited_save(locked, actor=actor, reason=moved)
        audit_log(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=locked,
            reason=reason or moved,
            changes={"status": [old, target]},
        )
        if target == A.COMPLETED and follow_up_due_on:
            if not locked.next_step:
                raise DomainError(
                    _("Describe the next step to create a follow-up task for it."), field="next_step"
                )
            follow_up_create(
                client=locked.client,
                actor=actor,
                title=locked.next_step[:200],
                due_on=follow_up_due_on,
                activity=locked,
            )
    return locked


def activity_attach(*, activity: Activity, actor: User, upload: UploadedFile) -> ActivityAttachment:
    """Attach a file to an activity through the validated client-document upload."""
    from .services import document_upload

    _require(actor, "clients.change_activity", activity, _("Only the client's advisor attaches files."))
    with transaction.atomic():
        document = document_upload(
            client=activity.client,
            actor=actor,
            upload=upload,
            kind=DocumentKind.OTHER,
            # the client reads their documents' titles in the portal: written in their language
            title=in_language(
                client_language(activity.client),
                gettext_lazy("Attachment: %(subject)s"),
                subject=activity.subject,
            ),
        )
        link = ActivityAttachment(activity=activity, document=document)
        audited_save(link, actor=actor, reason="activity attachment added")
    return link


# -- follow-up tasks ----------------------------------------------------------------------------
def follow_up_create(
    *,
    client: Client,
    actor: User,
    title: str,
    due_on: datetime.date,
    assignee: User | None = None,
    activity: Activity | None = None,
) -> FollowUpTask:
    _require(actor, "clients.log_activity", client, _("Only the client's advisor plans follow-ups."))
    title = _clean(title)
    if not title:
        raise DomainError(_("Say what needs to be done."), field="title")
    if due_on < today():
        raise DomainError(_("A follow-up cannot be due in the past."), field="due_on")
    assignee = assignee or actor
    if not assignee.is_workspace_user or not assignee.is_active:
        raise DomainError(_("Follow-ups are assigned to active staff."), field="assignee")
    task = FollowUpTask(client=client, activity=activity, title=title[:200], due_on=due_on, assignee=assignee)
    audited_save(task, actor=actor, reason="follow-up planned")
    return task


def follow_up_transition(*, task: FollowUpTask, actor: User, action: str, note: str = "") -> FollowUpTask:
    """Mark a follow-up done or cancel it (the responsible advisor or the assignee). Closing it
    closes its overdue warning at the next sweep."""
    _require(
        actor, "clients.manage_follow_up", task, _("Only the client's advisor or the assignee does this.")
    )
    with transaction.atomic():
        locked = FollowUpTask.objects.select_for_update().get(pk=task.pk)
        target = FOLLOW_UP_TRANSITIONS.get((locked.status, action))
        if target is None:
            raise Conflict(
                _("This follow-up is already %(status)s.") % {"status": locked.get_status_display()}
            )
        note = _clean(note)
        if action == "cancel" and not note:
            raise DomainError(_("Say why the follow-up is cancelled."), field="note")
        old = locked.status
        locked.status, locked.note = target, note[:300]
        locked.completed_at, locked.completed_by = now(), actor
        moved = text("audit.follow_up_action", action=FollowUpStatus(target).label)
        audited_save(locked, actor=actor, reason=moved)
        audit_log(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=locked,
            reason=note or moved,
            changes={"status": [old, target]},
        )
    return locked


def follow_up_overdue_specs(*, on: datetime.date | None = None) -> dict[tuple[str, str], WarningSpec]:
    """One warning per open follow-up task past its due date (one query)."""
    on = on or today()
    rows = (
        FollowUpTask.objects.filter(status=F.OPEN, due_on__lt=on)
        .values_list("pk", "title", "due_on", "client_id", "client__name", "assignee_id")
        .order_by("pk")
    )
    label = FollowUpTask._meta.label_lower
    url = reverse("clients:follow_up_list")
    return {
        (label, str(pk)): WarningSpec(
            message=text("warning.follow_up_overdue", title=title, client=client_name, date=due),
            advisor=assignee_id,
            client_id=client_id,
            severity="critical" if (on - due).days > 7 else "warning",
            url=url + "?state=overdue",
        )
        for pk, title, due, client_id, client_name, assignee_id in rows
    }


# -- calendar feed ------------------------------------------------------------------------------
def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_issue(*, user: User) -> str:
    """Issue a new secret feed URL token for `user`, revoking any previous one. The token is
    returned once and never stored (only its SHA-256 is)."""
    _require(user, "clients.use_calendar_feed", None, _("Calendar feeds are for staff."))
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        _revoke(user)
        feed = CalendarFeed(user=user, token_hash=_token_hash(token), created_at=now())
        try:
            with transaction.atomic():
                audited_save(feed, actor=user, reason="calendar feed issued")
        except IntegrityError as exc:  # a concurrent issue for the same user won
            raise Conflict(_("A new calendar address was just issued; reload the page.")) from exc
    return token


def _revoke(user: User) -> int:
    count = 0
    for feed in CalendarFeed.objects.select_for_update().filter(user=user, revoked_at__isnull=True):
        feed.revoked_at = now()
        audited_save(feed, actor=user, reason="calendar feed revoked")
        count += 1
    return count


def calendar_feed_revoke(*, user: User) -> int:
    """Revoke the user's calendar URL: the calendar app stops receiving updates."""
    with transaction.atomic():
        return _revoke(user)


def calendar_feed_user(*, token: str) -> User | None:
    """The active staff member whose live feed this token opens, or None."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=_token_hash(token), revoked_at__isnull=True)
        .first()
    )
    if feed is None or not feed.user.is_active or not feed.user.is_workspace_user:
        return None
    return feed.user


def calendar_feed_active(*, user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()
