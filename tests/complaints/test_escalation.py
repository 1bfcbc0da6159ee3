"""Escalation sweep (SPEC §4): each level once and only once, through the due index, after
broker downtime, and with two sweeps racing on PostgreSQL."""

import datetime
import io
import json
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from advisory.models import Notification
from advisory.texts import stored_reason, text
from audit.models import AuditAction, AuditEntry
from complaints import services
from complaints.models import Complaint, ComplaintEscalation, EscalationLevel
from complaints.services.escalation import HISTORY_REASON
from complaints.tasks import complaint_escalation_sweep_task
from tests.complaints.factories import make_client, make_complaint

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SH)


@pytest.fixture
def ticket(advisor, compliance_officer):
    client = make_client(advisor=advisor)
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):  # Monday; urgent = 16 business hours
        return make_complaint(client=client, priority="urgent")


def test_thresholds_are_stored_on_the_ticket(ticket):
    assert ticket.warn_at == at(2026, 3, 10, 14)  # 12 h
    assert ticket.resolve_due_at == at(2026, 3, 11, 10)
    assert ticket.compliance_at == at(2026, 3, 12, 10)  # 24 h
    assert ticket.next_escalation_at == ticket.warn_at
    assert ticket.next_escalation_level == EscalationLevel.WARNING


def test_nothing_happens_before_the_first_threshold(ticket):
    with time_machine.travel(at(2026, 3, 10, 13, 59), tick=False):
        result = services.complaint_escalation_sweep()
    assert result["escalations"] == 0
    assert not ComplaintEscalation.objects.exists()


def test_each_level_fires_once_and_only_once(
    ticket, advisor, supervisor, compliance_officer, django_capture_on_commit_callbacks
):
    # warning at 75%: to the assignee, once even if the sweep runs again
    with (
        time_machine.travel(at(2026, 3, 10, 14, 1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.complaint_escalation_sweep()
        services.complaint_escalation_sweep()
    assert list(ComplaintEscalation.objects.values_list("level", flat=True)) == [1]
    assert Notification.objects.filter(kind="complaint.escalation", recipient=advisor).count() == 1
    # breach: to the assignee's supervisor
    with (
        time_machine.travel(at(2026, 3, 11, 10, 1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        complaint_escalation_sweep_task.delay()
        complaint_escalation_sweep_task.delay()
    assert Notification.objects.filter(kind="complaint.escalation", recipient=supervisor).count() == 1
    # 50% past breach: to compliance
    with (
        time_machine.travel(at(2026, 3, 12, 10, 1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.complaint_escalation_sweep()
        services.complaint_escalation_sweep()
    assert Notification.objects.filter(kind="complaint.escalation", recipient=compliance_officer).count() == 1
    assert list(ComplaintEscalation.objects.order_by("level").values_list("level", flat=True)) == [1, 2, 3]
    ticket.refresh_from_db()
    assert ticket.escalation_level == 3 and ticket.next_escalation_at is None and ticket.resolution_breached
    # each escalation is an audit event and an email
    assert AuditEntry.objects.filter(action=AuditAction.ESCALATION, record_id=str(ticket.pk)).count() == 3
    assert len([m for m in mail.outbox if ticket.number in m.subject]) == 3, [
        (m.subject, m.to) for m in mail.outbox
    ]
    assert ticket.escalations.filter(notified=True).count() == 3


def test_deadline_passed_while_broker_was_down_is_escalated_on_first_sweep(
    ticket, supervisor, compliance_officer
):
    # given no sweep ran for days (broker down): every threshold has passed
    with time_machine.travel(at(2026, 3, 16, 9, 30), tick=False):
        # when the first sweep after the outage runs
        result = services.complaint_escalation_sweep()
    # then all levels are recorded once, and only the highest is notified (no stale warnings)
    assert result["escalations"] == 3
    assert result["notifications"] == 1
    assert Notification.objects.filter(kind="complaint.escalation", recipient=compliance_officer).count() == 1
    assert list(ComplaintEscalation.objects.filter(notified=True).values_list("level", flat=True)) == [3]
    with time_machine.travel(at(2026, 3, 16, 9, 31), tick=False):
        assert services.complaint_escalation_sweep()["escalations"] == 0


def test_escalation_leaves_history_on_the_ticket(ticket):
    # given the ticket's history so far
    rows_before = ticket.history.count()
    # when the breach sweep escalates it
    with time_machine.travel(at(2026, 3, 11, 10, 1), tick=False):
        services.complaint_escalation_sweep()
    # then one history row records the new level, and the point-in-time view shows it
    latest = ticket.history.order_by("-history_id").first()
    assert ticket.history.count() == rows_before + 1
    assert latest.history_change_reason == stored_reason(text("audit.sla_escalation_sweep"))
    assert latest.escalation_level == EscalationLevel.SUPERVISOR and latest.resolution_breached
    assert ticket.history.as_of(at(2026, 3, 11, 10, 2)).escalation_level == EscalationLevel.SUPERVISOR


@pytest.mark.parametrize("chain_mode", ["inline", "deferred"])
def test_escalation_entries_seal_the_history_rows_and_the_chain_verifies(
    ticket, supervisor, compliance_officer, chain_mode, settings
):
    # given every threshold passed (three levels in one sweep), the chain written inline or, as
    # deployed on PostgreSQL, after commit (the entries inserted straight from their values)
    from audit.sequencer import chain_batch
    from audit.services import audit_verify

    if chain_mode == "deferred" and connection.vendor != "postgresql":
        pytest.skip("the chain is written after commit on PostgreSQL only")
    settings.AUDIT_CHAIN_MODE = chain_mode
    # when the sweep escalates the ticket (and, deferred, the sequencer chains its entries)
    with time_machine.travel(at(2026, 3, 16, 9, 30), tick=False):
        services.complaint_escalation_sweep()
    chain_batch(wait=True)
    # then the first ESCALATION entry carries the history row the sweep wrote, with its digest
    history = ticket.history.filter(history_change_reason=HISTORY_REASON).get()
    entries = list(
        AuditEntry.objects.filter(action=AuditAction.ESCALATION, record_id=str(ticket.pk)).order_by(
            "sequence"
        )
    )
    assert [e.changes["escalation_level"] for e in entries] == [[0, 1], [1, 2], [2, 3]]
    assert entries[0].history_id == history.history_id
    if connection.vendor == "postgresql":  # the digest returned as the row was written is the row's
        from audit.protection import history_digest_sql

        table = history._meta.db_table
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT {history_digest_sql(table)} FROM {table} h WHERE history_id = %s",
                [history.history_id],
            )
            assert entries[0].history_hash == cur.fetchone()[0] != ""
    assert [e.history_id for e in entries[1:]] == [None, None]
    # the changes are stored as their canonical JSON text (the bytes the content hash covers)
    from audit.fields import canonical_json

    with connection.cursor() as cur:
        cur.execute(
            "SELECT changes FROM audit_auditentry WHERE action = %s AND record_id = %s ORDER BY sequence",
            [AuditAction.ESCALATION, str(ticket.pk)],
        )
        stored = [row[0] for row in cur.fetchall()]
    assert stored == [canonical_json(e.changes) for e in entries]
    warn_at = ticket.warn_at.astimezone(datetime.UTC).isoformat()
    assert stored[0] == f'{{"escalation_level":[0,1],"threshold_at":"{warn_at}"}}'
    assert history.escalation_level == EscalationLevel.COMPLIANCE and history.next_escalation_at is None
    # and the whole trail, history rows included, still verifies
    result = audit_verify()
    assert result.intact, result


def test_paused_ticket_is_not_escalated(ticket, advisor):
    with time_machine.travel(at(2026, 3, 9, 11), tick=False):
        t = services.complaint_act(complaint=ticket, actor=advisor, action="acknowledge")
        t = services.complaint_act(complaint=t, actor=advisor, action="investigate")
        services.complaint_act(complaint=t, actor=advisor, action="wait_on_client")
    with time_machine.travel(at(2026, 3, 20, 10), tick=False):
        assert services.complaint_escalation_sweep()["escalations"] == 0


def test_breach_goes_to_any_supervisor_when_assignee_has_none(supervisor, compliance_officer):
    from advisory.roles import Role
    from tests.factories import UserFactory

    lonely = UserFactory(role=Role.ADVISOR, supervisor=None)
    client = make_client(advisor=lonely)
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        make_complaint(client=client, priority="urgent")
    with time_machine.travel(at(2026, 3, 11, 11), tick=False):
        services.complaint_escalation_sweep()
    assert Notification.objects.filter(kind="complaint.escalation", recipient=supervisor).count() == 1


def test_sweep_reads_only_due_tickets(advisor, django_assert_max_num_queries):
    # given 30 quiet tickets and 2 due ones
    client = make_client(advisor=advisor)
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        for _ in range(2):
            make_complaint(client=client, priority="urgent")
    with time_machine.travel(at(2026, 3, 10, 10), tick=False):
        for _ in range(30):
            make_complaint(client=client, priority="low")
    # when / then: a fixed number of statements, independent of the quiet rows (PostgreSQL's
    # set-based writes; SQLite's portable path runs the ORM's bulk writes and the inline chain)
    limit = 15 if connection.vendor == "postgresql" else 24
    with time_machine.travel(at(2026, 3, 10, 15), tick=False), django_assert_max_num_queries(limit):
        result = services.complaint_escalation_sweep()
    assert result["tickets"] == 2


@pytest.mark.parametrize("batch_size", [1, 2, 3, 5])
def test_batches_escalate_every_due_ticket_once_and_a_full_last_batch_ends_the_sweep(advisor, batch_size):
    # given 5 tickets past their first threshold (a warning each)
    client = make_client(advisor=advisor)
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        tickets = [make_complaint(client=client, priority="urgent") for _ in range(5)]
    # when the sweep runs in batches of 1, 2, 3 and 5 tickets
    with time_machine.travel(at(2026, 3, 10, 15), tick=False), CaptureQueriesContext(connection) as captured:
        result = services.complaint_escalation_sweep(batch_size=batch_size)
    # then each ticket is warned once, and the tickets are read once per batch: a last batch that
    # is exactly full (5 by 1 or by 5) is not followed by a read that finds nothing
    assert result["tickets"] == 5
    levels = ComplaintEscalation.objects.filter(complaint__in=tickets).values_list("complaint_id", "level")
    assert sorted(levels) == sorted((t.pk, EscalationLevel.WARNING) for t in tickets)
    reads = [
        q
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and "escalationtimer" in q["sql"]
    ]
    assert len(reads) == -(-5 // batch_size)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_racing_escalate_each_level_once(advisor, supervisor, compliance_officer):
    # given 40 tickets past every threshold
    client = make_client(advisor=advisor)
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        for _ in range(40):
            make_complaint(client=client, priority="urgent")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep() -> None:
        try:
            barrier.wait()
            with time_machine.travel(at(2026, 3, 16, 10), tick=False):
                results.append(services.complaint_escalation_sweep(batch_size=7))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    # when two workers sweep at the same moment
    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then every (ticket, level) escalated exactly once, and one notification per ticket
    assert not errors
    assert ComplaintEscalation.objects.count() == 40 * 3
    assert sum(r["escalations"] for r in results) == 40 * 3
    assert Notification.objects.filter(kind="complaint.escalation").count() == 40
    assert AuditEntry.objects.filter(action=AuditAction.ESCALATION).count() == 40 * 3
    assert set(Complaint.objects.values_list("escalation_level", flat=True)) == {3}


@pytest.mark.postgres
def test_sweep_finds_due_tickets_through_the_timers_index(ticket):
    from complaints.services.escalation import due_tickets

    # given: 5,000 open tickets (copies of one), a handful of them due
    columns = [f.column for f in Complaint._meta.concrete_fields if f.column != "id"]
    values = [
        "'CP-T-' || g"
        if c == "number"
        else "CASE WHEN g %% 1000 = 0 THEN next_escalation_at ELSE next_escalation_at + interval '30 days' END"
        if c == "next_escalation_at"
        else c
        for c in columns
    ]
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO complaints_complaint ({', '.join(columns)}) SELECT {', '.join(values)}"  # noqa: S608
            " FROM complaints_complaint, generate_series(1, 5000) AS g WHERE id = %s",
            [ticket.pk],
        )
        cur.execute("ANALYZE complaints_complaint; ANALYZE complaints_escalationtimer")
    # when
    plan = due_tickets(ticket.next_escalation_at).explain()
    # then: the due ones are found through the timers' index, not by reading every open ticket
    assert "complaints_escalationtimer_due_at" in plan
    assert due_tickets(ticket.next_escalation_at).count() == 1 + 5


def test_escalation_notification_is_done_once_the_ticket_is_resolved(ticket, advisor):
    from complaints.models import State

    # given an escalation warning to the assignee
    with time_machine.travel(at(2026, 3, 10, 14, 1), tick=False):
        services.complaint_escalation_sweep()
    warning = Notification.objects.get(kind="complaint.escalation", recipient=advisor)
    assert warning.about_id == str(ticket.pk) and warning.done_at is None
    # when the ticket moves on but stays open, the warning still applies
    for state in (State.ACKNOWLEDGED, State.INVESTIGATING):
        services.complaint_transition(complaint=ticket, actor=advisor, to_state=state)
    warning.refresh_from_db()
    assert warning.done_at is None
    # when it is resolved
    from advisory.history import audited_save

    ticket.refresh_from_db()
    ticket.resolution_answer = "Refunded the double charge."
    audited_save(ticket, actor=advisor, reason="answer recorded")
    services.complaint_transition(complaint=ticket, actor=advisor, to_state=State.RESOLVED)
    # then the warning is marked done (and no longer counts as unread)
    warning.refresh_from_db()
    assert warning.done_at is not None and warning.read_at is not None


def test_escalation_notification_stores_its_texts_as_codes_read_in_each_language(ticket, advisor):
    from complaints.services.escalation import LEVEL_LABEL, NOTE_BODY, NOTE_SUBJECT

    # when the warning is sent
    with time_machine.travel(at(2026, 3, 10, 14, 1), tick=False):
        services.complaint_escalation_sweep()
    note = Notification.objects.get(kind="complaint.escalation", recipient=advisor)
    # then its parameters are those the registered texts take, encoded as text() encodes them
    level = EscalationLevel.WARNING
    assert (note.subject_code, note.body_code) == (NOTE_SUBJECT, NOTE_BODY)
    assert note.subject_params == text(NOTE_SUBJECT, number=ticket.number, level=LEVEL_LABEL[level]).params
    expected = text(NOTE_BODY, subject=ticket.subject, due=ticket.resolve_due_at).params
    assert note.body_params["subject"] == expected["subject"]
    stored_due = datetime.datetime.fromisoformat(note.body_params["due"]["$dt"])
    assert stored_due == datetime.datetime.fromisoformat(expected["due"]["$dt"]) == ticket.resolve_due_at
    # and each reader gets it in their language, the deadline in the firm's time zone
    english, chinese = note.texts_in("en"), note.texts_in("zh-hans")
    assert ticket.number in english[0] and "75%" in english[0]
    assert english[0] != chinese[0] and ticket.number in chinese[0]
    assert "2026-03-11 10:00" in english[1] and "2026-03-11 10:00" in chinese[1]  # 02:00 UTC


def test_sweep_command_escalates_once_and_reports_the_counts(
    ticket, advisor, django_capture_on_commit_callbacks
):
    # given the warning threshold has passed
    out = io.StringIO()
    with (
        time_machine.travel(at(2026, 3, 10, 14, 1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        # when the command runs twice (cron overlapping a manual run)
        call_command("complaint_escalation_sweep", stdout=out)
        call_command("complaint_escalation_sweep", stdout=out)
    # then the level is escalated once, with its notification and link to the ticket
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first == {"tickets": 1, "escalations": 1, "notifications": 1}
    assert second == {"tickets": 0, "escalations": 0, "notifications": 0}
    note = Notification.objects.get(kind="complaint.escalation", recipient=advisor)
    assert note.url == reverse("complaints:detail", args=[ticket.pk])


def test_rows_read_at_once_are_the_orm_values_and_converting_fields_go_through_the_orm(ticket):
    from clients.models import Client
    from complaints.services.escalation import SWEEP_FIELDS, _rows

    tickets = Complaint.objects.filter(pk=ticket.pk).values_list(*SWEEP_FIELDS)
    assert _rows(tickets) == list(tickets) and len(list(tickets)) == 1
    # an encrypted field converts what it reads: the ORM's values, not the stored ciphertext
    ticket.client.email = "reader@example.com"
    ticket.client.save(update_fields=["email"])
    assert _rows(Client.objects.filter(pk=ticket.client_id).values_list("email")) == [("reader@example.com",)]
