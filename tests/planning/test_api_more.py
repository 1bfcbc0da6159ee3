"""API for documents and reviews; the beat task."""

import datetime

import pytest

from planning import services
from planning.models import Review
from planning.tasks import review_schedule_sweep_task
from tests.planning.factories import ClientFactory, make_profile, make_ready_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(advisor, risk_reviewer, compliance_officer, client_user, settings):
    settings.PLANNING_MC_PATHS = 200
    client = ClientFactory(advisor=advisor, user=client_user)
    make_profile(client=client)
    proposal = make_ready_proposal(client=client, advisor=advisor)
    for action, actor in [
        ("submit", advisor),
        ("risk_approve", risk_reviewer),
        ("compliance_approve", compliance_officer),
        ("issue", advisor),
    ]:
        proposal = services.proposal_transition(proposal=proposal, action=action, actor=actor)
    return services.proposal_transition(
        proposal=proposal, action="accept", actor=client_user, disclosure_acknowledged=True
    )


def test_api_document_request_status_and_client_refused(
    api_as, advisor, client_user, colleague, accepted, django_capture_on_commit_callbacks
):
    api = api_as(advisor)
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(
            "/api/v1/planning/documents/",
            {"proposal": accepted.pk, "kind": services.DOC_PROPOSAL},
            format="json",
        )
    assert response.status_code == 202, response.content
    doc_id = response.json()["id"]
    assert api.get(f"/api/v1/planning/documents/{doc_id}/").json()["status"] == "pending"
    assert api_as(colleague).get(f"/api/v1/planning/documents/{doc_id}/").status_code == 404
    body = {"proposal": accepted.pk, "kind": services.DOC_PROPOSAL}
    assert api_as(client_user).post("/api/v1/planning/documents/", body, format="json").status_code == 403
    assert api_as(colleague).post("/api/v1/planning/documents/", body, format="json").status_code == 404


def test_api_review_record(api_as, advisor, colleague, accepted):
    review = Review.objects.create(
        client=accepted.client, proposal=accepted, sequence=1, level="C3", due_date=datetime.date(2026, 12, 1)
    )
    values = {
        "cash": "100000",
        "bonds": "400000",
        "equities": "350000",
        "real_estate": "100000",
        "alternatives": "50000",
    }
    url = f"/api/v1/planning/reviews/{review.pk}/record/"
    assert (
        api_as(colleague).post(url, {"outcome": "x", "current_values": values}, format="json").status_code
        == 404
    )
    response = api_as(advisor).post(url, {"outcome": "On target", "current_values": values}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["rebalance_proposed"] is False
    again = api_as(advisor).post(url, {"outcome": "again", "current_values": values}, format="json")
    assert again.status_code == 409


def test_beat_task_runs_the_sweep(accepted):
    counts = review_schedule_sweep_task()
    assert counts["plans"] == 1
