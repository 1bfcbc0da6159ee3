"""Review dates (SPEC §3 periodic reviews). Due dates are counted from the plan's anchor date,
not chained from the previous due date, so a month end stays a month end: quarterly from
2027-11-30 gives 2028-02-29, 2028-05-30, 2028-08-30, 2028-11-30."""

from __future__ import annotations

import calendar
import datetime

from . import conf


def add_months(start: datetime.date, months: int) -> datetime.date:
    """Same day `months` later, clamped to the month's last day (Jan 31 + 1 → Feb 28/29)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day)


def cadence_months(level: str) -> int:
    cadence = conf.get("REVIEW_CADENCE_MONTHS")
    return int(cadence.get(level, 12))


def review_due_date(*, anchor: datetime.date, level: str, sequence: int) -> datetime.date:
    """Due date of the n-th review (sequence 1, 2, …) of a plan accepted on `anchor`."""
    return add_months(anchor, cadence_months(level) * sequence)
