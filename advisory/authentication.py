"""API authentication by personal token: `Authorization: Token <key>` (docs/security.md).

Only the key's SHA-256 is stored; a token expires and can be revoked (advisory.security)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key: str):
        from .security import api_token_authenticate

        token = api_token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token. Request a new one."))
        return token.user, token
