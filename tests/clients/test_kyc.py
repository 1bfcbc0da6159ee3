"""Identity documents, KYC refresh, due diligence and the blocks they put on the relationship."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine

from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.models import RiskWarning, WarningKind
from audit.models import AuditEntry
from clients import due_diligence, kyc, services
from clients.identity import validate_document_number
from clients.kyc_models import AmlRisk, EddStatus, IdentityDocument, KycRefresh, RefreshStatus
from clients.models import ClientKind, DocumentKind, OnboardingStep
from clients.warnings import active_warnings
from tests.clients.kyc_helpers import CDD_LOW, add_identity_document, id_copy, make_approvable, sign_agreement

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=10, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=SH)


# -- identity documents ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "doc_type,number,canonical",
    [
        ("prc_id", "11010519491231002x", "11010519491231002X"),
        ("hkm_permit", "h1234 5678", "H12345678"),
        ("hkm_permit", "M1234567801", "M1234567801"),
        ("tw_permit", "12345678", "12345678"),
        ("hk_id", "A123456(3)", "A123456(3)"),
    ],
)
def test_document_numbers_are_validated_per_type(doc_type, number, canonical):
    assert validate_document_number(doc_type, number) == canonical


@pytest.mark.parametrize(
    "doc_type,number",
    [
        ("prc_id", "110105194912310021"),
        ("hkm_permit", "X12345678"),
        ("tw_permit", "1234567"),
        ("hk_id", "A1234567"),
    ],
)
def test_bad_document_numbers_are_refused(doc_type, number):
    with pytest.raises(DomainError):
        validate_document_number(doc_type, number)


def test_identity_document_records_copy_verifier_and_method(own_client, advisor):
    doc = add_identity_document(own_client, advisor, verification_method="video")
    assert doc.verified_by == advisor and doc.verification_method == "video" and doc.verified_at
    assert doc.copy.kind == DocumentKind.IDENTITY and doc.copy.client == own_client
    assert doc.number == "11010519491231002X" and doc.masked_number.startswith("110105")
    assert doc.history.count() == 1
    assert AuditEntry.objects.filter(record_type="clients.identitydocument", record_id=str(doc.pk)).exists()


@pytest.mark.parametrize(
    ("language", "title"), [("zh-hans", "居民身份证"), ("en", "PRC resident identity card")]
)
def test_the_copy_is_titled_in_the_clients_language_whoever_uploads_it(own_client, advisor, language, title):
    from django.utils import translation

    own_client.preferred_language = language
    own_client.save(update_fields=["preferred_language"])
    with translation.override("zh-hant" if language == "en" else "en"):  # the advisor's language
        doc = add_identity_document(own_client, advisor)
    assert doc.copy.title == title


def test_a_newer_document_of_the_same_type_supersedes_the_older(own_client, advisor):
    old = add_identity_document(own_client, advisor)
    new = add_identity_document(own_client, advisor, issued_on=datetime.date(2025, 1, 1))
    old.refresh_from_db()
    assert old.superseded_at is not None and new.superseded_at is None
    assert kyc.current_identity_documents(own_client) == [new]


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"number": "123"}, "number"),
        ({"document_type": "nope"}, "document_type"),
        ({"verification_method": "telepathy"}, "verification_method"),
        ({"issued_on": None}, "issued_on"),
        ({"issued_on": datetime.date(2099, 1, 1)}, "issued_on"),
        ({"expires_on": datetime.date(2019, 1, 1)}, "expires_on"),
        ({"expires_on": datetime.date(2021, 1, 1)}, "expires_on"),  # already expired
        ({"copy": None}, "copy"),
        ({"document_type": "passport", "number": "E12345678", "issuing_country": ""}, "issuing_country"),
    ],
)
def test_bad_identity_input_is_a_field_error(own_client, advisor, overrides, field):
    with pytest.raises(DomainError) as exc:
        add_identity_document(own_client, advisor, **overrides)
    assert field in exc.value.fields
    assert not IdentityDocument.objects.exists()


def test_copy_goes_through_the_upload_checks(own_client, advisor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(DomainError) as exc:
        add_identity_document(own_client, advisor, copy=SimpleUploadedFile("x.pdf", b"not a pdf"))
    assert "file" in exc.value.fields
    assert not IdentityDocument.objects.exists()


def test_only_the_responsible_advisor_records_identity(own_client, colleague, compliance_officer):
    for user in (colleague, compliance_officer):
        with pytest.raises(NotAllowed):
            add_identity_document(own_client, user)


def test_same_number_on_another_client_is_refused(own_client, advisor, other_client, colleague):
    add_identity_document(own_client, advisor)
    with pytest.raises(Conflict) as exc:
        add_identity_document(other_client, colleague)
    assert own_client.file_number in exc.value.message


def test_identity_verification_step_needs_a_document_in_force(own_client, advisor):
    case = services.onboarding_start(client=own_client, actor=advisor)
    with pytest.raises(DomainError) as exc:
        services.onboarding_transition(case=case, action="verify_identity", actor=advisor)
    assert "identity document you saw" in exc.value.message


def test_expiring_document_warns_30_days_ahead_and_expired_blocks(own_client, advisor):
    # given a document expiring on 31 December 2026
    with time_machine.travel(at(2026, 6, 1), tick=False):
        doc = add_identity_document(own_client, advisor, expires_on=datetime.date(2026, 12, 31))
    key = ("clients.identitydocument", str(doc.pk))
    # 31 days before: no warning
    with time_machine.travel(at(2026, 11, 30), tick=False):
        assert key not in active_warnings()[WarningKind.IDENTITY_DOCUMENT_EXPIRING]
        assert kyc.relationship_blockers(client=own_client) == []
    # 30 days before: a warning, not yet a block
    with time_machine.travel(at(2026, 12, 1), tick=False):
        spec = active_warnings()[WarningKind.IDENTITY_DOCUMENT_EXPIRING][key]
        assert spec.severity == "warning" and spec.advisor == advisor.pk
        assert kyc.relationship_blockers(client=own_client) == []
    # on the expiry day it is still valid; the day after it blocks
    with time_machine.travel(at(2026, 12, 31, 23, 59), tick=False):
        assert kyc.relationship_blockers(client=own_client) == []
    with time_machine.travel(at(2027, 1, 1, 0, 1), tick=False):
        blockers = kyc.relationship_blockers(client=own_client)
        assert [b.code for b in blockers] == ["identity_expired"]
        assert active_warnings()[WarningKind.IDENTITY_DOCUMENT_EXPIRING][key].severity == "critical"
        with pytest.raises(Conflict):
            kyc.relationship_check(client=own_client)


def test_warning_window_is_configurable(own_client, advisor, settings):
    settings.KYC_DOCUMENT_EXPIRY_WARNING_DAYS = 60
    with time_machine.travel(at(2026, 11, 1), tick=False):
        doc = add_identity_document(own_client, advisor, expires_on=datetime.date(2026, 12, 31))
        assert ("clients.identitydocument", str(doc.pk)) in active_warnings()[
            WarningKind.IDENTITY_DOCUMENT_EXPIRING
        ]


def test_expired_identity_blocks_new_proposals(own_client, advisor):
    from planning.services import proposal_create

    with time_machine.travel(at(2026, 1, 1), tick=False):
        add_identity_document(own_client, advisor, expires_on=datetime.date(2026, 6, 30))
    with time_machine.travel(at(2026, 7, 1), tick=False):
        with pytest.raises(Conflict) as exc:
            proposal_create(client=own_client, actor=advisor, title="新方案")
        assert "expired on 2026-06-30" in exc.value.message


# -- KYC refresh ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "risk,due", [("high", "2027-03-31"), ("medium", "2028-03-31"), ("low", "2029-03-31")]
)
def test_refresh_cycle_follows_the_risk_rating(own_client, supervisor, risk, due):
    with time_machine.travel(at(2026, 3, 31), tick=False):
        profile = kyc.kyc_profile_rate(client=own_client, actor=supervisor, risk=risk, reasons="x")
    assert profile.next_refresh_due.isoformat() == due


def test_refresh_cycle_is_configurable(own_client, supervisor, settings):
    settings.KYC_REFRESH_YEARS = {"high": 2}
    with time_machine.travel(at(2028, 2, 29), tick=False):
        profile = kyc.kyc_profile_rate(client=own_client, actor=supervisor, risk="high", reasons="x")
    assert profile.next_refresh_due == datetime.date(2030, 2, 28)


def test_overdue_refresh_warns(own_client, supervisor, advisor):
    with time_machine.travel(at(2025, 12, 1), tick=False):
        profile = kyc.kyc_profile_rate(client=own_client, actor=supervisor, risk="high", reasons="PEP")
    key = ("clients.kycprofile", str(profile.pk))
    with time_machine.travel(at(2026, 12, 1), tick=False):
        assert key not in active_warnings()[WarningKind.KYC_REFRESH_OVERDUE]
    with time_machine.travel(at(2026, 12, 2), tick=False):
        spec = active_warnings()[WarningKind.KYC_REFRESH_OVERDUE][key]
        assert spec.advisor == advisor.pk and "2026-12-01" in str(spec.message)


def test_refresh_without_changes_completes_and_restarts_the_cycle(own_client, advisor, supervisor):
    add_identity_document(own_client, advisor)
    with time_machine.travel(at(2025, 1, 10), tick=False):
        kyc.kyc_profile_rate(client=own_client, actor=supervisor, risk="medium", reasons="x")
    with time_machine.travel(at(2027, 2, 1), tick=False):
        refresh = kyc.kyc_refresh_start(client=own_client, actor=advisor)
        refresh = kyc.kyc_refresh_submit(
            refresh=refresh,
            actor=advisor,
            identity_confirmed=True,
            contact_confirmed=True,
            financial_confirmed=True,
            aml_risk="medium",
        )
    assert refresh.status == RefreshStatus.COMPLETED and refresh.changed_fields == []
    own_client.kyc_profile.refresh_from_db()
    assert own_client.kyc_profile.next_refresh_due == datetime.date(2029, 2, 1)


def test_a_rating_confirmed_at_a_refresh_says_so_in_each_readers_language(own_client, advisor, supervisor):
    from django.utils import translation

    from advisory.texts import render_reason

    add_identity_document(own_client, advisor)
    with time_machine.travel(at(2025, 1, 10), tick=False):
        kyc.kyc_profile_rate(client=own_client, actor=supervisor, risk="low", reasons="x")
    with time_machine.travel(at(2027, 2, 1), tick=False), translation.override("en"):
        refresh = kyc.kyc_refresh_start(client=own_client, actor=advisor)
        refresh = kyc.kyc_refresh_submit(
            refresh=refresh,
            actor=advisor,
            identity_confirmed=True,
            contact_confirmed=True,
            financial_confirmed=True,
            aml_risk="medium",
        )
        # a new rating is a change: a supervisor approves it, and the refresh completes
        assert refresh.status == RefreshStatus.SUBMITTED
        kyc.kyc_refresh_review(refresh=refresh, actor=supervisor, action="approve")
    own_client.kyc_profile.refresh_from_db()
    stored = own_client.kyc_profile.aml_risk_reasons
    assert own_client.kyc_profile.aml_risk == "medium"
    assert render_reason(stored, language="zh-hans") == "已在定期信息更新中确认。"
    assert render_reason(stored, language="en") == "Confirmed at the periodic refresh."


def test_refresh_with_changes_goes_to_a_supervisor(own_client, advisor, supervisor, colleague):
    # given a refresh in which the advisor updates the income and the phone
    add_identity_document(own_client, advisor)
    kyc.kyc_profile_rate(client=own_client, actor=supervisor, risk="low", reasons="x")
    refresh = kyc.kyc_refresh_start(client=own_client, actor=advisor)
    services.client_update(
        client=own_client, actor=advisor, data={"monthly_income": Decimal("30000"), "phone": "13900001111"}
    )
    # when the advisor submits with all three confirmations
    refresh = kyc.kyc_refresh_submit(
        refresh=refresh,
        actor=advisor,
        identity_confirmed=True,
        contact_confirmed=True,
        financial_confirmed=True,
        aml_risk="medium",
    )
    # then the changes are listed (the phone without its value) and a supervisor must review
    assert refresh.status == RefreshStatus.SUBMITTED
    changes = {c["field"]: c for c in refresh.changed_fields}
    assert changes["monthly_income"]["old"] == "20000.00" and changes["monthly_income"]["new"] == "30000.00"
    assert changes["phone"] == {"field": "phone", "old": None, "new": None}
    assert changes["aml_risk"]["new"] == "medium"
    assert supervisor.notifications.filter(kind="clients.kyc_refresh_submitted").exists()
    with pytest.raises(NotAllowed):
        kyc.kyc_refresh_review(refresh=refresh, actor=colleague, action="approve")
    with pytest.raises(DomainError):
        kyc.kyc_refresh_review(refresh=refresh, actor=supervisor, action="return", note="")
    refresh = kyc.kyc_refresh_review(refresh=refresh, actor=supervisor, action="approve", note="ok")
    assert refresh.status == RefreshStatus.COMPLETED and refresh.reviewed_by == supervisor
    # and the supervisor's "to review" notification is marked done (issue 13)
    asked = supervisor.notifications.get(kind="clients.kyc_refresh_submitted")
    assert asked.done_at is not None and asked.read_at is not None
    own_client.kyc_profile.refresh_from_db()
    assert own_client.kyc_profile.aml_risk == "medium"
    assert refresh.history.count() >= 3


def test_refresh_needs_every_confirmation(own_client, advisor):
    add_identity_document(own_client, advisor)
    refresh = kyc.kyc_refresh_start(client=own_client, actor=advisor)
    with pytest.raises(DomainError) as exc:
        kyc.kyc_refresh_submit(
            refresh=refresh,
            actor=advisor,
            identity_confirmed=True,
            contact_confirmed=False,
            financial_confirmed=False,
            aml_risk="low",
        )
    assert set(exc.value.fields) == {"contact_confirmed", "financial_confirmed"}
    with pytest.raises(Conflict):
        kyc.kyc_refresh_start(client=own_client, actor=advisor)
    assert KycRefresh.objects.get().status == RefreshStatus.OPEN


def test_refresh_refuses_identity_confirmation_without_a_valid_document(own_client, advisor):
    with time_machine.travel(at(2026, 1, 1), tick=False):
        add_identity_document(own_client, advisor, expires_on=datetime.date(2026, 2, 1))
    with time_machine.travel(at(2026, 3, 1), tick=False):
        refresh = kyc.kyc_refresh_start(client=own_client, actor=advisor)
        with pytest.raises(DomainError) as exc:
            kyc.kyc_refresh_submit(
                refresh=refresh,
                actor=advisor,
                identity_confirmed=True,
                contact_confirmed=True,
                financial_confirmed=True,
                aml_risk="low",
            )
    assert "identity_confirmed" in exc.value.fields


# -- onboarding approval and due diligence ---------------------------------------------------------
def _submitted(ready_case, advisor):
    return services.onboarding_transition(case=ready_case, action="submit_for_review", actor=advisor)


def test_approval_lists_everything_missing(ready_case, advisor, supervisor):
    case = _submitted(ready_case, advisor)
    with pytest.raises(Conflict) as exc:
        services.onboarding_transition(case=case, action="approve", actor=supervisor)
    message = exc.value.message
    assert "risk profile" in message and "signed service agreement" in message and "due diligence" in message
    assert case.client.__class__.objects.get(pk=case.client_id).status == "onboarding"


def test_unsigned_agreement_does_not_count(ready_case, advisor, supervisor):
    from tests.risk.factories import make_assessment

    case = _submitted(ready_case, advisor)
    agreement = sign_agreement(case.client, advisor)
    services.agreement_save(client=case.client, actor=advisor, data={"signed_on": None}, agreement=agreement)
    make_assessment(client=case.client)
    due_diligence.due_diligence_record(case=case, actor=supervisor, data=dict(CDD_LOW))
    with pytest.raises(Conflict) as exc:
        services.onboarding_transition(case=case, action="approve", actor=supervisor)
    assert "signed service agreement" in exc.value.message


def test_approval_sets_the_aml_rating_and_refresh_date(ready_case, advisor, supervisor):
    case = _submitted(ready_case, advisor)
    make_approvable(case, supervisor)
    with time_machine.travel(at(2026, 12, 3), tick=False):
        services.onboarding_transition(case=case, action="approve", actor=supervisor)
    profile = case.client.kyc_profile
    assert profile.aml_risk == "low" and profile.next_refresh_due == datetime.date(2029, 12, 3)


def test_due_diligence_field_errors(ready_case, advisor, supervisor):
    case = _submitted(ready_case, advisor)
    with pytest.raises(DomainError) as exc:
        due_diligence.due_diligence_record(case=case, actor=supervisor, data={"ml_risk": "extreme"})
    assert {"ml_risk", "ml_risk_reasons", "source_of_funds", "purpose", "identity_verified"} <= set(
        exc.value.fields
    )


def test_due_diligence_only_by_a_reviewer_at_the_review(ready_case, advisor, supervisor, colleague):
    with pytest.raises(Conflict):
        due_diligence.due_diligence_record(case=ready_case, actor=supervisor, data=dict(CDD_LOW))
    case = _submitted(ready_case, advisor)
    for user in (advisor, colleague):
        with pytest.raises(NotAllowed):
            due_diligence.due_diligence_record(case=case, actor=user, data=dict(CDD_LOW))


def test_institution_needs_a_verified_beneficial_owner(advisor, supervisor):
    client = services.client_create(
        actor=advisor,
        data={
            "name": "上海某某贸易有限公司",
            "kind": ClientKind.INSTITUTION,
            "email": "ops@example.test",
            "id_document_type": "uscc",
            "id_number": "91310115MA1K3YJ12G",
            "monthly_income": 200000,
            "monthly_expenses": 80000,
            "liquid_reserves": 1000000,
            "income_stability": "stable",
        },
    )
    from clients.models import ConsentKind

    for kind in (ConsentKind.PRIVACY, ConsentKind.RISK_DISCLOSURE):
        services.consent_record(client=client, actor=advisor, kind=kind, channel="paper")
    add_identity_document(client, advisor, document_type="uscc", number="91310115MA1K3YJ12G", expires_on=None)
    case = services.onboarding_start(client=client, actor=advisor)
    for action, extra in (
        ("verify_identity", {}),
        ("choose_business_type", {"business_type": "investment_advice"}),
        ("submit_for_review", {}),
    ):
        case = services.onboarding_transition(case=case, action=action, actor=advisor, **extra)
    with pytest.raises(DomainError) as exc:
        due_diligence.due_diligence_record(case=case, actor=supervisor, data=dict(CDD_LOW))
    assert {"beneficial_owner_identified", "beneficial_owner_verified"} <= set(exc.value.fields)
    data = {**CDD_LOW, "beneficial_owner_identified": True, "beneficial_owner_verified": True}
    with pytest.raises(DomainError) as exc:
        due_diligence.due_diligence_record(case=case, actor=supervisor, data=data)
    assert "related parties" in exc.value.fields["beneficial_owner_identified"][0]
    services.related_party_add(client=client, actor=advisor, relationship="beneficial_owner", name="王大明")
    cdd = due_diligence.due_diligence_record(case=case, actor=supervisor, data=data)
    assert cdd.beneficial_owner_required and cdd.checklist_complete


def test_high_risk_needs_a_second_reviewer(ready_case, advisor, supervisor, compliance_officer):
    # given high-risk due diligence recorded by the supervisor
    case = _submitted(ready_case, advisor)
    make_approvable(case, supervisor, cdd={**CDD_LOW, "ml_risk": AmlRisk.HIGH, "ml_risk_reasons": "境外资金"})
    cdd = case.due_diligence
    assert cdd.edd_status == EddStatus.PENDING
    # then approval waits for the enhanced review
    with pytest.raises(Conflict) as exc:
        services.onboarding_transition(case=case, action="approve", actor=compliance_officer)
    assert "enhanced due diligence" in exc.value.message
    # the first reviewer cannot be the second, nor the advisor
    with pytest.raises(NotAllowed):
        due_diligence.due_diligence_edd_review(cdd=cdd, actor=supervisor, decision="approve", note="ok")
    with pytest.raises(NotAllowed):
        due_diligence.due_diligence_edd_review(cdd=cdd, actor=advisor, decision="approve", note="ok")
    with pytest.raises(DomainError) as exc:
        due_diligence.due_diligence_edd_review(cdd=cdd, actor=compliance_officer, decision="approve", note="")
    assert "note" in exc.value.fields
    cdd = due_diligence.due_diligence_edd_review(
        cdd=cdd, actor=compliance_officer, decision="approve", note="资金来源已核实"
    )
    assert cdd.edd_status == EddStatus.APPROVED and cdd.edd_reviewer == compliance_officer
    case = services.onboarding_transition(case=case, action="approve", actor=compliance_officer)
    assert case.step == OnboardingStep.REGISTERED
    assert case.client.kyc_profile.aml_risk == "high"


def test_rejected_enhanced_review_blocks_approval(ready_case, advisor, supervisor, compliance_officer):
    case = _submitted(ready_case, advisor)
    make_approvable(case, supervisor, cdd={**CDD_LOW, "ml_risk": "high", "ml_risk_reasons": "x"})
    due_diligence.due_diligence_edd_review(
        cdd=case.due_diligence, actor=compliance_officer, decision="reject", note="来源不明"
    )
    with pytest.raises(Conflict):
        services.onboarding_transition(case=case, action="approve", actor=supervisor)


def test_onboarding_approval_with_an_expired_risk_profile_is_refused(ready_case, advisor, supervisor):
    from tests.risk.factories import make_assessment

    case = _submitted(ready_case, advisor)
    sign_agreement(case.client, advisor)
    make_assessment(client=case.client, valid_until=datetime.date(2026, 1, 1))
    due_diligence.due_diligence_record(case=case, actor=supervisor, data=dict(CDD_LOW))
    with pytest.raises(Conflict) as exc:
        services.onboarding_transition(case=case, action="approve", actor=supervisor)
    assert "current risk profile" in exc.value.message


def test_unused_helper_upload_name():
    assert id_copy().name == "id-card.pdf"


def test_no_warning_for_ended_clients(own_client, advisor):
    with time_machine.travel(at(2026, 1, 1), tick=False):
        add_identity_document(own_client, advisor, expires_on=datetime.date(2026, 2, 1))
        services.client_end_relationship(client=own_client, actor=advisor, reason="moved abroad")
    with time_machine.travel(at(2026, 3, 1), tick=False):
        assert active_warnings()[WarningKind.IDENTITY_DOCUMENT_EXPIRING] == {}
    assert not RiskWarning.objects.exists()
