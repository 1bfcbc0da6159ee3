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


@register.simple_tag(takes_context=True)
def export_buttons(context, name: str) -> str:
    """ "Export CSV" / "Export Excel" for the list `name` (advisory.exports), carrying the page's
    query string (filters, sort; not the page number); nothing if the user may not export it."""
    from django.urls import reverse

    from advisory.exports import registry

    request = context["request"]
    spec = registry.get(name)
    if spec is None:
        raise ValueError(f"export_buttons: no export list {name!r}")  # fail loudly (a typo)
    user = request.user
    if not (_can(user, "advisory.use_workspace") and _can(user, spec.perm)):
        return ""
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("before", None)
    qs = f"?{query.urlencode()}" if query else ""
    return format_html(
        '<span class="export-buttons"><a class="btn" href="{}{}" rel="nofollow">{}</a> '
        '<a class="btn" href="{}{}" rel="nofollow">{}</a></span>',
        reverse("exports:download", args=[name, "csv"]),
        qs,
        _("Export CSV"),
        reverse("exports:download", args=[name, "xlsx"]),
        qs,
        _("Export Excel"),
    )


@register.filter
def system_text(value: str) -> str:
    """A reason the system wrote (an audit or history change reason: a stored code, or an English
    sentence of an earlier release) in the reader's language; text a person typed is shown as
    typed (advisory.texts.render_reason)."""
    from advisory.texts import render_reason

    return render_reason(value)


@register.filter
def choice_label(value: str, choices: str) -> str:
    """`{{ row.status|choice_label:"planning.models.ProposalStatus" }}`: a stored value shown by
    its translated label, never the code."""
    from django.utils.module_loading import import_string

    try:
        return str(dict(import_string(choices).choices).get(value, value))
    except (ImportError, AttributeError):
        return value


@register.filter
def language_name(code: str) -> str:
    """`zh-hans` → 简体中文 / Simplified Chinese: a language by its name, never its code."""
    from django.conf import settings

    return str(dict(settings.LANGUAGES).get((code or "").lower(), code or "—"))


@register.filter
def stored_text(row: dict | None, legacy_key: str = "message") -> str:
    """A row of stored results (`{"code": ..., "params": ...}`, e.g. a proposal's check) in the
    reader's language; rows from before the codes show their stored sentence (`legacy_key`)."""
    from advisory.texts import render

    if not row:
        return ""
    return render(row.get("code"), row.get("params"), fallback=str(row.get(legacy_key) or ""))


@register.filter
def code_label(value: str, family: str) -> str:
    """`{{ row.status|code_label:"check.status" }}`: the registered label of a stored code
    (advisory.texts, code `<family>.<value>`), the value itself when none is registered."""
    from advisory.texts import render

    return render(f"{family}.{value}", {}, fallback=str(value or ""))


@register.filter
def local_iso(value: str) -> str:
    """An ISO date-time stored in JSON (UTC) on the firm's clock, in the one format."""
    from django.utils.dateparse import parse_datetime

    from advisory.formats import local_datetime

    moment = parse_datetime(value or "") if isinstance(value, str) else value
    return local_datetime(moment) if moment else "—"


@register.filter
def row_label(row: dict | None, family: str) -> str:
    """The registered label of a stored row's `code` (e.g. a stress scenario,
    `check.scenario.<code>`), else the row's own name."""
    from advisory.texts import render

    if not row:
        return ""
    fallback = str(row.get("name") or row.get("label") or row.get("code") or "")
    return render(f"{family}.{row.get('code', '')}", {}, fallback=fallback)


@register.filter
def stored_item(value, family: str) -> str:
    """An item of a stored list (capacity reasoning, contradictions): `{"code", "params"}` or an
    English sentence from before the codes, in the reader's language (advisory.texts)."""
    from advisory.texts import render_stored

    return render_stored(value, family)


@register.simple_tag
def options(items, selected=None, value_attr: str = "", label_attr: str = ""):
    """<option> elements written in Python (a template loop costs ~0.1 ms an option): `items` are
    (value, label) pairs, or objects read through `value_attr` / `label_attr`."""
    from advisory.widgets import options_html

    if value_attr:
        items = ((getattr(i, value_attr), getattr(i, label_attr) if label_attr else i) for i in items)
    else:
        items = ((i, i) if isinstance(i, str) else i for i in items)
    return options_html(items, selected)
