"""Intake, the state machine, resolution, surveys, auto-close and violation cases (SPEC §4)."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.roles import Role
from audit.models import AuditAction, AuditEntry
from complaints import services
from complaints.models import (
    ComplaintAttachment,
    ComplaintSettings,
    SatisfactionSurvey,
    State,
    ViolationStage,
)
from tests.complaints.factories import make_client, make_complaint
from tests.factories import UserFactory

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SH)


@pytest.fixture
def client_file(advisor, client_user):
    return make_client(advisor=advisor, user=client_user, name="Carol Client")


def _resolve(c, actor):
    c = services.complaint_act(complaint=c, actor=actor, action="acknowledge")
    c = services.complaint_act(complaint=c, actor=actor, action="investigate")
    return services.complaint_resolve(
        complaint=c,
        actor=actor,
        root_cause="Duplicate debit in the billing run",
        resolution_answer="We refunded the second fee.",
        remedy_apology=True,
        compensation_amount=Decimal("200.00"),
        compensation_currency="CNY",
    )


def test_ticket_numbers_are_sequential_per_year(client_file):
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        a = make_complaint(client=client_file)
        b = make_complaint(client=client_file)
    assert a.number == "CP-2026-000001"
    assert b.number == "CP-2026-000002"


def test_portal_intake_assigns_the_clients_advisor(client_file, client_user, advisor):
    c = services.complaint_file(
        actor=client_user, client=client_file, channel="phone", category="fees",
        subject="Wrong fee", description="Charged twice", priority="urgent",
    )  # fmt: skip
    assert c.channel == "portal" and c.priority == "normal"  # clients cannot choose either
    assert c.assignee == advisor
    assert c.events.get().kind == "created"


def test_intake_goes_to_the_complaints_team_when_configured(client_file, advisor, supervisor):
    team = UserFactory(role=Role.SUPERVISOR)
    ComplaintSettings.objects.create(assign_to_advisor=False, complaints_team_user=team)
    c = make_complaint(client=client_file, actor=supervisor)
    assert c.assignee == team


def test_client_cannot_file_for_another_client(client_file, outsider_user):
    with pytest.raises(NotAllowed):
        services.complaint_file(
            actor=outsider_user,
            client=client_file,
            channel="portal",
            category="fees",
            subject="x",
            description="y",
        )


def test_colleague_cannot_log_for_a_client_outside_their_book(client_file, colleague):
    with pytest.raises(NotAllowed):
        make_complaint(client=client_file, actor=colleague)


def test_attachment_checks_type_and_content(client_file, client_user):
    good = SimpleUploadedFile("statement.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    c = services.complaint_file(
        actor=client_user, client=client_file, channel="portal", category="fees",
        subject="Fee", description="Twice", attachments=[good],
    )  # fmt: skip
    assert ComplaintAttachment.objects.filter(complaint=c).count() == 1
    exe = SimpleUploadedFile("virus.exe", b"MZ...", content_type="application/octet-stream")
    with pytest.raises(DomainError, match="not accepted"):
        services.validate_attachment(exe)
    fake = SimpleUploadedFile("fake.pdf", b"MZ not a pdf", content_type="application/pdf")
    with pytest.raises(DomainError, match="does not match"):
        services.validate_attachment(fake)


def test_attachment_too_large_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 10
    big = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * 100, content_type="application/pdf")
    with pytest.raises(DomainError, match="larger"):
        services.validate_attachment(big)


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([], State.RESOLVED),
        ([], State.CLOSED),
        (["acknowledge"], State.WAITING_ON_CLIENT),
        (["acknowledge", "investigate"], State.CLOSED),
        (["acknowledge", "investigate"], State.ACKNOWLEDGED),
    ],
)
def test_forbidden_transitions_are_refused(client_file, advisor, path, target):
    c = make_complaint(client=client_file)
    for action in path:
        c = services.complaint_act(complaint=c, actor=advisor, action=action)
    state = c.state
    with pytest.raises(Conflict, match="cannot be moved"):
        services.complaint_transition(complaint=c, actor=advisor, to_state=target)
    c.refresh_from_db()
    assert c.state == state


def test_every_transition_records_who_when_and_note(client_file, advisor):
    c = make_complaint(client=client_file)
    c = services.complaint_act(complaint=c, actor=advisor, action="acknowledge", note="We are on it")
    event = c.events.get(kind="transition")
    assert (event.actor, event.from_state, event.to_state, event.body) == (
        advisor,
        "received",
        "acknowledged",
        "We are on it",
    )
    assert c.acknowledged_at and c.first_response_at
    assert AuditEntry.objects.filter(action=AuditAction.TRANSITION, record_id=str(c.pk)).exists()


def test_risk_reviewer_cannot_act(client_file, risk_reviewer):
    c = make_complaint(client=client_file)
    with pytest.raises(NotAllowed):
        services.complaint_act(complaint=c, actor=risk_reviewer, action="acknowledge")


def test_client_reply_while_waiting_resumes_the_clock(client_file, advisor, client_user):
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        c = make_complaint(client=client_file)
        c = services.complaint_act(complaint=c, actor=advisor, action="acknowledge")
        c = services.complaint_act(complaint=c, actor=advisor, action="investigate")
        c = services.complaint_act(
            complaint=c, actor=advisor, action="wait_on_client", note="Send the statement"
        )
    with time_machine.travel(at(2026, 3, 10, 10), tick=False):
        services.complaint_reply(complaint=c, actor=client_user, body="Attached.")
    c.refresh_from_db()
    assert c.state == State.INVESTIGATING
    assert c.paused_seconds == 8 * 3600


def test_resolve_requires_root_cause_and_answer(client_file, advisor):
    c = make_complaint(client=client_file)
    c = services.complaint_act(complaint=c, actor=advisor, action="acknowledge")
    c = services.complaint_act(complaint=c, actor=advisor, action="investigate")
    with pytest.raises(DomainError):
        services.complaint_resolve(complaint=c, actor=advisor, root_cause="", resolution_answer="x")
    with pytest.raises(Conflict):
        services.complaint_transition(complaint=c, actor=advisor, to_state=State.RESOLVED)


def test_client_confirms_resolution_and_answers_the_survey(client_file, advisor, client_user):
    c = _resolve(make_complaint(client=client_file), advisor)
    assert c.state == State.RESOLVED and c.compensation_amount == Decimal("200.00")
    c = services.complaint_transition(complaint=c, actor=client_user, to_state=State.CLOSED)
    assert c.closed_at and c.client_confirmed_at
    survey = SatisfactionSurvey.objects.get(complaint=c)
    services.survey_answer(survey=survey, actor=client_user, csat=4, nps=9, comment="Quick")
    survey.refresh_from_db()
    assert (survey.csat, survey.nps) == (4, 9) and survey.answered_at
    with pytest.raises(Conflict):
        services.survey_answer(survey=survey, actor=client_user, csat=1, nps=0)


def test_a_survey_answered_meanwhile_keeps_its_first_answer(client_file, advisor, client_user):
    # given the survey page was open in two tabs
    c = _resolve(make_complaint(client=client_file), advisor)
    c = services.complaint_transition(complaint=c, actor=client_user, to_state=State.CLOSED)
    first_tab = SatisfactionSurvey.objects.get(complaint=c)
    second_tab = SatisfactionSurvey.objects.get(complaint=c)
    services.survey_answer(survey=first_tab, actor=client_user, csat=5, nps=10, comment="Thank you")
    # when the second tab is submitted too
    with pytest.raises(Conflict):
        services.survey_answer(survey=second_tab, actor=client_user, csat=1, nps=0, comment="Oops")
    # then the first answer stands
    first_tab.refresh_from_db()
    assert (first_tab.csat, first_tab.nps, first_tab.comment) == (5, 10, "Thank you")


def test_survey_scores_are_validated(client_file, advisor, client_user):
    c = _resolve(make_complaint(client=client_file), advisor)
    c = services.complaint_transition(complaint=c, actor=client_user, to_state=State.CLOSED)
    with pytest.raises(DomainError):
        services.survey_answer(survey=c.survey, actor=client_user, csat=6, nps=5)


def test_client_cannot_reopen_or_acknowledge(client_file, advisor, client_user):
    c = make_complaint(client=client_file)
    with pytest.raises(NotAllowed):
        services.complaint_transition(complaint=c, actor=client_user, to_state=State.ACKNOWLEDGED)


def test_reopen_from_closed_returns_to_investigating(client_file, advisor, client_user):
    c = _resolve(make_complaint(client=client_file), advisor)
    c = services.complaint_transition(complaint=c, actor=client_user, to_state=State.CLOSED)
    c = services.complaint_act(complaint=c, actor=advisor, action="reopen", note="Client called again")
    assert c.state == State.INVESTIGATING and c.reopened_count == 1 and c.closed_at is None


def test_autoclose_after_silence(client_file, advisor):
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        c = _resolve(make_complaint(client=client_file), advisor)
    with time_machine.travel(at(2026, 3, 15, 10), tick=False):
        assert services.complaint_autoclose_sweep()["closed"] == 0
    with time_machine.travel(at(2026, 3, 16, 10, 1), tick=False):
        assert services.complaint_autoclose_sweep()["closed"] == 1
        assert services.complaint_autoclose_sweep()["closed"] == 0
    c.refresh_from_db()
    assert c.state == State.CLOSED and c.client_confirmed_at is None
    assert SatisfactionSurvey.objects.filter(complaint=c).exists()


def test_violation_case_full_flow(client_file, advisor, compliance_officer, supervisor):
    c = make_complaint(client=client_file)
    case = services.violation_open(
        complaint=c, actor=compliance_officer, staff_member=advisor, summary="Rude on phone"
    )
    with pytest.raises(Conflict, match="verification"):
        services.violation_advance(case=case, actor=compliance_officer)
    services.violation_update(case=case, actor=compliance_officer, verification_notes="Call recording found")
    case = services.violation_advance(case=case, actor=compliance_officer)
    services.violation_update(case=case, actor=compliance_officer, investigation_notes="Interviewed")
    case = services.violation_advance(case=case, actor=compliance_officer)
    services.violation_update(case=case, actor=compliance_officer, finding="Confirmed", substantiated=True)
    case = services.violation_advance(case=case, actor=supervisor)
    assert case.stage == ViolationStage.ACCOUNTABILITY
    with pytest.raises(DomainError):
        services.violation_update(case=case, actor=supervisor, accountability_action="flogging")
    services.violation_update(case=case, actor=supervisor, accountability_action="written_warning")
    case = services.violation_advance(case=case, actor=supervisor)
    with pytest.raises(Conflict, match="measure"):
        services.violation_advance(case=case, actor=supervisor)
    m = services.measure_add(
        case=case,
        actor=supervisor,
        description="Call-handling training",
        owner=advisor,
        due_on=datetime.date(2026, 4, 30),
    )
    services.measure_set_status(measure=m, actor=advisor, status="done")
    case = services.violation_advance(case=case, actor=supervisor)
    assert case.stage == ViolationStage.EVALUATION
    services.violation_update(
        case=case, actor=compliance_officer, evaluation_notes="No repeat", effective=True
    )
    case = services.violation_advance(case=case, actor=compliance_officer)
    assert case.stage == ViolationStage.CLOSED and case.closed_at


def test_only_compliance_and_supervisors_handle_violations(client_file, advisor, risk_reviewer):
    c = make_complaint(client=client_file)
    for user in (advisor, risk_reviewer):
        with pytest.raises(NotAllowed):
            services.violation_open(complaint=c, actor=user, staff_member=advisor, summary="x")


def test_retention_purge_blanks_personal_content(client_file, advisor, client_user):
    c = _resolve(make_complaint(client=client_file), advisor)
    services.complaint_reply(complaint=c, actor=advisor, body="private details", internal=True)
    services.complaint_purge_personal(c)
    c.refresh_from_db()
    assert c.subject == "[disposed]" and c.description == "" and c.resolution_answer == ""
    assert not c.events.exclude(body="").exists()
    assert c.number.startswith("CP-") and c.resolved_at is not None
