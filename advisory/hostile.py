"""Defences against hostile input that no single view should have to think about.

- Query strings and paths with control characters (NUL above all: PostgreSQL refuses it in text
  and every filter answered 500) are refused with 400 before any view or filter runs.
- JSON bodies nested deeper than a sane document are refused with 400 instead of exhausting the
  interpreter's stack.
- A 404/400/403/500 produced outside DRF (an id that does not match the URL pattern) still
  answers the API's one error shape under /api/.
- Every response to a signed-in user carries ``Cache-Control: no-store``: personal data never
  stays in a shared or browser cache.
"""

from __future__ import annotations

import json
import re

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# C0 controls except tab, LF and CR; DEL. Bidi overrides are refused in names by the name validator.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

MAX_JSON_DEPTH = 32


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def api_error(code: str, message: str, status: int, fields: dict | None = None) -> JsonResponse:
    return JsonResponse(error_body(code, message, fields), status=status)


class RejectControlCharactersMiddleware:
    """400 for a query parameter (name or value) or a path holding a control character."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        bad: dict[str, list[str]] = {}
        message = _("Remove the control character (such as NUL) from this value.")
        if _CONTROL.search(request.path_info):
            bad["path"] = [message]
        for key, values in request.GET.lists():
            if _CONTROL.search(key) or any(_CONTROL.search(v) for v in values):
                bad[_CONTROL.sub("", key) or "query"] = [message]
        if bad:
            text = _("The request contains a control character, which no field accepts.")
            if _is_api(request):
                return api_error("invalid", text, 400, bad)
            return render(request, "400.html", {"message": text}, status=400)
        return self.get_response(request)


class NoStoreForSignedInMiddleware:
    """Cache-Control: no-store on every response to an authenticated user (pages and API)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        authenticated = user is not None and user.is_authenticated
        if authenticated or request.headers.get("Authorization"):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


def _depth(value: object) -> int:
    """Nesting depth of a parsed JSON value, without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_JSON_DEPTH:
                return level
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, refusing documents nested deeper than MAX_JSON_DEPTH levels."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON document is nested too deeply.")) from None
        except json.JSONDecodeError as exc:  # pragma: no cover - DRF wraps this already
            raise ParseError(str(exc)) from None
        if _depth(data) > MAX_JSON_DEPTH:
            raise ParseError(_("The JSON document is nested too deeply."))
        return data


# Django-level error handlers (advisory.urls): JSON under /api/, the site's pages elsewhere.


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return api_error("bad_request", _("The request could not be understood."), 400)
    return render(request, "400.html", {"message": _("The request could not be understood.")}, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return api_error("permission_denied", _("You do not have permission to perform this action."), 403)
    message = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"message": message}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return api_error("not_found", _("Not found."), 404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return api_error("server_error", _("Something went wrong on our side; it has been logged."), 500)
    from django.views.defaults import server_error as default

    return default(request)
