import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.models import RiskWarning, WarningKind
from advisory.numbering import next_number
from advisory.texts import stored_reason, text
from audit.models import AuditAction, AuditEntry
from clients import services
from clients.models import Client, ClientStatus, OnboardingCase, OnboardingStep
from tests.clients.conftest import VALID_PRC_ID
from tests.clients.kyc_helpers import add_identity_document, make_approvable

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=10, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=SH)


# -- numbers -------------------------------------------------------------------------------------
def test_file_and_acceptance_numbers_are_sequential_per_year(db):
    with time_machine.travel(at(2026, 3, 1), tick=False):
        assert next_number(prefix="CL", year=2026) == "CL-2026-000001"
        assert next_number(prefix="CL", year=2026) == "CL-2026-000002"
        assert next_number(prefix="ACC", year=2026) == "ACC-2026-000001"
        assert next_number(prefix="CL", year=2027) == "CL-2027-000001"


def test_client_create_allocates_file_number_and_encrypts_personal_data(own_client):
    # given a client created through the service
    from django.db import connection

    # then the file number has the unified format and identity is stored encrypted with its hash
    assert own_client.file_number.startswith("CL-") and len(own_client.file_number) == 14
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id_number, phone, address, bank_account_number FROM clients_client WHERE id=%s",
            [own_client.pk],
        )
        raw = cur.fetchone()
    assert VALID_PRC_ID not in raw[0] and "13812345678" not in raw[1]
    assert raw[0].startswith("gAAAA")  # a Fernet token
    reloaded = Client.objects.get(pk=own_client.pk)
    assert reloaded.id_number == VALID_PRC_ID
    assert reloaded.id_number_hash and len(reloaded.id_number_hash) == 64
    assert reloaded.masked_id_number == "110105********002X"


def test_personal_data_never_reaches_history_or_audit_trail_in_clear(own_client, advisor):
    # when the phone changes
    services.client_update(client=own_client, actor=advisor, data={"phone": "13900001111"})
    # then neither history nor the audit trail hold the clear values
    dump = " ".join(str(e.changes) for e in AuditEntry.objects.all())
    assert VALID_PRC_ID not in dump and "13900001111" not in dump and "13812345678" not in dump
    assert "phone" in str(AuditEntry.objects.filter(record_id=str(own_client.pk)).first().changes)
    # and the history row keeps the value encrypted at rest, readable for a point-in-time view
    assert own_client.history.first().phone == "13900001111"


def test_invalid_identity_number_is_refused_with_field_error(advisor):
    with pytest.raises(DomainError) as exc:
        services.client_create(
            actor=advisor, data={"name": "X", "id_document_type": "prc_id", "id_number": "110105194912310021"}
        )
    assert "id_number" in exc.value.fields
    assert not Client.objects.exists()


def test_duplicate_identity_is_detected_across_books(own_client, colleague):
    # when a colleague opens a file with the same number written differently
    with pytest.raises(Conflict) as exc:
        services.client_create(
            actor=colleague,
            data={"name": "Copy", "id_document_type": "prc_id", "id_number": "11010519491231002x"},
        )
    # then it is refused without naming the existing file (not in the colleague's book)
    assert "already a client of the firm" in exc.value.message
    assert own_client.file_number not in exc.value.message
    assert Client.objects.count() == 1


def test_duplicate_detection_uses_the_hash_column_not_decryption(
    own_client, colleague, django_assert_max_num_queries
):
    from clients.identity import identity_hash

    assert Client.objects.filter(id_number_hash=identity_hash("prc_id", VALID_PRC_ID)).count() == 1


# -- classification ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "income,tier",
    [
        (None, ""),
        (Decimal("0"), "low"),
        (Decimal("4999.99"), "low"),
        (Decimal("5000"), "middle"),
        (Decimal("50000"), "middle"),
        (Decimal("50000.01"), "high"),
    ],
)
def test_wealth_tier_edges(income, tier):
    assert services.classify_wealth_tier(income) == tier


def test_wealth_tier_thresholds_are_configurable(settings):
    settings.CLIENT_WEALTH_TIER_MIDDLE_FROM = 10000
    settings.CLIENT_WEALTH_TIER_HIGH_ABOVE = 100000
    assert services.classify_wealth_tier(Decimal("9999")) == "low"
    assert services.classify_wealth_tier(Decimal("60000")) == "middle"
    assert services.classify_wealth_tier(Decimal("100001")) == "high"


@pytest.mark.parametrize(
    "years,kinds,level",
    [
        (0, [], "beginner"),
        (1, ["deposits"], "beginner"),
        (2, [], "intermediate"),
        (0, ["deposits", "funds"], "intermediate"),
        (5, ["bonds", "funds"], "intermediate"),
        (4, ["bonds", "funds", "equities"], "intermediate"),
        (5, ["bonds", "funds", "equities"], "experienced"),
    ],
)
def test_investment_experience(years, kinds, level):
    assert services.classify_investment_experience(years, kinds) == level


@pytest.mark.parametrize(
    "assets,needs,need",
    [
        ([], [], "single_asset"),
        (["equities"], [], "single_asset"),
        (["equities", "bonds"], [], "multi_asset"),
        (["equities"], ["retirement"], "comprehensive"),
    ],
)
def test_service_need(assets, needs, need):
    assert services.classify_service_need(assets, needs) == need


def test_classification_is_recomputed_when_inputs_change(own_client, advisor):
    assert own_client.wealth_tier == "middle"
    client = services.client_update(
        client=own_client,
        actor=advisor,
        data={"monthly_income": Decimal("60000"), "planning_needs": ["estate"]},
    )
    client.refresh_from_db()
    assert client.wealth_tier == "high" and client.service_need == "comprehensive"
    assert client.history.first().history_change_reason == stored_reason(text("audit.client_file_updated"))


# -- reassignment and reveal ---------------------------------------------------------------------
def test_reassignment_is_recorded(own_client, supervisor, colleague, advisor):
    # when the supervisor re-assigns the client
    services.client_reassign(
        client=own_client, actor=supervisor, new_advisor=colleague, reason="Advisor on leave"
    )
    # then the book changes, history says who and why, the trail has the event, both advisors hear
    own_client.refresh_from_db()
    assert own_client.advisor == colleague
    latest = own_client.history.first()
    assert latest.history_user == supervisor and "Advisor on leave" in latest.history_change_reason
    entry = AuditEntry.objects.filter(action=AuditAction.OTHER, record_id=str(own_client.pk)).get()
    assert entry.changes["advisor"] == [advisor.email, colleague.email]
    assert colleague.notifications.filter(kind="clients.reassigned").exists()


def test_advisor_cannot_reassign_and_reason_is_required(own_client, advisor, colleague, supervisor):
    with pytest.raises(NotAllowed):
        services.client_reassign(client=own_client, actor=advisor, new_advisor=colleague, reason="mine")
    with pytest.raises(DomainError):
        services.client_reassign(client=own_client, actor=supervisor, new_advisor=colleague, reason=" ")
    own_client.refresh_from_db()
    assert own_client.advisor == advisor


def test_reveal_is_logged_and_permission_checked(
    own_client, advisor, compliance_officer, risk_reviewer, colleague
):
    assert services.client_reveal(client=own_client, actor=advisor, field="id_number") == VALID_PRC_ID
    assert services.client_reveal(client=own_client, actor=compliance_officer, field="phone") == "13812345678"
    reveals = AuditEntry.objects.filter(action=AuditAction.REVEAL, client_id=own_client.pk)
    assert reveals.count() == 2
    assert {e.actor for e in reveals} == {advisor, compliance_officer}
    for user in (risk_reviewer, colleague):
        with pytest.raises(NotAllowed):
            services.client_reveal(client=own_client, actor=user, field="id_number")
    with pytest.raises(DomainError):
        services.client_reveal(client=own_client, actor=advisor, field="name")
    assert reveals.count() == 2


# -- documents -----------------------------------------------------------------------------------
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def test_upload_accepts_real_pdf_and_png(own_client, advisor):
    doc = services.document_upload(
        client=own_client, actor=advisor, upload=SimpleUploadedFile("id.pdf", PDF), kind="identity"
    )
    assert doc.content_type == "application/pdf" and doc.size_bytes == len(PDF) and len(doc.sha256) == 64
    services.document_upload(
        client=own_client, actor=advisor, upload=SimpleUploadedFile("scan.PNG", PNG), kind="other"
    )
    assert own_client.documents.count() == 2


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("virus.exe", b"MZ\x90\x00", "not accepted"),
        ("fake.pdf", b"MZ\x90\x00not a pdf", "content is not"),
        ("photo.jpg", PNG, "content is not"),
        ("empty.pdf", b"", "empty"),
        ("noext", PDF, "not accepted"),
    ],
)
def test_upload_refuses_wrong_type_or_content(own_client, advisor, name, content, message):
    with pytest.raises(DomainError) as exc:
        services.document_upload(
            client=own_client, actor=advisor, upload=SimpleUploadedFile(name, content), kind="other"
        )
    assert message in exc.value.message and "file" in exc.value.fields
    assert not own_client.documents.exists()


def test_upload_refuses_files_over_the_size_limit(own_client, advisor, settings):
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(DomainError) as exc:
        services.document_upload(
            client=own_client,
            actor=advisor,
            upload=SimpleUploadedFile("big.pdf", PDF + b"0" * 200),
            kind="other",
        )
    assert "limit" in exc.value.message


def test_download_is_audited(own_client, advisor):
    doc = services.document_upload(
        client=own_client, actor=advisor, upload=SimpleUploadedFile("a.pdf", PDF), kind="other"
    )
    with services.document_download(document=doc, actor=advisor) as fh:
        assert fh.read() == PDF
    assert AuditEntry.objects.filter(action=AuditAction.DOWNLOAD, record_id=str(doc.pk)).count() == 1


# -- onboarding state machine ----------------------------------------------------------------------
def test_full_onboarding_path_records_each_step(ready_case, advisor, supervisor):
    # when the advisor submits and the supervisor approves
    case = services.onboarding_transition(case=ready_case, action="submit_for_review", actor=advisor)
    make_approvable(case, supervisor)
    case = services.onboarding_transition(case=case, action="approve", actor=supervisor)
    # then the client is registered and every step has who and when
    assert case.step == OnboardingStep.REGISTERED
    assert case.client.status == ClientStatus.ACTIVE and case.client.relationship_started_on
    log = list(case.step_log.order_by("at", "id").values_list("to_step", "actor_id"))
    assert [s for s, _ in log] == [
        "identity_verification",
        "business_type",
        "information_collection",
        "initial_review",
        "registered",
    ]
    assert log[-1][1] == supervisor.pk and all(a for _, a in log)
    assert AuditEntry.objects.filter(action=AuditAction.TRANSITION, record_id=str(case.pk)).count() == 5
    assert case.acceptance_number.startswith("ACC-")


def test_return_needs_a_reason_and_sends_the_case_back(ready_case, advisor, compliance_officer):
    case = services.onboarding_transition(case=ready_case, action="submit_for_review", actor=advisor)
    with pytest.raises(DomainError):
        services.onboarding_transition(case=case, action="return", actor=compliance_officer, note="")
    case = services.onboarding_transition(
        case=case, action="return", actor=compliance_officer, note="No address proof"
    )
    assert case.step == OnboardingStep.INFORMATION_COLLECTION
    assert case.return_reason == "No address proof" and case.times_returned == 1
    assert case.step_log.last().note == "No address proof"


def test_advisor_cannot_review_and_forbidden_moves_conflict(ready_case, advisor, supervisor, colleague):
    with pytest.raises(Conflict):
        services.onboarding_transition(case=ready_case, action="approve", actor=supervisor)
    case = services.onboarding_transition(case=ready_case, action="submit_for_review", actor=advisor)
    with pytest.raises(NotAllowed):
        services.onboarding_transition(case=case, action="approve", actor=advisor)
    with pytest.raises(NotAllowed):
        services.onboarding_transition(case=case, action="withdraw", actor=colleague, note="x")
    assert OnboardingCase.objects.get(pk=case.pk).step == OnboardingStep.INITIAL_REVIEW


def test_submission_requires_complete_file(own_client, advisor):
    add_identity_document(own_client, advisor)
    case = services.onboarding_start(client=own_client, actor=advisor)
    case = services.onboarding_transition(case=case, action="verify_identity", actor=advisor)
    case = services.onboarding_transition(
        case=case, action="choose_business_type", actor=advisor, business_type="financial_planning"
    )
    with pytest.raises(DomainError) as exc:
        services.onboarding_transition(case=case, action="submit_for_review", actor=advisor)
    assert "privacy consent" in exc.value.message


def test_identity_must_be_on_file_before_verification(advisor):
    client = services.client_create(actor=advisor, data={"name": "No ID"})
    case = services.onboarding_start(client=client, actor=advisor)
    with pytest.raises(DomainError) as exc:
        services.onboarding_transition(case=case, action="verify_identity", actor=advisor)
    assert "id_number" in exc.value.fields


def test_only_one_open_case_per_client(ready_case, advisor):
    with pytest.raises(Conflict):
        services.onboarding_start(client=ready_case.client, actor=advisor)


# -- deadlines (CN calendar unless stated) ------------------------------------------------------------
@pytest.mark.parametrize(
    "submitted,special,large,due",
    [
        # Friday, over the weekend
        (at(2026, 11, 20), False, False, at(2026, 11, 24, 17)),
        (at(2026, 11, 20), True, False, at(2026, 11, 27, 17)),
        (at(2026, 11, 20), False, True, at(2026, 11, 23, 17)),
        # submitted on a Saturday: counting starts with Monday
        (at(2026, 11, 21), False, False, at(2026, 11, 24, 17)),
        # 30 September, before National Day (1-7 October off, Saturday 10 October a make-up workday)
        (at(2026, 9, 30), False, False, at(2026, 10, 9, 17)),
        (at(2026, 9, 30), False, True, at(2026, 10, 8, 17)),
        (at(2026, 9, 30), True, False, at(2026, 10, 13, 17)),
        # large movement AND special: the strictest rule (1 day) wins
        (at(2026, 9, 30), True, True, at(2026, 10, 8, 17)),
        # Friday 18 September: Sunday 20 September is a make-up working day
        (at(2026, 9, 18), False, True, at(2026, 9, 20, 17)),
        # Thursday before Mid-Autumn (Friday 25 September)
        (at(2026, 9, 24), False, True, at(2026, 9, 28, 17)),
    ],
)
def test_review_deadline_rules(ready_case, advisor, settings, submitted, special, large, due):
    settings.ONBOARDING_LARGE_FUND_MOVEMENT_THRESHOLD = 1_000_000
    client = ready_case.client
    if large:
        services.client_update(
            client=client, actor=advisor, data={"large_fund_movement_amount": Decimal("1000000")}
        )
    if special:
        services.onboarding_flag_special(
            case=ready_case, actor=advisor, is_special=True, reason="trust structure"
        )
    with time_machine.travel(submitted, tick=False):
        case = services.onboarding_transition(case=ready_case, action="submit_for_review", actor=advisor)
    assert case.review_deadline == due
    assert case.involves_large_fund_movement is large
    case.refresh_from_db()
    assert case.review_deadline == due  # stored on the case


def test_large_fund_threshold_is_configurable(ready_case, advisor, settings):
    services.client_update(
        client=ready_case.client, actor=advisor, data={"large_fund_movement_amount": Decimal("999999.99")}
    )
    settings.ONBOARDING_LARGE_FUND_MOVEMENT_THRESHOLD = 1_000_000
    with time_machine.travel(at(2026, 11, 20), tick=False):
        case = services.onboarding_transition(case=ready_case, action="submit_for_review", actor=advisor)
    assert not case.involves_large_fund_movement and case.review_days == 2


@pytest.mark.parametrize(
    "region,submitted,due",
    [
        ("HK", at(2026, 9, 30), at(2026, 10, 2, 17)),  # 1 October (National Day) off in HK
        ("TW", at(2026, 10, 8), at(2026, 10, 12, 17)),  # 9 October (observed National Day) + weekend
    ],
)
def test_review_deadline_follows_the_configured_region(ready_case, advisor, settings, region, submitted, due):
    settings.BUSINESS_CALENDAR_REGION = region
    services.client_update(
        client=ready_case.client, actor=advisor, data={"large_fund_movement_amount": Decimal("5000000")}
    )
    with time_machine.travel(submitted, tick=False):
        case = services.onboarding_transition(case=ready_case, action="submit_for_review", actor=advisor)
    assert case.review_deadline == due


# -- overdue sweep -------------------------------------------------------------------------------
def test_overdue_sweep_marks_once_and_raises_one_warning(ready_case, advisor, supervisor):
    # given a case submitted on Friday 20 November, due Tuesday 24 November 17:00
    with time_machine.travel(at(2026, 11, 20), tick=False):
        case = services.onboarding_transition(case=ready_case, action="submit_for_review", actor=advisor)
    # when the sweep runs before the deadline, nothing happens
    with time_machine.travel(at(2026, 11, 24, 16, 59), tick=False):
        assert services.onboarding_overdue_sweep()["marked"] == 0
    assert not RiskWarning.objects.exists()
    # when it runs after the deadline, twice
    with time_machine.travel(at(2026, 11, 24, 17, 1), tick=False):
        first = services.onboarding_overdue_sweep()
        second = services.onboarding_overdue_sweep()
    # then the case is marked once and one warning is open
    assert first["marked"] == 1 and first["opened"] == 1
    assert second["marked"] == 0 and second["opened"] == 0
    case.refresh_from_db()
    assert case.is_overdue and case.overdue_since == at(2026, 11, 24, 17, 1)
    warning = RiskWarning.objects.get(kind=WarningKind.ONBOARDING_OVERDUE, is_open=True)
    assert warning.advisor == advisor and warning.client_id == case.client_id
    assert case.history.filter(is_overdue=True).count() == 1
    # when the case is approved, the next sweep closes the warning
    with time_machine.travel(at(2026, 11, 25), tick=False):
        make_approvable(case, supervisor)
        services.onboarding_transition(case=case, action="approve", actor=supervisor)
        assert services.onboarding_overdue_sweep()["closed"] == 1
    assert not RiskWarning.objects.filter(is_open=True).exists()


def test_sweep_task_and_active_warnings_hook(ready_case, advisor):
    from clients.tasks import onboarding_overdue_sweep_task
    from clients.warnings import active_warnings

    with time_machine.travel(at(2026, 11, 20), tick=False):
        case = services.onboarding_transition(case=ready_case, action="submit_for_review", actor=advisor)
    with time_machine.travel(at(2026, 12, 1), tick=False):
        result = onboarding_overdue_sweep_task.delay().get()
        specs = active_warnings()
    assert result["marked"] == 1
    assert list(specs[WarningKind.ONBOARDING_OVERDUE]) == [("clients.onboardingcase", str(case.pk))]


def test_consents_record_timestamp_and_withdrawal(own_client, advisor):
    with time_machine.travel(at(2026, 5, 1), tick=False):
        consent = services.consent_record(client=own_client, actor=advisor, kind="privacy", channel="paper")
    assert consent.given_at == at(2026, 5, 1)
    assert services.current_consents(own_client)["privacy"] == consent
    services.consent_withdraw(consent=consent, actor=advisor)
    assert services.current_consents(own_client)["privacy"] is None


def test_a_second_withdrawal_submit_keeps_the_first(own_client, advisor):
    with time_machine.travel(at(2026, 5, 1), tick=False):
        consent = services.consent_record(client=own_client, actor=advisor, kind="privacy", channel="paper")
    second_tab = type(consent).objects.get(pk=consent.pk)
    with time_machine.travel(at(2026, 6, 1), tick=False):
        services.consent_withdraw(consent=consent, actor=advisor)
    with time_machine.travel(at(2026, 6, 2), tick=False):
        again = services.consent_withdraw(consent=second_tab, actor=advisor)
    assert again.withdrawn_at == at(2026, 6, 1)
    consent.refresh_from_db()
    assert consent.withdrawn_at == at(2026, 6, 1) and consent.history.count() == 2


def test_a_second_end_of_a_relationship_says_when_it_ended(own_client, advisor):
    party = services.related_party_add(
        client=own_client, actor=advisor, relationship="spouse", name="Li Si 李四"
    )
    second_tab = type(party).objects.get(pk=party.pk)
    services.related_party_end(party=party, actor=advisor, reason="divorce")
    with pytest.raises(Conflict, match="already ended"):
        services.related_party_end(party=second_tab, actor=advisor, reason="divorce, entered twice")
    assert party.history.count() == 2


def test_agreement_validation(own_client, advisor):
    with pytest.raises(DomainError):
        services.agreement_save(
            client=own_client,
            actor=advisor,
            data={
                "scope": "x",
                "fee_structure": "fixed",
                "starts_on": datetime.date(2026, 5, 1),
                "ends_on": datetime.date(2026, 4, 1),
                "termination_conditions": "x",
            },
        )
    agreement = services.agreement_save(
        client=own_client,
        actor=advisor,
        data={
            "scope": "Advice",
            "fee_structure": "aum",
            "starts_on": datetime.date(2026, 5, 1),
            "termination_conditions": "30 days",
        },
    )
    assert agreement.pk and agreement.history.count() == 1


def test_end_relationship_starts_retention_and_needs_a_reason(own_client, advisor, colleague, supervisor):
    with pytest.raises(DomainError):
        services.client_end_relationship(client=own_client, actor=advisor, reason="")
    with pytest.raises(NotAllowed):
        services.client_end_relationship(client=own_client, actor=supervisor, reason="moved abroad")
    with time_machine.travel(at(2026, 6, 30), tick=False):
        client = services.client_end_relationship(client=own_client, actor=advisor, reason="moved abroad")
    assert client.status == ClientStatus.ENDED and client.relationship_ended_on == datetime.date(2026, 6, 30)
    assert "moved abroad" in client.history.order_by("-history_id").first().history_change_reason
    with pytest.raises(Conflict):
        services.client_end_relationship(client=client, actor=advisor, reason="again")
    with pytest.raises(Conflict):
        services.onboarding_start(client=client, actor=advisor)


def test_special_flag_from_a_page_opened_before_submission_leaves_the_submitted_case_alone(
    ready_case, advisor
):
    # given the flag form was opened while the case was still being collected
    on_the_page = type(ready_case).objects.get(pk=ready_case.pk)
    submitted = services.onboarding_transition(case=ready_case, action="submit_for_review", actor=advisor)
    # when it is saved after the case was submitted
    with pytest.raises(Conflict):
        services.onboarding_flag_special(case=on_the_page, actor=advisor, is_special=True, reason="trust")
    # then the submission, its deadline and its step stand
    case = type(ready_case).objects.get(pk=ready_case.pk)
    assert (case.step, case.review_deadline, case.is_special) == (
        submitted.step,
        submitted.review_deadline,
        False,
    )
    assert case.review_deadline is not None


def test_open_onboarding_blocks_ending_and_special_flag_only_before_review(ready_case, advisor):
    with pytest.raises(Conflict):
        services.client_end_relationship(client=ready_case.client, actor=advisor, reason="x")
    with pytest.raises(DomainError):
        services.onboarding_flag_special(case=ready_case, actor=advisor, is_special=True, reason="")
    services.onboarding_flag_special(case=ready_case, actor=advisor, is_special=True, reason="trust")
    case = services.onboarding_transition(case=ready_case, action="submit_for_review", actor=advisor)
    assert case.review_days == 5
    with pytest.raises(Conflict):
        services.onboarding_flag_special(case=case, actor=advisor, is_special=False)
