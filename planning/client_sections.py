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
    return [
        {
            "title": _("Financial snapshot"),
            "url": plan_url,
            "facts": [
                (_("As of"), snapshot.as_of),
                (_("Net worth"), figures.net_worth),
                (_("Savings rate"), figures.savings_rate),
                (_("Debt to assets"), figures.debt_to_asset),
                (_("Months of reserve"), figures.reserve_months),
            ]
            if snapshot
            else [],
            "remarks": figures.remarks if figures else [],
            "empty": _("No snapshot yet."),
        },
        {
            "title": _("Goals"),
            "url": plan_url,
            "items": [
                {
                    "label": g.name,
                    "meta": g.target_date,
                    "badge": g.get_kind_display(),
                    "value": g.target_amount,
                }
                for g in goals
            ],
            "empty": _("No goals yet."),
        },
        {
            "title": _("Proposals"),
            "url": reverse("planning:proposal_list") + f"?q={client.file_number}&tab=all",
            "items": [
                {
                    "label": f"{p.number} · {p.title}",
                    "url": reverse("planning:proposal_detail", args=[p.pk]),
                    "badge": p.get_status_display(),
                    "status": p.status,
                    "value": p.total_amount,
                }
                for p in proposals
            ],
            "next_review": next_review,
            "next_review_url": reverse("planning:review_list") + f"?q={client.name}&status=open",
            "empty": _("No proposals yet."),
        },
    ]
