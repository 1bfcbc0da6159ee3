"""SLA deadlines in business time (SPEC §4): weekends, CN public holidays, business-hour
boundaries, pauses, and priority/policy changes that keep the pause time."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from complaints import services, sla
from complaints.models import SLAPolicy, State
from tests.complaints.factories import make_client, make_complaint

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SH)


@pytest.fixture
def policy(db):
    return services.default_policy()


def test_resolution_deadline_skips_the_weekend(policy):
    # given a normal ticket (10 business days) received Friday 2026-03-06 10:00
    d = sla.compute_deadlines(received_at=at(2026, 3, 6, 10), priority="normal", policy=policy)
    # then it is due ten business days later at the same hour, Friday 2026-03-20 10:00
    assert d.resolve_due_at == at(2026, 3, 20, 10)
    # 75% of 80 business hours = 60 h = 7.5 days → Tuesday 2026-03-17 14:00
    assert d.warn_at == at(2026, 3, 17, 14)
    # acknowledgement: "24 hours" = one business day (8 business hours) → the next business day,
    # Monday 10:00, skipping the weekend
    assert d.ack_due_at == at(2026, 3, 9, 10)


def test_acknowledgement_is_never_due_after_resolution(policy):
    # given a policy with a long acknowledgement time and an urgent (2-day) ticket
    policy.ack_business_hours = 40
    d = sla.compute_deadlines(received_at=at(2026, 3, 9, 10), priority="urgent", policy=policy)
    # then acknowledgement is due no later than the resolution deadline
    assert d.resolve_due_at == at(2026, 3, 11, 10)
    assert d.ack_due_at == d.resolve_due_at


def test_urgent_ticket_received_friday_afternoon_is_due_tuesday(policy):
    d = sla.compute_deadlines(received_at=at(2026, 3, 6, 16), priority="urgent", policy=policy)
    assert d.resolve_due_at == at(2026, 3, 10, 16)


def test_national_day_holidays_do_not_count(policy):
    # received Wednesday 2026-09-30 15:00; Oct 1-7 are holidays, Oct 8 is the next working day
    d = sla.compute_deadlines(received_at=at(2026, 9, 30, 15), priority="urgent", policy=policy)
    # 2 days = 16 h: 2 h on Sep 30, 8 h on Oct 8, 6 h on Oct 9 → Oct 9 15:00
    assert d.resolve_due_at == at(2026, 10, 9, 15)


def test_make_up_working_saturday_counts(policy):
    # Oct 10 2026 is a Saturday working day in mainland China
    d = sla.compute_deadlines(received_at=at(2026, 10, 9, 9), priority="urgent", policy=policy)
    assert d.resolve_due_at == at(2026, 10, 10, 17)


def test_received_outside_business_hours_starts_at_next_opening(policy):
    # Saturday night → the clock starts Monday 09:00
    d = sla.compute_deadlines(received_at=at(2026, 3, 7, 22, 30), priority="urgent", policy=policy)
    assert d.resolve_due_at == at(2026, 3, 10, 17)
    # received at 17:00 exactly (closing time): nothing left that day
    d2 = sla.compute_deadlines(received_at=at(2026, 3, 9, 17), priority="urgent", policy=policy)
    assert d2.resolve_due_at == at(2026, 3, 11, 17)


def _investigating(client):
    c = make_complaint(client=client, priority="normal")
    c = services.complaint_act(complaint=c, actor=client.advisor, action="acknowledge")
    return services.complaint_act(complaint=c, actor=client.advisor, action="investigate")


def test_waiting_on_client_pauses_the_clock_and_adds_the_span_back(advisor):
    client = make_client(advisor=advisor)
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):  # Monday
        c = _investigating(client)
        due_before = c.resolve_due_at
        assert due_before == at(2026, 3, 23, 10)
        c = services.complaint_act(complaint=c, actor=advisor, action="wait_on_client", note="need statement")
        assert c.next_escalation_at is None and c.paused_at is not None
    # the client answers on Wednesday 11:00: 2 days and 1 hour = 17 business hours paused
    with time_machine.travel(at(2026, 3, 11, 11), tick=False):
        c = services.complaint_act(complaint=c, actor=advisor, action="resume")
    assert c.paused_seconds == 17 * 3600
    assert c.resolve_due_at == at(2026, 3, 25, 11)
    assert c.next_escalation_at == c.warn_at


def test_pause_over_a_weekend_counts_only_business_time(advisor):
    client = make_client(advisor=advisor)
    with time_machine.travel(at(2026, 3, 13, 16), tick=False):  # Friday 16:00
        c = _investigating(client)
        c = services.complaint_act(complaint=c, actor=advisor, action="wait_on_client")
    with time_machine.travel(at(2026, 3, 16, 10), tick=False):  # Monday 10:00
        c = services.complaint_act(complaint=c, actor=advisor, action="resume")
    assert c.paused_seconds == 2 * 3600  # Fri 16-17 and Mon 9-10


def test_changing_priority_keeps_accumulated_pause(advisor):
    client = make_client(advisor=advisor)
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        c = _investigating(client)
        c = services.complaint_act(complaint=c, actor=advisor, action="wait_on_client")
    with time_machine.travel(at(2026, 3, 10, 10), tick=False):
        c = services.complaint_act(complaint=c, actor=advisor, action="resume")
        assert c.paused_seconds == 8 * 3600
        # when
        c = services.complaint_change_sla(
            complaint=c, actor=advisor, priority="urgent", note="escalated by client"
        )
    # then urgent (2 days) + 1 paused day from Monday 10:00 → Thursday 10:00
    assert c.paused_seconds == 8 * 3600
    assert c.resolve_due_at == at(2026, 3, 12, 10)
    assert c.events.filter(kind="priority").exists()


def test_changing_policy_keeps_accumulated_pause(advisor):
    client = make_client(advisor=advisor)
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        c = _investigating(client)
        c = services.complaint_act(complaint=c, actor=advisor, action="wait_on_client")
    with time_machine.travel(at(2026, 3, 10, 10), tick=False):
        c = services.complaint_act(complaint=c, actor=advisor, action="resume")
        strict = SLAPolicy.objects.create(name="Strict", normal_days=3)
        c = services.complaint_change_sla(complaint=c, actor=advisor, policy=strict)
    assert c.paused_seconds == 8 * 3600
    assert c.resolve_due_at == at(2026, 3, 13, 10)  # 3 days + 1 paused day


def test_admin_policy_edit_recomputes_open_tickets_and_keeps_pause(advisor):
    client = make_client(advisor=advisor)
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        c = _investigating(client)
        c = services.complaint_act(complaint=c, actor=advisor, action="wait_on_client")
    with time_machine.travel(at(2026, 3, 10, 10), tick=False):
        c = services.complaint_act(complaint=c, actor=advisor, action="resume")
        policy = c.policy
        policy.normal_days = 4
        policy.save()
        assert services.sla_policy_apply(policy=policy, actor=None) == 1
    c.refresh_from_db()
    assert c.resolve_due_at == at(2026, 3, 16, 10)  # 4 days + 1 paused day, over the weekend


def test_deadlines_are_not_recomputed_by_unrelated_changes(advisor, colleague):
    client = make_client(advisor=advisor)
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        c = _investigating(client)
    due = c.resolve_due_at
    with time_machine.travel(at(2026, 3, 12, 10), tick=False):
        c = services.complaint_reassign(complaint=c, actor=advisor, assignee=colleague, note="holiday")
    assert c.resolve_due_at == due
    assert c.state == State.INVESTIGATING


def test_each_target_says_whether_it_counts_clock_or_business_time(policy):
    # given a policy whose acknowledgement counts 24 clock hours and resolution business days
    policy.ack_time_basis, policy.ack_business_hours = "clock", 24
    d = sla.compute_deadlines(received_at=at(2026, 3, 6, 16), priority="normal", policy=policy)
    # a ticket received Friday 16:00 must be acknowledged by Saturday 16:00, not Monday
    assert d.ack_due_at == at(2026, 3, 7, 16)
    assert d.resolve_due_at == at(2026, 3, 20, 16)
    # and with resolution in clock time, 10 days are 10 × 24 hours, weekends included
    policy.resolution_time_basis = "clock"
    d = sla.compute_deadlines(received_at=at(2026, 3, 6, 16), priority="normal", policy=policy)
    assert d.resolve_due_at == at(2026, 3, 16, 16)
    assert d.warn_at == at(2026, 3, 6, 16) + datetime.timedelta(hours=180)


def test_a_clock_time_pause_adds_every_hour_waited(advisor):
    policy = services.default_policy()
    policy.resolution_time_basis = "clock"
    policy.save()
    client = make_client(advisor=advisor)
    with time_machine.travel(at(2026, 3, 6, 10), tick=False):
        c = make_complaint(client=client)
        due = c.resolve_due_at
        c = services.complaint_act(complaint=c, actor=advisor, action="acknowledge")
        c = services.complaint_act(complaint=c, actor=advisor, action="investigate")
        c = services.complaint_act(complaint=c, actor=advisor, action="wait_on_client", note="need statement")
    # the client answers after a whole weekend: 72 clock hours later
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        c = services.complaint_act(complaint=c, actor=advisor, action="resume")
    c.refresh_from_db()
    assert c.paused_clock_seconds == 72 * 3600
    assert c.resolve_due_at == due + datetime.timedelta(hours=72)


def test_a_deadline_just_passed_reads_just_overdue():
    from complaints.models import _format_span

    assert _format_span(-30) == "just overdue"
    assert _format_span(30) == "due now"
    assert _format_span(-3600 * 2 - 60 * 5) == "2h 5m overdue"
