"""Hostile input gets a clear 4xx in the API's one error shape, never a server error."""

import json

import pytest
from django.test import Client as HttpClient

from advisory.validators import validate_plain_text_name
from tests.clients.factories import ClientFactory

pytestmark = pytest.mark.django_db


def _error_shape(response, status: int) -> dict:
    assert response.status_code == status, response.content[:500]
    body = response.json()["error"]
    assert set(body) == {"code", "message", "fields"} and body["message"]
    return body


def test_anonymous_proposals_api_is_refused_not_a_server_error():
    http = HttpClient(raise_request_exception=False)
    for method, url in [
        ("get", "/api/v1/planning/proposals/"),
        ("options", "/api/v1/planning/proposals/1/"),
        ("put", "/api/v1/planning/proposals/1/"),
        ("post", "/api/v1/planning/proposals/1/transition/"),
    ]:
        response = getattr(http, method)(url)
        assert response.status_code in (401, 403), (method, url, response.status_code)
        _error_shape(response, response.status_code)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/clients/?search=a%00b",
        "/api/v1/complaints/?state=%00",
        "/api/v1/planning/proposals/?status=x%00",
        "/api/v1/risk/products/?level=%00&ordering=name",
        "/api/v1/audit/entries/?record_type=%00",
        "/api/v1/oversight/warnings/?kind%00=1",
    ],
)
def test_nul_byte_in_any_filter_is_a_400_with_the_field(api_as, advisor, url):
    api = api_as(advisor)
    body = _error_shape(api.get(url), 400)
    assert body["fields"]


def test_nul_byte_in_a_page_filter_is_a_400(web_as, advisor):
    response = web_as(advisor).get("/app/clients/?q=%00")
    assert response.status_code == 400


def test_json_nested_50000_deep_is_a_400(api_as, advisor):
    payload = "[" * 50000 + "]" * 50000
    response = api_as(advisor).post("/api/v1/clients/", data=payload, content_type="application/json")
    body = _error_shape(response, 400)
    assert "nested" in body["message"]


def test_json_nested_moderately_deep_is_refused_before_any_view(api_as, advisor):
    payload = json.dumps({"name": "x", "notes": json.loads("[" * 40 + "]" * 40)})
    _error_shape(api_as(advisor).post("/api/v1/clients/", data=payload, content_type="application/json"), 400)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/complaints/abc/timeline/",
        "/api/v1/complaints/true/survey/",
        "/api/v1/complaints/%C2%A7n/",
        "/api/v1/risk/suitability/?client=abc&product=1",
        "/api/v1/risk/suitability/?client=1&product=%7B%7D",
        "/api/v1/planning/documents/0.5/",
    ],
)
def test_non_numeric_ids_are_a_404_in_the_error_shape(api_as, advisor, url):
    api = api_as(advisor)
    _error_shape(api.get(url), 404)


def test_qualification_and_training_created_without_optional_fields(api_as, compliance_officer, advisor):
    api = api_as(compliance_officer)
    qualification = api.post(
        "/api/v1/oversight/qualifications/",
        {"user": advisor.pk, "kind": "cfp", "number": "CFP-9", "issued_on": "2025-01-01"},
        format="json",
    )
    assert qualification.status_code == 201, qualification.content
    assert qualification.json()["expires_on"] is None
    training = api.post(
        "/api/v1/oversight/training/",
        {"user": advisor.pk, "title": "Suitability refresher", "due_on": "2026-12-31"},
        format="json",
    )
    assert training.status_code == 201, training.content
    assert training.json()["hours"] in ("0.0", "0")


@pytest.mark.parametrize("target_date", ["1900-01-01", "2000-06-30", "2999-01-01"])
def test_goal_with_an_absurd_date_is_refused(api_as, advisor, target_date):
    client = ClientFactory(advisor=advisor)
    response = api_as(advisor).post(
        "/api/v1/planning/goals/",
        {
            "client": client.pk,
            "kind": "education",
            "name": "College",
            "target_amount": "1000",
            "target_date": target_date,
        },
        format="json",
    )
    assert "target_date" in _error_shape(response, 400)["fields"]


@pytest.mark.parametrize(
    "name", ["Zhang\u202egpj.exe", "Li\u2066Si", "Wang\u200fWu", "Chen\x07", "Zhao\u200bQian"]
)
def test_names_with_direction_or_control_characters_are_refused(api_as, advisor, name):
    response = api_as(advisor).post("/api/v1/clients/", {"name": name}, format="json")
    assert "name" in _error_shape(response, 400)["fields"]


def test_plain_names_in_any_script_are_accepted():
    for name in ["张三", "Zoë O'Brien-Smith", "محمد", "किशोर\u200d"]:
        validate_plain_text_name(name)


def test_name_with_override_is_refused_in_the_workspace_form(web_as, advisor):
    response = web_as(advisor).post("/app/clients/new/", {"name": "Zhang\u202egpj.exe", "kind": "individual"})
    assert response.status_code == 200  # the form again, with the error
    assert "text-direction" in response.content.decode()


def test_cache_control_no_store_for_signed_in_pages_and_api(web_as, api_as, advisor):
    for response in (web_as(advisor).get("/app/"), api_as(advisor).get("/api/v1/clients/")):
        assert "no-store" in response["Cache-Control"]
