"""Who is acting and from where, for the current request (read by the audit trail)."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    ip_address: str | None = None
    user_agent: str = ""
    path: str = ""


_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar(
    "advisory_request", default=None
)


def set_current(info: RequestInfo | None) -> contextvars.Token:
    return _current.set(info)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)


def current() -> RequestInfo | None:
    return _current.get()


def from_request(request) -> RequestInfo:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    ip = forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR")
    return RequestInfo(
        ip_address=ip or None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        path=request.path[:300],
    )
