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
