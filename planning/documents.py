"""Renderers for the four planning reports (SPEC §3 deliverables). advisory.documents calls
`render(document)` inside the Celery task; it returns a template and its context."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advisory.charts import donut_chart, fan_chart
from advisory.models import ArchivedDocument

from . import services
from .models import Proposal

RISK_DISCLOSURE = gettext_lazy(
    "Investing involves risk. The value of investments and the income from them can fall as well as "
    "rise, and you may get back less than you invested. Past performance and projections are not a "
    "reliable indicator of future results. The stress tests and the projection in this document are "
    "illustrations based on assumptions, not guarantees. Products rated above your risk level are only "
    "included where you have confirmed a special risk warning and compliance has signed it off. Please "
    "read the product documents before you decide, and ask your advisor about anything unclear."
)

TEMPLATES = {
    services.DOC_FINANCIAL: "planning/pdf/financial_report.html",
    services.DOC_PROPOSAL: "planning/pdf/investment_proposal.html",
    services.DOC_ALLOCATION: "planning/pdf/allocation_plan.html",
    services.DOC_RISK: "planning/pdf/risk_assessment_report.html",
}


def _class_label(row: dict) -> str:
    """The asset class in the reader's language (the stored label is the English one)."""
    from .templatetags.planning_tags import asset_class_label

    return str(asset_class_label(row.get("asset_class", ""))) if row.get("asset_class") else row["label"]


def allocation_chart(checks: dict, *, size: int = 200):
    rows = [r for r in checks.get("classes", []) if Decimal(r["amount"]) > 0]
    return donut_chart(
        [_class_label(r) for r in rows], [float(r["amount"]) for r in rows], size=size, title=_("Allocation")
    )


def target_chart(checks: dict, *, size: int = 200):
    rows = [r for r in checks.get("classes", []) if Decimal(r["target"]) > 0]
    return donut_chart(
        [_class_label(r) for r in rows],
        [float(r["target"]) for r in rows],
        size=size,
        title=_("Model portfolio"),
    )


def projection_chart(checks: dict, *, width: int = 560):
    proj = checks.get("projection") or {}
    fan = proj.get("fan")
    if not fan:
        return ""
    start = int(proj.get("start_year", 0))
    labels = [str(start + i) for i in range(len(fan["p50"]))]
    return fan_chart(labels, fan, width=width, title=_("Projected value"))


def proposal_context(proposal: Proposal) -> dict[str, Any]:
    """Everything the screens and the reports show about a proposal, from the stored check result."""
    checks = proposal.checks or {}
    return {
        "proposal": proposal,
        "checks": checks,
        "allocation_svg": allocation_chart(checks),
        "target_svg": target_chart(checks),
        "projection_svg": projection_chart(checks),
    }


def render(document: ArchivedDocument) -> tuple[str, dict[str, Any]]:
    proposal = (
        Proposal.objects.select_related(
            "client", "advisor", "model_portfolio", "risk_approved_by", "compliance_approved_by"
        )
        .prefetch_related("model_portfolio__weights")
        .get(pk=int(document.subject_id))
    )
    client = proposal.client
    context = proposal_context(proposal)
    snapshot = client.snapshots.order_by("-as_of", "-id").first()
    context.update(
        {
            "client": client,
            "advisor": proposal.advisor,
            "snapshot": snapshot,
            "figures": services.snapshot_figures(snapshot=snapshot) if snapshot else None,
            "goals": list(client.goals.filter(is_active=True)),
            "profile": services._risk_profile(client),
            "risk_disclosure": RISK_DISCLOSURE,
            "report_title": services.DOCUMENT_KINDS[document.kind],
        }
    )
    return TEMPLATES[document.kind], context
