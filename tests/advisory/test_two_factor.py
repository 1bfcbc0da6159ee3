"""Two-factor authentication without side doors: the API on a session, device enrolment, recovery
codes and clients who turn two-factor on (docs/security.md)."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from advisory.texts import stored_reason
from audit.models import AuditAction, AuditEntry
from clients.models import Client

API_CLIENTS = "/api/v1/clients/"


def make_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key):06d}"


def signed_in(user) -> HttpClient:
    """A session that gave the password only (no one-time code yet)."""
    http = HttpClient()
    http.post(reverse("login"), {"username": user.email, "password": "pass-word-123"})
    return http


def verified(user, device: TOTPDevice) -> HttpClient:
    http = signed_in(user)
    response = http.post(reverse("otp-verify"), {"token": code(device)})
    assert response.status_code == 302
    return http


def security_events(user, reason: str):
    return AuditEntry.objects.filter(
        action=AuditAction.SECURITY,
        record_type="advisory.user",
        record_id=str(user.pk),
        reason=stored_reason(reason),
    )


def test_password_only_session_of_a_user_with_a_device_has_no_api(advisor):
    # given: an advisor with an authenticator who signed in with the password only
    make_device(advisor)
    http = signed_in(advisor)
    # when
    listed = http.get(API_CLIENTS)
    created = http.post(API_CLIENTS, {"name": "Side Door Ltd"}, content_type="application/json")
    # then
    assert listed.status_code == 403 and listed.json()["error"]["code"] == "otp_required"
    assert created.status_code == 403
    assert not Client.objects.filter(name="Side Door Ltd").exists()


def test_staff_without_a_device_cannot_reach_the_api_when_two_factor_is_required(advisor, settings):
    settings.OTP_REQUIRED_FOR_STAFF = True
    http = signed_in(advisor)
    response = http.get(API_CLIENTS)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "otp_setup_required"
    assert http.get("/api/schema/").status_code == 403


def test_verified_session_reaches_the_api(advisor):
    device = make_device(advisor)
    http = verified(advisor, device)
    assert http.get(API_CLIENTS).status_code == 200


def test_account_pages_need_a_verified_session_too(advisor):
    make_device(advisor)
    http = signed_in(advisor)
    for name in ["account-tokens", "otp-recovery", "password_change", "profile"]:
        response = http.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("otp-verify")), name


def test_password_only_session_cannot_enrol_a_second_authenticator(advisor):
    # given
    make_device(advisor)
    http = signed_in(advisor)
    # when: it opens the setup page and posts a code for a device it would create
    page = http.get(reverse("otp-setup"))
    posted = http.post(reverse("otp-setup"), {"token": "123456"})
    # then: it is sent to verify with the existing device; nothing new is confirmed or verified
    assert page.status_code == 302 and page["Location"].startswith(reverse("otp-verify"))
    assert posted.status_code == 302 and posted["Location"].startswith(reverse("otp-verify"))
    assert TOTPDevice.objects.filter(user=advisor).count() == 1
    assert http.get(API_CLIENTS).status_code == 403


def test_verified_session_can_enrol_another_authenticator(advisor):
    device = make_device(advisor)
    http = verified(advisor, device)
    assert http.get(reverse("otp-setup")).status_code == 200
    new = TOTPDevice.objects.get(user=advisor, confirmed=False)
    response = http.post(reverse("otp-setup"), {"token": code(new)})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=advisor, confirmed=True).count() == 2
    assert security_events(advisor, "two-factor device added").exists()


def test_recovery_codes_are_shown_once_work_once_and_are_audited(advisor):
    # given: a verified session creates recovery codes
    device = make_device(advisor)
    http = verified(advisor, device)
    page = http.post(reverse("otp-recovery"))
    codes = page.context["codes"]
    assert len(codes) == 10 and codes[0] in page.content.decode()
    assert security_events(advisor, "recovery codes generated").exists()
    assert codes[0] not in http.get(reverse("otp-recovery")).content.decode()  # shown once
    # when: the phone is lost and a new session uses a recovery code
    lost_phone = signed_in(advisor)
    used = lost_phone.post(reverse("otp-verify"), {"token": codes[0]})
    # then: it is verified, the code is gone and the use is audited
    assert used.status_code == 302
    assert lost_phone.get(API_CLIENTS).status_code == 200
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    assert security_events(advisor, "recovery code used").exists()
    # and the same code does not work twice
    again = signed_in(advisor)
    refused = again.post(reverse("otp-verify"), {"token": codes[0]})
    assert refused.status_code == 200 and "did not match" in refused.content.decode()
    assert again.get(API_CLIENTS).status_code == 403


def test_new_recovery_codes_replace_the_old_ones(advisor):
    from advisory.security import recovery_codes_generate

    make_device(advisor)
    first = recovery_codes_generate(user=advisor, actor=advisor)
    second = recovery_codes_generate(user=advisor, actor=advisor)
    assert set(StaticToken.objects.filter(device__user=advisor).values_list("token", flat=True)) == set(
        second
    )
    assert not set(first) & set(second)


def test_client_can_turn_on_two_factor_and_must_then_use_it(client_user):
    # given: a client signs in (two-factor is optional for clients) and turns it on
    http = signed_in(client_user)
    assert http.get(reverse("portal:home")).status_code == 200
    assert "Set up two-factor authentication" in http.get(reverse("profile")).content.decode()
    http.get(reverse("otp-setup"))
    device = TOTPDevice.objects.get(user=client_user)
    assert http.post(reverse("otp-setup"), {"token": code(device)}).status_code == 302
    # when: the client signs in again with the password only
    later = signed_in(client_user)
    portal = later.get(reverse("portal:home"))
    # then: the portal and the API ask for the code first
    assert portal.status_code == 302 and portal["Location"].startswith(reverse("otp-verify"))
    assert later.get(API_CLIENTS).status_code == 403


@pytest.mark.parametrize("required", [True, False])
def test_demo_settings_do_not_force_two_factor_on_staff_without_a_device(advisor, settings, required):
    settings.OTP_REQUIRED_FOR_STAFF = required
    http = signed_in(advisor)
    response = http.get(reverse("workspace:home"))
    assert (response.status_code == 302) is required
