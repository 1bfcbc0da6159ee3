"""Authentication services (docs/security.md): who must use two-factor authentication, checking a
one-time code (authenticator or recovery code), recovery codes, personal API tokens, and the
security events the audit trail records.

The core imports no business app, so security events are announced with the `security_event`
signal; the audit app records each one in the hash-chained trail (audit/signals.py).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.functional import LazyObject
from django.utils.translation import gettext as _
from django_otp import user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .clock import now
from .errors import DomainError, NotAllowed
from .models import ApiToken, User
from .rules import can

# sender=User, kwargs: user (whose account), actor (who did it, None if anonymous), event (code),
# details (dict, no secrets).
security_event = Signal()

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "recovery codes"


def _unwrap(user):
    """request.user is a lazy proxy; the audit trail wants the model instance."""
    while isinstance(user, LazyObject):  # django-otp wraps Django's lazy user in another one
        _pk = user.pk  # evaluates the proxy
        user = user._wrapped
    return user


def security_event_record(
    *, user: User | None, actor: User | None, event: str, details: dict | None = None
) -> None:
    security_event.send(
        sender=User, user=_unwrap(user), actor=_unwrap(actor), event=event, details=details or {}
    )


# --- two-factor --------------------------------------------------------------------------------


def otp_has_device(user: User) -> bool:
    """A confirmed authenticator (or recovery codes) is registered for the account."""
    return user_has_device(user, confirmed=True)


def otp_required(user: User) -> bool:
    """Must this person give a one-time code to sign in? Everyone who turned two-factor on
    (staff and clients alike), and every staff member when OTP_REQUIRED_FOR_STAFF is set."""
    if otp_has_device(user):
        return True
    return not user.is_client and bool(settings.OTP_REQUIRED_FOR_STAFF)


def otp_check(*, user: User, code: str) -> Device | None:
    """The confirmed device that accepts this code, or None. A recovery code is used up by the
    check (django-otp deletes it) and the use is recorded in the audit trail."""
    code = (code or "").strip().replace(" ", "").lower()
    if not code:
        return None
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(code):
            return device
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(code):
            security_event_record(
                user=user,
                actor=user,
                event="recovery code used",
                details={"remaining": device.token_set.count()},
            )
            return device
    security_event_record(user=user, actor=user, event="one-time code refused")
    return None


def recovery_codes_remaining(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def recovery_codes_generate(*, user: User, actor: User) -> list[str]:
    """Replace the account's recovery codes with new ones and return them (shown once; only the
    codes themselves are stored by django-otp, each usable once). Needs an authenticator."""
    if actor.pk != user.pk:
        raise NotAllowed(_("Only the account holder can create recovery codes."))
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise DomainError(_("Set up an authenticator app first; recovery codes stand in for it."))
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
        security_event_record(
            user=user, actor=actor, event="recovery codes generated", details={"count": len(codes)}
        )
    return codes


def otp_device_confirmed(*, user: User, device: TOTPDevice) -> None:
    """A newly enrolled authenticator was confirmed with its first code."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    security_event_record(
        user=user, actor=user, event="two-factor device added", details={"device": device.pk}
    )


# --- API tokens --------------------------------------------------------------------------------


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(*, user: User, actor: User, name: str = "", via: str = "session") -> tuple[ApiToken, str]:
    """Issue a token that expires after API_TOKEN_TTL_HOURS. The caller has already checked the
    password and, where the account needs it, the one-time code or the verified session.
    Returns the row and the key, which is never stored and cannot be shown again."""
    if not user.is_active or not user.role:
        raise NotAllowed(_("This account cannot use the API."))
    key = secrets.token_urlsafe(32)
    issued = now()
    token = ApiToken.objects.create(
        user=user,
        name=(name or "").strip()[:80],
        key_prefix=key[:8],
        key_hash=_digest(key),
        created_at=issued,
        expires_at=issued + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    security_event_record(
        user=user,
        actor=actor,
        event="API token issued",
        details={
            "token": token.pk,
            "prefix": token.key_prefix,
            "via": via,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return token, key


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The active token for this key (not revoked, not expired, its user active), or None."""
    moment = now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_digest(key or ""), revoked_at__isnull=True, expires_at__gt=moment)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or token.last_used_at < moment - timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=moment)  # at most once a minute
    return token


def api_token_list(*, user: User):
    return ApiToken.objects.filter(user=user).select_related("revoked_by").order_by("-created_at", "-id")


def api_token_revoke(*, token: ApiToken, actor: User, reason: str = "") -> ApiToken:
    """Revoke a token: its owner or an administrator (rule advisory.revoke_token)."""
    if not can(actor, "advisory.revoke_token", token):
        raise NotAllowed(_("You may revoke only your own tokens."))
    if token.revoked_at is not None:
        return token
    token.revoked_at = now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    security_event_record(
        user=token.user,
        actor=actor,
        event="API token revoked",
        details={"token": token.pk, "prefix": token.key_prefix, "reason": reason},
    )
    return token


def api_tokens_revoke_all(*, user: User, actor: User | None, reason: str) -> int:
    """Revoke every active token of the account (after a password change or reset)."""
    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=now(), revoked_by=actor
    )
    if count:
        security_event_record(
            user=user, actor=actor, event="API tokens revoked", details={"count": count, "reason": reason}
        )
    return count


# --- lock-out --------------------------------------------------------------------------------


def lockout_response(
    request: HttpRequest, original_response=None, credentials: dict | None = None
) -> HttpResponse:
    """django-axes lock-out: 429 "locked" everywhere; JSON in the API's error shape under /api/."""
    message = _("Too many failed sign-in attempts: this account is locked for a while. Try again later.")
    if request.path_info.startswith("/api/"):
        return JsonResponse({"error": {"code": "locked", "message": message, "fields": {}}}, status=429)
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, {"message": message}, status=429)
