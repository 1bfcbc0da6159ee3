"""PDF renderers registered with advisory.documents: inspection exports and destruction
certificates (SPEC §5)."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from advisory.formats import local_date, local_datetime
from advisory.models import ArchivedDocument

from .labels import label_in

PDF_EXPORT_MAX_ROWS = 5000
VALUE_MAX_CHARS = 160


def _model_for(record_type: str):
    from .registry import registered

    reg = registered().get(record_type)
    return reg.model if reg else None


EMPTY = (None, "", [], {})


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _field_label(field, name: str) -> str:
    return (
        str(field.verbose_name)
        if field is not None and hasattr(field, "verbose_name")
        else name.replace("_", " ")
    )


def _value_text(value: Any, field=None, max_chars: int | None = VALUE_MAX_CHARS) -> str:
    """A stored value as a reader would write it: choice labels, local times, `#id` for links;
    cut to `max_chars` (None: whole)."""
    if value in EMPTY:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field is not None and getattr(field, "choices", None):
        label = dict(field.flatchoices).get(value)
        if label is not None:
            return str(label)
    if field is not None and field.is_relation:
        return f"#{value}"
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in " T":
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return local_datetime(moment)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if max_chars is None or len(text) <= max_chars else text[: max_chars - 1] + "…"


def changes_in_words(model, diff: list[dict]) -> list[tuple[str, str, str]]:
    """(field label, old, new) for every field that holds something; empty-to-empty is left out."""
    rows = []
    for d in diff:
        if d["old"] in EMPTY and d["new"] in EMPTY:
            continue
        field = _field(model, d["field"])
        old = "" if d["old"] in EMPTY else _value_text(d["old"], field)
        rows.append((_field_label(field, d["field"]), old, _value_text(d["new"], field)))
    return rows


def diff_in_words(record_type: str, diff: list[dict]) -> list[dict]:
    """The entry page's rows: each changed field by its name in the reader's language (and as
    stored), its values as a reader would write them, whole."""
    from django.apps import apps

    try:
        model = apps.get_model(record_type) if record_type else None
    except (LookupError, ValueError):
        model = None
    rows = []
    for d in diff:
        field = _field(model, d["field"])
        rows.append(
            {
                "label": capfirst(_field_label(field, d["field"])),
                "field": d["field"],
                "old": None if d["old"] in EMPTY else _value_text(d["old"], field, max_chars=None),
                "new": None if d["new"] in EMPTY else _value_text(d["new"], field, max_chars=None),
            }
        )
    return rows


def record_name(entry, model=None) -> str:
    """`Consent · Privacy consent 2026-11-30 11:52`, never `clients.consent:2`."""
    model = model if model is not None else _model_for(entry.record_type)
    kind = str(model._meta.verbose_name).capitalize() if model is not None else _("Record")
    label = (entry.record_label_text or f"#{entry.record_id}") if entry.record_id else entry.record_label_text
    return f"{kind} · {label}" if label else kind


def filters_in_words(filters) -> list[tuple[str, str]]:
    """The export's filters as a reader would say them, e.g. ("Client", "张三 (CL-2026-000001)")."""
    from .models import AuditEntry

    out: list[tuple[str, str]] = []
    if filters.client_id:
        latest = (
            AuditEntry.objects.filter(record_type="clients.client", record_id=str(filters.client_id))
            .exclude(record_label="")
            .order_by("-sequence")
            .values_list("record_label", flat=True)
            .first()
        )
        out.append((_("Client"), label_in(latest) or f"#{filters.client_id}"))
    if filters.actor_id:
        actor = get_user_model().objects.filter(pk=filters.actor_id).first()
        out.append((_("Who"), (actor.full_name or actor.email) if actor else f"#{filters.actor_id}"))
    if filters.record_type:
        model = _model_for(filters.record_type)
        out.append(
            (_("Record type"), str(model._meta.verbose_name).capitalize() if model else filters.record_type)
        )
    if filters.record_id:
        out.append((_("Record"), f"#{filters.record_id}"))
    if filters.action:
        from .models import AuditAction

        out.append((_("Action"), str(dict(AuditAction.choices).get(filters.action, filters.action))))
    if filters.date_from or filters.date_to:
        out.append(
            (_("Period"), f"{local_date(filters.date_from, '…')} – {local_date(filters.date_to, '…')}")
        )
    return out


def _entries_for_export(export) -> tuple[list, bool, Any]:
    from .forms import filters_from_params
    from .selectors import audit_entry_list, entry_diff

    filters = filters_from_params(export.filters)
    from django.db.models import F

    # chain order; entries still awaiting the sequencer (no sequence yet) last
    qs = audit_entry_list(user=export.requested_by, filters=filters).order_by(
        F("sequence").asc(nulls_last=True), "id"
    )
    rows = list(qs[: PDF_EXPORT_MAX_ROWS + 1])
    capped = len(rows) > PDF_EXPORT_MAX_ROWS
    rows = rows[:PDF_EXPORT_MAX_ROWS]
    models_by_type: dict[str, Any] = {}
    for r in rows:
        if r.record_type not in models_by_type:
            models_by_type[r.record_type] = _model_for(r.record_type)
        model = models_by_type[r.record_type]
        r.record_name = record_name(r, model)
        r.when = local_datetime(r.occurred_at)
        r.changes_text = changes_in_words(model, entry_diff(r))
    return rows, capped, filters


def _exported_entries_recompute(entries: list) -> tuple[int, int | None]:
    """Recompute each exported entry's hash from its content and its predecessor's hash: the
    export itself shows whether these rows are the ones the chain holds. Entries not chained yet
    have no hash to recompute (shown as awaiting chaining)."""
    from .services import entry_hash

    chained = [e for e in entries if e.sequence is not None]
    for e in chained:
        if entry_hash(e, e.prev_hash) != e.hash:
            return len(chained), e.sequence
    return len(chained), None


def render_inspection_export(document: ArchivedDocument) -> tuple[str, dict[str, Any]]:
    from .models import AuditEntry, AuditExport
    from .selectors import last_verification

    export = AuditExport.objects.select_related("requested_by").get(pk=document.subject_id)
    entries, capped, filters = _entries_for_export(export)
    checked, broken = _exported_entries_recompute(entries)
    head = (
        AuditEntry.objects.filter(sequence__isnull=False)
        .order_by("-sequence")
        .values("sequence", "hash", "occurred_at")
        .first()
    )
    last = last_verification()
    if last and last.get("at"):
        last = {**last, "at": local_datetime(datetime.datetime.fromisoformat(last["at"]))}
    return "audit/pdf/export.html", {
        "running_title": _("Audit trail export #%(n)s") % {"n": export.pk},
        "export": export,
        "requested_at": local_datetime(export.created_at),
        "entries": entries,
        "capped": capped,
        "max_rows": PDF_EXPORT_MAX_ROWS,
        "filters": filters_in_words(filters),
        "checked": checked,
        "broken_sequence": broken,
        "head": head and {**head, "at": local_datetime(head["occurred_at"])},
        "last_verification": last,
    }


def render_certificate(document: ArchivedDocument) -> tuple[str, dict[str, Any]]:
    from .models import DisposalBatch

    batch = DisposalBatch.objects.select_related("proposed_by", "reviewed_by").get(pk=document.subject_id)
    items = list(batch.items.select_related("rule").order_by("record_type", "pk"))
    models_by_type: dict[str, Any] = {}
    methods = disposal_methods()
    for i in items:
        if i.record_type not in models_by_type:
            models_by_type[i.record_type] = _model_for(i.record_type)
        model = models_by_type[i.record_type]
        kind = str(model._meta.verbose_name).capitalize() if model is not None else _("Record")
        i.record_name = f"{kind} #{i.record_id}"  # its content is destroyed: the type and number remain
        i.method_label = methods.get(i.method, i.method)
    return "audit/pdf/certificate.html", {
        "running_title": _("Certificate of destruction · disposal batch #%(n)s") % {"n": batch.pk},
        "batch": batch,
        "items": items,
    }


def disposal_methods() -> dict[str, str]:
    """How a record was disposed of, in words (the stored codes of DisposalItem.method)."""
    return {
        "deleted": _("deleted"),
        "anonymised": _("anonymised"),
        "purged": _("personal data purged"),
        "already gone": _("already deleted"),
        "client file": _("with the client file"),
    }
