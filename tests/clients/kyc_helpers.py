"""Helpers for the know-your-client rules: an identity document on file, and everything an
onboarding approval needs (signed agreement, confirmed risk profile, due diligence)."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from clients import due_diligence, kyc, services
from clients.models import OnboardingStep

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
VALID_PRC_ID = "11010519491231002X"


def id_copy(name: str = "id-card.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def add_identity_document(client, advisor, **overrides):
    data = {
        "document_type": "prc_id",
        "number": VALID_PRC_ID,
        "issued_on": datetime.date(2020, 1, 1),
        "expires_on": datetime.date(2040, 1, 1),
        "verification_method": "in_person",
        "copy": id_copy(),
    }
    data.update(overrides)
    return kyc.identity_document_add(client=client, actor=advisor, **data)


def sign_agreement(client, advisor):
    return services.agreement_save(
        client=client,
        actor=advisor,
        data={
            "scope": "投资顾问服务",
            "fee_structure": "fixed",
            "starts_on": datetime.date(2026, 1, 1),
            "termination_conditions": "任一方提前30天书面通知",
            "signed_on": datetime.date(2026, 1, 1),
        },
    )


CDD_LOW = {
    "identity_verified": True,
    "source_of_funds": "工资收入",
    "purpose": "长期理财",
    "ml_risk": "low",
    "ml_risk_reasons": "本地工薪客户，资金来源清晰",
}


def make_approvable(case, reviewer, *, cdd: dict | None = None):
    """Given a case at the initial review: sign the agreement, confirm a risk profile and record
    due diligence, so the reviewer can approve it."""
    from tests.risk.factories import make_assessment

    assert case.step == OnboardingStep.INITIAL_REVIEW
    sign_agreement(case.client, case.client.advisor)
    make_assessment(client=case.client)
    due_diligence.due_diligence_record(case=case, actor=reviewer, data=dict(cdd or CDD_LOW))
    return case
