"""Cross-cutting request handling: request context for the audit trail, idle session expiry,
separation of the staff workspace from the client portal, and two-factor enforcement."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from . import request_context
from .clock import now


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_context.set_current(request_context.from_request(request))
        try:
            return self.get_response(request)
        finally:
            request_context.reset(token)


class SessionInactivityMiddleware:
    """Log out after a period without requests: 30 minutes for staff by default."""

    KEY = "_last_activity"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            idle = (
                settings.CLIENT_SESSION_IDLE_SECONDS
                if getattr(user, "is_client", False)
                else settings.STAFF_SESSION_IDLE_SECONDS
            )
            current = int(now().timestamp())
            last = request.session.get(self.KEY)
            if last is not None and current - int(last) > idle:
                logout(request)
                return redirect_to_login(request.get_full_path())
            request.session[self.KEY] = current
            request.session.set_expiry(idle)
        return self.get_response(request)


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    html = render_to_string("403.html", {"message": message}, request=request)
    return HttpResponseForbidden(html)


class AreaSeparationMiddleware:
    """A client can never reach a staff page, and staff never the client portal."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        user = getattr(request, "user", None)
        if path.startswith("/app/") or path.startswith("/portal/"):
            if user is None or not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if path.startswith("/app/") and not user.is_workspace_user:
                return _forbidden(
                    request, _("This page is for staff of the firm. Your portal is at /portal/.")
                )
            if path.startswith("/portal/") and not user.is_client:
                return _forbidden(
                    request, _("The client portal is for clients. Staff work in the workspace at /app/.")
                )
        if path.startswith("/admin/") and user is not None and user.is_authenticated and user.is_client:
            return _forbidden(request, _("The administration site is for administrators."))
        return self.get_response(request)


class TwoFactorMiddleware:
    """Two-factor authentication on every page and API call made with a session (docs/security.md).

    Anyone with a confirmed device (staff, and clients who turned it on) must have verified it in
    this session; with OTP_REQUIRED_FOR_STAFF every staff member must have one. Pages redirect to
    the verify/setup screen; the API (a session is as good as a password there) answers 403 in the
    API's error shape. Token requests are not seen here: a token is issued only to a verified
    session or with a one-time code (advisory.account_api).
    """

    # Reachable before verification: signing in and out, the code screens, password reset by email.
    EXEMPT_PREFIXES = (
        "/static/",
        "/health/",
        "/i18n/",
        "/account/login/",
        "/account/logout/",
        "/account/2fa/verify/",
        "/account/2fa/setup/",  # the view itself asks for verification when a device exists
        "/account/password/reset/",
        "/account/reset/",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        path = request.path_info
        if (
            user is not None
            and user.is_authenticated
            and not path.startswith(self.EXEMPT_PREFIXES)
            and not user.is_verified()
        ):
            from .security import otp_has_device

            if otp_has_device(user):
                return self._refuse(
                    request,
                    "otp_required",
                    _("Enter the code from your authenticator app first (/account/2fa/verify/)."),
                    f"{reverse('otp-verify')}?next={request.get_full_path()}",
                )
            if not user.is_client and settings.OTP_REQUIRED_FOR_STAFF:
                return self._refuse(
                    request,
                    "otp_setup_required",
                    _("Staff must set up two-factor authentication first (/account/2fa/setup/)."),
                    reverse("otp-setup"),
                )
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, code: str, message: str, url: str) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            return JsonResponse({"error": {"code": code, "message": str(message), "fields": {}}}, status=403)
        return redirect(url)
