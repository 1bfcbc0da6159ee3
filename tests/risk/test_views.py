import datetime

import pytest
from django.urls import reverse

from risk.models import AssessmentStatus, ExceptionStatus, Risk, RiskAssessment, SuitabilityException
from risk.services import risk_create, suitability_exception_client_confirm, suitability_exception_request
from tests.risk.factories import ClientFactory, ProductFactory, make_assessment

pytestmark = pytest.mark.django_db

ANSWERS = {"q_horizon": "gt10y", "q_objective": "growth"}


# --- questionnaires --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("risk_reviewer", 200),
        ("compliance_officer", 200),
        ("administrator", 200),
        ("advisor", 403),
        ("supervisor", 403),
    ],
)
def test_questionnaire_screens_permissions(request, web_as, version, user, status):
    http = web_as(request.getfixturevalue(user))
    assert http.get(reverse("risk:questionnaire_list")).status_code == status
    assert http.get(reverse("risk:questionnaire_detail", args=[version.pk])).status_code == status


def test_new_version_and_publish_through_the_screen(web_as, version, compliance_officer):
    http = web_as(compliance_officer)
    resp = http.post(reverse("risk:questionnaire_new_version", args=[version.pk]))
    assert resp.status_code == 302
    new = version.questionnaire.versions.get(number=2)
    resp = http.post(reverse("risk:questionnaire_publish", args=[new.pk]), follow=True)
    assert resp.status_code == 200
    new.refresh_from_db()
    assert new.status == "published"


def test_advisor_cannot_create_versions(web_as, version, advisor):
    assert (
        web_as(advisor).post(reverse("risk:questionnaire_new_version", args=[version.pk])).status_code == 403
    )
    assert version.questionnaire.versions.count() == 1


def test_client_cannot_reach_workspace(web_as, version, client_user):
    resp = web_as(client_user).get(reverse("risk:questionnaire_list"))
    assert resp.status_code in (302, 403, 404)


# --- assessments ----------------------------------------------------------------------------------


def test_advisor_administers_assessment_for_own_client(web_as, version, own_client, advisor):
    http = web_as(advisor)
    assert http.get(reverse("risk:assessment_new", args=[own_client.pk])).status_code == 200
    resp = http.post(reverse("risk:assessment_new", args=[own_client.pk]), ANSWERS)
    assert resp.status_code == 302
    a = RiskAssessment.objects.get(client=own_client)
    resp = http.post(
        reverse("risk:assessment_detail", args=[a.pk]), {"action": "confirm", "client_confirmed": "on"}
    )
    assert resp.status_code == 302
    a.refresh_from_db()
    assert a.status == AssessmentStatus.CONFIRMED


def test_colleague_gets_404_for_another_advisors_client(web_as, version, own_client, colleague):
    http = web_as(colleague)
    assert http.get(reverse("risk:assessment_new", args=[own_client.pk])).status_code == 404
    assert http.post(reverse("risk:assessment_new", args=[own_client.pk]), ANSWERS).status_code == 404
    a = make_assessment(client=own_client, status=AssessmentStatus.DRAFT)
    assert http.get(reverse("risk:assessment_detail", args=[a.pk])).status_code == 404
    resp = http.post(
        reverse("risk:assessment_detail", args=[a.pk]), {"action": "confirm", "client_confirmed": "on"}
    )
    assert resp.status_code == 404
    a.refresh_from_db()
    assert a.status == AssessmentStatus.DRAFT


@pytest.mark.parametrize("user", ["supervisor", "risk_reviewer", "compliance_officer"])
def test_oversight_sees_but_cannot_administer(request, web_as, version, own_client, user):
    http = web_as(request.getfixturevalue(user))
    a = make_assessment(client=own_client, status=AssessmentStatus.DRAFT)
    assert http.get(reverse("risk:assessment_detail", args=[a.pk])).status_code == 200
    assert http.get(reverse("risk:assessment_new", args=[own_client.pk])).status_code == 403
    resp = http.post(
        reverse("risk:assessment_detail", args=[a.pk]), {"action": "confirm", "client_confirmed": "on"}
    )
    assert resp.status_code == 403
    a.refresh_from_db()
    assert a.status == AssessmentStatus.DRAFT


def test_assessment_list_is_scoped_and_query_count_is_flat(
    web_as, version, advisor, colleague, django_assert_max_num_queries
):
    for _ in range(3):
        make_assessment(client=ClientFactory(advisor=advisor))
    make_assessment(client=ClientFactory(advisor=colleague, name="Hidden Harry"))
    http = web_as(advisor)
    with django_assert_max_num_queries(12) as ctx:
        resp = http.get(reverse("risk:assessment_list"))
    few = len(ctx.captured_queries)
    for _ in range(20):
        make_assessment(client=ClientFactory(advisor=advisor))
    with django_assert_max_num_queries(few):
        resp = http.get(reverse("risk:assessment_list"))
    assert resp.status_code == 200 and b"Hidden Harry" not in resp.content


# --- portal ---------------------------------------------------------------------------------------


def test_client_takes_questionnaire_in_portal(web_as, version, own_client, client_user):
    http = web_as(client_user)
    assert http.get(reverse("risk_portal:questionnaire")).status_code == 200
    resp = http.post(reverse("risk_portal:questionnaire"), ANSWERS)
    a = RiskAssessment.objects.get(client=own_client)
    assert resp.status_code == 302 and resp.url == reverse("risk_portal:result", args=[a.pk])
    assert http.get(resp.url).status_code == 200
    http.post(resp.url)
    a.refresh_from_db()
    assert a.status == AssessmentStatus.CONFIRMED and a.channel == "portal"


def test_client_cannot_see_other_clients_result(web_as, version, own_client, other_client, outsider_user):
    a = make_assessment(client=own_client, status=AssessmentStatus.DRAFT)
    http = web_as(outsider_user)
    assert http.get(reverse("risk_portal:result", args=[a.pk])).status_code == 404
    assert http.post(reverse("risk_portal:result", args=[a.pk])).status_code == 404
    a.refresh_from_db()
    assert a.status == AssessmentStatus.DRAFT


def test_staff_cannot_use_portal(web_as, version, advisor):
    assert web_as(advisor).get(reverse("risk_portal:questionnaire")).status_code in (302, 403, 404)


# --- products -------------------------------------------------------------------------------------


def test_product_list_filters_and_query_count(web_as, advisor, django_assert_max_num_queries):
    ProductFactory(name="Gold ETF", risk_rating="R3", asset_class="alternatives")
    ProductFactory(name="Money Market", risk_rating="R1", asset_class="cash")
    http = web_as(advisor)
    resp = http.get(reverse("risk:product_list"), {"rating": "R1"})
    assert b"Money Market" in resp.content and b"Gold ETF" not in resp.content
    resp = http.get(reverse("risk:product_list"), {"asset_class": "alternatives", "q": "gold"})
    assert b"Gold ETF" in resp.content
    for _ in range(30):
        ProductFactory()
    with django_assert_max_num_queries(10):
        assert http.get(reverse("risk:product_list")).status_code == 200


# --- exceptions -----------------------------------------------------------------------------------


def _pending_exception(own_client, advisor, client_user):
    make_assessment(client=own_client, level="C3")
    exc = suitability_exception_request(
        max_amount=100000,
        client=own_client,
        product=ProductFactory(risk_rating="R4"),
        actor=advisor,
        client_reason="wants it",
    )
    return suitability_exception_client_confirm(exception=exc, actor=client_user)


@pytest.mark.parametrize("user", ["advisor", "risk_reviewer", "supervisor", "administrator"])
def test_only_compliance_approves_in_the_screen(request, web_as, own_client, advisor, client_user, user):
    exc = _pending_exception(own_client, advisor, client_user)
    resp = web_as(request.getfixturevalue(user)).post(
        reverse("risk:exception_detail", args=[exc.pk]),
        {"action": "decide", "decision": "approve", "note": "x"},
    )
    assert resp.status_code == 403
    exc.refresh_from_db()
    assert exc.status == ExceptionStatus.CLIENT_CONFIRMED


def test_compliance_approves_in_the_screen(web_as, own_client, advisor, client_user, compliance_officer):
    exc = _pending_exception(own_client, advisor, client_user)
    resp = web_as(compliance_officer).post(
        reverse("risk:exception_detail", args=[exc.pk]),
        {"action": "decide", "decision": "approve", "note": "ok"},
    )
    assert resp.status_code == 302
    exc.refresh_from_db()
    assert exc.status == ExceptionStatus.APPROVED


def test_client_confirms_warning_in_portal(web_as, own_client, advisor, client_user):
    make_assessment(client=own_client, level="C2")
    exc = suitability_exception_request(
        max_amount=100000,
        client=own_client,
        product=ProductFactory(risk_rating="R3"),
        actor=advisor,
        client_reason="x",
    )
    http = web_as(client_user)
    url = reverse("risk_portal:exception_confirm", args=[exc.pk])
    http.post(url, {})  # without ticking the box nothing happens
    exc.refresh_from_db()
    assert exc.status == ExceptionStatus.REQUESTED
    http.post(url, {"understood": "1"})
    exc.refresh_from_db()
    assert exc.status == ExceptionStatus.CLIENT_CONFIRMED


def test_advisor_requests_exception_in_the_screen(web_as, own_client, advisor):
    make_assessment(client=own_client, level="C3")
    product = ProductFactory(risk_rating="R5")
    resp = web_as(advisor).post(
        reverse("risk:exception_new", args=[own_client.pk]),
        {"product": product.pk, "client_reason": "insists", "scope": "amount", "max_amount": "100000"},
    )
    assert resp.status_code == 302
    assert SuitabilityException.objects.filter(client=own_client, product=product).exists()


def test_c1_exception_shows_form_error(web_as, own_client, advisor):
    make_assessment(client=own_client, level="C1")
    product = ProductFactory(risk_rating="R2")
    resp = web_as(advisor).post(
        reverse("risk:exception_new", args=[own_client.pk]),
        {"product": product.pk, "client_reason": "insists", "scope": "amount", "max_amount": "100000"},
    )
    assert resp.status_code == 200 and b"C1" in resp.content
    assert not SuitabilityException.objects.exists()


# --- register -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("risk_reviewer", 200),
        ("compliance_officer", 200),
        ("supervisor", 200),
        ("administrator", 200),
        ("advisor", 403),
    ],
)
def test_register_permissions(request, web_as, user, status):
    http = web_as(request.getfixturevalue(user))
    assert http.get(reverse("risk:register")).status_code == status
    assert http.get(reverse("risk:register_new")).status_code == status


def test_register_create_edit_and_heat_map(web_as, risk_reviewer, django_assert_max_num_queries):
    http = web_as(risk_reviewer)
    data = {
        "title": "Outage", "category": "operational", "probability": 3, "impact": 4, "owner": risk_reviewer.pk,
        "response": "mitigate", "controls": "DR site", "review_date": "2030-01-01", "status": "open",
    }  # fmt: skip
    resp = http.post(reverse("risk:register_new"), data)
    risk = Risk.objects.get()
    assert resp.status_code == 302 and risk.level == "high"
    resp = http.post(reverse("risk:register_edit", args=[risk.pk]), data | {"probability": 4, "impact": 5})
    risk.refresh_from_db()
    assert risk.level == "critical"
    assert http.get(reverse("risk:register_detail", args=[risk.pk])).status_code == 200
    for n in range(25):
        risk_create(
            actor=risk_reviewer, title=f"R{n}", category="market", probability=n % 5 + 1, impact=(n * 3) % 5 + 1,
            owner=risk_reviewer, response="accept", review_date=datetime.date(2020, 1, 1),
        )  # fmt: skip
    with django_assert_max_num_queries(12):
        resp = http.get(reverse("risk:register"))
    assert b"heat-map" in resp.content and b"overdue" in resp.content


def test_register_invalid_input_is_a_form_error(web_as, risk_reviewer):
    resp = web_as(risk_reviewer).post(reverse("risk:register_new"), {"title": "x", "probability": 9})
    assert resp.status_code == 200 and not Risk.objects.exists()


def test_reviewer_edits_draft_questions_on_a_staff_screen(web_as, risk_reviewer, advisor):
    from django.urls import reverse

    from risk.services import questionnaire_new_version
    from tests.risk.factories import make_version

    published = make_version()
    draft = questionnaire_new_version(version=published, actor=risk_reviewer)
    http = web_as(risk_reviewer)
    # given the form for a new question
    assert http.get(reverse("risk:question_new", args=[draft.pk])).status_code == 200
    # when the options are malformed, the form says which line and nothing is saved
    bad = http.post(
        reverse("risk:question_new", args=[draft.pk]),
        {
            "code": "liquidity",
            "order": 3,
            "role": "other",
            "text": "Need cash soon?",
            "options": "a | many | Yes",
        },
    )
    assert bad.status_code == 200 and "Line 1: the score must be a whole number." in bad.content.decode()
    assert not draft.questions.filter(code="liquidity").exists()
    # when they are right, the question and its options are saved on the draft only
    ok = http.post(
        reverse("risk:question_new", args=[draft.pk]),
        {"code": "liquidity", "order": 3, "role": "other", "text": "Need cash soon?",
         "options": "a | 1 | Yes | 是\nb | 5 | No | 否"},
    )  # fmt: skip
    assert ok.status_code == 302
    question = draft.questions.get(code="liquidity")
    assert [(o.code, o.score, o.text_zh) for o in question.options.order_by("order")] == [
        ("a", 1, "是"),
        ("b", 5, "否"),
    ]
    assert not published.questions.filter(code="liquidity").exists()
    # a published version refuses edits with the reason; an advisor may not edit at all
    frozen = http.post(
        reverse("risk:question_new", args=[published.pk]),
        {"code": "x", "order": 9, "role": "other", "text": "X?", "options": "a | 1 | A"},
    )
    assert frozen.status_code == 200 and "frozen" in frozen.content.decode().lower()
    assert web_as(advisor).get(reverse("risk:question_new", args=[draft.pk])).status_code == 403
    # removing a question from the draft
    assert http.post(reverse("risk:question_remove", args=[draft.pk, "liquidity"])).status_code == 302
    assert not draft.questions.filter(code="liquidity").exists()


def test_assessment_queue_past_the_count_cap_says_more_than_and_pages_on(
    web_as, version, risk_reviewer, monkeypatch, django_assert_max_num_queries
):
    # given more assessments than the pagination counts (a cap of 60 with pages of 50)
    monkeypatch.setattr("advisory.pagination.COUNT_CAP", 60)
    client = ClientFactory()
    for _ in range(120):
        make_assessment(client=client)
    http = web_as(risk_reviewer)

    # when the reviewer opens the queue and pages past the counted rows
    with django_assert_max_num_queries(12):
        first = http.get(reverse("risk:assessment_list"), {"status": "confirmed"})
    third = http.get(reverse("risk:assessment_list"), {"status": "confirmed", "page": 3})

    # then the first page says "more than 60" and links on with the filter kept
    body = first.content.decode()
    assert "Page 1 of more than 60 results" in body
    assert "?status=confirmed&amp;page=2" in body
    # and the third page (beyond the counted pages) holds the last 20 and links back only
    body = third.content.decode()
    assert "Page 3 of more than 60 results" in body
    assert "page=2" in body and "page=4" not in body
    assert body.count('<tr><td><a href="/app/risk/assessments/') == 20


def test_assessment_queue_below_the_cap_counts_exactly(web_as, version, risk_reviewer, monkeypatch):
    monkeypatch.setattr("advisory.pagination.COUNT_CAP", 500)
    client = ClientFactory()
    for _ in range(60):
        make_assessment(client=client)

    body = web_as(risk_reviewer).get(reverse("risk:assessment_list")).content.decode()

    assert "Page 1 of 2" in body


# --- the client's special risk warnings in the portal -----------------------------------------------


def _warning(client, advisor, **product):
    return suitability_exception_request(
        max_amount=50000,
        client=client,
        product=ProductFactory(**{"risk_rating": "R4", **product}),
        actor=advisor,
        client_reason="x",
    )


def test_the_portal_shows_the_client_the_warning_that_waits_for_them(
    web_as, own_client, other_client, advisor, colleague, client_user
):
    # given: a warning for this client, and one for another client
    make_assessment(client=own_client, level="C3")
    make_assessment(client=other_client, level="C3")
    mine = _warning(own_client, advisor, name="成长私募股权基金")
    _warning(other_client, colleague, name="Someone else's fund")
    http = web_as(client_user)
    # when / then: the home page asks them to act, the risk page lists it with a way to confirm
    home = http.get(reverse("portal:home")).content.decode()
    assert "Special risk warning for 成长私募股权基金: please read and confirm" in home
    assert reverse("risk_portal:exception_confirm", args=[mine.pk]) in home
    page = http.get(reverse("risk_portal:questionnaire")).content.decode()
    assert "成长私募股权基金 (R4)" in page and "Read and confirm" in page
    assert "Someone else" not in page and "Someone else" not in home
    # once confirmed, nothing waits: the list shows it as confirmed, with when
    http.post(reverse("risk_portal:exception_confirm", args=[mine.pk]), {"understood": "1"})
    mine.refresh_from_db()
    assert mine.status == ExceptionStatus.CLIENT_CONFIRMED
    home = http.get(reverse("portal:home")).content.decode()
    assert "please read and confirm" not in home
    page = http.get(reverse("risk_portal:questionnaire")).content.decode()
    assert "Read and confirm" not in page and "Awaiting compliance sign-off" in page
    detail = http.get(reverse("risk_portal:exception_confirm", args=[mine.pk])).content.decode()
    assert "You confirmed it" in detail and "Up to" in detail


def test_a_client_cannot_open_another_clients_warning(
    web_as, own_client, other_client, colleague, client_user
):
    make_assessment(client=other_client, level="C3")
    theirs = _warning(other_client, colleague)
    http = web_as(client_user)
    assert http.get(reverse("risk_portal:exception_confirm", args=[theirs.pk])).status_code == 404
    assert (
        http.post(reverse("risk_portal:exception_confirm", args=[theirs.pk]), {"understood": "1"}).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.status == ExceptionStatus.REQUESTED


def test_the_portal_says_so_when_there_is_no_warning(web_as, own_client, client_user):
    page = web_as(client_user).get(reverse("risk_portal:questionnaire")).content.decode()
    assert "You have no special risk warnings" in page


def test_the_portal_warning_list_reads_a_fixed_number_of_queries(
    web_as, own_client, advisor, client_user, django_assert_max_num_queries
):
    make_assessment(client=own_client, level="C3")
    _warning(own_client, advisor)
    http = web_as(client_user)
    http.get(reverse("risk_portal:questionnaire"))  # session, caches
    with django_assert_max_num_queries(40) as ctx:
        http.get(reverse("risk_portal:questionnaire"))
    few = len(ctx.captured_queries)
    for _ in range(6):
        _warning(own_client, advisor)
    with django_assert_max_num_queries(few):
        page = http.get(reverse("risk_portal:questionnaire")).content.decode()
    assert page.count("Read and confirm") == 7


def test_a_products_name_column_is_a_things_name_in_chinese(web_as, compliance_officer):
    # "Name" of a person is 姓名; of a product, a rating's product or an API token, 名称
    ProductFactory(name="海港货币市场基金")
    page = web_as(compliance_officer).get(reverse("risk:product_list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert "<th>名称</th>" in html and "<th>姓名</th>" not in html


def test_the_exception_page_shows_the_amount_as_money(web_as, own_client, advisor, compliance_officer):
    make_assessment(client=own_client, level="C3")
    exc = _warning(own_client, advisor)
    html = web_as(compliance_officer).get(reverse("risk:exception_detail", args=[exc.pk])).content.decode()
    assert "Up to CNY 50,000.00" in html


def test_the_request_form_says_in_which_language_the_standard_warning_is_written(web_as, own_client, advisor):
    own_client.user.language = "zh-hant"
    own_client.user.save(update_fields=["language"])
    html = web_as(advisor).get(reverse("risk:exception_new", args=[own_client.pk])).content.decode()
    assert "written in the client&#x27;s language (Traditional Chinese)" in html


def test_the_result_page_names_the_questionnaire_in_the_clients_language(
    web_as, version, own_client, client_user
):
    http = web_as(client_user)
    resp = http.post(reverse("risk_portal:questionnaire"), ANSWERS)
    html = http.get(resp.url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "风险承受能力 v" in html and "Risk tolerance" not in html
