"""REST twins of the staff screens (same rules, same services). Thin: validate, call, serialise."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from advisory.api import IsWorkspaceUser, StandardPagination
from advisory.clock import today
from advisory.models import User
from advisory.oversight.models import ImprovementAction
from advisory.roles import WORKSPACE_ROLES
from advisory.rules import can

from . import selectors, services
from .models import (
    Appraisal,
    AuditArea,
    AuditFinding,
    AuditStatus,
    ConflictDeclaration,
    DeclarationOccasion,
    DeclarationStatus,
    EvaluationKind,
    ExternalEvaluation,
    FindingSeverity,
    InternalAudit,
    PermissionRestriction,
    TrainingPlan,
)


def _need(request, perm: str, obj=None) -> None:
    if not can(request.user, perm, obj):
        raise PermissionDenied(_("Your role does not allow this action."))


def _staff_member(pk) -> User:
    return get_object_or_404(User, pk=pk, role__in=WORKSPACE_ROLES)


# --- serializers ------------------------------------------------------------------------------


class ConductRowSerializer(serializers.ModelSerializer):
    hours_done = serializers.DecimalField(max_digits=8, decimal_places=1, read_only=True)
    restricted = serializers.BooleanField(read_only=True)
    declared = serializers.BooleanField(read_only=True)
    last_appraisal_passed = serializers.BooleanField(read_only=True, allow_null=True)
    last_appraisal_score = serializers.DecimalField(
        max_digits=5, decimal_places=1, read_only=True, allow_null=True
    )

    class Meta:
        model = User
        fields = [
            "id", "full_name", "role", "hours_done", "restricted", "declared",
            "last_appraisal_passed", "last_appraisal_score",
        ]  # fmt: skip


class TrainingPlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingPlan
        fields = [
            "id", "year", "role", "required_hours",
            "topic_compliance", "topic_ethics", "topic_aml", "topic_products",
        ]  # fmt: skip
        validators: list = []  # the service creates or updates the (year, role) plan


class AppraisalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appraisal
        fields = [
            "id", "staff_member", "kind", "period_start", "period_end", "theory_score", "practical_score",
            "feedback_score", "feedback_surveys", "complaint_count", "violation_count", "total_score",
            "pass_mark", "passed", "notes", "assessed_by", "assessed_at",
        ]  # fmt: skip
        read_only_fields = [
            "kind", "feedback_score", "feedback_surveys", "complaint_count", "violation_count",
            "total_score", "pass_mark", "passed", "assessed_by", "assessed_at",
        ]  # fmt: skip


class RestrictionSerializer(serializers.ModelSerializer):
    actions = serializers.ListField(child=serializers.CharField(), read_only=True)
    reason = serializers.SerializerMethodField()
    active = serializers.SerializerMethodField()
    lift_reason = serializers.SerializerMethodField()

    class Meta:
        model = PermissionRestriction
        fields = [
            "id", "staff_member", "source", "actions", "reason", "active", "starts_on", "ends_on",
            "case_ref", "appraisal", "lifted_at", "lifted_by", "lift_reason",
        ]  # fmt: skip

    def get_reason(self, obj) -> str:
        return str(obj.reason_text())

    def get_active(self, obj) -> bool:
        return obj.is_active_on(today())

    def get_lift_reason(self, obj) -> str:
        """In the request's language (a system reason is stored as a code)."""
        return obj.lift_reason_text


class LiftSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class DeclarationSerializer(serializers.ModelSerializer):
    occasion = serializers.ChoiceField(choices=DeclarationOccasion.choices)

    class Meta:
        model = ConflictDeclaration
        fields = [
            "id", "staff_member", "year", "occasion", "has_interests", "interests", "submitted_at",
            "status", "reviewed_by", "reviewed_at", "review_note",
        ]  # fmt: skip
        read_only_fields = [
            "staff_member",
            "year",
            "submitted_at",
            "status",
            "reviewed_by",
            "reviewed_at",
            "review_note",
        ]


class DeclarationReviewSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[DeclarationStatus.CLEARED, DeclarationStatus.MITIGATION])
    note = serializers.CharField(required=False, allow_blank=True, default="")


class InternalAuditSerializer(serializers.ModelSerializer):
    area = serializers.ChoiceField(choices=AuditArea.choices)
    open_findings = serializers.IntegerField(read_only=True)

    class Meta:
        model = InternalAudit
        fields = [
            "id", "area", "title", "period_start", "period_end", "planned_on", "auditor", "status",
            "conclusion", "reported_at", "closed_at", "open_findings",
        ]  # fmt: skip
        read_only_fields = ["status", "conclusion", "reported_at", "closed_at"]


class AuditTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=AuditStatus.choices)
    conclusion = serializers.CharField(required=False, allow_blank=True, default="")


class FindingSerializer(serializers.ModelSerializer):
    severity = serializers.ChoiceField(choices=FindingSeverity.choices)
    improvement_action = serializers.PrimaryKeyRelatedField(
        queryset=ImprovementAction.objects.all(), required=False, allow_null=True
    )
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(role__in=WORKSPACE_ROLES))

    class Meta:
        model = AuditFinding
        fields = [
            "id", "audit", "title", "description", "severity", "owner", "due_on", "status",
            "remediation", "improvement_action", "closed_at", "closed_by",
        ]  # fmt: skip
        read_only_fields = ["status", "remediation", "closed_at", "closed_by"]


class RemediationSerializer(serializers.Serializer):
    remediation = serializers.CharField()


class FollowUpSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class EvaluationSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=EvaluationKind.choices)
    area = serializers.ChoiceField(choices=AuditArea.choices)

    class Meta:
        model = ExternalEvaluation
        fields = [
            "id",
            "kind",
            "evaluator",
            "area",
            "evaluated_on",
            "rating",
            "score",
            "summary",
            "recorded_by",
        ]
        read_only_fields = ["recorded_by"]


# --- viewsets ---------------------------------------------------------------------------------


class _Base(viewsets.GenericViewSet):
    permission_classes = [IsWorkspaceUser]
    pagination_class = StandardPagination


class ConductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Staff conduct figures for this year (training hours, appraisal, restrictions, declaration)."""

    serializer_class = ConductRowSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        _need(self.request, "staff.view_conduct")
        return selectors.staff_conduct_list(
            year=today().year,
            search=self.request.query_params.get("search", ""),
            role=self.request.query_params.get("role", ""),
        )


class TrainingPlanViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, _Base):
    """Yearly training plans per role; POST sets (creates or replaces) the plan of a year and role."""

    serializer_class = TrainingPlanSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TrainingPlan.objects.none()
        _need(self.request, "staff.view_conduct")
        qs = TrainingPlan.objects.all()
        year = self.request.query_params.get("year", "")
        return qs.filter(year=int(year)) if year.isdigit() else qs

    def perform_create(self, serializer):
        serializer.instance = services.training_plan_set(actor=self.request.user, **serializer.validated_data)


class AppraisalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, _Base):
    """Appraisals; the figures from surveys, complaints and violations are computed by the service."""

    serializer_class = AppraisalSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Appraisal.objects.none()
        member = self.request.query_params.get("staff_member", "")
        return selectors.appraisal_list(
            user=self.request.user, staff_member_id=int(member) if member.isdigit() else None
        )

    def perform_create(self, serializer):
        d = dict(serializer.validated_data)
        member = _staff_member(d.pop("staff_member").pk)
        serializer.instance = services.appraisal_record(actor=self.request.user, staff_member=member, **d)


class RestrictionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Base):
    """Permission restrictions (failed appraisals, suspensions); one's own for everyone."""

    serializer_class = RestrictionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PermissionRestriction.objects.none()
        return selectors.restriction_list(
            user=self.request.user, active_only=self.request.query_params.get("active") == "1"
        )

    @extend_schema(request=LiftSerializer, responses=RestrictionSerializer)
    @action(detail=True, methods=["post"])
    def lift(self, request, pk=None):
        restriction = self.get_object()
        ser = LiftSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        restriction = services.restriction_lift(
            actor=request.user, restriction=restriction, **ser.validated_data
        )
        return Response(RestrictionSerializer(restriction).data)


class DeclarationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, _Base):
    """Conflict-of-interest declarations: staff declare their own; compliance reviews."""

    serializer_class = DeclarationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ConflictDeclaration.objects.none()
        return selectors.declaration_list(
            user=self.request.user, status=self.request.query_params.get("status", "")
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.setdefault("has_interests", bool(data.get("interests")))
        serializer.instance = services.declaration_submit(actor=self.request.user, **data)

    @extend_schema(request=DeclarationReviewSerializer, responses=DeclarationSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        declaration = self.get_object()
        ser = DeclarationReviewSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        declaration = services.declaration_review(
            actor=request.user, declaration=declaration, **ser.validated_data
        )
        return Response(DeclarationSerializer(declaration).data)


class InternalAuditViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, _Base):
    """The internal audit plan: area, period, auditor; status moves by `transition`."""

    serializer_class = InternalAuditSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InternalAudit.objects.none()
        return selectors.internal_audit_list(
            user=self.request.user,
            status=self.request.query_params.get("status", ""),
            area=self.request.query_params.get("area", ""),
        )

    def perform_create(self, serializer):
        serializer.instance = services.internal_audit_plan(
            actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=AuditTransitionSerializer, responses=InternalAuditSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        audit = self.get_object()
        ser = AuditTransitionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        audit = services.internal_audit_transition(actor=request.user, audit=audit, **ser.validated_data)
        return Response(InternalAuditSerializer(self.get_queryset().get(pk=audit.pk)).data)


class FindingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, _Base):
    """Audit findings with severity, owner and due date; followed up until closed."""

    serializer_class = FindingSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditFinding.objects.none()
        return selectors.finding_list(
            user=self.request.user,
            open_only=self.request.query_params.get("open") == "1",
            severity=self.request.query_params.get("severity", ""),
        )

    def perform_create(self, serializer):
        d = dict(serializer.validated_data)
        audit = d.pop("audit")
        serializer.instance = services.finding_add(actor=self.request.user, audit=audit, **d)

    @extend_schema(request=RemediationSerializer, responses=FindingSerializer)
    @action(detail=True, methods=["post"])
    def remediate(self, request, pk=None):
        finding = self.get_object()
        ser = RemediationSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        finding = services.finding_report_remediation(
            actor=request.user, finding=finding, **ser.validated_data
        )
        return Response(FindingSerializer(finding).data)

    @extend_schema(request=FollowUpSerializer, responses=FindingSerializer)
    @action(detail=True, methods=["post"])
    def follow_up(self, request, pk=None):
        finding = self.get_object()
        ser = FollowUpSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        finding = services.finding_close(actor=request.user, finding=finding, **ser.validated_data)
        return Response(FindingSerializer(finding).data)


class EvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, _Base):
    """External and third-party evaluation results."""

    serializer_class = EvaluationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ExternalEvaluation.objects.none()
        _need(self.request, "staff.view_internal_audit")
        return selectors.evaluation_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.evaluation_record(actor=self.request.user, **serializer.validated_data)


class StaffFiguresSerializer(serializers.Serializer):
    findings_open = serializers.IntegerField()
    findings_overdue = serializers.IntegerField()
    findings_severe = serializers.IntegerField()
    training_planned = serializers.IntegerField()
    training_complete = serializers.IntegerField()
    training_behind = serializers.IntegerField()
    appraisals_total = serializers.IntegerField()
    appraisals_failed = serializers.IntegerField()
    restrictions_active = serializers.IntegerField()
    declarations_pending = serializers.IntegerField()


class StaffFiguresViewSet(_Base):
    """The staff figures of the oversight dashboard (open findings, training, appraisals)."""

    serializer_class = StaffFiguresSerializer
    pagination_class = None
    queryset = User.objects.none()
    list_returns_object = True  # one set of figures, not a list (advisory/openapi.py)

    @extend_schema(responses=StaffFiguresSerializer)
    def list(self, request):
        _need(request, "oversight.view_dashboard")
        return Response(StaffFiguresSerializer(selectors.dashboard_figures()).data)
