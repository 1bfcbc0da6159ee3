"""SLA arithmetic for complaints (SPEC §4), in business time of the firm calendar.

Decisions (docs/complaints.md):
- Acknowledgement ("within 24 hours") is due `ack_business_hours` (default 8, one business day)
  business hours after receipt, counted in the firm's business hours (09:00-17:00 on working
  days): received Wednesday 15:00, acknowledged by Thursday 15:00; received Friday 15:00, by
  Monday 15:00. It is never later than the resolution deadline (an urgent ticket's budget can be
  shorter than a long acknowledgement setting).
- The resolution budget of N business days is N × the length of a business day, in business
  seconds from the moment of receipt (received Monday 10:00 with 2 days → Wednesday 10:00).
- Time spent waiting on the client (and between resolution and a reopen) is paused business
  time: it is added back to every threshold. It lives in `paused_seconds` on the ticket and is
  never reset, so changing the policy or the priority keeps it.
- Thresholds: warning at warning_percent (75%) of the budget, breach at 100%, compliance at
  compliance_percent (150%).
- Each target of a policy says whether it counts business or clock time (`ack_time_basis`,
  `resolution_time_basis`). In clock time the hours count round the clock, a day is 24 hours, and
  the pause added back is the clock time spent waiting (`paused_clock_seconds`). The automatic
  acknowledgement goes out at once on receipt whatever the basis; these targets are for people.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from advisory.calendar import BusinessCalendar, firm_calendar

from .models import CLOCK_RUNNING_STATES, Complaint, EscalationLevel, SLAPolicy, TimeBasis


@dataclass(frozen=True)
class Deadlines:
    ack_due_at: datetime.datetime
    warn_at: datetime.datetime
    resolve_due_at: datetime.datetime
    compliance_at: datetime.datetime


def compute_deadlines(
    *,
    received_at: datetime.datetime,
    priority: str,
    policy: SLAPolicy,
    paused_seconds: int = 0,
    paused_clock_seconds: int = 0,
    calendar: BusinessCalendar | None = None,
) -> Deadlines:
    cal = calendar or firm_calendar()

    def add(seconds: float, basis: str) -> datetime.datetime:
        if basis == TimeBasis.CLOCK:
            return received_at + datetime.timedelta(seconds=seconds)
        return cal.add_business_seconds(received_at, seconds)

    clock = policy.resolution_time_basis == TimeBasis.CLOCK
    day = 24 * 3600 if clock else cal.seconds_per_day
    budget = policy.resolution_days(priority) * day
    pause = paused_clock_seconds if clock else paused_seconds

    def at(fraction_percent: int) -> datetime.datetime:
        return add(budget * fraction_percent / 100 + pause, policy.resolution_time_basis)

    resolve_due_at = at(100)
    return Deadlines(
        ack_due_at=min(add(policy.ack_business_hours * 3600, policy.ack_time_basis), resolve_due_at),
        warn_at=at(policy.warning_percent),
        resolve_due_at=resolve_due_at,
        compliance_at=at(policy.compliance_percent),
    )


def threshold_for(complaint: Complaint, level: int) -> datetime.datetime | None:
    return {
        EscalationLevel.WARNING: complaint.warn_at,
        EscalationLevel.SUPERVISOR: complaint.resolve_due_at,
        EscalationLevel.COMPLIANCE: complaint.compliance_at,
    }.get(level)


def next_escalation(complaint: Complaint) -> tuple[datetime.datetime | None, int]:
    """The next threshold not yet escalated, or (None, 0) when the clock does not run."""
    if complaint.state not in CLOCK_RUNNING_STATES:
        return None, EscalationLevel.NONE
    level = complaint.escalation_level + 1
    if level > EscalationLevel.COMPLIANCE:
        return None, EscalationLevel.NONE
    return threshold_for(complaint, level), level


def apply_deadlines(complaint: Complaint, *, calendar: BusinessCalendar | None = None) -> Complaint:
    """Set the stored deadlines and the next escalation instant from the ticket's policy,
    priority and accumulated pause (does not save)."""
    d = compute_deadlines(
        received_at=complaint.received_at,
        priority=complaint.priority,
        policy=complaint.policy,
        paused_seconds=complaint.paused_seconds,
        paused_clock_seconds=complaint.paused_clock_seconds,
        calendar=calendar,
    )
    complaint.ack_due_at = d.ack_due_at
    complaint.warn_at = d.warn_at
    complaint.resolve_due_at = d.resolve_due_at
    complaint.compliance_at = d.compliance_at
    refresh_next_escalation(complaint)
    return complaint


def refresh_next_escalation(complaint: Complaint) -> None:
    complaint.next_escalation_at, complaint.next_escalation_level = next_escalation(complaint)


def paused_span(
    start: datetime.datetime, end: datetime.datetime, calendar: BusinessCalendar | None = None
) -> int:
    return (calendar or firm_calendar()).business_seconds_between(start, end)


def expected_answer_by(*, received_at: datetime.datetime, priority: str = "normal") -> datetime.datetime:
    """The answer date quoted to a sender before the ticket exists (email from an unknown
    address): the default policy's resolution deadline for a normal ticket received then."""
    from .services import default_policy

    return compute_deadlines(
        received_at=received_at, priority=priority, policy=default_policy()
    ).resolve_due_at
