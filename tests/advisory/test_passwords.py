"""Self-service password change and reset by email: single-use, short-lived links, throttled,
every step in the audit trail, API tokens revoked with a new password."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client as HttpClient
from django.urls import reverse

from advisory.security import api_token_issue
from advisory.texts import stored_reason
from audit.models import AuditAction, AuditEntry

NEW = "Fresh!Password2026"


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()  # the reset throttle counts in the cache, which outlives a test


def events(reason: str):
    return AuditEntry.objects.filter(action=AuditAction.SECURITY, reason=stored_reason(reason))


def reset_link(http: HttpClient, email: str) -> str:
    response = http.post(reverse("password_reset"), {"email": email})
    assert response.status_code == 302
    return re.search(r"https?://[^/]+(/account/reset/\S+/)", mail.outbox[-1].body).group(1)


def test_password_change_is_audited_and_revokes_api_tokens(web_as, advisor):
    # given
    token, _key = api_token_issue(user=advisor, actor=advisor)
    http = web_as(advisor)
    # when
    wrong = http.post(
        reverse("password_change"), {"old_password": "nope", "new_password1": NEW, "new_password2": NEW}
    )
    right = http.post(
        reverse("password_change"),
        {"old_password": "pass-word-123", "new_password1": NEW, "new_password2": NEW},
    )
    # then
    assert wrong.status_code == 200 and events("password change refused").exists()
    assert right.status_code == 302
    advisor.refresh_from_db()
    assert advisor.check_password(NEW)
    assert events("password changed").filter(actor=advisor).exists()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert http.get(reverse("profile")).status_code == 200  # the session stays signed in


def test_client_resets_the_password_by_email_once(client_user):
    http = HttpClient()
    # given: the emailed link
    link = reset_link(http, client_user.email)
    assert events("password reset requested").filter(record_id=str(client_user.pk)).exists()
    # when: it is used to set a new password
    form = http.get(link, follow=True)
    assert form.context["validlink"]
    done = http.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    # then
    assert done.status_code == 302
    client_user.refresh_from_db()
    assert client_user.check_password(NEW)
    assert events("password reset completed").filter(record_id=str(client_user.pk)).exists()
    # and the link does not work a second time
    again = HttpClient().get(link, follow=True)
    assert not again.context["validlink"]
    assert events("password reset link refused").exists()


def test_reset_link_expires_after_an_hour(advisor, settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    start = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        link = reset_link(HttpClient(), advisor.email)
        traveller.shift(dt.timedelta(minutes=61))
        response = HttpClient().get(link, follow=True)
    assert not response.context["validlink"]


def test_unknown_email_gets_the_same_answer_and_no_mail(db):
    response = HttpClient().post(reverse("password_reset"), {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert mail.outbox == []
    assert events("password reset requested").filter(record_label="nobody@example.test").exists()


def test_reset_requests_are_throttled_per_email(advisor, settings):
    settings.PASSWORD_RESET_RATE_PER_EMAIL = 2
    http = HttpClient()
    answers = [http.post(reverse("password_reset"), {"email": advisor.email}).status_code for _ in range(3)]
    assert answers == [302, 302, 429]
    assert len(mail.outbox) == 2
    assert events("password reset throttled").exists()


def test_sign_in_page_links_to_password_reset(db):
    assert reverse("password_reset") in HttpClient().get(reverse("login")).content.decode()


def test_password_change_refuses_after_repeated_wrong_passwords(web_as, advisor, settings):
    settings.PASSWORD_CHANGE_FAILURES_PER_HOUR = 2
    http = web_as(advisor)
    wrong = {"old_password": "nope", "new_password1": NEW, "new_password2": NEW}
    assert [http.post(reverse("password_change"), wrong).status_code for _ in range(2)] == [200, 200]
    # even the right password is refused for the rest of the hour
    right = {**wrong, "old_password": "pass-word-123"}
    response = http.post(reverse("password_change"), right)
    assert response.status_code == 429
    advisor.refresh_from_db()
    assert advisor.check_password("pass-word-123")
    assert events("password change throttled").exists()
