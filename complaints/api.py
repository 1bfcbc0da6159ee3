"""API twin of the complaint screens (/api/v1/complaints/), with the same permissions.

Staff see the queue scoped as in the workspace; clients see only their own tickets, and never
internal notes or internal attachments.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404  # a malformed id is a 404, not a 500
from rest_framework.response import Response

from advisory.errors import NotFound
from advisory.models import User
from advisory.permissions import IsWorkspaceUser
from advisory.rules import can
from clients.models import Client

from . import selectors, services, violations
from .models import (
    AccountabilityAction,
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    ConductDigest,
    MeasureStatus,
    Priority,
    RectificationMeasure,
    SatisfactionSurvey,
    State,
    ViolationCase,
    ViolationSanction,
    ViolationSeverity,
)


class ComplaintEventSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField()
    body = serializers.CharField(
        read_only=True,
        help_text="What a person wrote (a reply, a note); empty for a text the platform wrote.",
    )
    body_text = serializers.CharField(
        read_only=True,
        help_text="The event's text in the language of the request: what the platform wrote (a "
        "reassignment, a priority change, …) rendered from its code, else `body`.",
    )

    class Meta:
        model = ComplaintEvent
        fields = [
            "id",
            "kind",
            "from_state",
            "to_state",
            "actor",
            "body",
            "body_text",
            "is_internal",
            "created_at",
        ]


class ComplaintSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    assignee_name = serializers.CharField(source="assignee.full_name", read_only=True, default=None)
    sla = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id", "number", "client", "client_name", "channel", "category", "priority", "subject", "description",
            "state", "assignee", "assignee_name", "received_at", "acknowledged_at", "first_response_at",
            "resolved_at", "closed_at", "ack_due_at", "resolve_due_at", "paused_seconds", "escalation_level",
            "ack_breached", "resolution_breached", "root_cause", "remedy_apology", "compensation_amount",
            "compensation_currency", "resolution_answer", "sla",
        ]  # fmt: skip
        read_only_fields = fields

    def get_sla(self, obj: Complaint) -> dict:
        s = obj.sla_status()
        return {
            "tone": s["tone"],
            "label": str(s["label"]),
            "seconds_left": s["seconds"],
            "paused": s["paused"],
        }


class ClientComplaintSerializer(ComplaintSerializer):
    class Meta(ComplaintSerializer.Meta):
        fields = [
            "id", "number", "channel", "category", "subject", "description", "state", "received_at",
            "acknowledged_at", "resolved_at", "closed_at", "resolve_due_at", "remedy_apology",
            "compensation_amount", "compensation_currency", "resolution_answer", "sla",
        ]  # fmt: skip
        read_only_fields = fields


class ComplaintCreateSerializer(serializers.Serializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all(), required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, default=Channel.PORTAL)
    category = serializers.ChoiceField(choices=Category.choices)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, default=Priority.NORMAL)
    received_at = serializers.DateTimeField(required=False, allow_null=True)
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField()


class ComplaintActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=sorted(set(services.TRANSITIONS.values()) - {"resolve"}))
    note = serializers.CharField(required=False, allow_blank=True, default="")
    internal = serializers.BooleanField(required=False, default=False)


class ComplaintReplySerializer(serializers.Serializer):
    body = serializers.CharField()
    internal = serializers.BooleanField(required=False, default=False)


class ComplaintReassignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ComplaintPrioritySerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ComplaintResolveSerializer(serializers.Serializer):
    root_cause = serializers.CharField()
    resolution_answer = serializers.CharField()
    remedy_apology = serializers.BooleanField(required=False, default=False)
    compensation_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, min_value=0
    )
    compensation_currency = serializers.CharField(required=False, max_length=3)


class ComplaintSurveySerializer(serializers.ModelSerializer):
    class Meta:
        model = SatisfactionSurvey
        fields = ["id", "sent_at", "answered_at", "csat", "nps", "comment"]
        read_only_fields = ["id", "sent_at", "answered_at"]
        extra_kwargs = {"csat": {"required": True}, "nps": {"required": True}}


class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_fields = ["state", "priority", "channel", "category", "assignee"]
    search_fields = ["number", "subject", "client__name"]
    ordering_fields = ["received_at", "resolve_due_at", "priority", "number"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Complaint.objects.none()
        user = self.request.user
        if user.is_client:
            return selectors.complaint_list_for_client(user=user)
        p = self.request.query_params
        return selectors.complaint_queue(
            user=user, overdue=p.get("overdue") in ("1", "true"), sort=p.get("sort") or "-received"
        )

    def get_serializer_class(self):
        if self.action == "create":
            return ComplaintCreateSerializer
        return (
            ClientComplaintSerializer
            if getattr(self.request.user, "is_client", False)
            else ComplaintSerializer
        )

    def get_object(self) -> Complaint:
        obj = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        if not can(self.request.user, "complaints.view_complaint", obj):
            raise NotFound(_("No such complaint."))
        return obj

    def _staff_only(self) -> None:
        if self.request.user.is_client:
            raise PermissionDenied(_("This action is for staff of the firm."))

    def _client_only(self) -> None:
        if not self.request.user.is_client:
            raise PermissionDenied(_("This action is for the client."))

    def _ticket(self, obj: Complaint) -> Response:
        obj.refresh_from_db()
        return Response(self.get_serializer_class()(obj).data)

    @extend_schema(request=ComplaintCreateSerializer, responses=ComplaintSerializer)
    def create(self, request):
        ser = ComplaintCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        user = request.user
        if user.is_client:
            client = getattr(user, "client_file", None)
            if client is None:
                raise NotFound(_("Your client file is not set up yet."))
        else:
            client = d.get("client")
            if client is None:
                raise serializers.ValidationError({"client": [_("Choose the client.")]})
        complaint = services.complaint_file(
            actor=user,
            client=client,
            channel=d.get("channel") or Channel.PORTAL,
            category=d["category"],
            priority=d.get("priority") or Priority.NORMAL,
            received_at=d.get("received_at"),
            subject=d["subject"],
            description=d["description"],
        )
        cls = ClientComplaintSerializer if user.is_client else ComplaintSerializer
        return Response(cls(complaint).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=ComplaintEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        obj = self.get_object()
        events = selectors.complaint_timeline(complaint=obj, include_internal=not request.user.is_client)
        data = ComplaintEventSerializer(events, many=True).data
        if request.user.is_client:
            for row in data:
                row.pop("is_internal", None)
        return Response(data)

    @extend_schema(request=ComplaintActionSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="transition")
    def transition(self, request, pk=None):
        self._staff_only()
        obj = self.get_object()
        ser = ComplaintActionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        services.complaint_act(complaint=obj, actor=request.user, **ser.validated_data)
        return self._ticket(obj)

    @extend_schema(request=ComplaintReplySerializer, responses=ComplaintEventSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        obj = self.get_object()
        ser = ComplaintReplySerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        internal = ser.validated_data["internal"] and not request.user.is_client
        event = services.complaint_reply(
            complaint=obj, actor=request.user, body=ser.validated_data["body"], internal=internal
        )
        return Response(ComplaintEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ComplaintReassignSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        self._staff_only()
        obj = self.get_object()
        ser = ComplaintReassignSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        services.complaint_reassign(complaint=obj, actor=request.user, **ser.validated_data)
        return self._ticket(obj)

    @extend_schema(request=ComplaintPrioritySerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def priority(self, request, pk=None):
        self._staff_only()
        obj = self.get_object()
        ser = ComplaintPrioritySerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        services.complaint_change_sla(complaint=obj, actor=request.user, **ser.validated_data)
        return self._ticket(obj)

    @extend_schema(request=ComplaintResolveSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        self._staff_only()
        obj = self.get_object()
        ser = ComplaintResolveSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        services.complaint_resolve(complaint=obj, actor=request.user, **ser.validated_data)
        return self._ticket(obj)

    @extend_schema(request=None, responses=ClientComplaintSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        self._client_only()
        obj = self.get_object()
        services.complaint_transition(
            complaint=obj,
            actor=request.user,
            to_state=State.CLOSED,
            note="The client confirmed the resolution.",
        )
        return self._ticket(obj)

    @extend_schema(request=ComplaintSurveySerializer, responses=ComplaintSurveySerializer)
    @action(detail=True, methods=["get", "post"])
    def survey(self, request, pk=None):
        obj = self.get_object()
        survey = SatisfactionSurvey.objects.filter(complaint=obj).first()
        if survey is None:
            raise NotFound(_("There is no survey for this complaint yet."))
        if request.method == "POST":
            self._client_only()
            ser = ComplaintSurveySerializer(data=request.data)
            ser.is_valid(raise_exception=True)
            survey = services.survey_answer(survey=survey, actor=request.user, **ser.validated_data)
        return Response(ComplaintSurveySerializer(survey).data)


class RectificationMeasureSerializer(serializers.ModelSerializer):
    class Meta:
        model = RectificationMeasure
        fields = ["id", "description", "owner", "due_on", "status", "completed_on"]
        read_only_fields = ["id", "status", "completed_on"]


class ViolationSanctionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ViolationSanction
        fields = ["id", "action", "starts_on", "ends_on", "notes", "restriction", "decided_by", "decided_at"]
        read_only_fields = ["restriction", "decided_by", "decided_at"]


class ViolationSeveritySerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=ViolationSeverity.choices)


class RegulatorReportSerializer(serializers.Serializer):
    reported_on = serializers.DateField()
    reference = serializers.CharField(max_length=80)


class OutcomeFeedbackSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=4000)
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        help_text="Language of the letter (default: the client's preferred language).",
    )


class ConductDigestSerializer(serializers.ModelSerializer):
    read_count = serializers.IntegerField(read_only=True)
    read_by_me = serializers.SerializerMethodField()

    class Meta:
        model = ConductDigest
        fields = ["id", "period_start", "period_end", "published_at", "cases", "read_count", "read_by_me"]

    def get_read_by_me(self, obj) -> bool:
        return bool(getattr(obj, "read_by_me", 0))


class ViolationCaseSerializer(serializers.ModelSerializer):
    measures = RectificationMeasureSerializer(many=True, read_only=True)
    sanctions = ViolationSanctionSerializer(many=True, read_only=True)
    complaint_number = serializers.CharField(source="complaint.number", read_only=True)

    class Meta:
        model = ViolationCase
        fields = [
            "id", "complaint", "complaint_number", "staff_member", "stage", "summary", "verification_notes",
            "investigation_notes", "finding", "substantiated", "accountability_action", "action_notes",
            "evaluation_notes", "effective", "opened_at", "closed_at", "measures", "sanctions", "severity",
            "regulator_report_due", "regulator_reported_on", "regulator_reference", "client_feedback_at",
            "client_feedback_text",
        ]  # fmt: skip
        read_only_fields = [
            "id", "stage", "opened_at", "closed_at", "measures", "complaint_number", "sanctions", "severity",
            "regulator_report_due", "regulator_reported_on", "regulator_reference", "client_feedback_at",
            "client_feedback_text",
        ]  # fmt: skip


class ViolationCaseUpdateSerializer(serializers.Serializer):
    verification_notes = serializers.CharField(required=False, allow_blank=True)
    investigation_notes = serializers.CharField(required=False, allow_blank=True)
    finding = serializers.CharField(required=False, allow_blank=True)
    substantiated = serializers.BooleanField(required=False, allow_null=True)
    accountability_action = serializers.ChoiceField(choices=AccountabilityAction.choices, required=False)
    action_notes = serializers.CharField(required=False, allow_blank=True)
    evaluation_notes = serializers.CharField(required=False, allow_blank=True)
    effective = serializers.BooleanField(required=False, allow_null=True)


class ViolationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ViolationCaseSerializer
    permission_classes = [IsWorkspaceUser]
    filterset_fields = ["stage", "staff_member", "accountability_action"]
    search_fields = []
    ordering_fields = ["opened_at"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not can(request.user, "complaints.view_violation"):
            raise PermissionDenied(_("Only compliance officers and supervisors see violation cases."))

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ViolationCase.objects.none()
        return selectors.violation_cases(user=self.request.user).prefetch_related("measures", "sanctions")

    @extend_schema(request=ViolationCaseSerializer, responses=ViolationCaseSerializer)
    def create(self, request):
        complaint = get_object_or_404(
            selectors.complaint_queue(user=request.user), pk=request.data.get("complaint")
        )
        staff = get_object_or_404(User, pk=request.data.get("staff_member"))
        case = services.violation_open(
            complaint=complaint,
            actor=request.user,
            staff_member=staff,
            summary=request.data.get("summary", ""),
        )
        return Response(ViolationCaseSerializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ViolationCaseUpdateSerializer, responses=ViolationCaseSerializer)
    @action(detail=True, methods=["post"])
    def update_notes(self, request, pk=None):
        case = self.get_object()
        ser = ViolationCaseUpdateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        case = services.violation_update(case=case, actor=request.user, **ser.validated_data)
        return Response(ViolationCaseSerializer(case).data)

    @extend_schema(request=None, responses=ViolationCaseSerializer)
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        case = services.violation_advance(
            case=self.get_object(), actor=request.user, note=request.data.get("note", "")
        )
        return Response(ViolationCaseSerializer(case).data)

    @extend_schema(request=RectificationMeasureSerializer, responses=RectificationMeasureSerializer)
    @action(detail=True, methods=["post"])
    def measures(self, request, pk=None):
        case = self.get_object()
        ser = RectificationMeasureSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        measure = services.measure_add(case=case, actor=request.user, **ser.validated_data)
        return Response(RectificationMeasureSerializer(measure).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=RectificationMeasureSerializer)
    @action(detail=True, methods=["post"], url_path=r"measures/(?P<measure_id>\d+)/status")
    def measure_status(self, request, pk=None, measure_id=None):
        case = self.get_object()
        measure = get_object_or_404(RectificationMeasure, case=case, pk=measure_id)
        status_value = request.data.get("status", "")
        if status_value not in MeasureStatus.values:
            raise serializers.ValidationError({"status": [_("Choose a status.")]})
        measure = services.measure_set_status(measure=measure, actor=request.user, status=status_value)
        return Response(RectificationMeasureSerializer(measure).data)

    @extend_schema(request=ViolationSanctionSerializer, responses=ViolationSanctionSerializer)
    @action(detail=True, methods=["post"])
    def sanctions(self, request, pk=None):
        case = self.get_object()
        ser = ViolationSanctionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        sanction = violations.sanction_add(case=case, actor=request.user, **ser.validated_data)
        return Response(ViolationSanctionSerializer(sanction).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ViolationSeveritySerializer, responses=ViolationCaseSerializer)
    @action(detail=True, methods=["post"])
    def severity(self, request, pk=None):
        ser = ViolationSeveritySerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        case = violations.violation_set_severity(
            case=self.get_object(), actor=request.user, **ser.validated_data
        )
        return Response(ViolationCaseSerializer(case).data)

    @extend_schema(request=RegulatorReportSerializer, responses=ViolationCaseSerializer)
    @action(detail=True, methods=["post"], url_path="regulator-report")
    def regulator_report(self, request, pk=None):
        ser = RegulatorReportSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        case = violations.regulator_report_record(
            case=self.get_object(), actor=request.user, **ser.validated_data
        )
        return Response(ViolationCaseSerializer(case).data)

    @extend_schema(request=OutcomeFeedbackSerializer, responses=ViolationCaseSerializer)
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        ser = OutcomeFeedbackSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        case = violations.violation_feedback_send(
            case=self.get_object(), actor=request.user, **ser.validated_data
        )
        return Response(ViolationCaseSerializer(case).data)


class ConductDigestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Monthly digests of closed violation cases (anonymised); `read` records that you read one."""

    serializer_class = ConductDigestSerializer
    permission_classes = [IsWorkspaceUser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ConductDigest.objects.none()
        return violations.digest_list(user=self.request.user)

    @extend_schema(request=None, responses=ConductDigestSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        digest = self.get_object()
        violations.digest_mark_read(digest=digest, reader=request.user)
        return Response(ConductDigestSerializer(self.get_queryset().get(pk=digest.pk)).data)
