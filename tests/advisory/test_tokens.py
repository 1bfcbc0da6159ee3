"""Personal API tokens: issued only with a one-time code or to a verified session, expiring,
listed and revoked by their owner and by administrators; lock-out answers 429 (docs/security.md)."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from advisory.models import ApiToken
from advisory.security import api_token_issue
from advisory.texts import stored_reason
from audit.models import AuditAction, AuditEntry
from tests.advisory.test_two_factor import code, make_device, signed_in, verified

TOKEN_URL = "/api/v1/auth/token/"
API_CLIENTS = "/api/v1/clients/"
NOON = dt.datetime(2026, 11, 23, 4, 0, tzinfo=dt.UTC)


def obtain(**data):
    return APIClient().post(TOKEN_URL, data, format="json")


def refused(response) -> bool:
    """The token was not accepted (DRF answers 403 because session authentication comes first)."""
    return response.status_code in (401, 403) and response.json()["error"]["code"] == "authentication_failed"


def with_token(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def test_password_alone_gets_no_token_when_the_account_uses_two_factor(advisor):
    make_device(advisor)
    response = obtain(username=advisor.email, password="pass-word-123")
    assert response.status_code == 400 and "otp" in response.json()["error"]["fields"]
    assert not ApiToken.objects.exists()


def test_wrong_code_gets_no_token(advisor):
    make_device(advisor)
    response = obtain(username=advisor.email, password="pass-word-123", otp="000000")
    assert response.status_code == 400 and "otp" in response.json()["error"]["fields"]
    assert not ApiToken.objects.exists()


def test_staff_without_a_device_gets_no_token_when_two_factor_is_required(advisor, settings):
    settings.OTP_REQUIRED_FOR_STAFF = True
    response = obtain(username=advisor.email, password="pass-word-123")
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_token_with_a_valid_code_expires_after_twelve_hours(advisor):
    device = make_device(advisor)
    with time_machine.travel(NOON, tick=False) as traveller:
        # given
        response = obtain(username=advisor.email, password="pass-word-123", otp=code(device), name="laptop")
        assert response.status_code == 200
        body = response.json()
        token = ApiToken.objects.get(user=advisor)
        # then: the key is not stored, only its hash; the token lasts 12 hours
        assert (
            body["token"] and token.key_hash != body["token"] and body["token"].startswith(token.key_prefix)
        )
        assert token.expires_at == NOON + dt.timedelta(hours=12)
        api = with_token(body["token"])
        assert api.get(API_CLIENTS).status_code == 200
        traveller.shift(dt.timedelta(hours=11, minutes=59))
        assert api.get(API_CLIENTS).status_code == 200
        traveller.shift(dt.timedelta(minutes=2))
        assert refused(api.get(API_CLIENTS))
    assert AuditEntry.objects.filter(
        action=AuditAction.SECURITY, reason=stored_reason("API token issued"), record_id=str(advisor.pk)
    ).exists()


def test_token_lifetime_is_a_setting(advisor, settings):
    settings.API_TOKEN_TTL_HOURS = 2
    with time_machine.travel(NOON, tick=False):
        token, _key = api_token_issue(user=advisor, actor=advisor)
    assert token.expires_at == NOON + dt.timedelta(hours=2)


def test_verified_session_obtains_a_token_without_the_password(advisor):
    device = make_device(advisor)
    http = verified(advisor, device)
    response = http.post(TOKEN_URL, {"name": "script"}, content_type="application/json")
    assert response.status_code == 200
    assert with_token(response.json()["token"]).get(API_CLIENTS).status_code == 200


def test_password_only_session_obtains_no_token(advisor):
    make_device(advisor)
    http = signed_in(advisor)
    response = http.post(TOKEN_URL, {}, content_type="application/json")
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_lock_out_answers_locked_on_the_token_endpoint(advisor, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        obtain(username=advisor.email, password="wrong")
    response = obtain(username=advisor.email, password="pass-word-123")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "locked"
    assert not ApiToken.objects.exists()


def test_owner_lists_and_revokes_tokens_in_the_api(advisor, colleague):
    # given
    token, key = api_token_issue(user=advisor, actor=advisor, name="ci")
    other, _other_key = api_token_issue(user=colleague, actor=colleague)
    api = with_token(key)
    # when
    listed = api.get("/api/v1/auth/tokens/")
    foreign = api.delete(f"/api/v1/auth/tokens/{other.pk}/")
    revoked = api.delete(f"/api/v1/auth/tokens/{token.pk}/")
    # then
    assert [row["id"] for row in listed.json()["results"]] == [token.pk]
    assert foreign.status_code == 404
    assert revoked.status_code == 204
    assert refused(with_token(key).get(API_CLIENTS))
    other.refresh_from_db()
    assert other.revoked_at is None
    assert AuditEntry.objects.filter(
        action=AuditAction.SECURITY, reason=stored_reason("API token revoked")
    ).exists()


def test_owner_issues_and_revokes_a_token_on_the_account_page(web_as, advisor):
    http = web_as(advisor)
    page = http.post(reverse("account-tokens"), {"name": "reporting script"})
    key = page.context["issued_key"]
    assert key and key in page.content.decode()
    token = ApiToken.objects.get(user=advisor)
    listing = http.get(reverse("account-tokens")).content.decode()
    assert "reporting script" in listing and key not in listing  # the key is shown once
    http.post(reverse("account-token-revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == advisor


def test_another_user_cannot_revoke_my_token_on_the_account_page(web_as, advisor, colleague):
    token, _key = api_token_issue(user=advisor, actor=advisor)
    response = web_as(colleague).post(reverse("account-token-revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_administrator_revokes_any_token_in_the_admin(web_as, administrator, advisor):
    token, key = api_token_issue(user=advisor, actor=advisor)
    http = web_as(administrator)
    assert http.get("/admin/advisory/apitoken/").status_code == 200
    http.post("/admin/advisory/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_by == administrator
    assert refused(with_token(key).get(API_CLIENTS))


def test_advisor_cannot_revoke_a_colleagues_token_through_the_service(advisor, colleague):
    import pytest

    from advisory.errors import NotAllowed
    from advisory.security import api_token_revoke

    token, _key = api_token_issue(user=colleague, actor=colleague)
    with pytest.raises(NotAllowed):
        api_token_revoke(token=token, actor=advisor)


def test_token_lists_cost_a_fixed_number_of_queries(
    web_as, api_as, advisor, administrator, django_assert_max_num_queries
):
    from advisory.security import api_token_revoke

    for n in range(30):
        token, _key = api_token_issue(user=advisor, actor=advisor, name=f"script {n}")
        if n % 3 == 0:
            api_token_revoke(token=token, actor=administrator)
    http = web_as(advisor)
    with django_assert_max_num_queries(12):
        page = http.get(reverse("account-tokens"))
    assert page.status_code == 200 and "script 29" in page.content.decode()
    with django_assert_max_num_queries(8):
        listed = api_as(advisor).get("/api/v1/auth/tokens/")
    assert listed.json()["count"] == 30
    admin_http = web_as(administrator)
    with django_assert_max_num_queries(15):
        assert admin_http.get("/admin/advisory/apitoken/").status_code == 200
