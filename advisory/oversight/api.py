"""REST API twin of the oversight screens (/api/v1/oversight/), same permissions."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404  # a malformed id is a 404, not a 500
from rest_framework.response import Response

from advisory.api import IsWorkspaceUser, RulesPermission
from advisory.api_etag import ETagMixin
from advisory.errors import NotAllowed
from advisory.models import ArchivedDocument, RiskWarning, StaffQualification, User
from advisory.roles import WORKSPACE_ROLES
from advisory.rules import can

from . import selectors, services
from .indicators import BY_CODE, Filters
from .models import ImprovementAction, QualityTarget, TrainingRecord
from .services import REPORT_KIND

# --- serializers ------------------------------------------------------------------------------


class QualityIndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    formula = serializers.CharField()
    available = serializers.BooleanField()
    value = serializers.FloatField(allow_null=True)
    numerator = serializers.FloatField()
    denominator = serializers.FloatField()
    target = serializers.DecimalField(max_digits=12, decimal_places=2)
    direction = serializers.CharField()
    amber_band = serializers.DecimalField(max_digits=12, decimal_places=2)
    status = serializers.CharField()
    trend = serializers.ListField(child=serializers.FloatField(allow_null=True))


class QualityTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = QualityTarget
        fields = ["id", "indicator", "target", "direction", "amber_band", "updated_at"]
        read_only_fields = ["id", "updated_at"]


class RiskWarningSerializer(serializers.ModelSerializer):
    """`message` is the warning in the request's language; `message_code` and `message_params`
    are what is stored (advisory.texts)."""

    advisor_name = serializers.CharField(source="advisor.full_name", default=None, read_only=True)
    message = serializers.CharField(source="text", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    severity_label = serializers.CharField(source="get_severity_display", read_only=True)
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        """The link only for callers who may open the page it points to, else ""."""
        request = self.context.get("request")
        if request is None:
            return ""
        return selectors.warning_url(user=request.user, url=obj.url)

    class Meta:
        model = RiskWarning
        fields = [
            "id",
            "kind",
            "severity",
            "subject_type",
            "subject_id",
            "client_id",
            "advisor",
            "advisor_name",
            "message",
            "message_code",
            "message_params",
            "kind_label",
            "severity_label",
            "url",
            "opened_at",
            "resolved_at",
            "is_open",
        ]


class StaffQualificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = StaffQualification
        fields = ["id", "user", "kind", "number", "issued_on", "expires_on", "qualifies_for_advice"]


class TrainingRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingRecord
        fields = ["id", "user", "title", "provider", "topic", "hours", "required", "due_on", "completed_on"]


class StaffMemberSerializer(serializers.ModelSerializer):
    current_qualifications = serializers.IntegerField(read_only=True)
    next_expiry = serializers.DateField(read_only=True, allow_null=True)
    training_hours = serializers.DecimalField(max_digits=8, decimal_places=1, read_only=True)
    training_overdue = serializers.IntegerField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "full_name",
            "email",
            "role",
            "team",
            "current_qualifications",
            "next_expiry",
            "training_hours",
            "training_overdue",
        ]


class ImprovementActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImprovementAction
        fields = [
            "id",
            "title",
            "description",
            "link_type",
            "link_ref",
            "owner",
            "due_on",
            "status",
            "completed_on",
            "effectiveness",
            "effectiveness_note",
            "checked_at",
            "checked_by",
            "created_at",
        ]
        read_only_fields = [
            "status",
            "completed_on",
            "effectiveness",
            "effectiveness_note",
            "checked_at",
            "checked_by",
            "created_at",
        ]


class ActionTransitionSerializer(serializers.Serializer):
    to = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ActionCheckSerializer(serializers.Serializer):
    effectiveness = serializers.CharField()
    note = serializers.CharField()


class QualityReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArchivedDocument
        fields = [
            "id",
            "title",
            "version",
            "status",
            "progress",
            "sha256",
            "size_bytes",
            "created_at",
            "completed_at",
        ]


class QualityReportRequestSerializer(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-\d{2}$")
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        help_text="Language of the PDF (default: the requester's).",
    )


# --- viewsets ---------------------------------------------------------------------------------


class IndicatorViewSet(viewsets.ViewSet):
    """Indicators with ?month=YYYY-MM&span=1|3|6|12&advisor=<id>&team=<name>."""

    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {"list": "oversight.view_dashboard", "retrieve": "oversight.view_dashboard"}
    serializer_class = QualityIndicatorSerializer
    lookup_value_regex = "[a-z_]+"
    list_returns_object = True

    @extend_schema(
        responses=inline_serializer(
            name="QualityIndicatorPage",
            fields={
                "period": inline_serializer(
                    name="QualityIndicatorPeriod",
                    fields={"end_month": serializers.DateField(), "span": serializers.IntegerField()},
                ),
                "months": serializers.ListField(child=serializers.DateField()),
                "results": QualityIndicatorSerializer(many=True),
            },
        )
    )
    def list(self, request):
        f = Filters.parse(request.query_params)
        rows = selectors.dashboard(filters=f, chart=False)
        return Response(
            {
                "period": {"end_month": f.end_month.isoformat(), "span": f.span},
                "months": [m.isoformat() for m in f.months],
                "results": QualityIndicatorSerializer(rows, many=True).data,
            }
        )

    def retrieve(self, request, pk=None):
        if not can(request.user, "oversight.view_dashboard"):
            raise NotAllowed(_("Your role does not give access to the quality dashboard."))
        ind = BY_CODE.get(pk)
        if ind is None:
            return Response(
                {"error": {"code": "not_found", "message": _("Unknown indicator."), "fields": {}}}, status=404
            )
        f = Filters.parse(request.query_params)
        row = selectors.indicator_row(ind, f, selectors.targets_by_code(), chart=False)
        return Response(QualityIndicatorSerializer(row).data)


class TargetViewSet(viewsets.ModelViewSet):
    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {
        "list": "oversight.view_dashboard",
        "retrieve": "oversight.view_dashboard",
        "create": "oversight.change_target",
        "update": "oversight.change_target",
        "partial_update": "oversight.change_target",
        "destroy": "oversight.no_such_perm",
    }
    serializer_class = QualityTargetSerializer
    queryset = QualityTarget.objects.all()

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.target_set(
            actor=self.request.user,
            indicator=d["indicator"],
            target=d["target"],
            direction=d["direction"],
            amber_band=d.get("amber_band", 0),
        )

    def perform_update(self, serializer):
        obj = serializer.instance
        d = serializer.validated_data
        serializer.instance = services.target_set(
            actor=self.request.user,
            indicator=obj.indicator,
            target=d.get("target", obj.target),
            direction=d.get("direction", obj.direction),
            amber_band=d.get("amber_band", obj.amber_band),
        )


class WarningViewSet(viewsets.ReadOnlyModelViewSet):
    """Advisors see only their own warnings; oversight roles all. ?kind=&severity=&state=open|closed|all"""

    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {"list": "oversight.list_warnings", "retrieve": "oversight.view_warning"}
    serializer_class = RiskWarningSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RiskWarning.objects.none()
        p = self.request.query_params
        return selectors.warning_list(
            user=self.request.user,
            kind=p.get("kind", ""),
            severity=p.get("severity", ""),
            state=p.get("state", "open") if self.action == "list" else "all",
        )


class StaffViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {"list": "oversight.view_staff", "retrieve": "oversight.view_staff"}
    serializer_class = StaffMemberSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        p = self.request.query_params
        return selectors.staff_list(search=p.get("q", ""), role=p.get("role", ""), team=p.get("team", ""))


class _StaffRecordViewSet(
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {
        "list": "oversight.view_staff",
        "retrieve": "oversight.view_staff",
        "create": "oversight.manage_staff",
        "update": "oversight.manage_staff",
        "partial_update": "oversight.manage_staff",
    }

    def filter_user(self, qs):
        user = self.request.query_params.get("user")
        return qs.filter(user_id=user) if user and user.isdigit() else qs

    def _staff(self, user: User) -> User:
        return get_object_or_404(User, pk=user.pk, role__in=WORKSPACE_ROLES)


class QualificationViewSet(_StaffRecordViewSet):
    serializer_class = StaffQualificationSerializer

    def get_queryset(self):
        return self.filter_user(StaffQualification.objects.order_by("user_id", "kind", "id"))

    def perform_create(self, serializer):
        d = dict(serializer.validated_data)
        user = self._staff(d.pop("user"))
        serializer.instance = services.qualification_create(actor=self.request.user, user=user, **d)

    def perform_update(self, serializer):
        q = serializer.instance
        d = serializer.validated_data
        serializer.instance = services.qualification_update(
            actor=self.request.user,
            qualification=q,
            number=d.get("number", q.number),
            issued_on=d.get("issued_on", q.issued_on),
            expires_on=d.get("expires_on", q.expires_on),
            qualifies_for_advice=d.get("qualifies_for_advice", q.qualifies_for_advice),
            edits=self.edits(),
        )


class TrainingViewSet(_StaffRecordViewSet):
    serializer_class = TrainingRecordSerializer

    def get_queryset(self):
        return self.filter_user(TrainingRecord.objects.order_by("-due_on", "id"))

    def perform_create(self, serializer):
        d = dict(serializer.validated_data)
        user = self._staff(d.pop("user"))
        serializer.instance = services.training_create(actor=self.request.user, user=user, **d)

    def perform_update(self, serializer):
        r = serializer.instance
        d = serializer.validated_data
        fields = ("title", "hours", "due_on", "provider", "required", "completed_on", "topic")
        serializer.instance = services.training_update(
            actor=self.request.user,
            record=r,
            edits=self.edits(),
            **{k: d.get(k, getattr(r, k)) for k in fields},
        )


class ActionViewSet(
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Improvement actions (PDCA). POST {id}/transition/ {"to": "do"}; POST {id}/check/."""

    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {
        "list": "oversight.list_actions",
        "retrieve": "oversight.view_action",
        "create": "oversight.add_action",
        "update": "oversight.change_action",
        "partial_update": "oversight.change_action",
        "transition": "oversight.change_action",
        "check": "oversight.check_action",
    }
    serializer_class = ImprovementActionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ImprovementAction.objects.none()
        p = self.request.query_params
        return selectors.action_list(
            user=self.request.user,
            status=p.get("status", ""),
            link_type=p.get("link_type", ""),
            open_only=p.get("open") == "1",
        )

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.action_create(
            actor=self.request.user,
            title=d["title"],
            description=d.get("description", ""),
            link_type=d["link_type"],
            link_ref=d["link_ref"],
            owner=d["owner"],
            due_on=d["due_on"],
        )

    def perform_update(self, serializer):
        a = serializer.instance
        d = serializer.validated_data
        serializer.instance = services.action_update(
            actor=self.request.user,
            action=a,
            title=d.get("title", a.title),
            description=d.get("description", a.description),
            owner=d.get("owner", a.owner),
            due_on=d.get("due_on", a.due_on),
            edits=self.edits(),
        )

    @action(detail=True, methods=["post"], serializer_class=ActionTransitionSerializer)
    def transition(self, request, pk=None):
        obj = self.get_object()
        s = ActionTransitionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        obj = services.action_transition(actor=request.user, action=obj, **s.validated_data)
        return Response(ImprovementActionSerializer(obj).data)

    @action(detail=True, methods=["post"], serializer_class=ActionCheckSerializer)
    def check(self, request, pk=None):
        obj = self.get_object()
        s = ActionCheckSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        obj = services.action_check(actor=request.user, action=obj, **s.validated_data)
        return Response(ImprovementActionSerializer(obj).data)


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Monthly quality reports: list, status (progress) and POST {"month": "YYYY-MM"} to generate."""

    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {
        "list": "oversight.generate_report",
        "retrieve": "oversight.generate_report",
        "create": "oversight.generate_report",
    }
    serializer_class = QualityReportSerializer
    queryset = ArchivedDocument.objects.filter(kind=REPORT_KIND).order_by("-created_at", "-id")

    def create(self, request):
        import datetime

        s = QualityReportRequestSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        try:
            month = datetime.datetime.strptime(s.validated_data["month"], "%Y-%m").date()
        except ValueError:
            raise serializers.ValidationError({"month": [_("Use YYYY-MM.")]}) from None
        doc = services.quality_report_request(
            actor=request.user,
            month=month,
            language=s.validated_data.get("language") or request.LANGUAGE_CODE,
        )
        return Response(QualityReportSerializer(doc).data, status=status.HTTP_201_CREATED)
