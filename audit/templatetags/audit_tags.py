"""`{% load audit_tags %}{% retained_until obj %}`: the small "retained until" line other apps show
on a record page (SPEC §5)."""

from django import template
from django.apps import apps
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from advisory.formats import local_datetime
from audit.selectors import retention_status

register = template.Library()


@register.filter
def record_type_label(record_type: str) -> str:
    """`staff.auditfinding` → the model's name in the reader's language (never the code)."""
    try:
        model = apps.get_model(record_type)
    except (LookupError, ValueError):
        return record_type
    return capfirst(model._meta.verbose_name)


@register.filter
def actor_label_display(label: str) -> str:
    """A client actor is recorded as `client-user:<id>` (the label is hashed and never holds
    their name); shown as words in the reader's language."""
    if label and label.startswith("client-user:"):
        return _("Client (user no. %(id)s)") % {"id": label.split(":", 1)[1]}
    return label


@register.simple_tag
def retained_until(obj) -> str:
    if obj is None or getattr(obj, "pk", None) is None:
        return ""
    status = retention_status(obj)
    if not status.applies and not status.held:
        return ""
    hold = format_html(' <span class="badge badge-red">{}</span>', _("legal hold")) if status.held else ""
    text = (
        _("Retained until %(d)s") % {"d": status.until.isoformat()}
        if status.until
        else _("Retained indefinitely")
    )
    return format_html('<small class="muted retention" title="{}">{}</small>{}', status.reason, text, hold)


def _problem_texts() -> dict:
    from django.utils.translation import gettext_lazy

    return {
        "gap": gettext_lazy("Sequence gap: entry %(expected)s is missing (found %(found)s)."),
        "duplicate": gettext_lazy("Sequence number %(sequence)s is carried by more than one entry."),
        "order": gettext_lazy("Sequence out of order: expected %(expected)s, found %(found)s."),
        "link": gettext_lazy("The previous-hash link does not match the preceding entry."),
        "content": gettext_lazy("The content (record label or changes) does not match its hash."),
        "hash": gettext_lazy("The entry hash does not match its content (who, when, what or why changed)."),
        "redaction_unlisted": gettext_lazy("The entry is redacted without a redaction record."),
        "redaction_not_blank": gettext_lazy("The entry is flagged as redacted but still carries content."),
        "head_missing": gettext_lazy("The chain head is missing although the trail has entries."),
        "tail_missing": gettext_lazy("Entries are missing at the end: the chain head says %(head)s."),
        "head_mismatch": gettext_lazy("The chain head does not match the last entry."),
        "checkpoint_mismatch": gettext_lazy(
            "Signed checkpoint %(file)s (sequence %(sequence)s, signed %(signed_at)s) no longer matches the "
            "trail: entries up to sequence %(sequence)s were rewritten."
        ),
        "checkpoint_entries_missing": gettext_lazy(
            "Signed checkpoint %(file)s (signed %(signed_at)s) says the trail reached sequence %(sequence)s; "
            "only %(last)s entries remain."
        ),
        "checkpoint_signature": gettext_lazy(
            "Checkpoint %(file)s has no valid signature under the firm's public key."
        ),
        "checkpoint_no_key": gettext_lazy(
            "Checkpoint files exist but no public key is configured to check them."
        ),
        "checkpoint_file_missing": gettext_lazy(
            "Checkpoint %(file)s is listed in the database but its file is missing."
        ),
        "history_deleted": gettext_lazy(
            "History row %(history_id)s of %(record_type)s %(record_id)s (%(date)s) was deleted."
        ),
        "history_changed": gettext_lazy(
            "History row %(history_id)s of %(record_type)s %(record_id)s (%(date)s) was changed after it was recorded."
        ),
        "history_unchained": gettext_lazy(
            "History row %(history_id)s of %(record_type)s %(record_id)s (%(date)s) is not in the chain."
        ),
        "protection_off": gettext_lazy(
            "Protection trigger %(trigger)s on table %(table)s is missing or disabled."
        ),
        "unchained": gettext_lazy(
            "%(count)s written entries are still not chained after %(seconds)s seconds (the oldest "
            "written %(oldest)s): the sequencer is not running."
        ),
    }


@register.simple_tag
def verification_problem(code: str, params: dict | None, fallback: str = "") -> str:
    """A verification problem in the reader's language (stored as a code plus parameters). Dates
    are shown in the firm's time zone."""
    import datetime

    text = _problem_texts().get(code or "")
    if text is None:
        return fallback
    values = dict(params or {})
    for key in ("date", "signed_at", "oldest"):
        raw = values.get(key)
        if raw:
            try:
                at = datetime.datetime.fromisoformat(str(raw))
                values[key] = local_datetime(at)
            except ValueError:
                pass
    try:
        return str(text) % values
    except (KeyError, TypeError, ValueError):
        return fallback or str(text)


@register.filter
def audit_reason(value: str) -> str:
    """A reason the system wrote, in the reader's language (advisory.texts, family "audit");
    a reason a person typed is shown as typed."""
    from advisory.templatetags.advisory_tags import system_text

    return system_text(value)
