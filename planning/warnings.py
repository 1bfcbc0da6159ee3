"""Risk warnings that planning raises (SPEC §6): overdue reviews, portfolio drift found at the
latest review, and — from the latest re-check of issued or accepted proposals (issue 14,
planning.services.monitoring) — concentration breaches, suitability breaches (a product above
the client's level without a valid exception, re-rated, or with a lapsed rating review; kind
SUITABILITY_EXCEPTION) and profile problems (expired, or flagged for re-assessment; kind
PROFILE_EXPIRED). Each is keyed on the proposal and closes when the re-check comes back clean."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.urls import reverse

from advisory.clock import today
from advisory.models import WarningKind, WarningSeverity
from advisory.texts import Joined, Percent, text
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
            message=text("warning.review_overdue", client=review.client.name, date=review.due_date),
            advisor=review.client.advisor_id,
            client_id=review.client_id,
            url=reverse("planning:review_detail", args=[review.pk]),
        )

    concentration, suitability, profile = {}, {}, {}
    from .services.monitoring import finding_as_text

    for proposal in Proposal.objects.filter(status__in=[ProposalStatus.ISSUED, ProposalStatus.ACCEPTED]).only(
        "id", "number", "advisor_id", "client_id", "monitor"
    ):
        found = proposal.monitor or {}
        url = reverse("planning:proposal_detail", args=[proposal.pk])
        for kind, bucket, severity in (
            ("concentration", concentration, WarningSeverity.WARNING),
            ("suitability", suitability, WarningSeverity.CRITICAL),
            ("profile", profile, WarningSeverity.WARNING),
        ):
            rows = found.get(kind) or []
            if rows:
                bucket[_key(proposal)] = WarningSpec(
                    message=text(
                        "warning.proposal_findings",
                        number=proposal.number,
                        findings=Joined([finding_as_text(f) for f in rows]),
                    ),
                    advisor=proposal.advisor_id,
                    client_id=proposal.client_id,
                    severity=severity,
                    url=url,
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
            message=text(
                "warning.portfolio_drift", client=review.client.name, drift=Percent(review.max_drift)
            ),
            advisor=review.client.advisor_id,
            client_id=review.client_id,
            url=reverse("planning:review_detail", args=[review.pk]),
        )
    return {
        WarningKind.REVIEW_OVERDUE: overdue,
        WarningKind.CONCENTRATION_BREACH: concentration,
        WarningKind.SUITABILITY_EXCEPTION: suitability,
        WarningKind.PROFILE_EXPIRED: profile,
        WarningKind.PORTFOLIO_DRIFT: drift,
    }
