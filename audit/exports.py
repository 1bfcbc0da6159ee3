"""Export of the audit trail browser (advisory.exports): the entries the screen lists, with every
field an inspection needs (sequence, hash), times in the firm's time zone."""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from advisory.exports.registry import Column, ExportList, Filter, register

from .models import AuditAction


def _trail_rows(*, user, params):
    from . import selectors
    from .forms import filters_from_params

    return selectors.audit_entry_list(user=user, filters=filters_from_params(params))


def _reason(entry) -> str:
    return entry.reason_text  # in the reader's language; the stored value is the next column


def _record(entry) -> str:
    return entry.record_label_text  # in the reader's language; the stored value is the next column


def _changes(entry) -> str:
    return json.dumps(entry.changes, ensure_ascii=False, default=str, sort_keys=True)


register(
    ExportList(
        name="audit.trail",
        title=_("Audit trail"),
        perm="audit.use_archive",
        list_url="audit:browser",
        rows=_trail_rows,
        columns=[
            Column(_("Sequence"), "sequence"),
            Column(_("Time"), "occurred_at"),
            Column(_("Actor"), "actor_label"),
            Column(_("Action"), "action", choices=AuditAction.choices),
            Column(_("Record type"), "record_type"),
            Column(_("Record id"), "record_id"),
            Column(_("Record"), _record),
            Column(_("Record as stored"), "record_label"),  # what the chain hashes
            Column(_("Client id"), "client_id"),
            Column(_("Reason"), _reason),
            Column(_("Reason as stored"), "reason"),  # what the chain hashes
            Column(_("Changes"), _changes),
            Column(_("IP address"), "ip_address"),
            Column(_("User agent"), "user_agent"),
            Column(_("Hash"), "hash"),
        ],
        filters=[
            Filter("client", _("Client (name or file number)")),
            Filter("client_id", _("Client id")),
            Filter("actor_id", _("User id")),
            Filter("record_type", _("Record type")),
            Filter("record_id", _("Record id")),
            Filter("action", _("Action"), AuditAction.choices),
            Filter("date_from", pgettext_lazy("date range", "From")),
            Filter("date_to", pgettext_lazy("date range", "To")),
        ],
        extra_params=(),
    )
)
