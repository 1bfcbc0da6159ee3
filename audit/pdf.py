"""PDF renderers registered with advisory.documents: inspection exports and destruction
certificates (SPEC §5)."""

from __future__ import annotations

from typing import Any

from advisory.models import ArchivedDocument

PDF_EXPORT_MAX_ROWS = 5000


def _entries_for_export(export) -> tuple[list, bool]:
    from .forms import filters_from_params
    from .selectors import audit_entry_list, entry_diff

    filters = filters_from_params(export.filters)
    qs = audit_entry_list(user=export.requested_by, filters=filters).order_by("sequence")
    rows = list(qs[: PDF_EXPORT_MAX_ROWS + 1])
    capped = len(rows) > PDF_EXPORT_MAX_ROWS
    rows = rows[:PDF_EXPORT_MAX_ROWS]
    for r in rows:
        r.diff = entry_diff(r)
    return rows, capped


def render_inspection_export(document: ArchivedDocument) -> tuple[str, dict[str, Any]]:
    from .models import AuditExport

    export = AuditExport.objects.select_related("requested_by").get(pk=document.subject_id)
    entries, capped = _entries_for_export(export)
    return "audit/pdf/export.html", {
        "export": export,
        "entries": entries,
        "capped": capped,
        "max_rows": PDF_EXPORT_MAX_ROWS,
    }


def render_certificate(document: ArchivedDocument) -> tuple[str, dict[str, Any]]:
    from .models import DisposalBatch

    batch = DisposalBatch.objects.select_related("proposed_by", "reviewed_by").get(pk=document.subject_id)
    items = list(batch.items.select_related("rule").order_by("record_type", "pk"))
    return "audit/pdf/certificate.html", {"batch": batch, "items": items}
