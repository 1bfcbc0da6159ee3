"""Automatic risk warnings for overdue complaints (SPEC §6): breached and still open."""

from __future__ import annotations

from django.urls import reverse

from advisory.clock import now
from advisory.models import WarningKind
from advisory.warnings import WarningSpec

from .models import CLOCK_RUNNING_STATES, Complaint


def active_warnings() -> dict[str, dict[tuple[str, str], WarningSpec]]:
    """kind → {subject_key: WarningSpec} for every open ticket past its resolution deadline."""
    rows = (
        Complaint.objects.filter(state__in=list(CLOCK_RUNNING_STATES), resolve_due_at__lt=now())
        .values_list("pk", "number", "client_id", "assignee_id", "resolve_due_at")
        .order_by("pk")
    )
    label = Complaint._meta.label_lower
    active = {
        (label, str(pk)): WarningSpec(
            message=f"Complaint {number} is past its resolution deadline ({due:%Y-%m-%d %H:%M}).",
            advisor=assignee_id,
            client_id=client_id,
            severity="critical",
            url=reverse("complaints:detail", args=[pk]),
        )
        for pk, number, client_id, assignee_id, due in rows
    }
    return {WarningKind.COMPLAINT_OVERDUE: active}
