"""The proposal state machine: allowed and forbidden transitions for each role (SPEC §3)."""

import datetime

import pytest

from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.roles import Role
from audit.models import AuditAction, AuditEntry
from planning import services
from planning.models import ProposalStatus
from tests.factories import UserFactory
from tests.planning.factories import ClientFactory, make_profile, make_ready_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_file(advisor, client_user):
    client = ClientFactory(advisor=advisor, user=client_user, name="Carol File")
    make_profile(client=client)
    return client


@pytest.fixture
def proposal(client_file, advisor):
    return make_ready_proposal(client=client_file, advisor=advisor)


def _to(proposal, status, advisor, risk_reviewer, compliance_officer, client_user=None):
    steps = [
        ("submit", advisor),
        ("risk_approve", risk_reviewer),
        ("compliance_approve", compliance_officer),
        ("issue", advisor),
    ]
    order = [
        ProposalStatus.SUBMITTED,
        ProposalStatus.RISK_APPROVED,
        ProposalStatus.COMPLIANCE_APPROVED,
        ProposalStatus.ISSUED,
    ]
    for (action, actor), reached in zip(steps, order, strict=True):
        proposal = services.proposal_transition(proposal=proposal, action=action, actor=actor, reason="ok")
        if reached == status:
            break
    return proposal


def test_full_happy_path_with_audit_and_notifications(
    proposal, advisor, risk_reviewer, compliance_officer, client_user
):
    # when
    proposal = _to(proposal, ProposalStatus.ISSUED, advisor, risk_reviewer, compliance_officer)
    proposal = services.proposal_transition(
        proposal=proposal, action="accept", actor=client_user, disclosure_acknowledged=True
    )
    # then
    assert proposal.status == ProposalStatus.ACCEPTED
    assert proposal.disclosure_acknowledged_at is not None
    assert proposal.risk_approved_by == risk_reviewer
    assert proposal.compliance_approved_by == compliance_officer
    entries = AuditEntry.objects.filter(
        record_type="planning.proposal", record_id=str(proposal.pk), action=AuditAction.TRANSITION
    ).order_by("sequence")
    assert [e.changes["status"][1] for e in entries] == [
        "submitted",
        "risk_approved",
        "compliance_approved",
        "issued",
        "accepted",
    ]
    assert entries.last().actor == client_user
    assert risk_reviewer.notifications.filter(kind="planning.proposal.submit").exists()
    assert compliance_officer.notifications.filter(kind="planning.proposal.risk_approve").exists()
    assert client_user.notifications.filter(kind="planning.proposal.issue").exists()
    # each "awaits your …" notification was marked done once the proposal moved on (issue 13)
    for person, kind in [
        (risk_reviewer, "planning.proposal.submit"),
        (compliance_officer, "planning.proposal.risk_approve"),
        (client_user, "planning.proposal.issue"),
    ]:
        note = person.notifications.get(kind=kind)
        assert note.done_at is not None and note.read_at is not None, kind


def test_awaiting_review_notification_is_done_when_the_proposal_is_withdrawn(
    proposal, advisor, risk_reviewer
):
    # given a proposal awaiting risk review
    proposal = services.proposal_transition(proposal=proposal, action="submit", actor=advisor)
    asked = risk_reviewer.notifications.get(kind="planning.proposal.submit")
    assert asked.done_at is None and asked.open_states == ["submitted"]
    # when the advisor withdraws it
    services.proposal_transition(
        proposal=proposal, action="withdraw", actor=advisor, reason="Client changed mind"
    )
    # then the reviewer's notification is done: there is nothing left to review
    asked.refresh_from_db()
    assert asked.done_at is not None


def test_accept_requires_the_disclosure_acknowledgement(
    proposal, advisor, risk_reviewer, compliance_officer, client_user
):
    proposal = _to(proposal, ProposalStatus.ISSUED, advisor, risk_reviewer, compliance_officer)
    with pytest.raises(DomainError):
        services.proposal_transition(proposal=proposal, action="accept", actor=client_user)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ISSUED


def test_client_can_decline(proposal, advisor, risk_reviewer, compliance_officer, client_user):
    proposal = _to(proposal, ProposalStatus.ISSUED, advisor, risk_reviewer, compliance_officer)
    proposal = services.proposal_transition(
        proposal=proposal, action="decline", actor=client_user, reason="No"
    )
    assert proposal.status == ProposalStatus.DECLINED
    assert proposal.closed_at is not None


def test_other_client_cannot_decide(proposal, advisor, risk_reviewer, compliance_officer, outsider_user):
    proposal = _to(proposal, ProposalStatus.ISSUED, advisor, risk_reviewer, compliance_officer)
    with pytest.raises(NotAllowed):
        services.proposal_transition(
            proposal=proposal, action="accept", actor=outsider_user, disclosure_acknowledged=True
        )


def test_client_cannot_accept_before_issue(proposal, client_user):
    with pytest.raises(Conflict):
        services.proposal_transition(
            proposal=proposal, action="accept", actor=client_user, disclosure_acknowledged=True
        )


@pytest.mark.parametrize(
    ("action", "who"),
    [
        ("submit", "colleague"),
        ("submit", "risk_reviewer"),
        ("submit", "compliance_officer"),
        ("submit", "client_user"),
        ("submit", "supervisor"),
    ],
)
def test_only_the_owner_submits(proposal, action, who, request):
    actor = request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        services.proposal_transition(proposal=proposal, action=action, actor=actor)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT


@pytest.mark.parametrize("who", ["advisor", "colleague", "compliance_officer", "supervisor", "client_user"])
def test_only_risk_reviewer_gives_risk_approval(proposal, advisor, who, request):
    proposal = services.proposal_transition(proposal=proposal, action="submit", actor=advisor)
    with pytest.raises(NotAllowed):
        services.proposal_transition(
            proposal=proposal, action="risk_approve", actor=request.getfixturevalue(who)
        )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED


@pytest.mark.parametrize("who", ["advisor", "risk_reviewer", "supervisor", "client_user"])
def test_only_compliance_gives_compliance_approval(proposal, advisor, risk_reviewer, who, request):
    proposal = services.proposal_transition(proposal=proposal, action="submit", actor=advisor)
    proposal = services.proposal_transition(proposal=proposal, action="risk_approve", actor=risk_reviewer)
    with pytest.raises(NotAllowed):
        services.proposal_transition(
            proposal=proposal, action="compliance_approve", actor=request.getfixturevalue(who)
        )


def test_compliance_cannot_skip_risk_approval(proposal, advisor, compliance_officer):
    proposal = services.proposal_transition(proposal=proposal, action="submit", actor=advisor)
    with pytest.raises(Conflict):
        services.proposal_transition(proposal=proposal, action="compliance_approve", actor=compliance_officer)


def test_nobody_approves_their_own_proposal(client_file):
    # given a proposal whose advisor of record is also a risk reviewer (e.g. a role change)
    reviewer = UserFactory(role=Role.ADVISOR)
    from tests.factories import StaffQualificationFactory

    StaffQualificationFactory(user=reviewer)
    client_file.advisor = reviewer
    client_file.save()
    proposal = make_ready_proposal(client=client_file, advisor=reviewer)
    proposal = services.proposal_transition(proposal=proposal, action="submit", actor=reviewer)
    reviewer.role = Role.RISK_REVIEWER
    reviewer.save()
    # when / then
    with pytest.raises(NotAllowed, match="own proposal"):
        services.proposal_transition(proposal=proposal, action="risk_approve", actor=reviewer)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED


def test_unqualified_advisor_cannot_submit(client_file):
    unqualified = UserFactory(role=Role.ADVISOR)
    client_file.advisor = unqualified
    client_file.save()
    proposal = make_ready_proposal(client=client_file, advisor=unqualified)
    with pytest.raises(NotAllowed, match="qualification"):
        services.proposal_transition(proposal=proposal, action="submit", actor=unqualified)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT


def test_expired_qualification_blocks_submission(client_file, advisor, proposal):
    for q in advisor.qualifications.all():
        q.expires_on = datetime.date(2020, 1, 1)
        q.save()
    with pytest.raises(NotAllowed):
        services.proposal_transition(proposal=proposal, action="submit", actor=advisor)


def test_expired_profile_blocks_submission(advisor):
    client = ClientFactory(advisor=advisor)
    assessment = make_profile(client=client)
    proposal = make_ready_proposal(client=client, advisor=advisor)
    assessment.valid_until = datetime.date(2020, 1, 1)
    assessment.save()
    with pytest.raises(Conflict, match="expired"):
        services.proposal_transition(proposal=proposal, action="submit", actor=advisor)


def test_missing_profile_blocks_submission(advisor):
    from tests.planning.factories import balanced_lines, model_portfolios

    client = ClientFactory(advisor=advisor)
    model_portfolios()
    proposal = services.proposal_create(client=client, actor=advisor, title="t", lines=balanced_lines())
    with pytest.raises(Conflict, match="risk profile"):
        services.proposal_transition(proposal=proposal, action="submit", actor=advisor)


def test_failing_check_blocks_submission(client_file, advisor):
    from decimal import Decimal

    from tests.planning.factories import ProductFactory

    proposal = make_ready_proposal(
        client=client_file, advisor=advisor, lines=[(ProductFactory(), Decimal("1000"))]
    )
    with pytest.raises(Conflict, match="check fails"):
        services.proposal_transition(proposal=proposal, action="submit", actor=advisor)


def test_rejection_needs_a_reason_and_returns_to_draft(proposal, advisor, risk_reviewer, compliance_officer):
    proposal = _to(proposal, ProposalStatus.RISK_APPROVED, advisor, risk_reviewer, compliance_officer)
    with pytest.raises(DomainError):
        services.proposal_transition(
            proposal=proposal, action="reject", actor=compliance_officer, reason="  "
        )
    proposal = services.proposal_transition(
        proposal=proposal, action="reject", actor=compliance_officer, reason="Fees not disclosed"
    )
    assert proposal.status == ProposalStatus.DRAFT
    assert proposal.rejection_reason == "Fees not disclosed"
    assert proposal.risk_approved_by is None
    assert advisor.notifications.filter(kind="planning.proposal.reject").exists()
    # the advisor can fix and submit again
    proposal = services.proposal_transition(proposal=proposal, action="submit", actor=advisor)
    assert proposal.status == ProposalStatus.SUBMITTED


def test_risk_reviewer_cannot_reject_at_compliance_step(proposal, advisor, risk_reviewer, compliance_officer):
    proposal = _to(proposal, ProposalStatus.RISK_APPROVED, advisor, risk_reviewer, compliance_officer)
    with pytest.raises(NotAllowed):
        services.proposal_transition(proposal=proposal, action="reject", actor=risk_reviewer, reason="x")


def test_withdrawal_by_owner_only(proposal, advisor, colleague):
    with pytest.raises(NotAllowed):
        services.proposal_transition(proposal=proposal, action="withdraw", actor=colleague, reason="x")
    proposal = services.proposal_transition(
        proposal=proposal, action="withdraw", actor=advisor, reason="Client left"
    )
    assert proposal.status == ProposalStatus.WITHDRAWN
    with pytest.raises(Conflict):
        services.proposal_transition(proposal=proposal, action="submit", actor=advisor)


def test_submitted_proposal_cannot_be_edited(proposal, advisor):
    proposal = services.proposal_transition(proposal=proposal, action="submit", actor=advisor)
    with pytest.raises(Conflict):
        services.proposal_update(proposal=proposal, actor=advisor, title="changed")


def test_issue_by_compliance_allowed(proposal, advisor, risk_reviewer, compliance_officer):
    proposal = _to(proposal, ProposalStatus.COMPLIANCE_APPROVED, advisor, risk_reviewer, compliance_officer)
    proposal = services.proposal_transition(proposal=proposal, action="issue", actor=compliance_officer)
    assert proposal.status == ProposalStatus.ISSUED


def test_allowed_actions_table(proposal, advisor, risk_reviewer, colleague):
    assert [t.action for t in services.allowed_actions(proposal=proposal, user=advisor)] == [
        "submit",
        "withdraw",
    ]
    assert services.allowed_actions(proposal=proposal, user=colleague) == []
    assert services.allowed_actions(proposal=proposal, user=risk_reviewer) == []
