"""Sign-in, two-factor authentication, notifications and the role home redirect."""

from __future__ import annotations

import base64
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from advisory.pagination import paginate

from . import security
from .clock import now
from .errors import DomainError
from .forms import ApiTokenForm, LoginForm, OTPTokenForm, form_add_domain_error
from .models import ApiToken, Notification, User
from .notifications import notification_mark_read


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def home(request: HttpRequest) -> HttpResponse:
    """Send each person to their own area: clients to the portal, staff to the workspace."""
    user = request.user
    if not user.is_authenticated:
        return redirect("login")
    if user.is_client:
        return redirect("portal:home")
    return redirect("workspace:home")


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Register a TOTP authenticator: show the QR code, confirm with a first code.

    With a confirmed device already, the session must have been verified with it: a password
    alone never adds an authenticator beside the existing one."""
    import qrcode
    import qrcode.image.svg

    if security.otp_has_device(request.user) and not request.user.is_verified():
        return redirect(f"{reverse('otp-verify')}?next={reverse('otp-setup')}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            security.otp_device_confirmed(user=request.user, device=device)
            otp_login(request, device)
            messages.success(
                request,
                _(
                    "Two-factor authentication is on for your account. Now create recovery codes in case you lose your phone."
                ),
            )
            return redirect("otp-recovery")
        form.add_error(
            "token", _("That code did not match. Check the time on your phone and try the newest code.")
        )
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    qr_data = "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
    secret = base64.b32encode(device.bin_key).decode()
    return render(request, "account/otp_setup.html", {"form": form, "qr_data": qr_data, "secret": secret})


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Verify the session with a code from the authenticator app or a one-time recovery code."""
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = security.otp_check(user=request.user, code=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                remaining = security.recovery_codes_remaining(user=request.user)
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code; %(n)s codes are left. Create new ones if you lost your phone."
                    )
                    % {"n": remaining},
                )
            return redirect(_safe_next(request, reverse("home")))
        form.add_error(
            "token",
            _(
                "That code did not match. Try the newest code from your authenticator app, or a recovery code."
            ),
        )
    return render(request, "account/otp_verify.html", {"form": form, "next": request.GET.get("next", "")})


@login_required
def otp_recovery(request: HttpRequest) -> HttpResponse:
    """Create recovery codes (shown once). The session is verified (TwoFactorMiddleware)."""
    if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("otp-setup")
    codes: list[str] = []
    if request.method == "POST":
        try:
            codes = security.recovery_codes_generate(user=request.user, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "account/otp_recovery.html",
        {"codes": codes, "remaining": security.recovery_codes_remaining(user=request.user)},
    )


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    qs = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")
    page = paginate(request, qs, 25)
    return render(request, "account/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_mark_read(request: HttpRequest) -> HttpResponse:
    notification_mark_read(user=request.user, notification_id=request.POST.get("id") or None)
    return redirect("notifications")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    has_device = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    return render(
        request,
        "account/profile.html",
        {
            "has_device": has_device,
            "recovery_remaining": security.recovery_codes_remaining(user=request.user) if has_device else 0,
            "active_tokens": security.api_token_list(user=request.user)
            .filter(revoked_at__isnull=True, expires_at__gt=now())
            .count(),
        },
    )


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """My API tokens: issue one (shown once), see when each expires or was last used, revoke."""
    form = ApiTokenForm(request.POST or None)
    issued_key = ""
    if request.method == "POST" and form.is_valid():
        try:
            _token, issued_key = security.api_token_issue(
                user=request.user, actor=request.user, name=form.cleaned_data["name"], via="account page"
            )
            form = ApiTokenForm()
        except DomainError as exc:
            form_add_domain_error(form, exc)
    page = paginate(request, security.api_token_list(user=request.user), 25)
    return render(
        request,
        "account/tokens.html",
        {
            "form": form,
            "page": page,
            "issued_key": issued_key,
            "now": now(),
            "ttl": settings.API_TOKEN_TTL_HOURS,
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(pk=pk, user=request.user).first()
    if token is None:
        raise Http404
    security.api_token_revoke(token=token, actor=request.user, reason="revoked by its owner")
    messages.success(request, _("The token was revoked; programs using it can no longer sign in."))
    return redirect("account-tokens")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: send them to the logo."""
    from django.templatetags.static import static

    return redirect(static("img/logo.svg"), permanent=True)


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch; a signed-in person's choice is also kept on their account, so
    notifications and emails sent to them later (by workers, outside any request) use it."""
    from django.views.i18n import set_language as switch

    response = switch(request)
    language = request.POST.get("language", "") if request.method == "POST" else ""
    user = getattr(request, "user", None)
    known = language in dict(settings.LANGUAGES)
    if known and user is not None and user.is_authenticated and user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
    return response
