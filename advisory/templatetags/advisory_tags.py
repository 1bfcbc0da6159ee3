from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from advisory.money import format_money
from advisory.rules import can as _can

register = template.Library()

TONES = {
    # generic status words → badge colour
    "green": {
        "ready",
        "approved",
        "accepted",
        "registered",
        "resolved",
        "closed",
        "active",
        "current",
        "intact",
        "compliance_approved",
        "issued",
        "completed",
        "done",
        "low",
        "pass",
        "ok",
        "valid",
    },
    "amber": {
        "pending",
        "submitted",
        "risk_approved",
        "investigating",
        "waiting_on_client",
        "acknowledged",
        "in_review",
        "medium",
        "warning",
        "due",
        "proposed",
        "rendering",
        "expiring",
        "draft_review",
    },
    "red": {
        "rejected",
        "declined",
        "failed",
        "overdue",
        "breached",
        "expired",
        "high",
        "critical",
        "fail",
        "urgent",
        "broken",
        "held",
    },
}


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs) -> str:
    """The current query string with some parameters replaced (for pagination and sorting)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.filter
def money(amount: Decimal | None, currency: str | None = None) -> str:
    return format_money(amount, currency)


# A label that already ends in a punctuation mark gets no colon after it ("发生了什么？", not
# "发生了什么？："). Django knows only the ASCII marks.
LABEL_END_MARKS = ":?.!：？。！"


@register.simple_tag
def form_label(field) -> str:
    label = str(field.label or "").rstrip()
    return field.label_tag(label_suffix="" if label[-1:] in LABEL_END_MARKS else None)


@register.filter
def local_dt(value) -> str:
    """A stored time (a datetime or an ISO 8601 string, as check results keep it) in the firm's
    time zone, e.g. `{{ checks.computed_at|local_dt }}`; never the UTC text as stored."""
    import datetime

    from advisory.formats import local_datetime

    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime.datetime):
        return "—" if value in (None, "") else str(value)
    return local_datetime(value)


@register.filter
def pct(value: float | Decimal | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.{digits}f}%"


# Words for the codes templates show without a label of their own (check results, flags): a
# code never reaches the screen as such.
STATUS_LABELS = {
    "pass": _("pass"),
    "fail": _("fail"),
    "warn": _("warning"),
    "warning": _("warning"),
    "ok": _("OK"),
    "overdue": _("overdue"),
    "failed": _("failed"),
    "due": _("due"),
    "exception": _("exception"),
    "info": _("for information"),
    "na": _("not applicable"),
}


@register.simple_tag
def status_badge(value: str, label: str | None = None) -> str:
    key = str(value or "").lower()
    tone = next((t for t, words in TONES.items() if key in words), "grey")
    return format_html(
        '<span class="badge badge-{}">{}</span>',
        tone,
        label or STATUS_LABELS.get(key) or key.replace("_", " "),
    )


@register.simple_tag(takes_context=True)
def sort_link(context, field: str, label: str) -> str:
    """A column header that toggles ascending/descending order via ?sort=."""
    request = context["request"]
    current = request.GET.get("sort", "")
    new = f"-{field}" if current == field else field
    arrow = " ▲" if current == field else (" ▼" if current == f"-{field}" else "")
    query = request.GET.copy()
    query["sort"] = new
    query.pop("page", None)
    return format_html('<a href="?{}" class="sort">{}{}</a>', query.urlencode(), label, arrow)


@register.filter(name="can")
def can_filter(user, perm: str) -> bool:
    """`{% if user|can:"risk.manage_questionnaires" %}`: templates ask the same rules function as
    views and services (never Django's `perms`, which lets a superuser through everything)."""
    return _can(user, perm)
