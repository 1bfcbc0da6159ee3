"""Planning documents (SPEC §3): the report kinds, requested and their downloads recorded."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advisory.errors import DomainError, NotAllowed
from advisory.models import User
from advisory.rules import can
from advisory.texts import text
from audit.models import AuditAction
from audit.services import audit_log

from ..models import Proposal

DOC_FINANCIAL = "planning.financial_report"


DOC_PROPOSAL = "planning.investment_proposal"


DOC_ALLOCATION = "planning.allocation_plan"


DOC_RISK = "planning.risk_assessment_report"


DOCUMENT_KINDS = {  # lazy: each reads in the language it is shown or rendered in
    DOC_FINANCIAL: gettext_lazy("Financial report"),
    DOC_PROPOSAL: gettext_lazy("Investment proposal"),
    DOC_ALLOCATION: gettext_lazy("Asset-allocation plan"),
    DOC_RISK: gettext_lazy("Risk-assessment report"),
}


def proposal_document_request(
    *,
    proposal: Proposal,
    kind: str,
    actor: User | None,
    render_now: bool = False,
    language: str | None = None,
):
    """Queue one of the four reports (SPEC §3 deliverables) for a proposal; rendered by Celery in
    `language` (a report for the client: by default the client's preferred language)."""
    from advisory.documents import document_language, document_request

    if kind not in DOCUMENT_KINDS:
        raise DomainError(_("Unknown report kind."), field="kind")
    if actor is not None and not can(actor, "planning.view_proposal", proposal):
        raise NotAllowed(_("You may not request reports for this proposal."))
    return document_request(
        kind=kind,
        subject=proposal,
        title=lambda: f"{DOCUMENT_KINDS[kind]} {proposal.number} — {proposal.client.name}",
        actor=actor,
        client_id=proposal.client_id,
        language=document_language(language, default=proposal.client.preferred_language),
        render_now=render_now,
    )


def document_download_log(*, document, actor: User) -> None:
    """SPEC §5: downloading a report is a recorded sensitive read."""
    audit_log(
        actor=actor,
        action=AuditAction.DOWNLOAD,
        obj=document,
        client_id=document.client_id,
        # The title names the client: it goes in the content (blanked at disposal), not the reason,
        # which is part of the chained metadata and is kept forever.
        reason=text(
            "audit.downloaded_kind_vversion",
            kind=DOCUMENT_KINDS.get(document.kind, document.kind),
            version=document.version,
        ),
        changes={"title": document.title, "sha256": document.sha256},
    )
