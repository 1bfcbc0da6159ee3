"""API twin of the risk screens (/api/v1/risk/), with the same permissions and scoping:
an advisor sees only their book's clients, a client only their own file, oversight roles all."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404  # a malformed id is a 404, not a 500
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from advisory.api_etag import ETagMixin
from advisory.clock import today
from advisory.permissions import IsWorkspaceOrPortalUser, IsWorkspaceUser, RulesPermission
from advisory.rules import can
from advisory.texts import render_stored

from . import selectors, services
from .models import (
    ExceptionScope,
    LifeEvent,
    LifeEventKind,
    Product,
    ProductRatingAssessment,
    ProductRiskRating,
    Question,
    QuestionnaireVersion,
    QuestionOption,
    Risk,
    RiskAssessment,
    SuitabilityException,
)


def _perm(request, perm: str, obj=None) -> None:
    if not can(request.user, perm, obj):
        raise PermissionDenied()


# --- Questionnaires -----------------------------------------------------------------------------------


class OptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuestionOption
        fields = ["code", "order", "text", "text_zh", "score", "meaning"]


class QuestionSerializer(serializers.ModelSerializer):
    options = OptionSerializer(many=True, read_only=True)

    class Meta:
        model = Question
        fields = ["code", "order", "role", "text", "text_zh", "options"]


class VersionSerializer(serializers.ModelSerializer):
    questionnaire = serializers.CharField(source="questionnaire.code", read_only=True)
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = QuestionnaireVersion
        fields = [
            "id", "questionnaire", "number", "status", "title", "title_zh", "introduction",
            "introduction_zh", "score_bands", "published_at", "questions",
        ]  # fmt: skip
        read_only_fields = fields


class QuestionnaireViewSet(viewsets.ReadOnlyModelViewSet):
    """Questionnaire versions with questions and scored options (staff). `current` is readable by
    clients too (it is what they answer)."""

    serializer_class = VersionSerializer
    permission_classes = [IsWorkspaceUser]

    def get_queryset(self):
        return selectors.version_list().prefetch_related("questions__options")

    def get_permissions(self):
        if self.action == "current":
            return [IsWorkspaceOrPortalUser()]
        return super().get_permissions()

    @extend_schema(responses=VersionSerializer)
    @action(detail=False, methods=["get"])
    def current(self, request):
        version = selectors.current_published_version()
        if version is None:
            return Response({"error": {"code": "not_found", "message": _("No questionnaire is published."), "fields": {}}},
                            status=status.HTTP_404_NOT_FOUND)  # fmt: skip
        return Response(VersionSerializer(selectors.version_with_questions(pk=version.pk)).data)


# --- Assessments --------------------------------------------------------------------------------------


class AssessmentSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)
    administered_by = serializers.StringRelatedField()
    # `capacity_notes` and `contradictions` are stored as text codes (advisory.texts); these are
    # the same in the request's language.
    capacity_notes_text = serializers.SerializerMethodField()
    contradictions_text = serializers.SerializerMethodField()
    reassessment_reason_text = serializers.SerializerMethodField()

    class Meta:
        model = RiskAssessment
        fields = [
            "id", "client", "client_name", "version", "version_number", "channel", "answers", "score",
            "willingness_level", "capacity_level", "capacity_notes", "capacity_notes_text", "effective_level",
            "contradictions", "contradictions_text", "advisor_note", "administered_by", "status", "confirmed_at", "confirmed_by_client_at",
            "valid_until", "needs_reassessment", "reassessment_reason", "reassessment_reason_text", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_capacity_notes_text(self, obj) -> list[str]:
        return [render_stored(n, "risk") for n in obj.capacity_notes or []]

    def get_contradictions_text(self, obj) -> list[str]:
        return [render_stored(c, "risk") for c in obj.contradictions or []]

    def get_reassessment_reason_text(self, obj) -> str:
        return obj.reassessment_reason_text


class AssessmentCreateSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    answers = serializers.DictField(child=serializers.CharField())
    advisor_note = serializers.CharField(required=False, allow_blank=True, default="")


class AnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(child=serializers.CharField())


class NoteSerializer(serializers.Serializer):
    advisor_note = serializers.CharField()


class ConfirmSerializer(serializers.Serializer):
    client_confirmed = serializers.BooleanField(required=False, default=False)


class AssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """List/retrieve (scoped), create (= answer the current questionnaire), change a draft's
    answers, add the advisor note, confirm."""

    serializer_class = AssessmentSerializer
    permission_classes = [IsWorkspaceOrPortalUser, RulesPermission]
    permission_map = {"list": "risk.list_assessments", "retrieve": "risk.view_assessment"}
    filterset_fields: list[str] = []

    def get_queryset(self):
        p = self.request.query_params
        return selectors.assessment_list(
            user=self.request.user,
            status=p.get("status") or None,
            level=p.get("level") or None,
            search=p.get("search") or None,
        )

    @extend_schema(request=AssessmentCreateSerializer, responses={201: AssessmentSerializer})
    def create(self, request):
        data = AssessmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client = get_object_or_404(
            selectors.visible_clients(user=request.user), pk=data.validated_data["client"]
        )
        assessment = services.assessment_submit(
            client=client,
            actor=request.user,
            answers=data.validated_data["answers"],
            advisor_note=data.validated_data["advisor_note"],
        )
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AnswersSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        assessment = self.get_object()
        data = AnswersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = services.assessment_answer(
            assessment=assessment, actor=request.user, answers=data.validated_data["answers"]
        )
        return Response(AssessmentSerializer(assessment).data)

    @extend_schema(request=NoteSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def note(self, request, pk=None):
        assessment = self.get_object()
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = services.assessment_add_note(
            assessment=assessment, actor=request.user, note=data.validated_data["advisor_note"]
        )
        return Response(AssessmentSerializer(assessment).data)

    @extend_schema(request=ConfirmSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        assessment = self.get_object()
        data = ConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = services.assessment_confirm(
            assessment=assessment,
            actor=request.user,
            client_confirmed=data.validated_data["client_confirmed"],
        )
        return Response(AssessmentSerializer(assessment).data)


# --- Products and suitability -------------------------------------------------------------------------


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id", "code", "name", "kind", "risk_rating", "asset_class", "liquidity_days", "is_active",
            "rating_approved_at", "rating_review_due",
        ]  # fmt: skip
        read_only_fields = fields


class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProductSerializer
    permission_classes = [IsWorkspaceUser]

    def get_queryset(self):
        p = self.request.query_params
        return selectors.product_list(
            search=p.get("search") or None,
            rating=p.get("rating") or None,
            asset_class=p.get("asset_class") or None,
            kind=p.get("kind") or None,
        )


class SuitabilityResultSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    product = serializers.IntegerField()
    suitable = serializers.BooleanField()
    reason = serializers.CharField()
    exception_possible = serializers.BooleanField()
    client_level = serializers.CharField(allow_null=True)
    product_rating = serializers.CharField()
    is_professional = serializers.BooleanField()
    profile_expired = serializers.BooleanField()
    approved_exception = serializers.IntegerField(allow_null=True)
    checked_on = serializers.DateField()


class SuitabilityView(APIView):
    """GET ?client=<id>&product=<id>: the suitability decision with its reason (SPEC §2)."""

    permission_classes = [IsWorkspaceUser]
    serializer_class = SuitabilityResultSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("client", int, required=True),
            OpenApiParameter("product", int, required=True),
        ],
        responses=SuitabilityResultSerializer,
    )
    def get(self, request):
        client = get_object_or_404(
            selectors.visible_clients(user=request.user), pk=request.query_params.get("client") or 0
        )
        product = get_object_or_404(Product.objects.all(), pk=request.query_params.get("product") or 0)
        result = services.suitability_check(client=client, product=product)
        exc = selectors.approved_exception(client=client, product=product)
        return Response(
            {
                "client": client.pk,
                "product": product.pk,
                "suitable": result.suitable,
                "reason": str(result.reason),
                "exception_possible": result.exception_possible,
                "client_level": result.client_level,
                "product_rating": result.product_rating,
                "is_professional": result.is_professional,
                "profile_expired": result.profile_expired,
                "approved_exception": exc.pk if exc else None,
                "checked_on": today(),
            }
        )


# --- Suitability exceptions ---------------------------------------------------------------------------


class ExceptionSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)

    class Meta:
        model = SuitabilityException
        fields = [
            "id", "client", "client_name", "product", "product_name", "client_level", "product_rating",
            "client_reason", "warning_text", "status", "requested_by", "client_confirmed_at", "decided_at",
            "decided_by", "decision_note", "scope", "proposal_number", "max_amount", "expires_on",
            "lapsed_at", "lapse_reason", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class ExceptionCreateSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    product = serializers.IntegerField()
    client_reason = serializers.CharField()
    warning_text = serializers.CharField(required=False, allow_blank=True, default="")
    scope = serializers.ChoiceField(choices=ExceptionScope.choices, default=ExceptionScope.AMOUNT)
    max_amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True, default=None
    )
    proposal_number = serializers.CharField(required=False, allow_blank=True, default="")
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ExceptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ExceptionSerializer
    permission_classes = [IsWorkspaceOrPortalUser, RulesPermission]
    permission_map = {"list": "risk.list_assessments", "retrieve": "risk.view_exception"}

    def get_queryset(self):
        return selectors.exception_list(
            user=self.request.user, status=self.request.query_params.get("status")
        )

    @extend_schema(request=ExceptionCreateSerializer, responses={201: ExceptionSerializer})
    def create(self, request):
        data = ExceptionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        client = get_object_or_404(selectors.visible_clients(user=request.user), pk=v["client"])
        product = get_object_or_404(Product.objects.all(), pk=v["product"])
        exc = services.suitability_exception_request(
            client=client, product=product, actor=request.user, client_reason=v["client_reason"],
            warning_text=v["warning_text"], scope=v["scope"], max_amount=v["max_amount"],
            proposal_number=v["proposal_number"], expires_on=v["expires_on"],
        )  # fmt: skip
        return Response(ExceptionSerializer(exc).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ExceptionSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        exc = services.suitability_exception_client_confirm(exception=self.get_object(), actor=request.user)
        return Response(ExceptionSerializer(exc).data)

    @extend_schema(request=DecisionSerializer, responses=ExceptionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        exc = services.suitability_exception_approve(
            exception=self.get_object(), actor=request.user, note=data.validated_data["note"]
        )
        return Response(ExceptionSerializer(exc).data)

    @extend_schema(request=DecisionSerializer, responses=ExceptionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        exc = services.suitability_exception_reject(
            exception=self.get_object(), actor=request.user, note=data.validated_data["note"]
        )
        return Response(ExceptionSerializer(exc).data)

    @extend_schema(request=None, responses=ExceptionSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        exc = services.suitability_exception_withdraw(exception=self.get_object(), actor=request.user)
        return Response(ExceptionSerializer(exc).data)


# --- Risk register --------------------------------------------------------------------------------------


class RiskSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)
    score = serializers.IntegerField(read_only=True)
    review_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Risk
        fields = [
            "id", "reference", "title", "description", "category", "probability", "impact", "score", "level",
            "owner", "owner_name", "response", "controls", "review_date", "review_overdue", "status",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "reference", "level", "score", "created_at", "updated_at"]
        extra_kwargs = {
            "probability": {"min_value": 1, "max_value": 5},
            "impact": {"min_value": 1, "max_value": 5},
        }

    def get_review_overdue(self, obj: Risk) -> bool:
        return obj.status != "closed" and obj.review_date < today()


class RiskViewSet(
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = RiskSerializer
    permission_classes = [IsAuthenticated, RulesPermission]
    permission_map = {
        "list": "risk.view_register",
        "retrieve": "risk.view_register",
        "heat_map": "risk.view_register",
        "create": "risk.change_register",
        "update": "risk.change_register",
        "partial_update": "risk.change_register",
    }

    def get_queryset(self):
        p = self.request.query_params
        return selectors.risk_register_list(
            category=p.get("category") or None,
            level=p.get("level") or None,
            status=p.get("status") or None,
            overdue=p.get("overdue") in ("1", "true", "yes"),
            search=p.get("search") or None,
        )

    def perform_create(self, serializer):
        serializer.instance = services.risk_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.risk_update(
            risk=serializer.instance, actor=self.request.user, edits=self.edits(), **serializer.validated_data
        )

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"], url_path="heat-map")
    def heat_map(self, request):
        counts = selectors.register_heat_counts(self.filter_queryset(self.get_queryset()))
        levels = services.risk_matrix_levels()
        return Response(
            {
                "matrix": [{"max_score": hi, "level": lvl} for hi, lvl in services.risk_matrix()],
                "cells": [
                    {"probability": p, "impact": i, "level": levels[(p, i)], "count": counts.get((p, i), 0)}
                    for p in range(1, 6)
                    for i in range(1, 6)
                ],
            }
        )


# --- Life events (issue 14) ----------------------------------------------------------------------------


class LifeEventSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    recorded_by = serializers.StringRelatedField()

    class Meta:
        model = LifeEvent
        fields = [
            "id", "client", "client_name", "kind", "occurred_on", "note", "is_significant", "recorded_by",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class LifeEventCreateSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=LifeEventKind.choices)
    occurred_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    is_significant = serializers.BooleanField(required=False, allow_null=True, default=None)


class LifeEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Life events of the clients the user may see; create = record one (advisor of the client,
    or the client for their own file). A significant event flags the profile for re-assessment."""

    serializer_class = LifeEventSerializer
    permission_classes = [IsWorkspaceOrPortalUser, RulesPermission]
    permission_map = {"list": "risk.list_assessments", "retrieve": "risk.view_life_events"}

    def get_queryset(self):
        p = self.request.query_params
        return selectors.life_event_list(user=self.request.user, kind=p.get("kind") or None)

    @extend_schema(request=LifeEventCreateSerializer, responses={201: LifeEventSerializer})
    def create(self, request):
        data = LifeEventCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        client = get_object_or_404(selectors.visible_clients(user=request.user), pk=v["client"])
        event = services.life_event_record(
            client=client, actor=request.user, kind=v["kind"], occurred_on=v["occurred_on"], note=v["note"],
            is_significant=v["is_significant"],
        )  # fmt: skip
        return Response(LifeEventSerializer(event).data, status=status.HTTP_201_CREATED)


# --- Product rating governance (issue 14) ------------------------------------------------------------------


class RatingAssessmentSerializer(serializers.ModelSerializer):
    product_code = serializers.CharField(source="product.code", read_only=True)
    assessor = serializers.StringRelatedField()
    decided_by = serializers.StringRelatedField()

    class Meta:
        model = ProductRatingAssessment
        fields = [
            "id", "product", "product_code", "previous_rating", "proposed_rating", "rationale", "factors",
            "assessor", "status", "decided_by", "decided_at", "decision_note", "review_due", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class RatingAssessmentCreateSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    proposed_rating = serializers.ChoiceField(choices=ProductRiskRating.choices)
    rationale = serializers.CharField()
    factors = serializers.CharField()


class RatingAssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Written rating assessments (staff). Create = submit one (risk, compliance, administrator);
    approve/reject = the second person (risk reviewer or compliance, not the assessor)."""

    serializer_class = RatingAssessmentSerializer
    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {
        "list": "risk.view_ratings",
        "retrieve": "risk.view_ratings",
        "create": "risk.assess_product",
        "approve": "risk.approve_rating",
        "reject": "risk.approve_rating",
    }

    def get_queryset(self):
        p = self.request.query_params
        return selectors.rating_assessment_list(
            status=p.get("status") or None, search=p.get("search") or None
        )

    @extend_schema(request=RatingAssessmentCreateSerializer, responses={201: RatingAssessmentSerializer})
    def create(self, request):
        data = RatingAssessmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        product = get_object_or_404(Product.objects.all(), pk=v["product"])
        a = services.product_rating_submit(
            product=product, actor=request.user, proposed_rating=v["proposed_rating"], rationale=v["rationale"],
            factors=v["factors"],
        )  # fmt: skip
        return Response(RatingAssessmentSerializer(a).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecisionSerializer, responses=RatingAssessmentSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        a = services.product_rating_approve(
            assessment=self.get_object(), actor=request.user, note=data.validated_data["note"]
        )
        return Response(RatingAssessmentSerializer(a).data)

    @extend_schema(request=DecisionSerializer, responses=RatingAssessmentSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        a = services.product_rating_reject(
            assessment=self.get_object(), actor=request.user, note=data.validated_data["note"]
        )
        return Response(RatingAssessmentSerializer(a).data)
