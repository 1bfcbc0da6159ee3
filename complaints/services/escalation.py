"""The SLA escalation sweep (SPEC §4): once per ticket and level, and the emails it sends."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from advisory.clock import now
from advisory.formats import local_datetime
from advisory.models import Notification, User
from advisory.outbox import outbox_enqueue
from advisory.roles import Role
from audit.managers import allow_bulk_writes
from audit.models import AuditAction
from audit.services import EntrySpec, audit_log_many

from .. import sla
from ..models import CLOCK_RUNNING_STATES, OPEN_STATES, Complaint, ComplaintEscalation, EscalationLevel
from .common import _url

# Log under the name the package always used, so logging configuration is unchanged.
logger = logging.getLogger("complaints.services")


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
                    recipient_id=r.pk,
                    kind="complaint.escalation",
                    subject=subject,
                    body=body,
                    url=url,
                    # open while the ticket is: done once it is resolved or closed
                    about_type=label,
                    about_id=str(c.pk),
                    open_states=[str(s) for s in OPEN_STATES],
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
