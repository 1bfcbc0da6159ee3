import pytest

from risk.models import AssessmentStatus, ExceptionStatus, Risk, RiskAssessment, SuitabilityException
from tests.risk.factories import ClientFactory, ProductFactory, make_assessment

pytestmark = pytest.mark.django_db

BASE = "/api/v1/risk"
GROWTH = {"horizon": "gt10y", "objective": "growth"}


def test_questionnaires_are_staff_read_only(api_as, version, advisor, client_user):
    resp = api_as(advisor).get(f"{BASE}/questionnaires/")
    assert resp.status_code == 200
    assert resp.json()["results"][0]["questions"][0]["options"]
    assert api_as(client_user).get(f"{BASE}/questionnaires/").status_code == 403
    # the client may read the current questionnaire to answer it
    assert api_as(client_user).get(f"{BASE}/questionnaires/current/").status_code == 200
    assert api_as(advisor).post(f"{BASE}/questionnaires/", {}).status_code in (403, 405)


def test_client_answers_and_confirms_through_api(api_as, version, own_client, client_user):
    api = api_as(client_user)
    resp = api.post(f"{BASE}/assessments/", {"client": own_client.pk, "answers": GROWTH}, format="json")
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["effective_level"] == "C5" and body["status"] == "draft"
    resp = api.post(f"{BASE}/assessments/{body['id']}/confirm/", {}, format="json")
    assert resp.status_code == 200 and resp.json()["status"] == "confirmed"
    resp = api.post(f"{BASE}/assessments/{body['id']}/answer/", {"answers": GROWTH}, format="json")
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "conflict"


def test_bad_answers_are_a_400_with_fields(api_as, version, own_client, advisor):
    resp = api_as(advisor).post(
        f"{BASE}/assessments/", {"client": own_client.pk, "answers": {"horizon": "nope"}}, format="json"
    )
    assert resp.status_code == 400 and "objective" in resp.json()["error"]["fields"]


def test_assessment_scoping(
    api_as, version, own_client, other_client, advisor, colleague, outsider_user, supervisor
):
    mine = make_assessment(client=own_client, status=AssessmentStatus.DRAFT)
    make_assessment(client=other_client)
    assert {a["id"] for a in api_as(advisor).get(f"{BASE}/assessments/").json()["results"]} == {mine.pk}
    assert api_as(supervisor).get(f"{BASE}/assessments/").json()["count"] == 2
    # the colleague and another client get 404 and change nothing
    for user in (colleague, outsider_user):
        api = api_as(user)
        assert api.get(f"{BASE}/assessments/{mine.pk}/").status_code == 404
        assert (
            api.post(
                f"{BASE}/assessments/{mine.pk}/confirm/", {"client_confirmed": True}, format="json"
            ).status_code
            == 404
        )
        resp = api.post(f"{BASE}/assessments/", {"client": own_client.pk, "answers": GROWTH}, format="json")
        assert resp.status_code == 404
    mine.refresh_from_db()
    assert mine.status == AssessmentStatus.DRAFT
    assert RiskAssessment.objects.count() == 2


def test_supervisor_cannot_confirm(api_as, version, own_client, supervisor):
    a = make_assessment(client=own_client, status=AssessmentStatus.DRAFT)
    resp = api_as(supervisor).post(
        f"{BASE}/assessments/{a.pk}/confirm/", {"client_confirmed": True}, format="json"
    )
    assert resp.status_code == 403
    a.refresh_from_db()
    assert a.status == AssessmentStatus.DRAFT


def test_assessment_list_query_count_does_not_grow(api_as, version, advisor, django_assert_max_num_queries):
    for _ in range(3):
        make_assessment(client=ClientFactory(advisor=advisor))
    api = api_as(advisor)
    with django_assert_max_num_queries(10) as ctx:
        api.get(f"{BASE}/assessments/")
    few = len(ctx.captured_queries)
    for _ in range(20):
        make_assessment(client=ClientFactory(advisor=advisor))
    with django_assert_max_num_queries(few):
        assert api.get(f"{BASE}/assessments/").json()["count"] == 23


def test_suitability_endpoint(api_as, own_client, advisor, colleague, client_user):
    make_assessment(client=own_client, level="C2")
    product = ProductFactory(risk_rating="R3")
    resp = api_as(advisor).get(f"{BASE}/suitability/", {"client": own_client.pk, "product": product.pk})
    body = resp.json()
    assert resp.status_code == 200 and body["suitable"] is False and body["exception_possible"] is True
    assert "R ≤ C" in body["reason"]
    assert (
        api_as(colleague)
        .get(f"{BASE}/suitability/", {"client": own_client.pk, "product": product.pk})
        .status_code
        == 404
    )
    assert (
        api_as(client_user)
        .get(f"{BASE}/suitability/", {"client": own_client.pk, "product": product.pk})
        .status_code
        == 403
    )


def test_products_read_only_for_staff(api_as, advisor, client_user, django_assert_max_num_queries):
    for _ in range(10):
        ProductFactory()
    with django_assert_max_num_queries(5):
        assert api_as(advisor).get(f"{BASE}/products/").json()["count"] == 10
    assert api_as(client_user).get(f"{BASE}/products/").status_code == 403
    assert api_as(advisor).post(f"{BASE}/products/", {}).status_code == 405


def test_exception_flow_through_api(
    api_as, own_client, advisor, client_user, compliance_officer, risk_reviewer
):
    make_assessment(client=own_client, level="C3")
    product = ProductFactory(risk_rating="R4")
    resp = api_as(advisor).post(
        f"{BASE}/exceptions/",
        {"client": own_client.pk, "product": product.pk, "client_reason": "insists", "max_amount": "100000"},
        format="json",
    )
    assert resp.status_code == 201
    pk = resp.json()["id"]
    assert api_as(client_user).post(f"{BASE}/exceptions/{pk}/confirm/").status_code == 200
    assert api_as(risk_reviewer).post(f"{BASE}/exceptions/{pk}/approve/").status_code == 403
    assert SuitabilityException.objects.get(pk=pk).status == ExceptionStatus.CLIENT_CONFIRMED
    assert (
        api_as(compliance_officer).post(f"{BASE}/exceptions/{pk}/approve/", {"note": "ok"}).status_code == 200
    )
    assert SuitabilityException.objects.get(pk=pk).status == ExceptionStatus.APPROVED
    resp = api_as(advisor).get(f"{BASE}/suitability/", {"client": own_client.pk, "product": product.pk})
    assert resp.json()["approved_exception"] == pk


def test_c1_exception_refused_through_api(api_as, own_client, advisor):
    make_assessment(client=own_client, level="C1")
    product = ProductFactory(risk_rating="R2")
    resp = api_as(advisor).post(
        f"{BASE}/exceptions/",
        {"client": own_client.pk, "product": product.pk, "client_reason": "x"},
        format="json",
    )
    assert resp.status_code == 409 and "C1" in resp.json()["error"]["message"]


@pytest.mark.parametrize(
    ("user", "read", "write"),
    [
        ("risk_reviewer", 200, 201),
        ("compliance_officer", 200, 201),
        ("supervisor", 200, 201),
        ("administrator", 200, 201),
        ("advisor", 403, 403),
        ("client_user", 403, 403),
    ],
)
def test_register_api_permissions(request, api_as, user, read, write):
    actor = request.getfixturevalue(user)
    owner = request.getfixturevalue("risk_reviewer")
    api = api_as(actor)
    assert api.get(f"{BASE}/register/").status_code == read
    assert api.get(f"{BASE}/register/heat-map/").status_code == read
    data = {
        "title": "Outage", "category": "operational", "probability": 2, "impact": 3, "owner": owner.pk,
        "response": "mitigate", "review_date": "2030-01-01", "status": "open",
    }  # fmt: skip
    resp = api.post(f"{BASE}/register/", data, format="json")
    assert resp.status_code == write
    if write == 201:
        assert resp.json()["level"] == "medium"
    else:
        assert not Risk.objects.exists()


def test_register_api_validates_and_lists_flat(api_as, risk_reviewer, django_assert_max_num_queries):
    api = api_as(risk_reviewer)
    resp = api.post(f"{BASE}/register/", {"title": "x", "probability": 7}, format="json")
    assert resp.status_code == 400
    import datetime

    from risk.services import risk_create

    for n in range(20):
        risk_create(
            actor=risk_reviewer, title=f"R{n}", category="market", probability=n % 5 + 1, impact=2,
            owner=risk_reviewer, response="accept", review_date=datetime.date(2020, 1, 1),
        )  # fmt: skip
    with django_assert_max_num_queries(6):
        body = api.get(f"{BASE}/register/", {"overdue": "1"}).json()
    assert body["count"] == 20 and body["results"][0]["review_overdue"] is True
    cells = api.get(f"{BASE}/register/heat-map/").json()["cells"]
    assert sum(c["count"] for c in cells) == 20 and len(cells) == 25
