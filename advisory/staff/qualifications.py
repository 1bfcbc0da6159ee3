"""Staff rules that other apps ask (SPEC §3 and §6): who may give advice today."""

from __future__ import annotations

import datetime

from django.db.models import Q

from advisory.clock import today
from advisory.models import StaffQualification, User


def advisor_has_current_qualification(user: User, *, on: datetime.date | None = None) -> bool:
    """SPEC §3: only an advisor with a current qualification may submit a proposal."""
    on = on or today()
    return StaffQualification.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=on),
        user=user,
        qualifies_for_advice=True,
        issued_on__lte=on,
    ).exists()
