"""API twins of the exports (docs/exports.md).

- GET  /api/v1/exports/lists/                         the lists this user may export, with columns
- GET  /api/v1/exports/lists/<name>/?file_format=csv|xlsx&<the list's filters>
       the file (200) when small; 202 with the job when it runs in the background
- GET  /api/v1/exports/jobs/                          the user's own exports
- POST /api/v1/exports/jobs/ {"list", "file_format", "filters"}   always in the background (202)
- GET  /api/v1/exports/jobs/<id>/                     status and progress (poll)
- GET  /api/v1/exports/jobs/<id>/download/            the file (audited)
"""

from __future__ import annotations

from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from advisory.files import file_response
from advisory.models import ExportFormat, ExportJob
from advisory.openapi import results_of
from advisory.permissions import IsWorkspaceUser

from . import services
from .views import export_response


class ExportJobSerializer(serializers.ModelSerializer):
    list = serializers.CharField(source="list_name", read_only=True)
    file_format = serializers.CharField(source="format", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "list",
            "file_format",
            "params",
            "language",
            "is_background",
            "status",
            "progress",
            "total_rows",
            "row_count",
            "size_bytes",
            "sha256",
            "created_at",
            "completed_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, job: ExportJob) -> str | None:
        if job.status != "done" or not job.file:
            return None
        return f"/api/v1/exports/jobs/{job.pk}/download/"


class ExportRequestSerializer(serializers.Serializer):
    list = serializers.CharField(max_length=60)
    file_format = serializers.ChoiceField(choices=ExportFormat.choices, default=ExportFormat.CSV)
    filters = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, default=dict
    )


class ExportableListSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    filters = serializers.ListField(child=serializers.CharField())


FILE_FORMAT = OpenApiParameter(
    "file_format", str, enum=["csv", "xlsx"], description="csv (default) or xlsx", required=False
)


def export_start_response(request, name: str, fmt: str, params) -> Response:
    job, lines = services.export_start(user=request.user, name=name, fmt=fmt, params=params)
    if lines is None:
        return Response(ExportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
    return export_response(job, lines)


class ExportListViewSet(viewsets.ViewSet):
    """Lists that can be exported, and their export (the list's own query parameters filter it)."""

    permission_classes = [IsWorkspaceUser]
    lookup_field = "name"
    lookup_value_regex = r"[a-z_]+\.[a-z_]+"
    list_returns_object = True  # {"results": [...]} (advisory.openapi)

    @extend_schema(responses=results_of("ExportableLists", ExportableListSerializer))
    def list(self, request):
        rows = [
            {
                "name": s.name,
                "title": str(s.title),
                "columns": s.header(),
                "filters": [f.param for f in s.filters] + list(s.extra_params),
            }
            for s in services.export_lists_for(user=request.user)
        ]
        return Response({"results": rows})

    @extend_schema(
        parameters=[FILE_FORMAT],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, services.CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
            202: ExportJobSerializer,
        },
        description="The list's file with the list's filters (its own query parameters). Above "
        "EXPORT_BACKGROUND_THRESHOLD rows: 202 with the background job to poll.",
    )
    def retrieve(self, request, name=None):
        return export_start_response(
            request, name, request.query_params.get("file_format", "csv"), request.query_params
        )


class ExportJobViewSet(viewsets.GenericViewSet):
    """The user's own exports: status and progress, background exports, downloads."""

    permission_classes = [IsWorkspaceUser]
    serializer_class = ExportJobSerializer
    queryset = ExportJob.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return services.export_job_list(user=self.request.user)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ExportJobSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(ExportJobSerializer(services.export_job_get(user=request.user, pk=pk)).data)

    @extend_schema(request=ExportRequestSerializer, responses={202: ExportJobSerializer})
    def create(self, request):
        data = ExportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = QueryDict(mutable=True)
        for key, value in data.validated_data["filters"].items():
            params[key] = value
        job, _lines = services.export_start(
            user=request.user,
            name=data.validated_data["list"],
            fmt=data.validated_data["file_format"],
            params=params,
            force_background=True,
        )
        return Response(ExportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, services.CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        job = services.export_job_get(user=request.user, pk=pk)
        services.export_job_download(user=request.user, job=job)
        return file_response(
            job.file, filename=services.export_filename(job), content_type=services.CONTENT_TYPES[job.format]
        )
