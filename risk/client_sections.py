"""The risk sections of the client 360° page (rendered by the clients app): the risk profile
(≤ 2 queries) and the life events (1 query, issue 14)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from advisory.clock import today
from advisory.rules import can

from .models import AssessmentStatus, LifeEvent, ProfessionalInvestorClassification, RiskAssessment


def client_sections(*, client, user) -> list[dict]:
    if not can(user, "risk.view_assessment", client):
        return []
    on = today()
    history = list(
        RiskAssessment.objects.filter(client=client)
        .select_related("administered_by")
        .order_by("-created_at", "-id")[:20]
    )
    current = next(
        (a for a in history if a.status in (AssessmentStatus.CONFIRMED, AssessmentStatus.EXPIRED)), None
    )
    professional = [
        p for p in ProfessionalInvestorClassification.objects.filter(client=client) if p.is_current(on)
    ]
    return [
        {
            "title": _("Risk profile"),
            "template": "risk/_client_section.html",
            "context": {
                "client": client,
                "is_staff": user.is_workspace_user,
                "current": current,
                "is_expired": bool(
                    current
                    and (
                        current.status == AssessmentStatus.EXPIRED
                        or (current.valid_until and current.valid_until < on)
                    )
                ),
                "is_professional": bool(professional),
                "professional": professional[0] if professional else None,
                "history": history,
                "can_administer": can(user, "risk.administer_assessment", client),
            },
        },
        {
            "title": _("Life events"),
            "template": "risk/_life_events_section.html",
            "context": {
                "client": client,
                "events": list(
                    LifeEvent.objects.filter(client=client)
                    .select_related("recorded_by")
                    .order_by("-occurred_on", "-id")[:20]
                ),
                "can_record": can(user, "risk.record_life_event", client) and user.is_workspace_user,
            },
        },
    ]
