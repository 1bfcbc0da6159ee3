"""Automatic risk warnings for overdue complaints (SPEC §6): open tickets past their resolution
deadline, and tickets still not acknowledged past the 24-hour acknowledgement deadline."""

from __future__ import annotations

from django.urls import reverse

from advisory.clock import now
from advisory.models import WarningKind
from advisory.texts import text
from advisory.warnings import WarningSpec

from .models import CLOCK_RUNNING_STATES, Complaint, State


def active_warnings() -> dict[str, dict[tuple[str, str], WarningSpec]]:
    """kind → {subject_key: WarningSpec} for every open ticket past its resolution deadline or,
    while it is still unacknowledged, past its acknowledgement deadline."""
    at = now()
    rows = (
        Complaint.objects.filter(state__in=list(CLOCK_RUNNING_STATES), resolve_due_at__lt=at)
        .values_list("pk", "number", "client_id", "assignee_id", "resolve_due_at")
        .order_by("pk")
    )
    label = Complaint._meta.label_lower
    unacknowledged = (
        Complaint.objects.filter(state=State.RECEIVED, ack_due_at__lt=at, resolve_due_at__gte=at)
        .values_list("pk", "number", "client_id", "assignee_id", "ack_due_at")
        .order_by("pk")
    )
    active = {
        (label, str(pk)): WarningSpec(
            message=text("warning.complaint_unacknowledged", number=number, due=due),
            advisor=assignee_id,
            client_id=client_id,
            severity="warning",
            url=reverse("complaints:detail", args=[pk]),
        )
        for pk, number, client_id, assignee_id, due in unacknowledged
    }
    active |= {
        (label, str(pk)): WarningSpec(
            message=text("warning.complaint_overdue", number=number, due=due),
            advisor=assignee_id,
            client_id=client_id,
            severity="critical",
            url=reverse("complaints:detail", args=[pk]),
        )
        for pk, number, client_id, assignee_id, due in rows
    }
    from .feedback import return_visit_overdue_specs

    return {
        WarningKind.COMPLAINT_OVERDUE: active,
        WarningKind.RETURN_VISIT_OVERDUE: return_visit_overdue_specs(),
    }
