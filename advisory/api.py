"""API base: pagination, the one error shape, and permission classes over the `rules` layer.

Error body, for every failure:
    {"error": {"code": "...", "message": "...", "fields": {"field": ["message", ...]}}}
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError
from .permissions import IsClientUser, IsWorkspaceOrPortalUser, IsWorkspaceUser, RulesPermission

__all__ = [
    "IsClientUser",
    "IsWorkspaceOrPortalUser",
    "IsWorkspaceUser",
    "RulesPermission",
    "StandardPagination",
]


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _error(code: str, message: str, fields: dict | None, status_code: int) -> Response:
    return Response({"error": {"code": code, "message": message, "fields": fields or {}}}, status=status_code)


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            str(k): [str(m) for m in (v if isinstance(v, list) else [v])]
            if not isinstance(v, dict)
            else [str(v)]
            for k, v in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {"non_field_errors": [str(detail)]}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        return _error(exc.code, exc.message, exc.fields, exc.status_code)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return _error("invalid", "; ".join(m for msgs in fields.values() for m in msgs), fields, 400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        message = "; ".join(f"{k}: {v[0]}" if k != "non_field_errors" else v[0] for k, v in fields.items())
        return _error("invalid", message or "Invalid input.", fields, status.HTTP_400_BAD_REQUEST)
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    code = exc.default_code if isinstance(exc, exceptions.APIException) else "error"
    response.data = {"error": {"code": code, "message": str(detail), "fields": {}}}
    return response
