"""REST twins of the return-visit, survey and suggestion screens (same selectors and rules)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from advisory.api import IsWorkspaceOrPortalUser, IsWorkspaceUser, RulesPermission
from advisory.errors import DomainError
from advisory.models import User

from . import feedback, feedback_selectors
from .models import ReturnVisit, SatisfactionSurvey, Suggestion


class ReturnVisitSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)

    class Meta:
        model = ReturnVisit
        fields = [
            "id",
            "client",
            "client_name",
            "trigger",
            "source_ref",
            "assignee",
            "due_on",
            "status",
            "script_title",
            "introduction",
            "questions",
            "answers",
            "issues_found",
            "outcome",
            "attempts",
            "completed_at",
        ]
        read_only_fields = fields


class ReturnVisitRecordSerializer(serializers.Serializer):
    reached = serializers.BooleanField()
    answers = serializers.ListField(
        child=serializers.CharField(allow_blank=True), required=False, default=list
    )
    outcome = serializers.CharField(required=False, allow_blank=True, default="")
    issues_found = serializers.BooleanField(required=False, default=False)


class ReturnVisitReassignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField()
    reason = serializers.CharField(max_length=300)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class ReturnVisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {
        "list": "complaints.list_return_visits",
        "retrieve": "complaints.view_return_visit",
        "record": "complaints.record_return_visit",
        "reassign": "complaints.manage_return_visits",
        "cancel": "complaints.manage_return_visits",
    }
    serializer_class = ReturnVisitSerializer
    queryset = ReturnVisit.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        p = self.request.query_params
        return feedback_selectors.return_visit_list(
            user=self.request.user,
            status=p.get("status") or None,
            trigger=p.get("trigger") or None,
            search=p.get("q") or None,
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR),
            OpenApiParameter("trigger", OpenApiTypes.STR),
            OpenApiParameter("q", OpenApiTypes.STR),
        ]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ReturnVisitRecordSerializer, responses=ReturnVisitSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk=None) -> Response:
        visit = self.get_object()
        data = ReturnVisitRecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = feedback.return_visit_record(visit=visit, actor=request.user, **data.validated_data)
        return Response(ReturnVisitSerializer(visit).data)

    @extend_schema(request=ReturnVisitReassignSerializer, responses=ReturnVisitSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk=None) -> Response:
        visit = self.get_object()
        data = ReturnVisitReassignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignee = User.objects.filter(pk=data.validated_data["assignee"]).first()
        if assignee is None:
            raise DomainError(_("Choose the new caller."), field="assignee")
        visit = feedback.return_visit_reassign(
            visit=visit, actor=request.user, assignee=assignee, reason=data.validated_data["reason"]
        )
        return Response(ReturnVisitSerializer(visit).data)

    @extend_schema(request=ReasonSerializer, responses=ReturnVisitSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk=None) -> Response:
        visit = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = feedback.return_visit_cancel(
            visit=visit, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(ReturnVisitSerializer(visit).data)


class SurveySerializer(serializers.ModelSerializer):
    class Meta:
        model = SatisfactionSurvey
        fields = [
            "id",
            "client",
            "complaint",
            "trigger",
            "sent_at",
            "answered_at",
            "answered_via",
            "csat",
            "nps",
            "comment",
        ]
        read_only_fields = fields


class SurveyAnswerSerializer(serializers.Serializer):
    csat = serializers.IntegerField(min_value=1, max_value=5)
    nps = serializers.IntegerField(min_value=0, max_value=10)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class SurveyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Clients: their own surveys, answered with POST {id}/answer/. Supervisors, compliance and
    administrators: every survey with its answers."""

    permission_classes = [IsWorkspaceOrPortalUser]
    serializer_class = SurveySerializer
    queryset = SatisfactionSurvey.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        p = self.request.query_params
        return feedback_selectors.survey_list(
            user=self.request.user, trigger=p.get("trigger") or None, answered=p.get("answered") or None
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("trigger", OpenApiTypes.STR),
            OpenApiParameter("answered", OpenApiTypes.STR, description="yes or no"),
        ]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=SurveyAnswerSerializer, responses=SurveySerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk=None) -> Response:
        survey = self.get_object()
        data = SurveyAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        survey = feedback.survey_answer_portal(survey=survey, actor=request.user, **data.validated_data)
        return Response(SurveySerializer(survey).data)


class SuggestionSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)

    class Meta:
        model = Suggestion
        fields = [
            "id",
            "client",
            "client_name",
            "subject",
            "body",
            "status",
            "answer",
            "answered_at",
            "closed_at",
            "close_note",
            "created_at",
        ]
        read_only_fields = fields


class SuggestionCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField()


class SuggestionActionSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, default="")


class SuggestionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsWorkspaceOrPortalUser, RulesPermission]
    permission_map = {
        "retrieve": "complaints.view_suggestion",
        "answer": "complaints.answer_suggestion",
        "close": "complaints.answer_suggestion",
    }
    serializer_class = SuggestionSerializer
    queryset = Suggestion.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        p = self.request.query_params
        return feedback_selectors.suggestion_list(
            user=self.request.user, status=p.get("status") or None, search=p.get("q") or None
        )

    @extend_schema(
        parameters=[OpenApiParameter("status", OpenApiTypes.STR), OpenApiParameter("q", OpenApiTypes.STR)]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=SuggestionCreateSerializer, responses={201: SuggestionSerializer})
    def create(self, request: Request) -> Response:
        data = SuggestionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        suggestion = feedback.suggestion_submit(actor=request.user, **data.validated_data)
        return Response(SuggestionSerializer(suggestion).data, status=201)

    def _act(self, request: Request, verb: str) -> Response:
        suggestion = self.get_object()
        data = SuggestionActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        suggestion = feedback.suggestion_transition(
            suggestion=suggestion, actor=request.user, action=verb, text=data.validated_data["text"]
        )
        return Response(SuggestionSerializer(suggestion).data)

    @extend_schema(request=SuggestionActionSerializer, responses=SuggestionSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk=None) -> Response:
        return self._act(request, "answer")

    @extend_schema(request=SuggestionActionSerializer, responses=SuggestionSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk=None) -> Response:
        return self._act(request, "close")
