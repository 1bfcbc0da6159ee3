"""Reads for the import screens and API, scoped to who may see them."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from .models import ImportBatch
from .rules import can
from .services import batch_search_q

SORTS = {
    "created": "created_at",
    "-created": "-created_at",
    "number": "number",
    "-number": "-number",
    "rows": "row_count",
    "-rows": "-row_count",
    "state": "state",
    "-state": "-state",
    "kind": "kind",
    "-kind": "-kind",
}


def batch_list(
    *,
    user,
    search: str | None = None,
    kind: str | None = None,
    state: str | None = None,
    sort: str | None = None,
) -> QuerySet[ImportBatch]:
    if not can(user, "imports.view_batch"):
        return ImportBatch.objects.none()
    qs = ImportBatch.objects.select_related("uploaded_by", "confirmed_by").defer("row_errors", "file_errors")
    if search:
        qs = qs.filter(batch_search_q(search))
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    order = SORTS.get(sort or "", "-created_at")
    return qs.order_by(order, "-pk")


def batch_get(*, user, pk: int) -> ImportBatch:
    """One batch (404 for anyone who may not see imports)."""
    if not can(user, "imports.view_batch"):
        raise Http404
    try:
        return ImportBatch.objects.select_related("uploaded_by", "confirmed_by", "duplicate_of").get(pk=pk)
    except ImportBatch.DoesNotExist:
        raise Http404 from None
