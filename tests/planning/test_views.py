"""Screens and API: permissions per role, transitions through UI and API, query counts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from advisory.roles import Role
from planning import services
from planning.models import Proposal, ProposalStatus
from tests.factories import UserFactory
from tests.planning.factories import (
    ClientFactory,
    ProductFactory,
    make_profile,
    make_ready_proposal,
    model_portfolios,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_file(advisor, client_user):
    client = ClientFactory(advisor=advisor, user=client_user, name="Carol File")
    make_profile(client=client)
    return client


@pytest.fixture
def proposal(client_file, advisor):
    return make_ready_proposal(client=client_file, advisor=advisor)


def _advance(proposal, advisor, risk_reviewer, compliance_officer, upto="issued"):
    for action, actor in [
        ("submit", advisor),
        ("risk_approve", risk_reviewer),
        ("compliance_approve", compliance_officer),
        ("issue", advisor),
    ]:
        proposal = services.proposal_transition(proposal=proposal, action=action, actor=actor)
        if proposal.status == upto:
            break
    return proposal


# --- UI -------------------------------------------------------------------------------------------


def test_advisor_creates_proposal_through_the_form(web_as, advisor, client_file):
    model_portfolios()
    product = ProductFactory(asset_class="bonds")
    http = web_as(advisor)
    response = http.post(
        reverse("planning:proposal_create", args=[client_file.pk]),
        {
            "title": "Bond plan",
            "liquidity_need_amount": "0",
            "liquidity_need_days": "30",
            "annual_contribution": "0",
            "lines-TOTAL_FORMS": "3",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "50",
            "lines-0-product": product.pk,
            "lines-0-amount": "1000.00",
        },
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get(title="Bond plan")
    assert proposal.lines.count() == 1
    page = http.get(reverse("planning:proposal_detail", args=[proposal.pk]))
    assert page.status_code == 200
    assert "Concentration" in page.content.decode()


def test_colleague_cannot_see_or_create(web_as, colleague, client_file, proposal):
    http = web_as(colleague)
    assert http.get(reverse("planning:proposal_detail", args=[proposal.pk])).status_code == 404
    assert http.get(reverse("planning:proposal_create", args=[client_file.pk])).status_code == 404
    assert http.get(reverse("planning:client_plan", args=[client_file.pk])).status_code == 404


def test_supervisor_sees_but_cannot_edit(web_as, supervisor, proposal):
    http = web_as(supervisor)
    assert http.get(reverse("planning:proposal_detail", args=[proposal.pk])).status_code == 200
    assert http.get(reverse("planning:proposal_edit", args=[proposal.pk])).status_code == 403


def test_submit_and_approve_through_ui(web_as, advisor, risk_reviewer, compliance_officer, proposal):
    url = lambda action: reverse("planning:proposal_transition", args=[proposal.pk, action])  # noqa: E731
    assert web_as(advisor).post(url("submit"), {"reason": ""}).status_code == 302
    # the advisor cannot approve their own proposal
    assert web_as(advisor).post(url("risk_approve"), {}).status_code == 403
    assert web_as(risk_reviewer).post(url("risk_approve"), {}).status_code == 302
    # risk reviewer cannot give the compliance approval
    assert web_as(risk_reviewer).post(url("compliance_approve"), {}).status_code == 403
    assert web_as(compliance_officer).post(url("compliance_approve"), {}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.COMPLIANCE_APPROVED


def test_rejection_without_reason_is_a_form_error(web_as, advisor, risk_reviewer, proposal):
    services.proposal_transition(proposal=proposal, action="submit", actor=advisor)
    url = reverse("planning:proposal_transition", args=[proposal.pk, "reject"])
    response = web_as(risk_reviewer).post(url, {"reason": ""})
    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED


def test_unqualified_advisor_refused_in_ui(web_as, client_file):
    unqualified = UserFactory(role=Role.ADVISOR)
    client_file.advisor = unqualified
    client_file.save()
    proposal = make_ready_proposal(client=client_file, advisor=unqualified)
    response = web_as(unqualified).post(
        reverse("planning:proposal_transition", args=[proposal.pk, "submit"]), {}
    )
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT


def test_client_accepts_in_portal(web_as, client_user, advisor, risk_reviewer, compliance_officer, proposal):
    proposal = _advance(proposal, advisor, risk_reviewer, compliance_officer)
    http = web_as(client_user)
    url = reverse("planning_portal:proposal_detail", args=[proposal.pk])
    page = http.get(url)
    assert page.status_code == 200
    # the client reads plain words, not the staff's model parameters
    assert "Monte Carlo" not in page.text and "seed" not in page.text
    assert "possible market paths" in page.text
    # without the acknowledgement: refused with a form error
    response = http.post(url, {"action": "accept"})
    assert response.status_code == 200
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ISSUED
    response = http.post(url, {"action": "accept", "disclosure_acknowledged": "on"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert proposal.disclosure_acknowledged_at is not None


def test_client_cannot_see_drafts_or_other_clients_proposals(
    web_as, client_user, outsider_user, advisor, risk_reviewer, compliance_officer, proposal
):
    assert (
        web_as(client_user).get(reverse("planning_portal:proposal_detail", args=[proposal.pk])).status_code
        == 404
    )
    proposal = _advance(proposal, advisor, risk_reviewer, compliance_officer)
    url = reverse("planning_portal:proposal_detail", args=[proposal.pk])
    assert web_as(outsider_user).get(url).status_code == 404
    assert (
        web_as(outsider_user).post(url, {"action": "accept", "disclosure_acknowledged": "on"}).status_code
        == 404
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ISSUED


def test_staff_cannot_use_portal_and_client_cannot_use_workspace(web_as, advisor, client_user, proposal):
    assert web_as(advisor).get(reverse("planning_portal:proposal_list")).status_code == 403
    assert web_as(client_user).get(reverse("planning:proposal_list")).status_code == 403


def _make_many(client_file, advisor, n):
    product = ProductFactory()
    for _ in range(n):
        services.proposal_create(
            client=client_file, actor=advisor, title="bulk", lines=[(product, Decimal("100"))]
        )


@pytest.mark.parametrize("who", ["advisor", "risk_reviewer", "compliance_officer"])
def test_queue_query_count_does_not_grow(
    web_as, advisor, client_file, who, request, django_assert_max_num_queries, settings
):
    settings.PLANNING_MC_PATHS = 100
    model_portfolios()
    user = request.getfixturevalue(who)
    http = web_as(user)
    _make_many(client_file, advisor, 3)
    with django_assert_max_num_queries(15) as few:
        assert http.get(reverse("planning:proposal_list") + "?tab=all").status_code == 200
    _make_many(client_file, advisor, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert http.get(reverse("planning:proposal_list") + "?tab=all&sort=-total").status_code == 200


def test_proposal_page_query_count_does_not_grow_with_lines(
    web_as, advisor, client_file, django_assert_max_num_queries, settings
):
    settings.PLANNING_MC_PATHS = 100
    model_portfolios()
    small = services.proposal_create(
        client=client_file, actor=advisor, title="s", lines=[(ProductFactory(), Decimal("1"))]
    )
    big = services.proposal_create(
        client=client_file,
        actor=advisor,
        title="b",
        lines=[(ProductFactory(), Decimal("1")) for _ in range(20)],
    )
    http = web_as(advisor)
    with django_assert_max_num_queries(20) as few:
        http.get(reverse("planning:proposal_detail", args=[small.pk]))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert http.get(reverse("planning:proposal_detail", args=[big.pk])).status_code == 200


# --- API ------------------------------------------------------------------------------------------


def test_api_create_and_transition(api_as, advisor, risk_reviewer, compliance_officer, client_file):
    model_portfolios()
    product = ProductFactory(asset_class="bonds")
    api = api_as(advisor)
    response = api.post(
        "/api/v1/planning/proposals/",
        {
            "client": client_file.pk,
            "title": "API plan",
            "lines": [{"product": product.pk, "amount": "5000.00"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["checks"]["lines"][0]["product_id"] == product.pk
    # a failing check blocks submission: 409
    response = api.post(f"/api/v1/planning/proposals/{pk}/transition/", {"action": "submit"}, format="json")
    assert response.status_code == 409
    assert "check fails" in response.json()["error"]["message"]


def test_api_self_approval_and_roles(api_as, advisor, risk_reviewer, compliance_officer, colleague, proposal):
    url = f"/api/v1/planning/proposals/{proposal.pk}/transition/"
    assert api_as(colleague).post(url, {"action": "submit"}, format="json").status_code == 404
    assert api_as(advisor).post(url, {"action": "submit"}, format="json").status_code == 200
    assert api_as(advisor).post(url, {"action": "risk_approve"}, format="json").status_code == 403
    assert api_as(compliance_officer).post(url, {"action": "risk_approve"}, format="json").status_code == 403
    assert api_as(risk_reviewer).post(url, {"action": "risk_approve"}, format="json").status_code == 200
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.RISK_APPROVED


def test_api_unqualified_advisor_refused(api_as, client_file):
    unqualified = UserFactory(role=Role.ADVISOR)
    client_file.advisor = unqualified
    client_file.save()
    proposal = make_ready_proposal(client=client_file, advisor=unqualified)
    response = api_as(unqualified).post(
        f"/api/v1/planning/proposals/{proposal.pk}/transition/", {"action": "submit"}, format="json"
    )
    assert response.status_code == 403
    assert "qualification" in response.json()["error"]["message"]


def test_api_client_acts_only_on_own_issued(
    api_as, client_user, outsider_user, advisor, risk_reviewer, compliance_officer, proposal
):
    url = f"/api/v1/planning/proposals/{proposal.pk}/transition/"
    body = {"action": "accept", "disclosure_acknowledged": True}
    assert api_as(client_user).post(url, body, format="json").status_code == 404  # draft is invisible
    proposal = _advance(proposal, advisor, risk_reviewer, compliance_officer)
    assert api_as(outsider_user).post(url, body, format="json").status_code == 404
    assert (
        api_as(client_user).post(url, {"action": "withdraw", "reason": "x"}, format="json").status_code == 403
    )
    response = api_as(client_user).post(url, body, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert api_as(client_user).get("/api/v1/planning/proposals/").json()["count"] == 1
    assert api_as(outsider_user).get("/api/v1/planning/proposals/").json()["count"] == 0


def test_api_client_cannot_create_or_edit(api_as, client_user, client_file, proposal):
    api = api_as(client_user)
    assert (
        api.post(
            "/api/v1/planning/proposals/", {"client": client_file.pk, "title": "x"}, format="json"
        ).status_code
        == 403
    )
    assert api.get("/api/v1/planning/snapshots/").status_code == 403


def test_api_snapshot_and_goal(api_as, advisor, colleague, client_file):
    api = api_as(advisor)
    response = api.post(
        "/api/v1/planning/snapshots/",
        {
            "client": client_file.pk,
            "as_of": "2026-01-31",
            "monthly_income": "10000",
            "monthly_expenses": "8000",
            "assets_cash": "16000",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["figures"]["reserve_months"] == "2.0"
    response = api_as(colleague).post(
        "/api/v1/planning/snapshots/", {"client": client_file.pk, "as_of": "2026-01-31"}, format="json"
    )
    assert response.status_code == 400  # not in the colleague's book: unknown client
    response = api.post(
        "/api/v1/planning/goals/",
        {
            "client": client_file.pk,
            "kind": "education",
            "name": "College",
            "target_amount": "300000",
            "target_date": "2036-09-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert api_as(colleague).get("/api/v1/planning/goals/").json()["count"] == 0


def test_api_model_portfolios_read_only(api_as, advisor):
    model_portfolios()
    api = api_as(advisor)
    data = api.get("/api/v1/planning/model-portfolios/").json()
    assert data["count"] == 5
    assert api.post("/api/v1/planning/model-portfolios/", {}, format="json").status_code == 405


def test_edit_page_shows_checks_next_to_lines(web_as, advisor, proposal):
    html = web_as(advisor).get(reverse("planning:proposal_edit", args=[proposal.pk])).content.decode()
    # the result by its label, never the stored code
    assert html.count('class="badge badge-green">Passed') >= 14  # 7 lines × suitability + concentration


def test_portal_list_query_count_does_not_grow(
    web_as,
    client_user,
    advisor,
    risk_reviewer,
    compliance_officer,
    client_file,
    django_assert_max_num_queries,
    settings,
):
    settings.PLANNING_MC_PATHS = 100
    http = web_as(client_user)
    first = make_ready_proposal(client=client_file, advisor=advisor)
    proposal = _advance(first, advisor, risk_reviewer, compliance_officer)
    with django_assert_max_num_queries(12) as few:
        assert http.get(reverse("planning_portal:proposal_list")).status_code == 200
    for _ in range(3):
        _advance(
            make_ready_proposal(client=client_file, advisor=advisor),
            advisor,
            risk_reviewer,
            compliance_officer,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert proposal.number in http.get(reverse("planning_portal:proposal_list")).content.decode()
