"""Risk warnings that planning raises (SPEC §6): overdue reviews, concentration breaches in issued
or accepted proposals, and portfolio drift found at the latest review."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.urls import reverse

from advisory.clock import today
from advisory.models import WarningKind
from advisory.warnings import WarningSpec

from . import conf
from .models import Proposal, ProposalStatus, Review, ReviewStatus


def _key(obj) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def active_warnings() -> dict[str, dict[tuple[str, str], WarningSpec]]:
    """kind → {subject_key: WarningSpec} for every subject that has the problem now."""
    on = today()
    overdue = {}
    for review in Review.objects.filter(status=ReviewStatus.OPEN, due_date__lt=on).select_related("client"):
        overdue[_key(review)] = WarningSpec(
            message=f"Periodic review of {review.client.name} was due on {review.due_date}.",
            advisor=review.client.advisor_id,
            client_id=review.client_id,
            url=reverse("planning:review_detail", args=[review.pk]),
        )

    concentration = {}
    for proposal in Proposal.objects.filter(
        status__in=[ProposalStatus.ISSUED, ProposalStatus.ACCEPTED]
    ).select_related("client"):
        lines = (proposal.checks or {}).get("lines", [])
        breaches = [row for row in lines if row.get("concentration", {}).get("status") == "fail"]
        if breaches:
            concentration[_key(proposal)] = WarningSpec(
                message=f"{proposal.number}: {len(breaches)} product(s) above the concentration limit.",
                advisor=proposal.advisor_id,
                client_id=proposal.client_id,
                url=reverse("planning:proposal_detail", args=[proposal.pk]),
            )

    limit = Decimal(str(conf.get("DRIFT_LIMIT")))
    latest = Review.objects.filter(proposal=OuterRef("proposal"), status=ReviewStatus.COMPLETED).order_by(
        "-completed_at", "-id"
    )
    drift = {}
    for review in (
        Review.objects.filter(status=ReviewStatus.COMPLETED, max_drift__gt=limit)
        .annotate(latest_id=Subquery(latest.values("id")[:1]))
        .select_related("client")
    ):
        if review.latest_id != review.pk:
            continue
        drift[("planning.proposal", str(review.proposal_id))] = WarningSpec(
            message=f"{review.client.name}: portfolio drift {review.max_drift:.1%} at the last review.",
            advisor=review.client.advisor_id,
            client_id=review.client_id,
            url=reverse("planning:review_detail", args=[review.pk]),
        )
    return {
        WarningKind.REVIEW_OVERDUE: overdue,
        WarningKind.CONCENTRATION_BREACH: concentration,
        WarningKind.PORTFOLIO_DRIFT: drift,
    }
