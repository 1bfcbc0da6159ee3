"""The SLA escalation sweep (SPEC §4): once per ticket and level, and the emails it sends."""

from __future__ import annotations

import datetime
import json
import logging
from json.encoder import encode_basestring_ascii as json_string
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy

from advisory.clock import now
from advisory.formats import local_datetime
from advisory.models import Notification, User
from advisory.outbox import outbox_enqueue
from advisory.pgarrays import pg_array
from advisory.roles import Role
from advisory.texts import encode as encode_param
from advisory.texts import recipient_language, stored_reason, text
from audit.managers import allow_bulk_writes
from audit.models import AuditAction
from audit.protection import history_digest_sql
from audit.services import EntrySpec, audit_log_many

from ..links import complaint_staff_url
from ..models import CLOCK_RUNNING_STATES, OPEN_STATES, Complaint, ComplaintEscalation, EscalationLevel

# Log under the name the package always used, so logging configuration is unchanged.
logger = logging.getLogger("complaints.services")

# An escalation notification stays open while the ticket does (done once resolved or closed).
_ESCALATION_OPEN_STATES = [str(s) for s in OPEN_STATES]


def _escalation_recipients(
    assignee: tuple | None, level: int, supervisors: list[tuple], compliance: list[tuple]
) -> list[tuple]:
    """Who is told, as (pk, email): the assignee at the warning, their active supervisor at the
    breach, every compliance officer 50% past it; any supervisor where that person is missing.
    `assignee` is (pk, email, supervisor_id, supervisor_email, supervisor_is_active)."""
    if level == EscalationLevel.WARNING:
        return [assignee[:2]] if assignee else supervisors[:1]
    if level == EscalationLevel.SUPERVISOR:
        if assignee and assignee[2] is not None and assignee[4]:
            return [(assignee[2], assignee[3])]
        return supervisors[:1]
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

# The same, in the reader's language: notifications store a text code with parameters.
LEVEL_LABEL = {
    # xgettext:no-python-format
    EscalationLevel.WARNING: gettext_lazy("75% of the resolution time used"),
    EscalationLevel.SUPERVISOR: gettext_lazy("resolution deadline breached"),
    EscalationLevel.COMPLIANCE: gettext_lazy("50% past the resolution deadline"),
}
NOTE_SUBJECT, NOTE_BODY = "notify.complaint_escalation", "notify.complaint_escalation_body"

# The reason of the sweep's history rows, stored as a code (advisory.texts.stored_reason).
HISTORY_REASON = stored_reason(text("audit.sla_escalation_sweep"))


def complaint_escalation_sweep(
    *, at: datetime.datetime | None = None, batch_size: int = 1000
) -> dict[str, int]:
    """SPEC §4: warn the assignee at 75% of the budget, escalate to the supervisor at breach and
    to compliance 50% past breach — exactly once per ticket and level.

    Only tickets with `next_escalation_at <= now` are read, found through the escalation timers'
    index (`EscalationTimer`, kept by database triggers: complaints/timers.py) and re-checked on
    the ticket, so quiet tickets cost nothing and moving a ticket's next threshold changes no
    indexed column of the tickets table. Rows are claimed with
    SELECT ... FOR UPDATE SKIP LOCKED ordered by pk: a concurrent sweep skips them, and after it
    commits their `next_escalation_at` has moved on. The unique (complaint, level) constraint is
    the last line: a duplicate insert aborts the batch instead of escalating twice. The state
    lives in the table, so a ticket whose threshold passed while the broker was down is
    escalated by the first sweep after it returns.

    Each batch is one transaction with a fixed number of statements: on PostgreSQL one INSERT each
    for escalations, notifications and audit entries, and one UPDATE … RETURNING that feeds the
    history rows (`_write_postgresql`); rows are read as tuples, never as model instances.
    """
    at = at or now()
    totals = {"tickets": 0, "escalations": 0, "notifications": 0}
    supervisors = list(
        User.objects.filter(role=Role.SUPERVISOR, is_active=True)
        .order_by("pk")
        .values_list("pk", "email")[:5]
    )
    compliance = list(
        User.objects.filter(role=Role.COMPLIANCE, is_active=True)
        .order_by("pk")
        .values_list("pk", "email")[:5]
    )
    url_parts: tuple[str, str] | None = None
    while True:
        with transaction.atomic():
            # one row more than a batch: it says whether another batch follows, so a sweep whose
            # due tickets fill its last batch exactly does not query once more to find none (the
            # extra row stays locked until this commit and is the next batch's first)
            batch = _rows(
                due_tickets(at)
                .select_for_update(skip_locked=True, of=("self",))
                .values_list(*SWEEP_FIELDS)[: batch_size + 1]
            )
            more = len(batch) > batch_size
            del batch[batch_size:]
            if not batch:
                break
            if url_parts is None:
                url_parts = _detail_url_parts()
            done = _escalate_batch(
                batch, at=at, supervisors=supervisors, compliance=compliance, url_parts=url_parts
            )
            for key in totals:
                totals[key] += done[key]
        if not more:
            break
    logger.info("complaint escalation sweep: %s", totals)
    return totals


def due_tickets(at: datetime.datetime):
    """Tickets whose next escalation threshold has passed, by id: found through the escalation
    timers' index and re-checked on the ticket itself (its state and `next_escalation_at`)."""
    return Complaint.objects.filter(
        escalation_timer__due_at__lte=at,
        state__in=list(CLOCK_RUNNING_STATES),
        next_escalation_at__lte=at,
    ).order_by("pk")


def _rows(queryset) -> list[tuple]:
    """The tuples of a `values_list` queryset. On PostgreSQL its SQL is run and fetched at once:
    the driver's values are already the fields' Python values (no converters), and the ORM's
    iteration, in chunks of 100 rows through its wrappers, cost a sweep more than the read."""
    if connection.vendor != "postgresql":
        return list(queryset)
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    if compiler.get_converters([col for col, _, _ in compiler.select]):
        return list(queryset)  # a field that converts what it reads (an encrypted one, say)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


# The sweep reads only what it needs, as tuples (a Client row carries encrypted fields: not read).
SWEEP_FIELDS = (
    "id", "number", "subject", "client_id", "assignee_id", "escalation_level",
    "warn_at", "resolve_due_at", "compliance_at",
)  # fmt: skip


def _detail_url_parts() -> tuple[str, str]:
    """The staff link of a ticket around its id, built once per sweep, not once per ticket."""
    marker = 987654321
    head, _, tail = complaint_staff_url(marker).partition(str(marker))
    return head, tail


class _Plan:
    """What one batch writes, as plain values (built by `_escalate_batch`)."""

    def __init__(self) -> None:
        # (complaint_id, level, threshold_at, recipients, notified, threshold_at in ISO 8601)
        self.escalations: list[tuple] = []
        # (recipient_id, subject, body, url, complaint id, subject params, body params): the texts
        # are stored as codes NOTE_SUBJECT / NOTE_BODY with JSON parameters, English as fallback
        self.notifications: list[tuple] = []
        self.audits: list[EntrySpec] = []
        self.by_level: dict[int, list[int]] = {}  # level reached -> ticket ids


def _escalate_batch(
    batch: list[tuple],
    *,
    at: datetime.datetime,
    supervisors: list[tuple],
    compliance: list[tuple],
    url_parts: tuple[str, str],
) -> dict[str, int]:
    plan = _Plan()
    people = {
        row[0]: row
        for row in User.objects.filter(pk__in={r[4] for r in batch if r[4]}).values_list(
            "pk", "email", "supervisor_id", "supervisor__email", "supervisor__is_active"
        )
    }
    url_head, url_tail = url_parts
    label = Complaint._meta.label_lower
    top_level = EscalationLevel.COMPLIANCE
    # the notification's text codes are registered (text() raises if not); the level's parameter
    # is encoded once per level, not once per ticket
    text(NOTE_SUBJECT), text(NOTE_BODY)
    level_json = {lvl: json.dumps(encode_param(label_text)) for lvl, label_text in LEVEL_LABEL.items()}
    # the audit reason of a level told to these names, built once: a batch has a few dozen
    # distinct ones, and audit_log_many stores each reason object once
    reasons: dict[tuple[int, str], Any] = {}

    def reason(lvl: int, names: str | None) -> Any:
        found = reasons.get((lvl, names))
        if found is None:
            found = reasons[(lvl, names)] = (
                text("audit.escalation_level", level=LEVEL_LABEL[lvl], n=lvl)
                if names is None
                else text("audit.escalation_level_notified", level=LEVEL_LABEL[lvl], n=lvl, names=names)
            )
        return found

    for pk, number, subject, client_id, assignee_id, reached, warn_at, resolve_due_at, compliance_at in batch:
        thresholds = (None, warn_at, resolve_due_at, compliance_at)  # by level
        due_levels = []
        level = reached + 1
        while level <= top_level:
            threshold = thresholds[level]
            if threshold is None or threshold > at:
                break
            due_levels.append((level, threshold))
            level += 1
        if not due_levels:  # stale pointer: just move it to the next threshold
            plan.by_level.setdefault(reached, []).append(pk)
            continue
        top = due_levels[-1][0]
        recipients = _escalation_recipients(people.get(assignee_id), top, supervisors, compliance)
        names = ", ".join(r[1] for r in recipients)[:500]
        record_id = str(pk)
        record_label = f"{number} {subject}"[:200]
        for lvl, threshold in due_levels:
            notified = lvl == top
            threshold_at = threshold.isoformat()
            plan.escalations.append((pk, lvl, threshold, names if notified else "", notified, threshold_at))
            plan.audits.append(
                EntrySpec(
                    action=AuditAction.ESCALATION,
                    record_type=label,
                    record_id=record_id,
                    record_label=record_label,
                    client_id=client_id,
                    reason=reason(lvl, names if notified else None),
                    changes={"escalation_level": [lvl - 1, lvl], "threshold_at": threshold_at},
                    # canonical_json of `changes` (sorted keys, no spaces), written directly
                    changes_text=f'{{"escalation_level":[{lvl - 1},{lvl}],"threshold_at":{json_string(threshold_at)}}}',
                )
            )
        note_subject = f"[{number}] {LEVEL_TEXT[top]}"[:200]
        body = f"{subject}\nDeadline: {local_datetime(resolve_due_at)}"
        url = f"{url_head}{pk}{url_tail}"
        # the parameters as text(NOTE_SUBJECT, number=…, level=…).params would encode them, as
        # JSON text for the jsonb columns (written around the strings: one call each, not a dumps)
        subject_params = f'{{"number": {json_string(number)}, "level": {level_json[top]}}}'
        due = json_string(resolve_due_at.isoformat())  # encode_param's {"$dt": …}
        body_params = f'{{"subject": {json_string(subject)}, "due": {{"$dt": {due}}}}}'
        for recipient_id, _email in recipients:
            plan.notifications.append(
                (recipient_id, note_subject, body, url, str(pk), subject_params, body_params)
            )
        plan.by_level.setdefault(top, []).append(pk)
    if connection.vendor == "postgresql":
        notification_ids = _write_postgresql(plan, at=at)
    else:
        notification_ids = _write_portable(plan, at=at)
    # ESCALATION audit entries say who was told and why; the first one of each ticket carries
    # the history row written for it (its digest is sealed in the chain).
    audit_log_many(plan.audits, returning=False)  # one statement; chained after commit
    # Emails go out from a worker after commit, so the sweep never waits on the mail server; the
    # outbox keeps them through a broker outage.
    if notification_ids:
        outbox_enqueue(task="complaints.tasks.complaint_notification_emails_task", args=[notification_ids])
    return {
        "tickets": len(batch),
        "escalations": len(plan.escalations),
        "notifications": len(plan.notifications),
    }


def _write_portable(plan: _Plan, *, at: datetime.datetime) -> list[int]:
    """Any database: the ORM's bulk writes, one UPDATE per level reached, and the history
    library's bulk helper (whose rows the audit entries then claim, audit.history_link)."""
    ComplaintEscalation.objects.bulk_create(  # unique (complaint, level): raises on a race
        [
            ComplaintEscalation(
                complaint_id=c, level=lvl, threshold_at=t, escalated_at=at, recipients=r, notified=n
            )
            for c, lvl, t, r, n, _iso in plan.escalations
        ]
    )
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=r,
                kind="complaint.escalation",
                subject=s,
                body=b,
                subject_code=NOTE_SUBJECT,
                subject_params=json.loads(sp),
                body_code=NOTE_BODY,
                body_params=json.loads(bp),
                url=u,
                # open while the ticket is: marked done once it is resolved or closed
                about_type=Complaint._meta.label_lower,
                about_id=a,
                open_states=_ESCALATION_OPEN_STATES,
            )
            for r, s, b, u, a, sp, bp in plan.notifications
        ]
    )
    with allow_bulk_writes():  # the history rows and audit entries are written right below
        for level, ids in plan.by_level.items():
            fields: dict[str, Any] = {"escalation_level": level}
            if level >= EscalationLevel.SUPERVISOR:
                fields["resolution_breached"] = True
            nxt = NEXT_THRESHOLD_FIELD.get(level)
            fields["next_escalation_at"] = F(nxt) if nxt else None
            fields["next_escalation_level"] = level + 1 if nxt else EscalationLevel.NONE
            Complaint.objects.filter(pk__in=ids).update(**fields)
    changed_ids = [pk for ids in plan.by_level.values() for pk in ids]
    if changed_ids:
        Complaint.history.bulk_history_create(
            list(Complaint.objects.filter(pk__in=changed_ids).order_by("pk")),
            update=True,
            default_change_reason=HISTORY_REASON,
            default_date=at,
        )
    return [n.pk for n in notifications if n.pk]


def _write_postgresql(plan: _Plan, *, at: datetime.datetime) -> list[int]:
    """PostgreSQL: three statements, values passed as array literals (no per-field preparation).

    1. the escalation rows (unique (complaint, level): a racing duplicate aborts the batch);
    2. the notifications, returning their ids for the email task;
    3. the tickets' scheduling fields in one UPDATE whose RETURNING rows become the history rows
       (`_history_sql`), so the history is written from the updated rows without reading them
       back into Python; it returns each new history row with its digest (computed from the
       row as stored, by the expression verification recomputes), which the ticket's first audit
       entry then carries (as audit.history_link would have matched it) without reading the row
       again."""
    sql = _postgresql_statements()
    with connection.cursor() as cur:
        # every column goes as one array literal (advisory.pgarrays), not one SQL value per row
        if plan.escalations:
            # the thresholds as the ISO text the audit entries already hold (not formatted again)
            cols = list(zip(*plan.escalations, strict=True))
            c, lvl, r, n, t = (pg_array(cols[i]) for i in (0, 1, 3, 4, 5))
            cur.execute(sql["escalations"], [at, c, lvl, t, r, n])
        ids: list[int] = []
        if plan.notifications:
            rcp, s, b, u, a, sp, bp = (pg_array(col) for col in zip(*plan.notifications, strict=True))
            cur.execute(
                sql["notifications"],
                [
                    timezone.now(),
                    Complaint._meta.label_lower,
                    json.dumps(_ESCALATION_OPEN_STATES),
                    rcp,
                    s,
                    b,
                    u,
                    a,
                    sp,
                    bp,
                ],
            )
            ids = [row[0] for row in cur.fetchall()]
        pairs = [(pk, level) for level, pks in plan.by_level.items() for pk in pks]
        if pairs:
            cur.execute(
                sql["history"],
                [pg_array(p[0] for p in pairs), pg_array(p[1] for p in pairs), at, HISTORY_REASON],
            )
            history = {
                complaint_id: (history_id, digest) for history_id, complaint_id, digest in cur.fetchall()
            }
            table = Complaint.history.model._meta.db_table
            for spec in plan.audits:
                row = history.pop(int(spec.record_id), None)
                if row is not None:
                    spec.history_id, spec.history_digest = row
                    spec.history_table = table
    return ids


_STATEMENTS: dict[str, str] = {}


def _postgresql_statements() -> dict[str, str]:
    """The sweep's SQL, built once from the models (a field the statements do not know about
    raises here, rather than being left out of the history silently)."""
    if _STATEMENTS:
        return _STATEMENTS
    qn = connection.ops.quote_name

    def col(model: type, name: str) -> str:
        return qn(model._meta.get_field(name).column)

    esc = ComplaintEscalation
    _STATEMENTS["escalations"] = (
        f"INSERT INTO {qn(esc._meta.db_table)} ({col(esc, 'complaint')}, {col(esc, 'level')}, "  # noqa: S608
        f"{col(esc, 'threshold_at')}, {col(esc, 'escalated_at')}, {col(esc, 'recipients')}, {col(esc, 'notified')}) "
        "SELECT c, l, t, %s, r, n FROM unnest(%s::bigint[], %s::int[], %s::timestamptz[], %s::text[], %s::bool[])"
        " AS x(c, l, t, r, n)"
    )
    note = Notification
    expected = {
        *("id", "recipient", "kind", "subject", "body", "url", "created_at", "read_at", "emailed_at"),
        *("about_type", "about_id", "open_states", "done_at"),
        *("subject_code", "subject_params", "body_code", "body_params"),
    }
    actual = {f.name for f in note._meta.concrete_fields}
    if actual != expected:
        raise ImproperlyConfigured(f"The escalation sweep writes notifications with {expected}, not {actual}")
    _STATEMENTS["notifications"] = (
        f"INSERT INTO {qn(note._meta.db_table)} ({col(note, 'recipient')}, {col(note, 'kind')}, "  # noqa: S608
        f"{col(note, 'subject')}, {col(note, 'body')}, {col(note, 'url')}, {col(note, 'created_at')}, "
        f"{col(note, 'read_at')}, {col(note, 'emailed_at')}, {col(note, 'about_type')}, "
        f"{col(note, 'about_id')}, {col(note, 'open_states')}, {col(note, 'done_at')}, "
        f"{col(note, 'subject_code')}, {col(note, 'subject_params')}, {col(note, 'body_code')}, "
        f"{col(note, 'body_params')}) "
        f"SELECT r, 'complaint.escalation', s, b, u, %s, NULL, NULL, %s, a, %s::jsonb, NULL, "
        f"'{NOTE_SUBJECT}', sp::jsonb, '{NOTE_BODY}', bp::jsonb"
        " FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[])"
        " AS x(r, s, b, u, a, sp, bp)"
        " RETURNING id"
    )
    _STATEMENTS["history"] = _history_sql()
    return _STATEMENTS


def _history_sql() -> str:
    qn = connection.ops.quote_name
    c = {f.name: qn(f.column) for f in Complaint._meta.concrete_fields}
    next_at = " ".join(
        f"WHEN {level} THEN t.{c[field]}" for level, field in sorted(NEXT_THRESHOLD_FIELD.items())
    )
    last = max(NEXT_THRESHOLD_FIELD) + 1  # the level after which nothing is next
    tracked = {f.attname: f.column for f in Complaint._meta.concrete_fields}
    history_model = Complaint.history.model
    history_table = history_model._meta.db_table
    special = {
        "history_date": "%s",
        "history_type": "'~'",
        "history_change_reason": "%s",
        "history_user_id": "NULL",
    }
    columns, values = [], []
    for f in history_model._meta.concrete_fields:
        if f.attname == "history_id":
            continue
        if f.attname in special:
            values.append(special[f.attname])
        elif f.attname in tracked:
            values.append(f"u.{qn(tracked[f.attname])}")
        else:
            raise ImproperlyConfigured(f"The escalation sweep does not know the history field {f.attname}")
        columns.append(qn(f.column))
    pk = c["id"]
    return (
        "WITH v(id, lvl) AS (SELECT * FROM unnest(%s::bigint[], %s::int[])), "  # noqa: S608
        f"u AS (UPDATE {qn(Complaint._meta.db_table)} AS t SET "
        f"{c['escalation_level']} = v.lvl, "
        f"{c['resolution_breached']} = (t.{c['resolution_breached']} OR v.lvl >= {int(EscalationLevel.SUPERVISOR)}), "
        f"{c['next_escalation_at']} = CASE v.lvl {next_at} END, "
        f"{c['next_escalation_level']} = CASE WHEN v.lvl < {last} THEN v.lvl + 1 ELSE {int(EscalationLevel.NONE)} END "
        f"FROM v WHERE t.{pk} = v.id RETURNING t.*) "
        f"INSERT INTO {qn(history_table)} AS h ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM u ORDER BY u.{pk} "
        f"RETURNING h.{qn('history_id')}, h.{qn(history_model._meta.get_field('id').column)}, "
        f"{history_digest_sql(history_table, 'h')}"
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
    messages = []
    for n in rows:  # each in its recipient's language
        if n.recipient.email:
            subject, body = n.texts_in(recipient_language(n.recipient))
            messages.append((subject, body or subject, settings.DEFAULT_FROM_EMAIL, [n.recipient.email]))
    try:
        return send_mass_mail(messages, connection=get_connection()) if messages else 0
    except Exception:
        Notification.objects.filter(pk__in=pending, emailed_at=at).update(emailed_at=None)
        raise
