"""Complaints' contribution to the client timeline (clients/timeline.py): tickets, one query."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy

from advisory.rules import can

from .models import OPEN_STATES, Complaint

TIMELINE_KINDS = {"complaint": gettext_lazy("Complaints")}


def timeline_events(*, client, user, kinds: set[str], limit: int) -> list:
    from clients.timeline import TimelineEvent

    if "complaint" not in kinds or not can(user, "complaints.view_queue"):
        return []
    url = reverse("complaints:detail", args=[987654321])
    return [
        TimelineEvent(
            kind="complaint",
            at=c.received_at,
            title=f"{c.number} · {c.subject}",
            detail=c.get_category_display(),
            url=url.replace("987654321", str(c.pk)),
            badge=c.get_state_display(),
            tone="red" if c.state in OPEN_STATES else "green",
        )
        for c in Complaint.objects.filter(client=client).order_by("-received_at")[:limit]
    ]
