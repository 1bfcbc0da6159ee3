"""The API twin: same scoping and permissions as the screens."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from advisory.clock import today
from audit.models import AuditAction, AuditEntry
from clients.models import Client, OnboardingCase, OnboardingStep
from tests.clients.conftest import VALID_PRC_ID
from tests.clients.factories import ClientFactory
from tests.clients.kyc_helpers import add_identity_document, make_approvable

BASE = "/api/v1/clients/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF"


def test_advisor_lists_own_book_with_search(api_as, advisor, own_client, other_client):
    data = api_as(advisor).get(BASE, {"q": "Zhang"}).json()
    assert [r["file_number"] for r in data["results"]] == [own_client.file_number]
    assert api_as(advisor).get(BASE).json()["count"] == 1


@pytest.mark.parametrize("role", ["supervisor", "risk_reviewer", "compliance_officer", "administrator"])
def test_oversight_reads_all_but_cannot_change(request, api_as, role, own_client, other_client):
    api = api_as(request.getfixturevalue(role))
    assert api.get(BASE).json()["count"] == 2
    detail = api.get(f"{BASE}{own_client.pk}/").json()
    assert detail["masked_id_number"] == "110105********002X" and "id_number" not in detail
    response = api.patch(f"{BASE}{own_client.pk}/", {"name": "Changed"}, format="json")
    assert response.status_code == 403
    assert api.post(BASE, {"name": "New"}, format="json").status_code == 403
    assert Client.objects.get(pk=own_client.pk).name == own_client.name
    assert Client.objects.count() == 2


def test_advisor_on_another_advisors_client_gets_404(api_as, advisor, other_client):
    api = api_as(advisor)
    assert api.get(f"{BASE}{other_client.pk}/").status_code == 404
    assert api.patch(f"{BASE}{other_client.pk}/", {"name": "Mine"}, format="json").status_code == 404
    assert api.post(f"{BASE}{other_client.pk}/reveal/", {"field": "phone"}, format="json").status_code == 404
    other_client.refresh_from_db()
    assert other_client.name == "Colleague's Client"


def test_clients_cannot_use_the_workspace_api(api_as, client_user, own_client):
    assert api_as(client_user).get(BASE).status_code == 403
    assert api_as(client_user).get(f"{BASE}{own_client.pk}/").status_code == 403


def test_create_update_and_validation_errors(api_as, advisor):
    api = api_as(advisor)
    bad = api.post(
        BASE,
        {"name": "Li Si", "id_document_type": "prc_id", "id_number": "110105194912310021"},
        format="json",
    )
    assert bad.status_code == 400 and "id_number" in bad.json()["error"]["fields"]
    created = api.post(
        BASE,
        {
            "name": "Li Si",
            "id_document_type": "prc_id",
            "id_number": VALID_PRC_ID,
            "monthly_income": "50000.01",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["wealth_tier"] == "high" and body["file_number"].startswith("CL-")
    updated = api.patch(f"{BASE}{body['id']}/", {"monthly_income": "4999"}, format="json").json()
    assert updated["wealth_tier"] == "low"
    duplicate = api.post(
        BASE, {"name": "Dup", "id_document_type": "prc_id", "id_number": VALID_PRC_ID}, format="json"
    )
    assert duplicate.status_code == 409


def test_reveal_and_reassign_actions(api_as, advisor, colleague, supervisor, risk_reviewer, own_client):
    revealed = api_as(advisor).post(f"{BASE}{own_client.pk}/reveal/", {"field": "id_number"}, format="json")
    assert revealed.json() == {"field": "id_number", "value": VALID_PRC_ID}
    assert (
        api_as(risk_reviewer)
        .post(f"{BASE}{own_client.pk}/reveal/", {"field": "id_number"}, format="json")
        .status_code
        == 403
    )
    assert AuditEntry.objects.filter(action=AuditAction.REVEAL).count() == 1
    assert (
        api_as(advisor)
        .post(f"{BASE}{own_client.pk}/reassign/", {"advisor": colleague.pk, "reason": "x"}, format="json")
        .status_code
        == 403
    )
    moved = api_as(supervisor).post(
        f"{BASE}{own_client.pk}/reassign/", {"advisor": colleague.pk, "reason": "Leave"}, format="json"
    )
    assert moved.status_code == 200 and moved.json()["advisor"] == colleague.pk


def test_onboarding_through_the_api(api_as, advisor, supervisor, own_client):
    add_identity_document(own_client, advisor)
    api = api_as(advisor)
    for kind in ("privacy", "risk_disclosure"):
        assert (
            api.post(
                f"{BASE}{own_client.pk}/consents/", {"kind": kind, "channel": "paper"}, format="json"
            ).status_code
            == 201
        )
    case = api.post(f"{BASE}onboarding-cases/", {"client": own_client.pk}, format="json").json()
    url = f"{BASE}onboarding-cases/{case['id']}/transition/"
    api.post(url, {"action": "verify_identity"}, format="json")
    api.post(url, {"action": "choose_business_type", "business_type": "investment_advice"}, format="json")
    submitted = api.post(url, {"action": "submit_for_review"}, format="json").json()
    assert submitted["step"] == OnboardingStep.INITIAL_REVIEW and submitted["review_deadline"]
    assert api.post(url, {"action": "approve"}, format="json").status_code == 403
    conflict = api_as(supervisor).post(url, {"action": "verify_identity"}, format="json")
    assert conflict.status_code in (403, 409)
    returned = api_as(supervisor).post(url, {"action": "return"}, format="json")
    assert returned.status_code == 400
    make_approvable(OnboardingCase.objects.get(pk=case["id"]), supervisor)
    done = api_as(supervisor).post(url, {"action": "approve"}, format="json").json()
    assert done["step"] == "registered" and len(done["step_log"]) == 5
    listing = api.get(f"{BASE}onboarding-cases/").json()
    assert listing["count"] == 1


def test_documents_api(api_as, advisor, colleague, own_client):
    api = api_as(advisor)
    bad = api.post(
        f"{BASE}documents/",
        {"client": own_client.pk, "kind": "other", "file": SimpleUploadedFile("a.exe", b"MZ")},
        format="multipart",
    )
    assert bad.status_code == 400
    ok = api.post(
        f"{BASE}documents/",
        {"client": own_client.pk, "kind": "other", "file": SimpleUploadedFile("a.pdf", PDF)},
        format="multipart",
    )
    assert ok.status_code == 201
    doc_id = ok.json()["id"]
    download = api.get(f"{BASE}documents/{doc_id}/download/")
    assert download.status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.DOWNLOAD).count() == 1
    assert api_as(colleague).get(f"{BASE}documents/{doc_id}/download/").status_code == 404
    assert api_as(colleague).get(f"{BASE}documents/").json()["count"] == 0


def test_api_list_query_count_is_flat(api_as, advisor, django_assert_max_num_queries):
    ClientFactory.create_batch(3, advisor=advisor)
    api = api_as(advisor)
    with django_assert_max_num_queries(6) as few:
        api.get(BASE)
    baseline = len(few.captured_queries)
    ClientFactory.create_batch(40, advisor=advisor)
    with django_assert_max_num_queries(baseline):
        assert api.get(BASE).json()["count"] == 43


def test_end_relationship_api(api_as, advisor, supervisor, own_client):
    url = f"{BASE}{own_client.pk}/end-relationship/"
    assert api_as(supervisor).post(url, {"reason": "x"}, format="json").status_code == 403
    assert api_as(advisor).post(url, {}, format="json").status_code == 400
    earlier = (today() - datetime.timedelta(days=29)).isoformat()
    ended = api_as(advisor).post(url, {"reason": "moved", "ended_on": earlier}, format="json")
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    # a backdated end waits for a second person; the clock runs from the day it was recorded
    assert ended.json()["relationship_ended_on"] == today().isoformat()
    assert ended.json()["backdate_requested_on"] == earlier


def test_agreements_and_related_parties_api(api_as, advisor, colleague, supervisor, own_client, other_client):
    base = f"/api/v1/clients/{own_client.pk}"
    agreement = {
        "scope": "Comprehensive wealth planning and quarterly reviews",
        "fee_structure": "aum",
        "starts_on": "2026-12-01",
        "termination_conditions": "Either party with 30 days' written notice.",
    }
    # the responsible advisor records an agreement and a related party
    created = api_as(advisor).post(f"{base}/agreements/", agreement, format="json")
    assert created.status_code == 201, created.content
    assert api_as(advisor).get(f"{base}/agreements/").json()[0]["scope"].startswith("Comprehensive")
    party = api_as(advisor).post(
        f"{base}/related-parties/", {"relationship": "spouse", "name": "Li Hua"}, format="json"
    )
    assert party.status_code == 201, party.content
    # bad input: a field error, nothing written
    bad = api_as(advisor).post(f"{base}/agreements/", {**agreement, "ends_on": "2026-01-01"}, format="json")
    assert bad.status_code == 400 and "ends_on" in bad.json()["error"]["fields"]
    # a colleague cannot see the file at all; a supervisor reads but cannot write
    assert api_as(colleague).get(f"{base}/agreements/").status_code == 404
    assert api_as(supervisor).get(f"{base}/related-parties/").status_code == 200
    refused = api_as(supervisor).post(
        f"{base}/related-parties/", {"relationship": "child", "name": "X"}, format="json"
    )
    assert refused.status_code == 403
    # a client file outside the advisor's view cannot be linked
    hidden = api_as(advisor).post(
        f"{base}/related-parties/",
        {"relationship": "parent", "name": "Y", "related_client": other_client.pk},
        format="json",
    )
    assert hidden.status_code == 400 and "related_client" in hidden.json()["error"]["fields"]
    assert own_client.agreements.count() == 1 and own_client.related_parties.count() == 1
