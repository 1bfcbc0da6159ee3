import pytest
from django.urls import reverse
from rest_framework.test import APIClient


def test_openapi_schema_is_served(api_as, advisor):
    response = api_as(advisor).get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert b"openapi" in response.content


def test_interactive_docs_use_local_assets_only(client, advisor):
    client.force_login(advisor)
    response = client.get(reverse("api-docs"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "swagger-ui" in html
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html


def test_token_authentication(advisor):
    from advisory.security import api_token_issue

    _token, key = api_token_issue(user=advisor, actor=advisor)
    api = APIClient()
    assert api.get(reverse("api-schema")).status_code in (401, 403)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(reverse("api-schema")).status_code == 200


def test_obtain_token_with_email_and_password(advisor):
    response = APIClient().post(
        reverse("api-token"), {"username": advisor.email, "password": "pass-word-123"}
    )
    assert response.status_code == 200 and response.json()["token"]


def test_errors_have_one_shape(advisor):
    api = APIClient()
    unauthenticated = api.get(reverse("api-schema"))
    assert unauthenticated.status_code in (401, 403)
    assert set(unauthenticated.data["error"]) == {"code", "message", "fields"}
    bad = api.post(reverse("api-token"), {"username": "x"})
    body = bad.json()["error"]
    assert bad.status_code == 400 and body["code"] == "invalid" and "password" in body["fields"]


@pytest.mark.parametrize(
    "error_class,status", [("DomainError", 400), ("NotAllowed", 403), ("NotFound", 404), ("Conflict", 409)]
)
def test_domain_errors_map_to_status_codes(error_class, status):
    from advisory import errors
    from advisory.api import exception_handler

    response = exception_handler(
        getattr(errors, error_class)("Nope, because of the rule.", field="amount"), {}
    )
    assert response.status_code == status
    assert response.data["error"]["message"] == "Nope, because of the rule."
    assert response.data["error"]["fields"] == {"amount": ["Nope, because of the rule."]}


def test_unexpected_domain_input_never_500(api_as, advisor):
    response = api_as(advisor).get("/api/v1/does-not-exist/")
    assert response.status_code == 404


def test_api_root_lists_its_sections(api_as, advisor, client):
    # signed out: refused in the error shape, not a page
    response = client.get(reverse("api-index"))
    assert response.status_code in (401, 403) and "error" in response.json()
    # signed in: every section with an address that answers
    api = api_as(advisor)
    body = api.get(reverse("api-index")).json()
    names = [s["name"] for s in body["sections"]]
    assert names == ["clients", "risk", "planning", "complaints", "audit", "oversight"]
    for section in body["sections"]:
        assert api.get(section["url"]).status_code == 200, section["url"]
    assert body["schema"].endswith(reverse("api-schema"))


def test_api_docs_signed_out_go_to_sign_in(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("logo.svg")
