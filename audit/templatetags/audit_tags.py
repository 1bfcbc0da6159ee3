"""`{% load audit_tags %}{% retained_until obj %}`: the small "retained until" line other apps show
on a record page (SPEC §5)."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from audit.selectors import retention_status

register = template.Library()


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
    from django.utils.translation import gettext_lazy as _l

    return {
        "gap": _l("Sequence gap: entry %(expected)s is missing (found %(found)s)."),
        "order": _l("Sequence out of order: expected %(expected)s, found %(found)s."),
        "link": _l("The previous-hash link does not match the preceding entry."),
        "content": _l("The content (record label or changes) does not match its hash."),
        "hash": _l("The entry hash does not match its content (who, when, what or why changed)."),
        "redaction_unlisted": _l("The entry is redacted without a redaction record."),
        "redaction_not_blank": _l("The entry is flagged as redacted but still carries content."),
        "head_missing": _l("The chain head is missing although the trail has entries."),
        "tail_missing": _l("Entries are missing at the end: the chain head says %(head)s."),
        "head_mismatch": _l("The chain head does not match the last entry."),
        "checkpoint_mismatch": _l(
            "Signed checkpoint %(file)s (sequence %(sequence)s, signed %(signed_at)s) no longer matches the "
            "trail: entries up to sequence %(sequence)s were rewritten."
        ),
        "checkpoint_entries_missing": _l(
            "Signed checkpoint %(file)s (signed %(signed_at)s) says the trail reached sequence %(sequence)s; "
            "only %(last)s entries remain."
        ),
        "checkpoint_signature": _l("Checkpoint %(file)s has no valid signature under the firm's public key."),
        "checkpoint_no_key": _l("Checkpoint files exist but no public key is configured to check them."),
        "checkpoint_file_missing": _l(
            "Checkpoint %(file)s is listed in the database but its file is missing."
        ),
        "history_deleted": _l(
            "History row %(history_id)s of %(record_type)s %(record_id)s (%(date)s) was deleted."
        ),
        "history_changed": _l(
            "History row %(history_id)s of %(record_type)s %(record_id)s (%(date)s) was changed after it was recorded."
        ),
        "history_unchained": _l(
            "History row %(history_id)s of %(record_type)s %(record_id)s (%(date)s) is not in the chain."
        ),
        "protection_off": _l("Protection trigger %(trigger)s on table %(table)s is missing or disabled."),
    }


@register.simple_tag
def verification_problem(code: str, params: dict | None, fallback: str = "") -> str:
    """A verification problem in the reader's language (stored as a code plus parameters). Dates
    are shown in the firm's time zone."""
    import datetime

    from django.utils import timezone

    text = _problem_texts().get(code or "")
    if text is None:
        return fallback
    values = dict(params or {})
    for key in ("date", "signed_at"):
        raw = values.get(key)
        if raw:
            try:
                at = datetime.datetime.fromisoformat(str(raw))
                values[key] = timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
            except ValueError:
                pass
    try:
        return str(text) % values
    except (KeyError, TypeError, ValueError):
        return fallback or str(text)
