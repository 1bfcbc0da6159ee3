"""Professional-investor classification and the recorded read of its evidence (SPEC §2)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from advisory.clock import today
from advisory.errors import DomainError
from advisory.history import audited_save
from audit.models import AuditAction
from audit.services import audit_log

from ..models import ProfessionalInvestorClassification
from .common import _require


def professional_classification_record(
    *,
    client,
    actor,
    evidence: str,
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    document=None,
) -> ProfessionalInvestorClassification:
    """Record a professional-investor classification; evidence is required (SPEC §2)."""
    _require(actor, "risk.record_professional", client)
    if not evidence.strip():
        raise DomainError(_("Describe the evidence for the professional classification."), field="evidence")
    valid_from = valid_from or today()
    if valid_until and valid_until < valid_from:
        raise DomainError(_("The end date is before the start date."), field="valid_until")
    obj = ProfessionalInvestorClassification(
        client=client,
        evidence=evidence.strip(),
        recorded_by=actor,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    if document is not None:
        obj.evidence_document = document
    with transaction.atomic():
        audited_save(obj, actor=actor, reason="Professional investor classification recorded")
    return obj


def professional_evidence_download_log(*, classification: ProfessionalInvestorClassification, actor) -> None:
    """Reading the evidence of a professional classification is a recorded sensitive read (SPEC §5)."""
    _require(actor, "risk.view_assessment", classification.client)
    audit_log(actor=actor, action=AuditAction.DOWNLOAD, obj=classification, reason="evidence downloaded")
