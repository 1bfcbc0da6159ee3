"""Issue 14 screens and API: life events and product rating governance, with permissions both
ways, field errors and query counts."""

import datetime

import pytest
from django.urls import reverse

from risk.models import LifeEvent, Product, ProductRatingAssessment, RatingAssessmentStatus
from risk.services import life_event_record, product_rating_submit
from tests.risk.factories import ClientFactory, ProductFactory, make_assessment

pytestmark = pytest.mark.django_db
BASE = "/api/v1/risk"


# --- life events: screen -------------------------------------------------------------------------------


def test_advisor_records_life_event_on_screen_and_it_shows_on_client_page(web_as, own_client, advisor):
    make_assessment(client=own_client)
    http = web_as(advisor)
    resp = http.post(
        reverse("risk:life_event_new", args=[own_client.pk]),
        {"kind": "retirement", "occurred_on": "2026-06-30", "note": "提前退休", "significance": "default"},
    )
    assert resp.status_code == 302
    assert LifeEvent.objects.get(client=own_client).is_significant
    page = http.get(reverse("clients:detail", args=[own_client.pk]))
    assert "提前退休" in page.content.decode()


def test_life_event_screen_bad_input_gives_field_errors(web_as, own_client, advisor):
    resp = web_as(advisor).post(
        reverse("risk:life_event_new", args=[own_client.pk]),
        {"kind": "other", "occurred_on": "2026-06-30", "note": "", "significance": "default"},
    )
    assert resp.status_code == 200 and resp.context["form"].errors["note"]
    resp = web_as(advisor).post(
        reverse("risk:life_event_new", args=[own_client.pk]),
        {"kind": "retirement", "occurred_on": "not a date", "significance": "default"},
    )
    assert resp.status_code == 200 and resp.context["form"].errors["occurred_on"]
    assert not LifeEvent.objects.exists()


@pytest.mark.parametrize(
    ("user", "status"), [("colleague", 404), ("compliance_officer", 403), ("supervisor", 403)]
)
def test_others_cannot_record_life_events_on_screen(request, web_as, own_client, user, status):
    http = web_as(request.getfixturevalue(user))
    assert http.get(reverse("risk:life_event_new", args=[own_client.pk])).status_code == status


# --- life events: API ------------------------------------------------------------------------------------


def test_life_event_api_advisor_and_client_record_their_own(
    api_as, own_client, other_client, advisor, client_user
):
    make_assessment(client=own_client)
    body = {"client": own_client.pk, "kind": "job_loss", "occurred_on": "2026-05-01", "note": "公司裁员"}
    resp = api_as(advisor).post(f"{BASE}/life-events/", body, format="json")
    assert resp.status_code == 201 and resp.json()["is_significant"] is True
    resp = api_as(client_user).post(
        f"{BASE}/life-events/", {**body, "kind": "marriage", "is_significant": False}, format="json"
    )
    assert resp.status_code == 201 and resp.json()["is_significant"] is False
    resp = api_as(advisor).post(f"{BASE}/life-events/", {**body, "client": other_client.pk}, format="json")
    assert resp.status_code == 404


def test_life_event_api_bad_input_is_400_with_fields(api_as, own_client, advisor):
    resp = api_as(advisor).post(
        f"{BASE}/life-events/", {"client": own_client.pk, "kind": "lottery"}, format="json"
    )
    assert resp.status_code == 400
    assert {"kind", "occurred_on"} <= set(resp.json()["error"]["fields"])


def test_life_event_api_scoping(
    api_as, own_client, other_client, advisor, colleague, outsider_user, compliance_officer
):
    life_event_record(
        client=own_client, actor=advisor, kind="retirement", occurred_on=datetime.date(2026, 1, 1)
    )
    assert api_as(advisor).get(f"{BASE}/life-events/").json()["count"] == 1
    assert api_as(colleague).get(f"{BASE}/life-events/").json()["count"] == 0
    assert api_as(outsider_user).get(f"{BASE}/life-events/").json()["count"] == 0
    assert api_as(compliance_officer).get(f"{BASE}/life-events/").json()["count"] == 1


def test_life_event_list_query_count(api_as, advisor, django_assert_max_num_queries):
    client = ClientFactory(advisor=advisor)
    life_event_record(client=client, actor=advisor, kind="retirement", occurred_on=datetime.date(2026, 1, 1))
    api = api_as(advisor)
    with django_assert_max_num_queries(10) as ctx:
        api.get(f"{BASE}/life-events/")
    few = len(ctx.captured_queries)
    for _ in range(15):
        life_event_record(
            client=ClientFactory(advisor=advisor),
            actor=advisor,
            kind="inheritance",
            occurred_on=datetime.date(2026, 1, 1),
        )
    with django_assert_max_num_queries(few):
        assert api.get(f"{BASE}/life-events/").json()["count"] == 16


# --- product rating governance: screens ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "list_status", "new_status"),
    [
        ("risk_reviewer", 200, 200),
        ("compliance_officer", 200, 200),
        ("administrator", 200, 200),
        ("supervisor", 200, 403),
        ("advisor", 200, 403),
        ("client_user", 403, 403),
    ],
)
def test_rating_screens_permissions(request, web_as, user, list_status, new_status):
    product = ProductFactory()
    http = web_as(request.getfixturevalue(user))
    assert http.get(reverse("risk:rating_list")).status_code in (
        {list_status} | ({302} if user == "client_user" else set())
    )
    assert http.get(reverse("risk:rating_new", args=[product.pk])).status_code in (
        {new_status} | ({302} if user == "client_user" else set())
    )


def test_two_people_approve_a_rating_on_screen(web_as, risk_reviewer, compliance_officer):
    product = Product.objects.create(
        code="GOV1", name="稳健债券", kind="fund", risk_rating="R2", asset_class="bonds"
    )
    http = web_as(risk_reviewer)
    resp = http.post(reverse("risk:rating_new", args=[product.pk]),
                     {"proposed_rating": "R2", "rationale": "久期短，信用等级高", "factors": "credit\nduration"})  # fmt: skip
    assert resp.status_code == 302
    a = ProductRatingAssessment.objects.get(product=product)
    # the assessor sees no decision form and cannot approve their own assessment
    page = http.get(reverse("risk:rating_detail", args=[a.pk]))
    assert not page.context["can_decide"]
    resp = http.post(reverse("risk:rating_detail", args=[a.pk]), {"decision": "approve"})
    assert resp.status_code == 200 and resp.context["form"].non_field_errors()
    # compliance approves
    resp = web_as(compliance_officer).post(
        reverse("risk:rating_detail", args=[a.pk]), {"decision": "approve", "note": "同意"}
    )
    assert resp.status_code == 302
    a.refresh_from_db()
    assert a.status == RatingAssessmentStatus.APPROVED
    assert Product.objects.get(pk=product.pk).rating_approved_at is not None


def test_rating_form_field_errors(web_as, risk_reviewer):
    product = ProductFactory()
    resp = web_as(risk_reviewer).post(
        reverse("risk:rating_new", args=[product.pk]),
        {"proposed_rating": "R3", "rationale": " ", "factors": ""},
    )
    assert resp.status_code == 200 and {"rationale", "factors"} <= set(resp.context["form"].errors)


def test_advisor_cannot_decide_rating_on_screen(web_as, risk_reviewer, advisor):
    a = product_rating_submit(
        product=ProductFactory(), actor=risk_reviewer, proposed_rating="R3", rationale="x", factors="x"
    )
    assert (
        web_as(advisor).post(reverse("risk:rating_detail", args=[a.pk]), {"decision": "approve"}).status_code
        == 403
    )


def test_rating_list_filters_and_query_count(web_as, compliance_officer, django_assert_max_num_queries):
    Product.objects.create(code="UNR", name="未评级", kind="fund", risk_rating="R3", asset_class="equities")
    ProductFactory(code="LAP", rating_review_due=datetime.date(2020, 1, 1))
    http = web_as(compliance_officer)
    resp = http.get(reverse("risk:rating_list"), {"state": "unrated"})
    assert [p.code for p in resp.context["page"].object_list] == ["UNR"]
    resp = http.get(reverse("risk:rating_list"), {"state": "lapsed"})
    assert [p.code for p in resp.context["page"].object_list] == ["LAP"]
    with django_assert_max_num_queries(15) as ctx:
        http.get(reverse("risk:rating_list"))
    few = len(ctx.captured_queries)
    for _ in range(20):
        p = ProductFactory()
    product_rating_submit(
        product=p, actor=compliance_officer, proposed_rating="R3", rationale="x", factors="x"
    )
    with django_assert_max_num_queries(few + 1):
        assert http.get(reverse("risk:rating_list")).status_code == 200


# --- product rating governance: API ------------------------------------------------------------------------


def test_rating_api_flow_and_permissions(api_as, advisor, risk_reviewer, compliance_officer):
    product = ProductFactory(risk_rating="R3")
    body = {"product": product.pk, "proposed_rating": "R4", "rationale": "新增杠杆", "factors": "leverage"}
    assert api_as(advisor).post(f"{BASE}/rating-assessments/", body, format="json").status_code == 403
    resp = api_as(risk_reviewer).post(f"{BASE}/rating-assessments/", body, format="json")
    assert resp.status_code == 201
    pk = resp.json()["id"]
    assert (
        api_as(risk_reviewer).post(f"{BASE}/rating-assessments/{pk}/approve/", {}, format="json").status_code
        == 403
    )
    assert (
        api_as(advisor).post(f"{BASE}/rating-assessments/{pk}/approve/", {}, format="json").status_code == 403
    )
    resp = api_as(compliance_officer).post(
        f"{BASE}/rating-assessments/{pk}/approve/", {"note": "ok"}, format="json"
    )
    assert resp.status_code == 200 and resp.json()["status"] == "approved"
    assert Product.objects.get(pk=product.pk).risk_rating == "R4"


def test_rating_api_bad_input(api_as, risk_reviewer):
    product = ProductFactory()
    resp = api_as(risk_reviewer).post(
        f"{BASE}/rating-assessments/", {"product": product.pk, "proposed_rating": "R7"}, format="json"
    )
    assert resp.status_code == 400 and {"proposed_rating", "rationale", "factors"} <= set(
        resp.json()["error"]["fields"]
    )


def test_rating_api_list_query_count(
    api_as, risk_reviewer, compliance_officer, client_user, django_assert_max_num_queries
):
    product_rating_submit(
        product=ProductFactory(), actor=risk_reviewer, proposed_rating="R3", rationale="x", factors="x"
    )
    api = api_as(compliance_officer)
    with django_assert_max_num_queries(10) as ctx:
        api.get(f"{BASE}/rating-assessments/")
    few = len(ctx.captured_queries)
    for _ in range(15):
        product_rating_submit(
            product=ProductFactory(), actor=risk_reviewer, proposed_rating="R2", rationale="x", factors="x"
        )
    with django_assert_max_num_queries(few):
        assert api.get(f"{BASE}/rating-assessments/").json()["count"] == 16
    assert api_as(client_user).get(f"{BASE}/rating-assessments/").status_code == 403


def test_exception_api_returns_scope_and_expiry(api_as, own_client, advisor):
    profile = make_assessment(client=own_client, level="C3")
    product = ProductFactory(risk_rating="R4")
    resp = api_as(advisor).post(
        f"{BASE}/exceptions/",
        {
            "client": own_client.pk,
            "product": product.pk,
            "client_reason": "x",
            "scope": "proposal",
            "proposal_number": "PRP-2026-000001",
        },
        format="json",
    )
    assert resp.status_code == 201
    body = resp.json()
    assert body["scope"] == "proposal" and body["expires_on"] == profile.valid_until.isoformat()
    resp = api_as(advisor).post(
        f"{BASE}/exceptions/",
        {"client": own_client.pk, "product": ProductFactory(risk_rating="R5").pk, "client_reason": "x"},
        format="json",
    )
    assert resp.status_code == 400 and "max_amount" in resp.json()["error"]["fields"]
