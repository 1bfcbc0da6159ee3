"""REST twins of the service-record screens: activities (with attachments), follow-up tasks,
the merged client timeline and the calendar feed. Same selectors, same rules."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisory.api import IsWorkspaceUser, RulesPermission
from advisory.rules import can

from . import selectors, service_record, service_selectors
from .models import Activity, ActivityChannel, ActivityKind, FollowUpTask
from .timeline import client_timeline, timeline_kinds


class ActivitySerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    executor_name = serializers.CharField(source="executor.full_name", read_only=True)
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = [
            "id",
            "client",
            "client_name",
            "kind",
            "channel",
            "starts_at",
            "duration_minutes",
            "location",
            "subject",
            "participants",
            "content",
            "executor",
            "executor_name",
            "client_feedback",
            "next_step",
            "status",
            "completed_at",
            "cancel_reason",
            "attachments",
        ]
        read_only_fields = fields

    def get_attachments(self, obj: Activity) -> list[int]:
        return [a.document_id for a in obj.attachments.all()]


class ActivityCreateSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    channel = serializers.ChoiceField(choices=ActivityChannel.choices)
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(min_value=1, max_value=1440, default=30)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    subject = serializers.CharField(max_length=200)
    participants = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    content = serializers.CharField(required=False, allow_blank=True, default="")
    client_feedback = serializers.CharField(required=False, allow_blank=True, default="")
    next_step = serializers.CharField(required=False, allow_blank=True, default="")
    planned = serializers.BooleanField(required=False, default=False)
    follow_up_due_on = serializers.DateField(required=False, allow_null=True, default=None)


class ActivityTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["complete", "cancel"])
    content = serializers.CharField(required=False, allow_blank=True, default="")
    client_feedback = serializers.CharField(required=False, allow_blank=True, default="")
    next_step = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    follow_up_due_on = serializers.DateField(required=False, allow_null=True, default=None)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {
        "retrieve": "clients.view_service_record",
        "transition": "clients.change_activity",
        "attach": "clients.change_activity",
    }
    serializer_class = ActivitySerializer
    queryset = Activity.objects.none()
    filter_backends: list = []
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        params = self.request.query_params
        client = params.get("client")
        return service_selectors.activity_list(
            user=self.request.user,
            client_id=int(client) if client and client.isdigit() else None,
            kind=params.get("kind") or None,
            status=params.get("status") or None,
            search=params.get("q") or None,
            sort=params.get("sort"),
        ).prefetch_related("attachments")

    @extend_schema(
        parameters=[
            OpenApiParameter("client", OpenApiTypes.INT),
            OpenApiParameter("kind", OpenApiTypes.STR),
            OpenApiParameter("status", OpenApiTypes.STR),
            OpenApiParameter("q", OpenApiTypes.STR),
            OpenApiParameter("sort", OpenApiTypes.STR),
        ]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ActivityCreateSerializer, responses={201: ActivitySerializer})
    def create(self, request: Request) -> Response:
        data = ActivityCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        client = selectors.client_list(user=request.user).filter(pk=values.pop("client")).first()
        if client is None:
            raise Http404
        activity = service_record.activity_log(client=client, actor=request.user, **values)
        return Response(ActivitySerializer(activity).data, status=201)

    @extend_schema(request=ActivityTransitionSerializer, responses=ActivitySerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk=None) -> Response:
        activity = self.get_object()
        data = ActivityTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activity = service_record.activity_transition(
            activity=activity, actor=request.user, **data.validated_data
        )
        return Response(ActivitySerializer(activity).data)

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer}, responses={201: ActivitySerializer}
    )
    @action(detail=True, methods=["post"])
    def attach(self, request: Request, pk=None) -> Response:
        activity = self.get_object()
        data = AttachmentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service_record.activity_attach(
            activity=activity, actor=request.user, upload=data.validated_data["file"]
        )
        return Response(ActivitySerializer(activity).data, status=201)


class FollowUpSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)

    class Meta:
        model = FollowUpTask
        fields = [
            "id",
            "client",
            "client_name",
            "activity",
            "title",
            "due_on",
            "assignee",
            "status",
            "completed_at",
            "note",
        ]
        read_only_fields = fields


class FollowUpCreateSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    due_on = serializers.DateField()


class FollowUpTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["done", "cancel"])
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {"transition": "clients.manage_follow_up"}
    serializer_class = FollowUpSerializer
    queryset = FollowUpTask.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        client = params.get("client")
        return service_selectors.follow_up_list(
            user=self.request.user,
            state=params.get("state") or ("all" if self.action != "list" else "open"),
            client_id=int(client) if client and client.isdigit() else None,
            mine=params.get("mine") in ("1", "true"),
            search=params.get("q") or None,
            sort=params.get("sort"),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "state", OpenApiTypes.STR, description="open (default), overdue, done, cancelled, all"
            ),
            OpenApiParameter("client", OpenApiTypes.INT),
            OpenApiParameter("mine", OpenApiTypes.BOOL),
            OpenApiParameter("q", OpenApiTypes.STR),
            OpenApiParameter("sort", OpenApiTypes.STR),
        ]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=FollowUpCreateSerializer, responses={201: FollowUpSerializer})
    def create(self, request: Request) -> Response:
        data = FollowUpCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        client = selectors.client_list(user=request.user).filter(pk=values.pop("client")).first()
        if client is None:
            raise Http404
        task = service_record.follow_up_create(client=client, actor=request.user, **values)
        return Response(FollowUpSerializer(task).data, status=201)

    @extend_schema(request=FollowUpTransitionSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk=None) -> Response:
        task = self.get_object()
        data = FollowUpTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = service_record.follow_up_transition(task=task, actor=request.user, **data.validated_data)
        return Response(FollowUpSerializer(task).data)


class TimelineEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    title = serializers.CharField()
    detail = serializers.CharField()
    url = serializers.CharField()
    badge = serializers.CharField()
    tone = serializers.CharField()


class ClientTimelineView(APIView):
    """The client's merged timeline, newest first; `kind` may be repeated to filter."""

    permission_classes = [IsWorkspaceUser]

    @extend_schema(
        parameters=[OpenApiParameter("kind", OpenApiTypes.STR, many=True)],
        responses=TimelineEventSerializer(many=True),
    )
    def get(self, request: Request, pk: int) -> Response:
        client = selectors.client_list(user=request.user).filter(pk=pk).first()
        if client is None or not can(request.user, "clients.view_service_record", client):
            raise Http404
        kinds = {k for k in request.query_params.getlist("kind") if k in timeline_kinds()}
        events = client_timeline(client=client, user=request.user, kinds=kinds or None, limit=200)
        return Response(TimelineEventSerializer([e.__dict__ for e in events], many=True).data)


class CalendarFeedView(APIView):
    """POST issues (or regenerates) the caller's secret calendar URL, shown once; DELETE revokes it."""

    permission_classes = [IsWorkspaceUser]

    @extend_schema(
        request=None,
        responses={201: inline_serializer("CalendarFeedIssued", {"url": serializers.URLField()})},
    )
    def post(self, request: Request) -> Response:
        from django.urls import reverse

        token = service_record.calendar_feed_issue(user=request.user)
        return Response(
            {"url": request.build_absolute_uri(reverse("calendar_feed", args=[token]))}, status=201
        )

    @extend_schema(
        request=None,
        responses={200: inline_serializer("CalendarFeedRevoked", {"revoked": serializers.IntegerField()})},
    )
    def delete(self, request: Request) -> Response:
        return Response({"revoked": service_record.calendar_feed_revoke(user=request.user)})
