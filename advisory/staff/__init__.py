"""The staff area of the core (SPEC §6, staff): qualifications, yearly training plans, appraisals,
conflict-of-interest declarations, permission restrictions and the internal audit of service
processes. Other apps ask `advisory.staff.rules` whether a person may act today."""

from __future__ import annotations

import datetime
from typing import Any


def advisor_has_current_qualification(user: Any, *, on: datetime.date | None = None) -> bool:
    """SPEC §3: only an advisor with a current qualification may submit a proposal."""
    from .qualifications import advisor_has_current_qualification as check

    return check(user, on=on)
