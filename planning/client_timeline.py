"""Planning's contribution to the client timeline and the advisor calendar
(clients/timeline.py): proposals and periodic reviews, one query per kind."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advisory.rules import can

from .models import Proposal, ProposalStatus, Review, ReviewStatus

TIMELINE_KINDS = {"proposal": gettext_lazy("Proposals"), "review": gettext_lazy("Periodic reviews")}
PROPOSAL_TONES = {
    ProposalStatus.ACCEPTED: "green",
    ProposalStatus.DECLINED: "red",
    ProposalStatus.WITHDRAWN: "grey",
}


def timeline_events(*, client, user, kinds: set[str], limit: int) -> list:
    from clients.timeline import TimelineEvent

    if not can(user, "planning.view_plan", client):
        return []
    events = []
    if "proposal" in kinds:
        url = reverse("planning:proposal_detail", args=[987654321])
        for p in Proposal.objects.filter(client=client).order_by("-updated_at")[:limit]:
            events.append(
                TimelineEvent(
                    kind="proposal",
                    at=p.decided_at or p.issued_at or p.submitted_at or p.created_at,
                    title=f"{p.number} · {p.title}",
                    url=url.replace("987654321", str(p.pk)),
                    badge=p.get_status_display(),
                    tone=PROPOSAL_TONES.get(p.status, "amber"),
                )
            )
    if "review" in kinds:
        url = reverse("planning:review_detail", args=[987654321])
        for r in (
            Review.objects.filter(client=client).select_related("proposal").order_by("-due_date")[:limit]
        ):
            at = r.completed_at or timezone.make_aware(
                datetime.datetime.combine(r.due_date, datetime.time(9))
            )
            events.append(
                TimelineEvent(
                    kind="review",
                    at=at,
                    title=_("Periodic review %(n)s of %(plan)s")
                    % {"n": r.sequence, "plan": r.proposal.number},
                    detail=r.outcome[:200],
                    url=url.replace("987654321", str(r.pk)),
                    badge=r.get_status_display(),
                    tone="green" if r.status == ReviewStatus.COMPLETED else "amber",
                )
            )
    return events


def calendar_events(*, user, start: datetime.datetime, end: datetime.datetime) -> list:
    """Open periodic reviews of the user's clients, as all-day events on their due date."""
    from clients.timeline import CalendarEvent

    rows = (
        Review.objects.filter(
            Q(client__advisor=user) | Q(proposal__advisor=user),
            status=ReviewStatus.OPEN,
            due_date__gte=start.date(),
            due_date__lt=end.date(),
        )
        .select_related("client", "proposal")
        .order_by("due_date")[:2000]
    )
    return [
        CalendarEvent(
            uid=f"review-{r.pk}@advisory",
            start=r.due_date,
            end=r.due_date + datetime.timedelta(days=1),
            summary=_("Periodic review: %(client)s (%(plan)s)")
            % {"client": r.client.name, "plan": r.proposal.number},
            url=reverse("planning:review_detail", args=[r.pk]),
        )
        for r in rows
    ]
