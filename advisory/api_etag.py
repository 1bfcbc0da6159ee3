"""The API's side of advisory.editing: a record's ETag, and updates conditional on If-Match.
(Apart from advisory.api, which DRF's settings import before the rest of DRF is ready.)"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

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
    # A record's API: reading or changing it answers with an `ETag` over the fields a caller may
    # write; an update sent with `If-Match` is applied only to that version of the record
    # (advisory.editing.IfMatch; 412 Precondition Failed otherwise). Without the header an update
    # writes as before. The viewset passes `self.edits()` to its service as `edits=`.
    # (A comment, not a docstring: drf-spectacular would show a docstring as every operation's
    # description.)

    ETAG_ACTIONS = frozenset({"retrieve", "update", "partial_update"})

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        extend_schema_view(
            update=extend_schema(parameters=[IF_MATCH]), partial_update=extend_schema(parameters=[IF_MATCH])
        )(cls)

    def _writable(self) -> list[str]:
        fields = self.get_serializer().fields
        return [n for n, f in fields.items() if not f.read_only and not f.write_only]

    def _etag(self, data) -> str:
        return etag_of({n: data.get(n) for n in self._writable()})

    def etag_for_row(self, row) -> str:
        return self._etag(self.get_serializer(row).data)

    def edits(self) -> IfMatch | None:
        header = self.request.headers.get("If-Match", "").strip()
        return IfMatch(etag=header, etag_of_row=self.etag_for_row) if header else None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            getattr(self, "action", None) in self.ETAG_ACTIONS
            and 200 <= response.status_code < 300
            and isinstance(getattr(response, "data", None), dict)
        ):
            response["ETag"] = self._etag(response.data)
        return response
