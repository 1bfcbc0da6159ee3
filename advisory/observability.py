"""What operations need to follow one piece of work through the system: a request id on every
request, carried into every log line and into the Celery tasks the request starts; task run
statistics shared across hosts (through the cache) for the metrics endpoint; and the scrubbing of
personal data before an error report leaves the firm."""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("advisory_request_id", default="")


def current_request_id() -> str:
    return _request_id.get()


def bind_request_id(value: str) -> contextvars.Token:
    return _request_id.set(value)


def unbind_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)


def new_request_id(proposed: str | None = None) -> str:
    """Keep an id a proxy already assigned when it is safe to log; otherwise make one."""
    if proposed and _SAFE_ID.match(proposed):
        return proposed
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in the chain: every log line of the request, and every task it enqueues, carries
    the same id, which the response returns in `X-Request-ID`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = new_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = bind_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            unbind_request_id(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (and `task_id` inside a task) to every record, for the JSON formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        record.task_id = _task_id.get()
        return True


# --- Celery: carry the id into tasks, and keep run statistics ---------------------------------

_task_id: contextvars.ContextVar[str] = contextvars.ContextVar("advisory_task_id", default="")
_task_tokens: dict[str, tuple[contextvars.Token, contextvars.Token, float]] = {}
TASK_STATS_PREFIX = "ops:task:"
TASK_STATS_TTL = 60 * 60 * 24 * 35
TASK_NAMES_KEY = "ops:task-names"


def on_before_task_publish(headers: dict | None = None, **_: Any) -> None:
    if headers is not None and current_request_id() and "request_id" not in headers:
        headers["request_id"] = current_request_id()


def on_task_prerun(task_id: str = "", task: Any = None, **_: Any) -> None:
    request_id = getattr(getattr(task, "request", None), "request_id", None) or ""
    _task_tokens[task_id] = (_request_id.set(request_id), _task_id.set(task_id), time.monotonic())


def _stat_key(name: str, field: str) -> str:
    return f"{TASK_STATS_PREFIX}{name}:{field}"


def _incr(key: str, amount: int = 1) -> None:
    try:
        cache.incr(key, amount)
    except ValueError:
        cache.add(key, 0, TASK_STATS_TTL)
        cache.incr(key, amount)


def record_task_run(*, name: str, seconds: float, failed: bool) -> None:
    """Counters in the shared cache: runs, failures, total milliseconds, last success time.
    Any web host's /metrics reads the same figures, whichever worker ran the task."""
    names = cache.get(TASK_NAMES_KEY) or []
    if name not in names:
        cache.set(TASK_NAMES_KEY, sorted({*names, name}), TASK_STATS_TTL)
    _incr(_stat_key(name, "runs"))
    _incr(_stat_key(name, "ms"), int(seconds * 1000))
    if failed:
        _incr(_stat_key(name, "failures"))
    else:
        cache.set(_stat_key(name, "last_success"), time.time(), TASK_STATS_TTL)


def task_stats() -> dict[str, dict[str, float]]:
    names = cache.get(TASK_NAMES_KEY) or []
    keys = [_stat_key(n, f) for n in names for f in ("runs", "failures", "ms", "last_success")]
    values = cache.get_many(keys)
    return {
        n: {f: float(values.get(_stat_key(n, f)) or 0) for f in ("runs", "failures", "ms", "last_success")}
        for n in names
    }


def on_task_postrun(task_id: str = "", task: Any = None, state: str = "", **_: Any) -> None:
    tokens = _task_tokens.pop(task_id, None)
    if tokens is None:
        return
    request_token, task_token, started = tokens
    try:
        record_task_run(
            name=getattr(task, "name", "unknown"),
            seconds=time.monotonic() - started,
            failed=state not in ("SUCCESS", "RETRY"),
        )
    except Exception:  # the cache being down must not fail the task
        logging.getLogger(__name__).warning("could not record task statistics", exc_info=True)
    finally:
        _task_id.reset(task_token)
        _request_id.reset(request_token)


# --- Error reports: nothing personal leaves the firm ---------------------------------------------

_PERSONAL = [
    re.compile(r"\b\d{17}[\dXx]\b"),  # PRC resident identity number
    re.compile(r"\b1[3-9]\d{9}\b"),  # mainland mobile number
    re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"),  # email address
    re.compile(r"\b\d{12,19}\b"),  # bank card or account number
]
_SENSITIVE_KEYS = re.compile(
    r"pass|secret|token|key|cookie|session|csrf|auth|id_number|phone|email|address|bank", re.I
)
FILTERED = "[filtered]"


def scrub_text(text: str) -> str:
    for pattern in _PERSONAL:
        text = pattern.sub(FILTERED, text)
    return text


def _scrub(value: Any, depth: int = 0) -> Any:
    if depth > 12:
        return FILTERED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {
            k: (FILTERED if isinstance(k, str) and _SENSITIVE_KEYS.search(k) else _scrub(v, depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub(v, depth + 1) for v in value]
    return value


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """Sentry `before_send`: drop the user's identity, cookies and request bodies, and mask
    identity numbers, phone numbers, emails and account numbers anywhere in the event."""
    event = dict(event)
    if "user" in event:
        event["user"] = {"id": (event.get("user") or {}).get("id")}
    request = dict(event.get("request") or {})
    for key in ("cookies", "data", "env"):
        request.pop(key, None)
    if request:
        event["request"] = request
    return _scrub(event)


def init_error_reporting(dsn: str, *, environment: str, release: str = "") -> bool:
    """Sentry, switched on by one setting (SENTRY_DSN); off when it is empty."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        send_default_pii=False,
        max_request_body_size="never",
        before_send=scrub_event,
        integrations=[DjangoIntegration(), CeleryIntegration()],
    )
    return True
