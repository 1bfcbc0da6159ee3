"""A failed appraisal and a suspension refuse exactly the named actions, with the reason, in
services, views and the API — and the person regains them when the period ends or a
re-assessment passes."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation
from rest_framework.test import APIClient

from advisory.errors import DomainError, NotAllowed
from advisory.roles import Role
from advisory.staff import services as staff_services
from advisory.staff.models import PermissionRestriction, RestrictionSource
from advisory.staff.rules import active_restriction, restriction_refusal
from clients import services as client_services
from complaints import services as complaint_services
from complaints import violations
from complaints.models import AccountabilityAction, ViolationStage
from planning import services as planning_services
from planning.models import ProposalStatus
from tests.complaints.factories import make_complaint
from tests.factories import UserFactory
from tests.planning.factories import ClientFactory, make_profile, make_ready_proposal

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 6, 10, 2, 0, tzinfo=datetime.UTC)  # 10:00 in Shanghai


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def client_file(advisor, client_user):
    client = ClientFactory(advisor=advisor, user=client_user, name="Carol File")
    make_profile(client=client)
    return client


@pytest.fixture
def proposal(client_file, advisor):
    return make_ready_proposal(client=client_file, advisor=advisor)


def _fail(advisor, supervisor):
    return staff_services.appraisal_record(
        actor=supervisor,
        staff_member=advisor,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 5, 31),
        theory_score=Decimal("40"),
        practical_score=Decimal("50"),
    )


def _suspend(advisor, compliance_officer, *, start, end):
    client = ClientFactory(advisor=advisor)
    complaint = make_complaint(client=client, actor=compliance_officer)
    case = complaint_services.violation_open(
        complaint=complaint, actor=compliance_officer, staff_member=advisor, summary="Pressure selling"
    )
    complaint_services.violation_update(
        case=case,
        actor=compliance_officer,
        verification_notes="call recording",
        investigation_notes="interviews",
        finding="The advisor pressed the client.",
        substantiated=True,
    )
    for _ in range(3):
        case = complaint_services.violation_advance(case=case, actor=compliance_officer)
    assert case.stage == ViolationStage.ACCOUNTABILITY
    violations.sanction_add(
        case=case,
        actor=compliance_officer,
        action=AccountabilityAction.SUSPENSION,
        starts_on=start,
        ends_on=end,
        notes="one month",
    )
    violations.sanction_add(case=case, actor=compliance_officer, action=AccountabilityAction.WRITTEN_WARNING)
    return case


def test_failed_appraisal_refuses_submission_with_reason_and_passing_reassessment_restores(
    proposal, advisor, supervisor
):
    # given: an appraisal below the pass mark (40*0.5 + 50*0.5 = 45 < 60, no surveys)
    appraisal = _fail(advisor, supervisor)
    assert appraisal.passed is False and appraisal.total_score == Decimal("45.0")
    # when / then: submission is refused with the reason
    with pytest.raises(NotAllowed) as refused:
        planning_services.proposal_transition(proposal=proposal, action="submit", actor=advisor)
    assert "re-assessment" in refused.value.message
    assert not advisor.has_perm("planning.submit_proposal", proposal)
    # ...but other actions of the advisor stay open (only the named action is restricted)
    assert advisor.has_perm("clients.take_clients")
    ClientFactory(advisor=advisor)
    # when: a re-assessment passes
    again = staff_services.appraisal_record(
        actor=supervisor,
        staff_member=advisor,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 6, 9),
        theory_score=Decimal("80"),
        practical_score=Decimal("75"),
    )
    # then
    assert again.passed and again.kind == "reassessment"
    assert active_restriction(advisor, "submit_proposal") is None
    proposal = planning_services.proposal_transition(proposal=proposal, action="submit", actor=advisor)
    assert proposal.status == ProposalStatus.SUBMITTED
    restriction = PermissionRestriction.objects.get(staff_member=advisor)
    assert json.loads(restriction.lift_reason) == {"code": "audit.re_assessment_passed", "params": {}}
    assert restriction.lift_reason_text == "re-assessment passed"
    with translation.override("zh-hans"):
        assert restriction.lift_reason_text == "补考已通过"


def test_failed_risk_reviewer_may_not_approve_but_colleague_may(proposal, advisor, supervisor, risk_reviewer):
    # given
    proposal = planning_services.proposal_transition(proposal=proposal, action="submit", actor=advisor)
    staff_services.appraisal_record(
        actor=supervisor,
        staff_member=risk_reviewer,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 5, 31),
        theory_score=Decimal("10"),
        practical_score=Decimal("10"),
    )
    # when / then
    with pytest.raises(NotAllowed):
        planning_services.proposal_transition(proposal=proposal, action="risk_approve", actor=risk_reviewer)
    other = UserFactory(role=Role.RISK_REVIEWER)
    proposal = planning_services.proposal_transition(proposal=proposal, action="risk_approve", actor=other)
    assert proposal.status == ProposalStatus.RISK_APPROVED


def test_suspension_blocks_submission_approval_and_client_assignment_until_period_ends(
    frozen, proposal, advisor, supervisor, compliance_officer, colleague
):
    # given: a one-week suspension starting today
    _suspend(advisor, compliance_officer, start=datetime.date(2026, 6, 10), end=datetime.date(2026, 6, 16))
    reason = restriction_refusal(advisor, "submit_proposal")
    assert "suspended" in reason and "2026-06-16" in reason
    # then: proposals, client files and client assignments are refused with the reason
    with pytest.raises(NotAllowed) as refused:
        planning_services.proposal_transition(proposal=proposal, action="submit", actor=advisor)
    assert refused.value.message == reason
    with pytest.raises(NotAllowed):
        client_services.client_create(actor=advisor, data={"name": "New Prospect"})
    other_client = ClientFactory(advisor=colleague)
    with pytest.raises(DomainError) as assign:
        client_services.client_reassign(
            client=other_client, actor=supervisor, new_advisor=advisor, reason="cover"
        )
    assert "suspended" in str(assign.value)
    assert not advisor.has_perm("clients.take_clients")
    # the colleague is not affected
    assert colleague.has_perm("clients.take_clients")
    # when: the period ends (the day after ends_on)
    frozen.move_to(datetime.datetime(2026, 6, 17, 2, 0, tzinfo=datetime.UTC))
    # then: everything is back without anyone lifting it
    assert restriction_refusal(advisor, "submit_proposal") is None
    proposal = planning_services.proposal_transition(proposal=proposal, action="submit", actor=advisor)
    assert proposal.status == ProposalStatus.SUBMITTED
    client_services.client_reassign(
        client=other_client, actor=supervisor, new_advisor=advisor, reason="cover"
    )
    # and the end sweep tells the person once
    assert staff_services.restriction_end_sweep() == 1
    assert staff_services.restriction_end_sweep() == 0
    assert advisor.notifications.filter(kind="staff.restriction_ended").count() == 1


def test_suspension_on_the_last_day_still_applies(frozen, advisor, compliance_officer):
    _suspend(advisor, compliance_officer, start=datetime.date(2026, 6, 10), end=datetime.date(2026, 6, 16))
    frozen.move_to(datetime.datetime(2026, 6, 16, 15, 59, tzinfo=datetime.UTC))  # 23:59 Shanghai
    assert restriction_refusal(advisor, "approve_proposal") is not None


def test_suspended_advisor_refused_in_view_and_api_with_reason(web_as, proposal, advisor, compliance_officer):
    # given
    _suspend(advisor, compliance_officer, start=datetime.date(2026, 6, 10), end=datetime.date(2026, 6, 30))
    # when: the web screen
    response = web_as(advisor).post(f"/app/planning/proposals/{proposal.pk}/do/submit/", {"reason": ""})
    # then
    assert response.status_code == 403
    assert "suspended" in response.content.decode()
    # when: the API twin
    api = APIClient()
    api.force_authenticate(advisor)
    response = api.post(
        f"/api/v1/planning/proposals/{proposal.pk}/transition/", {"action": "submit"}, format="json"
    )
    assert response.status_code == 403
    assert "suspended" in response.json()["error"]["message"]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT


def test_compliance_lifts_restriction_early_with_reason_and_supervisor_cannot(
    advisor, supervisor, compliance_officer
):
    _fail(advisor, supervisor)
    restriction = PermissionRestriction.objects.get(staff_member=advisor, source=RestrictionSource.APPRAISAL)
    with pytest.raises(NotAllowed):
        staff_services.restriction_lift(actor=supervisor, restriction=restriction, reason="mercy")
    staff_services.restriction_lift(actor=compliance_officer, restriction=restriction, reason="re-trained")
    assert restriction_refusal(advisor, "submit_proposal") is None


def test_nobody_appraises_themselves(supervisor):
    with pytest.raises(NotAllowed):
        _fail(supervisor, supervisor)


def test_sanctions_are_on_the_staff_record(web_as, advisor, supervisor, compliance_officer):
    case = _suspend(
        advisor, compliance_officer, start=datetime.date(2026, 6, 10), end=datetime.date(2026, 6, 12)
    )
    body = web_as(supervisor).get(f"/app/staff/{advisor.pk}/").content.decode()
    assert f"VC-{case.pk}" in body and "Written warning" in body
    own = web_as(advisor).get("/app/staff/me/").content.decode()
    assert "Suspension of business permissions" in own and "suspended under violation case" in own


def test_proposal_page_tells_the_restricted_advisor_why(web_as, proposal, advisor, supervisor, colleague):
    _fail(advisor, supervisor)
    body = web_as(advisor).get(f"/app/planning/proposals/{proposal.pk}/").content.decode()
    assert "re-assessment passes" in body
