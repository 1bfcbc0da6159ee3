"""API twin (/api/v1/complaints/): same permissions as the screens, no internal notes for clients."""

import pytest

from complaints import services
from complaints.models import Complaint, State
from tests.complaints.factories import make_client, make_complaint

BASE = "/api/v1/complaints/"


@pytest.fixture
def client_file(advisor, client_user):
    return make_client(advisor=advisor, user=client_user, name="Carol Client")


@pytest.fixture
def ticket(client_file, advisor):
    c = make_complaint(client=client_file)
    services.complaint_reply(complaint=c, actor=advisor, body="SECRET-INTERNAL-NOTE", internal=True)
    services.complaint_reply(complaint=c, actor=advisor, body="Public answer", internal=False)
    return c


def test_client_lists_only_own_tickets(api_as, ticket, client_user, outsider_user, advisor):
    other = make_client(advisor=advisor, user=outsider_user)
    make_complaint(client=other)
    data = api_as(client_user).get(BASE).json()
    assert [r["number"] for r in data["results"]] == [ticket.number]
    assert "assignee" not in data["results"][0]
    assert api_as(outsider_user).get(f"{BASE}{ticket.pk}/").status_code == 404


def test_client_timeline_hides_internal_notes(api_as, ticket, client_user, advisor):
    body = api_as(client_user).get(f"{BASE}{ticket.pk}/timeline/").json()
    texts = [e["body"] for e in body]
    assert "Public answer" in texts and "SECRET-INTERNAL-NOTE" not in texts
    staff_texts = [e["body"] for e in api_as(advisor).get(f"{BASE}{ticket.pk}/timeline/").json()]
    assert "SECRET-INTERNAL-NOTE" in staff_texts


def test_client_cannot_post_internal_note(api_as, ticket, client_user):
    r = api_as(client_user).post(
        f"{BASE}{ticket.pk}/reply/", {"body": "hello", "internal": True}, format="json"
    )
    assert r.status_code == 201
    assert ticket.events.get(kind="client_reply").is_internal is False


def test_outsider_cannot_reply(api_as, ticket, outsider_user):
    r = api_as(outsider_user).post(f"{BASE}{ticket.pk}/reply/", {"body": "hello"}, format="json")
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("advisor", 200),
        ("supervisor", 200),
        ("compliance_officer", 200),
        ("risk_reviewer", 200),
        ("colleague", 404),
    ],
)
def test_staff_detail_per_role(request, api_as, ticket, who, status):
    assert api_as(request.getfixturevalue(who)).get(f"{BASE}{ticket.pk}/").status_code == status


def test_transition_via_api_and_forbidden_one_is_409(api_as, ticket, advisor):
    api = api_as(advisor)
    r = api.post(f"{BASE}{ticket.pk}/transition/", {"action": "acknowledge", "note": "ok"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "acknowledged"
    r = api.post(f"{BASE}{ticket.pk}/transition/", {"action": "close"}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"


def test_risk_reviewer_is_read_only(api_as, ticket, risk_reviewer):
    r = api_as(risk_reviewer).post(f"{BASE}{ticket.pk}/transition/", {"action": "acknowledge"}, format="json")
    assert r.status_code == 403
    ticket.refresh_from_db()
    assert ticket.state == State.RECEIVED


def test_client_cannot_use_staff_actions(api_as, ticket, client_user):
    r = api_as(client_user).post(f"{BASE}{ticket.pk}/transition/", {"action": "acknowledge"}, format="json")
    assert r.status_code == 403


def test_client_files_and_staff_log_via_api(api_as, client_file, client_user, advisor):
    r = api_as(client_user).post(
        BASE, {"category": "fees", "subject": "Fee", "description": "Twice"}, format="json"
    )
    assert r.status_code == 201
    r = api_as(advisor).post(
        BASE,
        {
            "client": client_file.pk,
            "channel": "email",
            "category": "fees",
            "priority": "high",
            "subject": "E",
            "description": "d",
        },
        format="json",
    )
    assert r.status_code == 201 and r.json()["channel"] == "email"
    assert Complaint.objects.count() == 2


def test_resolve_confirm_survey_via_api(api_as, ticket, advisor, client_user):
    api = api_as(advisor)
    api.post(f"{BASE}{ticket.pk}/transition/", {"action": "acknowledge"}, format="json")
    api.post(f"{BASE}{ticket.pk}/transition/", {"action": "investigate"}, format="json")
    r = api.post(
        f"{BASE}{ticket.pk}/resolve/",
        {
            "root_cause": "bug",
            "resolution_answer": "refund",
            "compensation_amount": "50.00",
            "compensation_currency": "CNY",
        },
        format="json",
    )
    assert r.status_code == 200 and r.json()["state"] == "resolved"
    capi = api_as(client_user)
    assert capi.post(f"{BASE}{ticket.pk}/confirm/").json()["state"] == "closed"
    r = capi.post(f"{BASE}{ticket.pk}/survey/", {"csat": 3, "nps": 7}, format="json")
    assert r.status_code == 200 and r.json()["csat"] == 3


def test_violations_api_only_for_compliance_and_supervisors(
    api_as, ticket, advisor, compliance_officer, client_user
):
    r = api_as(compliance_officer).post(
        f"{BASE}violations/",
        {"complaint": ticket.pk, "staff_member": advisor.pk, "summary": "Rude"},
        format="json",
    )
    assert r.status_code == 201
    assert api_as(compliance_officer).get(f"{BASE}violations/").json()["count"] == 1
    assert api_as(advisor).get(f"{BASE}violations/").status_code == 403
    assert api_as(client_user).get(f"{BASE}violations/").status_code == 403


def test_api_list_query_count_does_not_grow(api_as, client_file, supervisor, django_assert_max_num_queries):
    for _ in range(3):
        make_complaint(client=client_file)
    api = api_as(supervisor)
    with django_assert_max_num_queries(10) as small:
        api.get(BASE)
    for _ in range(25):
        make_complaint(client=client_file)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert api.get(BASE).json()["count"] == 28
