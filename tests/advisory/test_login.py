import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from audit.models import AuditAction, AuditEntry


def test_sign_in_with_email_and_password(client, advisor):
    response = client.post(reverse("login"), {"username": advisor.email, "password": "pass-word-123"})
    assert response.status_code == 302
    assert client.get(reverse("workspace:home")).status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN, actor=advisor).exists()


def test_wrong_password_shows_an_error_and_is_audited(client, advisor):
    response = client.post(reverse("login"), {"username": advisor.email, "password": "nope"})
    assert response.status_code == 200
    assert "correct email" in response.content.decode().lower()
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED, record_label=advisor.email).exists()


def test_account_is_locked_after_repeated_failures(client, advisor, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("login"), {"username": advisor.email, "password": "wrong"})
    response = client.post(reverse("login"), {"username": advisor.email, "password": "pass-word-123"})
    assert response.status_code == 429
    assert "locked" in response.content.decode().lower()


def test_staff_session_expires_after_inactivity(client, advisor, settings):
    settings.STAFF_SESSION_IDLE_SECONDS = 30 * 60
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        client.post(reverse("login"), {"username": advisor.email, "password": "pass-word-123"})
        assert client.get(reverse("workspace:home")).status_code == 200
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("workspace:home")).status_code == 200  # activity refreshes the clock
        traveller.shift(dt.timedelta(minutes=31))
        response = client.get(reverse("workspace:home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("required", [True, False])
def test_two_factor_requirement_for_staff(client, advisor, settings, required):
    settings.OTP_REQUIRED_FOR_STAFF = required
    client.force_login(advisor)
    response = client.get(reverse("workspace:home"))
    if required:
        assert response.status_code == 302 and response["Location"] == reverse("otp-setup")
    else:
        assert response.status_code == 200


def test_totp_setup_and_verification(client, advisor):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(advisor)
    assert client.get(reverse("otp-setup")).status_code == 200
    device = TOTPDevice.objects.get(user=advisor)
    bad = client.post(reverse("otp-setup"), {"token": "000000"})
    assert "did not match" in bad.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp throttles after a failure; a person would wait a second
    good = client.post(reverse("otp-setup"), {"token": f"{totp(device.bin_key):06d}"})
    assert good.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    # a new session with a device must verify before reaching the workspace
    client.logout()
    client.force_login(advisor)
    response = client.get(reverse("workspace:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("otp-verify"))


def test_client_is_not_asked_for_two_factor(client, client_user, settings):
    settings.OTP_REQUIRED_FOR_STAFF = True
    client.force_login(client_user)
    assert client.get(reverse("portal:home")).status_code == 200


def test_sign_in_stamps_last_login_without_an_empty_history_row(client, advisor):
    # given
    history_before = advisor.history.count()
    updates = AuditEntry.objects.filter(
        action=AuditAction.UPDATE, record_type="advisory.user", record_id=str(advisor.pk)
    )
    updates_before = updates.count()
    # when
    client.post(reverse("login"), {"username": advisor.email, "password": "pass-word-123"})
    # then
    advisor.refresh_from_db()
    assert advisor.last_login is not None
    assert advisor.history.count() == history_before
    assert updates.count() == updates_before
