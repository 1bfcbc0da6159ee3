"""API twins of the import screens (same rules): upload (dry run), list, detail with the row
errors in words, confirm, cancel."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from advisory.api import StandardPagination
from advisory.permissions import IsWorkspaceUser, RulesPermission

from . import selectors, services
from .errors import describe
from .models import ImportBatch, ImportKind, ImportState


class ImportBatchSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    uploaded_by = serializers.CharField(source="uploaded_by.email", read_only=True)
    confirmed_by = serializers.CharField(source="confirmed_by.email", read_only=True, default=None)
    progress = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "number",
            "kind",
            "kind_label",
            "state",
            "state_label",
            "original_name",
            "file_format",
            "sha256",
            "size_bytes",
            "row_count",
            "error_row_count",
            "rows_done",
            "phase_total",
            "progress",
            "uploaded_by",
            "confirmed_by",
            "created_at",
            "confirmed_at",
            "finished_at",
            "override_reason",
            "failure",
            "result",
        ]
        read_only_fields = fields


class ImportRowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.DictField())
    messages = serializers.ListField(child=serializers.CharField())


class ImportBatchDetailSerializer(ImportBatchSerializer):
    file_errors = serializers.SerializerMethodField()
    row_errors = serializers.SerializerMethodField()
    duplicate_of = serializers.CharField(source="duplicate_of.number", read_only=True, default=None)

    class Meta(ImportBatchSerializer.Meta):
        fields = [*ImportBatchSerializer.Meta.fields, "duplicate_of", "file_errors", "row_errors"]
        read_only_fields = fields

    def get_file_errors(self, obj) -> list[str]:
        return [describe(e) for e in obj.file_errors or []]

    @extend_schema_field(ImportRowErrorSerializer(many=True))
    def get_row_errors(self, obj) -> list[dict]:
        return [
            {"line": r["line"], "errors": r["errors"], "messages": [describe(e) for e in r["errors"]]}
            for r in obj.row_errors or []
        ]


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    file = serializers.FileField()


class ImportConfirmSerializer(serializers.Serializer):
    override = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


@extend_schema(tags=["imports"])
class ImportBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Imports from the legacy system: compliance officers and administrators only."""

    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {
        "list": "imports.view_batch",
        "retrieve": "imports.view_batch",
        "create": "imports.upload",
        "confirm": "imports.confirm",
        "cancel": "imports.confirm",
    }
    pagination_class = StandardPagination
    queryset = ImportBatch.objects.none()
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_serializer_class(self):
        return ImportBatchDetailSerializer if self.action != "list" else ImportBatchSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "search", str, description="Number, file name or the start of the SHA-256 (6+ hex digits)."
            ),
            OpenApiParameter("kind", str, enum=ImportKind.values),
            OpenApiParameter("state", str, enum=ImportState.values),
            OpenApiParameter("sort", str, enum=sorted(selectors.SORTS)),
        ]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        """Import batches, newest first; look one up by its file's SHA-256 with ?search=."""
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        p = self.request.query_params
        return selectors.batch_list(
            user=self.request.user,
            search=p.get("search") or p.get("sha256"),
            kind=p.get("kind") if p.get("kind") in ImportKind.values else None,
            state=p.get("state") if p.get("state") in ImportState.values else None,
            sort=p.get("sort"),
        )

    def get_object(self):
        batch = selectors.batch_get(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, batch)
        return batch

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer}, responses={201: ImportBatchDetailSerializer}
    )
    def create(self, request: Request) -> Response:
        """Upload a CSV or .xlsx file for a dry run. Small files come back checked (state
        "previewed" with the row errors); large ones are checked in the background (state
        "validating": poll the batch)."""
        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        batch = services.batch_upload(
            actor=request.user, kind=data.validated_data["kind"], name=upload.name, data=upload.read()
        )
        return Response(ImportBatchDetailSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ImportConfirmSerializer, responses={202: ImportBatchSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: int) -> Response:
        """Confirm a checked file without errors; the import runs in the background (202). 409 if
        it is not waiting for confirmation, or the same file was imported before and no override
        with a reason is given."""
        batch = self.get_object()
        data = ImportConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services.batch_confirm(batch=batch, actor=request.user, **data.validated_data)
        batch.refresh_from_db()
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: ImportBatchSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: int) -> Response:
        batch = services.batch_cancel(batch=self.get_object(), actor=request.user)
        return Response(ImportBatchSerializer(batch).data)
