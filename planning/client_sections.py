"""Planning's sections of the client 360° page: latest snapshot figures, goals, proposals with
status and the next review — three queries."""

from __future__ import annotations

from django.db.models import Min, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from advisory.rules import can

from .models import FinancialSnapshot, Goal, Proposal, ReviewStatus


def client_sections(*, client, user) -> list[dict]:
    if not can(user, "planning.view_plan", client):
        return []
    from .services import snapshot_figures

    snapshot = FinancialSnapshot.objects.filter(client=client).order_by("-as_of", "-id").first()  # 1
    goals = list(Goal.objects.filter(client=client, is_active=True))  # 2
    proposals = list(
        Proposal.objects.filter(client=client)
        .annotate(next_review=Min("reviews__due_date", filter=Q(reviews__status=ReviewStatus.OPEN)))
        .order_by("-updated_at", "-id")[:10]
    )  # 3
    next_review = min((p.next_review for p in proposals if p.next_review), default=None)
    figures = snapshot_figures(snapshot=snapshot) if snapshot else None
    plan_url = reverse("planning:client_plan", args=[client.pk])
    can_change = can(user, "planning.change_plan", client)
    return [
        {
            "title": _("Financial plan and proposals"),
            "template": "planning/_client_section.html",
            "context": {
                "plan_url": plan_url,
                "new_proposal_url": reverse("planning:proposal_create", args=[client.pk])
                if can_change
                else "",
                "new_snapshot_url": reverse("planning:snapshot_create", args=[client.pk])
                if can_change
                else "",
                "new_goal_url": reverse("planning:goal_create", args=[client.pk]) if can_change else "",
                "snapshot": snapshot,
                "figures": figures,
                "goals": goals,
                "proposals": proposals,
                "next_review": next_review,
                "proposals_url": reverse("planning:proposal_list") + f"?q={client.file_number}&tab=all",
                "reviews_url": reverse("planning:review_list") + f"?q={client.file_number}&status=open",
            },
        }
    ]
