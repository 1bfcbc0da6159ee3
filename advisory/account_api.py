"""API for personal tokens (docs/security.md): obtain one, list mine, revoke one.

`POST /api/v1/auth/token/` issues a token that expires (API_TOKEN_TTL_HOURS):
- to a session that is signed in (and verified where two-factor applies: TwoFactorMiddleware), or
- for email + password, plus a current one-time code (`otp`) for every account that must use
  two-factor authentication. A locked account (django-axes) gets 429 "locked".
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import security
from .clock import now
from .errors import DomainError, NotAllowed
from .models import ApiToken


class Locked(DomainError):
    """django-axes locked the account after repeated failures."""

    status_code = 429
    code = "locked"


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(
        max_length=254,
        required=False,
        help_text=gettext_lazy("Email address; omit when calling with a signed-in session."),
    )
    password = serializers.CharField(required=False, trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=16,
        help_text=gettext_lazy("Current code from the authenticator app, or a recovery code."),
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=80)

    def validate(self, attrs: dict) -> dict:
        request = self.context["request"]
        if request.user and request.user.is_authenticated and not attrs.get("username"):
            return attrs
        errors = {}
        for field in ("username", "password"):
            if not attrs.get(field):
                errors[field] = [_("This field is required.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class TokenSerializer(serializers.ModelSerializer):
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "key_prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "is_active",
        ]
        read_only_fields = fields

    def get_is_active(self, obj: ApiToken) -> bool:
        return obj.is_active_at(now())


class IssuedTokenSerializer(TokenSerializer):
    token = serializers.CharField(
        help_text=gettext_lazy("The key: shown this once, send it as `Token <key>`.")
    )

    class Meta(TokenSerializer.Meta):
        fields = ["token", *TokenSerializer.Meta.fields]
        read_only_fields = fields


class ObtainTokenView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: IssuedTokenSerializer,
            400: OpenApiResponse(description="Missing or wrong credentials or one-time code."),
            403: OpenApiResponse(description="Two-factor authentication must be set up first."),
            429: OpenApiResponse(description="The account is locked after repeated failures."),
        },
        summary="Obtain an API token",
    )
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if request.user and request.user.is_authenticated and not values.get("username"):
            user, via = request.user, "session"
        else:
            user, via = self._check_credentials(request, values), "password"
        token, key = security.api_token_issue(user=user, actor=user, name=values.get("name", ""), via=via)
        return Response({"token": key, **TokenSerializer(token).data}, status=status.HTTP_200_OK)

    def _check_credentials(self, request: Request, values: dict):
        django_request = request._request  # django-axes marks the lock-out on this one
        user = authenticate(django_request, username=values["username"], password=values["password"])
        if getattr(django_request, "axes_locked_out", False):
            # AxesMiddleware turns the marked request into 429 "locked" (security.lockout_response).
            raise Locked(_("Too many failed sign-in attempts: this account is locked for a while."))
        if user is None:
            raise DomainError(_("Unable to sign in with this email and password."), field="password")
        if security.otp_required(user):
            if not security.otp_has_device(user):
                raise NotAllowed(_("Set up two-factor authentication in your account before using the API."))
            if not values.get("otp"):
                raise DomainError(_("Enter the current code from your authenticator app."), field="otp")
            if security.otp_check(user=user, code=values["otp"]) is None:
                # counts towards the lock-out like a wrong password
                user_login_failed.send(
                    sender=__name__, credentials={"username": values["username"]}, request=django_request
                )
                raise DomainError(_("That code did not match. Try the newest code."), field="otp")
        return user


class TokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """My API tokens. `DELETE` revokes one (the row stays, marked revoked)."""

    serializer_class = TokenSerializer
    queryset = ApiToken.objects.none()  # for the schema; the real one is the user's own tokens

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return security.api_token_list(user=self.request.user)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        token = self.get_queryset().filter(pk=pk).first() if str(pk).isdigit() else None
        if token is None:
            raise Http404
        security.api_token_revoke(token=token, actor=request.user, reason="revoked by its owner (API)")
        return Response(status=status.HTTP_204_NO_CONTENT)
