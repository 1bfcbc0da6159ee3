"""Escalation timers (complaints/timers.py): a narrow copy of each running ticket's next escalation
instant, kept by database triggers through every way a ticket is written, so the sweep can find
due tickets without an index on the tickets' own moving column."""

import datetime
import random
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction

from audit.managers import allow_bulk_writes
from complaints import services
from complaints.models import CLOCK_RUNNING_STATES, Complaint, EscalationLevel, EscalationTimer, State
from complaints.services.escalation import complaint_escalation_sweep
from complaints.timers import install_timer_triggers
from tests.complaints.factories import make_client, make_complaint

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SH)


def _timers() -> dict[int, datetime.datetime]:
    return dict(EscalationTimer.objects.values_list("complaint_id", "due_at"))


def _expected() -> dict[int, datetime.datetime]:
    """What the timers must be: every ticket whose clock runs and that has a threshold ahead."""
    return dict(
        Complaint.objects.filter(
            state__in=list(CLOCK_RUNNING_STATES), next_escalation_at__isnull=False
        ).values_list("pk", "next_escalation_at")
    )


def test_a_tickets_timer_follows_it_through_pause_resume_resolution_and_reopening(advisor):
    client = make_client(advisor=advisor)
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):  # Monday
        # given: a new ticket
        c = make_complaint(client=client, priority="urgent")
        # then: its timer is its first threshold, the 75 % warning
        assert _timers() == {c.pk: c.warn_at}
        c = services.complaint_act(complaint=c, actor=advisor, action="acknowledge")
        c = services.complaint_act(complaint=c, actor=advisor, action="investigate")
        assert _timers() == {c.pk: c.warn_at}
        # when: waiting on the client stops the clock
        c = services.complaint_act(complaint=c, actor=advisor, action="wait_on_client", note="statement")
        # then: no timer
        assert _timers() == {}
    with time_machine.travel(at(2026, 3, 10, 11), tick=False):
        # when: the clock runs again, with the paused time added
        c = services.complaint_act(complaint=c, actor=advisor, action="resume")
        # then: the timer is back, at the moved threshold
        assert _timers() == {c.pk: c.warn_at}
        # when: the priority changes, the deadlines move and so does the timer
        c = services.complaint_change_sla(complaint=c, actor=advisor, priority="normal")
        assert _timers() == {c.pk: c.warn_at}
        # when: resolved
        c = services.complaint_resolve(
            complaint=c, actor=advisor, root_cause="Fee table out of date", resolution_answer="Refunded."
        )
        assert c.state == State.RESOLVED
        assert _timers() == {}
        # when: reopened, the clock runs again
        c = services.complaint_act(complaint=c, actor=advisor, action="reopen", note="client disagrees")
        assert _timers() == {c.pk: c.next_escalation_at}
    assert _timers() == _expected()


def test_the_sweep_moves_the_timer_to_the_next_level_and_removes_it_after_the_last(
    advisor, compliance_officer
):
    client = make_client(advisor=advisor)
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        c = make_complaint(client=client, priority="urgent")
    # when: swept past the warning
    complaint_escalation_sweep(at=c.warn_at)
    c.refresh_from_db()
    # then: the timer now points at the breach
    assert c.escalation_level == EscalationLevel.WARNING
    assert _timers() == {c.pk: c.resolve_due_at}
    # when: swept past the last threshold
    complaint_escalation_sweep(at=c.compliance_at)
    c.refresh_from_db()
    # then: nothing is left to escalate, and no timer
    assert c.escalation_level == EscalationLevel.COMPLIANCE
    assert _timers() == {}


@pytest.mark.parametrize("body", ["as installed", "without MERGE"])
def test_every_way_of_writing_tickets_keeps_the_timers_exact(advisor, body):
    if body == "without MERGE":  # the trigger body for PostgreSQL before 15, checked on this server
        if connection.vendor != "postgresql":
            pytest.skip("PostgreSQL only")
        install_timer_triggers(merge=False)  # rolled back with the test's transaction
    # given: twenty tickets
    client = make_client(advisor=advisor)
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        tickets = [make_complaint(client=client) for _ in range(20)]
    ids = [t.pk for t in tickets]
    rng = random.Random(18)
    states = [s.value for s in State]
    base = at(2026, 3, 20, 9)
    for round_ in range(30):
        chosen = rng.sample(ids, rng.randint(1, 6))
        when = None if rng.random() < 0.2 else base + datetime.timedelta(hours=rng.randint(0, 500))
        state = rng.choice(states)
        # when: a bulk update through the ORM, raw SQL, or a plain save
        how = round_ % 3
        if how == 0:
            with allow_bulk_writes():
                Complaint.objects.filter(pk__in=chosen).update(next_escalation_at=when, state=state)
        elif how == 1:
            with connection.cursor() as cur:
                for pk in chosen:
                    cur.execute(
                        "UPDATE complaints_complaint SET next_escalation_at = %s, state = %s WHERE id = %s",
                        [when, state, pk],
                    )
        else:
            for ticket in Complaint.objects.filter(pk__in=chosen):
                ticket.next_escalation_at, ticket.state = when, state
                ticket.save()
        # then, after every write: the timers are exactly the running tickets' next thresholds
        assert _timers() == _expected(), f"round {round_} ({['bulk', 'raw', 'save'][how]})"
    assert _expected()  # some tickets ended with a running clock, others not
    assert len(_expected()) < len(ids)


def test_a_rolled_back_write_leaves_the_timer_as_it_was(advisor):
    client = make_client(advisor=advisor)
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        c = make_complaint(client=client)
    before = _timers()
    with pytest.raises(RuntimeError), transaction.atomic():
        c.state = State.RESOLVED
        c.save()
        assert _timers() == {}
        raise RuntimeError("the resolution fails")
    assert _timers() == before == {c.pk: c.warn_at}


def test_the_triggers_are_installed_again_by_every_migrate(advisor):
    # given: the triggers dropped (as SQLite does when a migration rebuilds the table)
    with connection.cursor() as cur:
        for name in ("complaints_escalation_timer_insert", "complaints_escalation_timer_update"):
            if connection.vendor == "postgresql":
                cur.execute(f"DROP TRIGGER {name} ON complaints_complaint")
            else:
                cur.execute(f"DROP TRIGGER {name}")
    client = make_client(advisor=advisor)
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        lost = make_complaint(client=client)
    assert _timers() == {}  # no trigger, no timer
    # when
    call_command("migrate", verbosity=0)
    # then: new writes keep their timers again
    with time_machine.travel(at(2026, 3, 9, 11), tick=False):
        kept = make_complaint(client=client)
    assert _timers() == {kept.pk: kept.warn_at}
    lost.save()
    assert _timers() == _expected()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_sweep_updates_warned_tickets_in_place_with_no_index_entries(advisor, compliance_officer):
    """The point of the timers: moving a ticket's next threshold changes no indexed column, so
    PostgreSQL updates the row in place (HOT) instead of adding an entry to each of its indexes.

    An in-place update also needs room on the row's page. The tickets are committed and the table
    vacuumed first, so the room does not depend on what earlier tests on this worker left in the
    table (rolled-back rows, or this transaction's own earlier versions, occupy a page until a
    vacuum or a prune removes them)."""
    client = make_client(advisor=advisor)
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        tickets = [make_complaint(client=client, priority="urgent") for _ in range(5)]
    with connection.cursor() as cur:
        cur.execute("VACUUM complaints_complaint")

    def counters() -> tuple[int, int]:  # this transaction's updates of tickets: all, in place
        with connection.cursor() as cur:
            cur.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'complaints_complaint'"
            )
            return cur.fetchone()

    with transaction.atomic():
        before = counters()
        complaint_escalation_sweep(at=tickets[0].warn_at)
        after = counters()
    assert Complaint.objects.filter(escalation_level=EscalationLevel.WARNING).count() == 5
    assert after[0] - before[0] == 5  # five tickets updated
    assert after[1] - before[1] == 5  # all five in place


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_ticket_number_has_its_unique_index_and_no_pattern_index():
    """Migration 0019: the number is searched with icontains (no btree index serves it) or exactly
    (the unique index); the `varchar_pattern_ops` copy Django adds is not kept."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'complaints_complaint' AND indexdef LIKE %s",
            ["%(number%"],
        )
        definitions = [row[0] for row in cur.fetchall()]
    assert len(definitions) == 1 and definitions[0].startswith("CREATE UNIQUE INDEX"), definitions
