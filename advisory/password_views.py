"""Self-service password change and password reset by email (docs/security.md).

Django's own views and token generator: a reset link works once (its token is bound to the
password hash and the last sign-in, both of which change) and for PASSWORD_RESET_TIMEOUT
seconds. Requests are throttled per email address and per IP address; every step is recorded in
the audit trail, and a new password revokes the account's API tokens.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from . import security
from .request_context import from_request


def _client_ip(request: HttpRequest) -> str:
    return from_request(request).ip_address or "unknown"


def _throttle_key(scope: str, key: str) -> str:
    return f"throttle:{scope}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def throttle_count(*, scope: str, key: str) -> int:
    return cache.get(_throttle_key(scope, key)) or 0


def throttle_hit(*, scope: str, key: str, limit: int, window_seconds: int = 3600) -> bool:
    """Count one request in a fixed window; True when the limit is exceeded."""
    cache_key = _throttle_key(scope, key)
    cache.add(cache_key, 0, timeout=window_seconds)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window_seconds)
        count = 1
    return count > limit


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    @property
    def extra_email_context(self) -> dict:
        return {"site_name": settings.FIRM_NAME}

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        too_many = throttle_hit(
            scope="password-reset-ip", key=_client_ip(self.request), limit=settings.PASSWORD_RESET_RATE_PER_IP
        ) | throttle_hit(
            scope="password-reset-email", key=email, limit=settings.PASSWORD_RESET_RATE_PER_EMAIL
        )
        users = list(form.get_users(email))
        user = users[0] if users else None
        if too_many:
            security.security_event_record(
                user=user, actor=None, event="password reset throttled", details={"email": email}
            )
            form.add_error(
                None, _("Too many reset requests. Wait an hour and try again, or ask the firm for help.")
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        security.security_event_record(
            user=user,
            actor=None,
            event="password reset requested",
            details={"email": email, "known": bool(user)},
        )
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def dispatch(self, *args, **kwargs) -> HttpResponse:
        response = super().dispatch(*args, **kwargs)
        if not self.validlink and self.request.method == "GET":
            security.security_event_record(
                user=self.user,
                actor=None,
                event="password reset link refused",
                details={"reason": "invalid or used"},
            )
        return response

    def form_valid(self, form):
        response = super().form_valid(form)
        security.security_event_record(user=form.user, actor=form.user, event="password reset completed")
        security.api_tokens_revoke_all(user=form.user, actor=form.user, reason="password reset")
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    """Wrong current passwords are counted per account: after PASSWORD_CHANGE_FAILURES_PER_HOUR the
    form refuses for the rest of the hour (a stolen session cannot guess the password)."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("password_change_done")

    def _blocked(self) -> bool:
        count = throttle_count(scope="password-change", key=str(self.request.user.pk))
        return count >= settings.PASSWORD_CHANGE_FAILURES_PER_HOUR

    def post(self, request, *args, **kwargs):
        if self._blocked():
            form = self.get_form()
            form.errors.clear()
            form.add_error(
                None, _("Too many wrong passwords. Wait an hour and try again, or reset it by email.")
            )
            security.security_event_record(
                user=request.user, actor=request.user, event="password change throttled"
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        security.security_event_record(user=form.user, actor=form.user, event="password changed")
        security.api_tokens_revoke_all(user=form.user, actor=form.user, reason="password changed")
        return response

    def form_invalid(self, form):
        if "old_password" in form.errors:
            throttle_hit(scope="password-change", key=str(self.request.user.pk), limit=10**6)
            security.security_event_record(
                user=self.request.user, actor=self.request.user, event="password change refused"
            )
        return super().form_invalid(form)


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"
