"""The API's side of advisory.editing: a record's ETag, and updates conditional on If-Match.
(Apart from advisory.api, which DRF's settings import before the rest of DRF is ready.)"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from .editing import IfMatch, etag_of

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "The ETag the record was read with (GET answers with it). When given, the change is made "
        "only if nobody changed the record since; otherwise 412 and nothing is changed."
    ),
)


class ETagMixin:
    """A record's API: reading answers with an `ETag` over the fields a caller may write; an update
    sent with `If-Match` is applied only to that version of the record (advisory.editing.IfMatch;
    412 Precondition Failed otherwise). Without the header an update writes as before. The viewset
    passes `self.edits()` to its service as `edits=`."""

    def _etag_for(self, serializer) -> str:
        data = serializer.data
        names = [n for n, f in serializer.fields.items() if not f.read_only and not f.write_only]
        return etag_of({n: data.get(n) for n in names})

    def etag_values(self, row) -> str:
        return self._etag_for(self.get_serializer(row))

    def edits(self) -> IfMatch | None:
        header = self.request.headers.get("If-Match", "").strip()
        return IfMatch(etag=header, etag_of_row=self.etag_values) if header else None

    def retrieve(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object())
        return Response(serializer.data, headers={"ETag": self._etag_for(serializer)})

    @extend_schema(parameters=[IF_MATCH])
    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        response["ETag"] = self.etag_values(self.get_object())
        return response

    @extend_schema(parameters=[IF_MATCH])
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)
