"""Risk's contribution to the client timeline (clients/timeline.py): assessments, one query."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advisory.rules import can

from .models import AssessmentStatus, RiskAssessment

TIMELINE_KINDS = {"assessment": gettext_lazy("Risk assessments")}
TONES = {
    AssessmentStatus.CONFIRMED: "green",
    AssessmentStatus.EXPIRED: "red",
    AssessmentStatus.DRAFT: "amber",
}


def timeline_events(*, client, user, kinds: set[str], limit: int) -> list:
    from clients.timeline import TimelineEvent

    if "assessment" not in kinds or not can(user, "risk.view_assessment", client):
        return []
    url = reverse("risk:assessment_detail", args=[987654321])
    return [
        TimelineEvent(
            kind="assessment",
            at=a.confirmed_at or a.created_at,
            title=_("Risk assessment: level %(level)s") % {"level": a.effective_level or "—"},
            detail=a.get_channel_display(),
            url=url.replace("987654321", str(a.pk)),
            badge=a.get_status_display(),
            tone=TONES.get(a.status, "grey"),
        )
        for a in RiskAssessment.objects.filter(client=client).order_by("-created_at")[:limit]
    ]
