"""Reassignment, priority and SLA-policy changes of a complaint, deadlines recomputed (SPEC §4)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from advisory.errors import DomainError, NotAllowed
from advisory.history import audited_save
from advisory.models import User
from advisory.notifications import notify
from advisory.texts import Joined, Text, text

from .. import sla
from ..models import CLOCK_RUNNING_STATES, Complaint, EscalationLevel, EventKind, Priority, SLAPolicy, State
from .common import _can_act, _event, _url


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
        note = note.strip()
        audited_save(
            locked,
            actor=actor,
            reason=text("audit.reassigned_note", note=note[:250]) if note else text("audit.reassigned"),
        )
        names = {"a": str(old) if old else None, "b": str(assignee)}
        _event(
            locked,
            kind=EventKind.ASSIGNMENT,
            actor=actor,
            internal=True,
            body=text("event.reassigned_note", **names, note=note)
            if note
            else text("event.reassigned", **names),
        )
        notify(
            recipients=[assignee],
            kind="complaint.assigned",
            subject=text("notify.complaint_assigned", n=locked.number),
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
        changes: list[Text] = []  # each in the reader's language: priorities by their label
        if priority and priority != locked.priority:
            changes.append(
                text(
                    "event.priority_changed",
                    old=Priority(locked.priority).label,
                    new=Priority(priority).label,
                )
            )
            locked.priority = priority
        if policy and policy.pk != locked.policy_id:
            changes.append(text("event.policy_changed", old=locked.policy.name, new=policy.name))
            locked.policy = policy
        if not changes:
            return locked
        note = note.strip()
        what = Joined(changes)
        _recompute(
            locked,
            actor=actor,
            reason=text("audit.sla_changed_note", changes=what, note=note[:250])
            if note
            else text("audit.sla_changed", changes=what),
        )
        _event(
            locked,
            kind=EventKind.PRIORITY,
            actor=actor,
            internal=True,
            body=text("event.sla_changed_note", changes=what, note=note)
            if note
            else text("event.sla_changed", changes=what),
        )
    return locked


def _recompute(complaint: Complaint, *, actor: User | None, reason: Text) -> None:
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
            _recompute(locked, actor=actor, reason=text("audit.sla_policy_name_changed", name=policy.name))
        count += 1
    return count
