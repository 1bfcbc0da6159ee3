"""REST API for client files and onboarding: the twin of the workspace screens, same permissions
(selectors scope the querysets, `rules` predicates decide actions)."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from advisory.api import IsWorkspaceUser, RulesPermission
from advisory.api_etag import ETagMixin
from advisory.errors import DomainError
from audit.api import RetentionGuardedDestroyMixin

from . import selectors, services
from .models import (
    AssetInterest,
    BusinessType,
    Client,
    ClientDocument,
    ConsentChannel,
    ConsentKind,
    DocumentKind,
    IdDocumentType,
    IncomeStability,
    OnboardingCase,
    OnboardingStepLog,
    PlanningNeed,
    ProductKindExperience,
    RelatedParty,
    ServiceAgreement,
)


class ClientListSerializer(serializers.ModelSerializer):
    advisor_name = serializers.CharField(source="advisor.full_name", read_only=True)

    class Meta:
        model = Client
        fields = [
            "id",
            "file_number",
            "kind",
            "name",
            "status",
            "advisor",
            "advisor_name",
            "wealth_tier",
            "created_at",
        ]
        read_only_fields = fields


class ClientSerializer(serializers.ModelSerializer):
    """Sensitive values are write-only; reads return them masked."""

    advisor_name = serializers.CharField(source="advisor.full_name", read_only=True)
    id_number = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=40)
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=40)
    address = serializers.CharField(write_only=True, required=False, allow_blank=True)
    bank_account_number = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=40
    )
    id_document_type = serializers.ChoiceField(
        choices=IdDocumentType.choices, required=False, allow_blank=True
    )
    income_stability = serializers.ChoiceField(
        choices=IncomeStability.choices, required=False, allow_blank=True
    )
    investment_product_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=ProductKindExperience.choices), required=False
    )
    asset_classes_of_interest = serializers.ListField(
        child=serializers.ChoiceField(choices=AssetInterest.choices), required=False
    )
    planning_needs = serializers.ListField(
        child=serializers.ChoiceField(choices=PlanningNeed.choices), required=False
    )
    masked_id_number = serializers.CharField(read_only=True)
    masked_phone = serializers.CharField(read_only=True)
    masked_address = serializers.CharField(read_only=True)
    masked_bank_account_number = serializers.CharField(read_only=True)
    emergency_reserve_months = serializers.DecimalField(
        max_digits=8, decimal_places=1, read_only=True, allow_null=True
    )

    class Meta:
        model = Client
        fields = [
            "id",
            "file_number",
            "kind",
            "name",
            "status",
            "advisor",
            "advisor_name",
            "email",
            "preferred_language",
            "relationship_started_on",
            "relationship_ended_on",
            "id_document_type",
            "id_issuing_country",
            "id_number",
            "masked_id_number",
            "identity_verified_at",
            "phone",
            "masked_phone",
            "address",
            "masked_address",
            "contact_person",
            "bank_name",
            "bank_account_number",
            "masked_bank_account_number",
            "household",
            "currency",
            "monthly_income",
            "monthly_expenses",
            "liquid_reserves",
            "income_stability",
            "investment_years",
            "investment_product_kinds",
            "asset_classes_of_interest",
            "planning_needs",
            "large_fund_movement_amount",
            "emergency_reserve_months",
            "wealth_tier",
            "investment_experience",
            "service_need",
            "classified_at",
            "backdate_requested_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "file_number",
            "status",
            "advisor",
            "relationship_started_on",
            "relationship_ended_on",
            "backdate_requested_on",
            "identity_verified_at",
            "wealth_tier",
            "investment_experience",
            "service_need",
            "classified_at",
            "created_at",
            "updated_at",
        ]


class ClientRevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=list(services.REVEALABLE))
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ClientRevealResultSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class ClientReassignSerializer(serializers.Serializer):
    advisor = serializers.IntegerField()
    reason = serializers.CharField()


class ClientEndRelationshipSerializer(serializers.Serializer):
    reason = serializers.CharField()
    ended_on = serializers.DateField(required=False, allow_null=True, default=None)


class ClientBackdateDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField()


class ServiceAgreementSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceAgreement
        fields = [
            "id", "scope", "fee_structure", "fee_details", "starts_on", "ends_on", "termination_notice_days",
            "termination_conditions", "signed_on", "status", "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at"]


class RelatedPartySerializer(serializers.ModelSerializer):
    related_client = serializers.PrimaryKeyRelatedField(
        queryset=Client.objects.none(), required=False, allow_null=True,
        help_text="Another client file in your view, when the related party is also a client.",
    )  # fmt: skip

    class Meta:
        model = RelatedParty
        fields = ["id", "relationship", "name", "related_client", "notes", "ended_on", "created_at"]
        read_only_fields = ["id", "ended_on", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            # only client files the user may see can be linked (others are "does not exist")
            self.fields["related_client"].queryset = selectors.client_list(user=request.user)


class ClientConsentSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    channel = serializers.ChoiceField(choices=ConsentChannel.choices)
    version = serializers.CharField(max_length=20, default="2026-01")


class ClientDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClientDocument
        fields = [
            "id",
            "client",
            "kind",
            "title",
            "original_name",
            "content_type",
            "size_bytes",
            "sha256",
            "uploaded_by",
            "created_at",
        ]
        read_only_fields = fields


class ClientDocumentUploadSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    title = serializers.CharField(required=False, allow_blank=True, default="")
    file = serializers.FileField()


class OnboardingStepLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = OnboardingStepLog
        fields = ["action", "from_step", "to_step", "actor", "at", "note"]
        read_only_fields = fields


class OnboardingCaseSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    client_file_number = serializers.CharField(source="client.file_number", read_only=True)

    class Meta:
        model = OnboardingCase
        fields = [
            "id",
            "acceptance_number",
            "client",
            "client_name",
            "client_file_number",
            "step",
            "business_type",
            "is_special",
            "special_reason",
            "involves_large_fund_movement",
            "submitted_at",
            "review_days",
            "review_deadline",
            "is_overdue",
            "reviewed_at",
            "reviewed_by",
            "return_reason",
            "times_returned",
            "completed_at",
            "created_at",
        ]
        read_only_fields = fields


class OnboardingCaseDetailSerializer(OnboardingCaseSerializer):
    step_log = OnboardingStepLogSerializer(many=True, read_only=True)

    class Meta(OnboardingCaseSerializer.Meta):
        fields = [*OnboardingCaseSerializer.Meta.fields, "step_log"]
        read_only_fields = fields


class OnboardingStartSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    is_special = serializers.BooleanField(default=False)
    special_reason = serializers.CharField(required=False, allow_blank=True, default="")


class OnboardingTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(services.ONBOARDING_TRANSITIONS))
    note = serializers.CharField(required=False, allow_blank=True, default="")
    business_type = serializers.ChoiceField(
        choices=BusinessType.choices, required=False, allow_null=True, default=None
    )


CLIENT_FILTERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Name or file number"),
    OpenApiParameter("status", OpenApiTypes.STR),
    OpenApiParameter("kind", OpenApiTypes.STR),
    OpenApiParameter("tier", OpenApiTypes.STR),
    OpenApiParameter("advisor", OpenApiTypes.INT, description="Oversight roles only"),
    OpenApiParameter("sort", OpenApiTypes.STR, enum=list(selectors.CLIENT_SORTS)),
]


@extend_schema(tags=["clients"])
class ClientViewSet(
    ETagMixin,
    RetentionGuardedDestroyMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {
        "list": "clients.list_clients",
        "retrieve": "clients.view_client",
        "create": "clients.add_client",
        "update": "clients.change_client",
        "partial_update": "clients.change_client",
        "reveal": "clients.view_client",
        "reassign": "clients.view_client",
        "consents": "clients.view_client",
        "end_relationship": "clients.view_client",
        "destroy": "clients.view_client",
        "backdate": "clients.view_client",
        "agreements": "clients.view_client",
        "related_parties": "clients.view_client",
    }
    filter_backends: list = []
    queryset = Client.objects.none()

    def get_queryset(self):
        if self.action == "list":
            p = self.request.query_params
            return selectors.client_list(
                user=self.request.user,
                search=p.get("q"),
                status=p.get("status"),
                kind=p.get("kind"),
                tier=p.get("tier"),
                advisor_id=p.get("advisor") if (p.get("advisor") or "").isdigit() else None,
                sort=p.get("sort"),
            )
        return selectors.client_list(user=self.request.user).select_related("advisor").defer(None)

    def get_serializer_class(self):
        return ClientListSerializer if self.action == "list" else ClientSerializer

    @extend_schema(parameters=CLIENT_FILTERS)
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.client_create(
            actor=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = services.client_update(
            client=serializer.instance,
            actor=self.request.user,
            data=dict(serializer.validated_data),
            edits=self.edits(),
        )

    @extend_schema(request=ClientRevealSerializer, responses=ClientRevealResultSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        """Reveal one masked value (logged as a REVEAL event in the audit trail)."""
        client = self.get_object()
        data = ClientRevealSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        value = services.client_reveal(
            client=client,
            actor=request.user,
            field=data.validated_data["field"],
            reason=data.validated_data["reason"],
        )
        return Response({"field": data.validated_data["field"], "value": value})

    @extend_schema(request=ClientReassignSerializer, responses=ClientSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk: str | None = None) -> Response:
        client = self.get_object()
        data = ClientReassignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        advisor = selectors.advisors().filter(pk=data.validated_data["advisor"]).first()
        if advisor is None:
            raise DomainError(_("Choose an active advisor."), field="advisor")
        client = services.client_reassign(
            client=client, actor=request.user, new_advisor=advisor, reason=data.validated_data["reason"]
        )
        return Response(ClientSerializer(client).data)

    @extend_schema(request=ClientEndRelationshipSerializer, responses=ClientSerializer)
    @action(detail=True, methods=["post"], url_path="end-relationship")
    def end_relationship(self, request: Request, pk: str | None = None) -> Response:
        """End the relationship (starts the client file's retention period)."""
        client = self.get_object()
        data = ClientEndRelationshipSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client = services.client_end_relationship(client=client, actor=request.user, **data.validated_data)
        return Response(ClientSerializer(client).data)

    @extend_schema(request=ClientBackdateDecisionSerializer, responses=ClientSerializer)
    @action(detail=True, methods=["post"], url_path="end-relationship/backdate")
    def backdate(self, request: Request, pk: str | None = None) -> Response:
        """Second person's decision on a backdated end of relationship (four eyes, SPEC §5)."""
        client = self.get_object()
        data = ClientBackdateDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client = services.client_backdate_decide(client=client, actor=request.user, **data.validated_data)
        return Response(ClientSerializer(client).data)

    @extend_schema(request=ClientConsentSerializer, responses=ClientSerializer)
    @action(detail=True, methods=["post"])
    def consents(self, request: Request, pk: str | None = None) -> Response:
        """Record a privacy consent or risk-disclosure acknowledgement."""
        client = self.get_object()
        data = ClientConsentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.consent_record(client=client, actor=request.user, **data.validated_data)
        return Response(ClientSerializer(client).data, status=201)

    @extend_schema(methods=["get"], responses=ServiceAgreementSerializer(many=True))
    @extend_schema(
        methods=["post"], request=ServiceAgreementSerializer, responses={201: ServiceAgreementSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def agreements(self, request: Request, pk: str | None = None) -> Response:
        """The client's service agreements (scope, fee structure, term, termination conditions);
        POST records a new one (the responsible advisor only)."""
        client = self.get_object()
        if request.method == "GET":
            rows = client.agreements.order_by("-starts_on", "-id")
            return Response(ServiceAgreementSerializer(rows, many=True).data)
        data = ServiceAgreementSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agreement = services.agreement_save(client=client, actor=request.user, data=dict(data.validated_data))
        return Response(ServiceAgreementSerializer(agreement).data, status=201)

    @extend_schema(methods=["get"], responses=RelatedPartySerializer(many=True))
    @extend_schema(methods=["post"], request=RelatedPartySerializer, responses={201: RelatedPartySerializer})
    @action(detail=True, methods=["get", "post"], url_path="related-parties")
    def related_parties(self, request: Request, pk: str | None = None) -> Response:
        """Household members and related parties; POST adds one (the responsible advisor only)."""
        client = self.get_object()
        if request.method == "GET":
            rows = client.related_parties.select_related("related_client").order_by("id")
            return Response(RelatedPartySerializer(rows, many=True, context={"request": request}).data)
        data = RelatedPartySerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        party = services.related_party_add(client=client, actor=request.user, **data.validated_data)
        return Response(RelatedPartySerializer(party, context={"request": request}).data, status=201)


@extend_schema(tags=["clients"])
class OnboardingCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {"list": "clients.list_clients", "retrieve": "clients.view_onboarding"}
    filter_backends: list = []
    queryset = OnboardingCase.objects.none()

    def get_queryset(self):
        p = self.request.query_params
        if self.action == "list":
            return selectors.onboarding_case_list(
                user=self.request.user, step=p.get("step"), overdue=p.get("overdue") == "1", search=p.get("q")
            ).order_by("-created_at", "-id")
        return selectors.onboarding_case_list(user=self.request.user).prefetch_related("step_log")

    def get_serializer_class(self):
        return OnboardingCaseSerializer if self.action == "list" else OnboardingCaseDetailSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("step", OpenApiTypes.STR),
            OpenApiParameter("overdue", OpenApiTypes.STR, enum=["1"]),
            OpenApiParameter("q", OpenApiTypes.STR),
        ]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=OnboardingStartSerializer, responses={201: OnboardingCaseDetailSerializer})
    def create(self, request: Request) -> Response:
        data = OnboardingStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client = selectors.client_list(user=request.user).filter(pk=data.validated_data["client"]).first()
        if client is None:
            raise Http404
        case = services.onboarding_start(
            client=client,
            actor=request.user,
            is_special=data.validated_data["is_special"],
            special_reason=data.validated_data["special_reason"],
        )
        return Response(OnboardingCaseDetailSerializer(case).data, status=201)

    @extend_schema(request=OnboardingTransitionSerializer, responses=OnboardingCaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Move the case: verify_identity, choose_business_type, submit_for_review, approve,
        return (reason required), withdraw (reason required)."""
        case = self.get_object()
        data = OnboardingTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.onboarding_transition(case=case, actor=request.user, **data.validated_data)
        case = selectors.onboarding_case_get(user=request.user, pk=case.pk)
        return Response(OnboardingCaseDetailSerializer(case).data)


@extend_schema(tags=["clients"])
class ClientDocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {
        "list": "clients.list_clients",
        "retrieve": "clients.view_document",
        "download": "clients.view_document",
    }
    serializer_class = ClientDocumentSerializer
    parser_classes = [MultiPartParser, FormParser]
    filter_backends: list = []
    queryset = ClientDocument.objects.none()

    def get_queryset(self):
        from .selectors import _scope

        qs = _scope(ClientDocument.objects.select_related("client"), self.request.user, "client__")
        client_id = self.request.query_params.get("client")
        if client_id and client_id.isdigit():
            qs = qs.filter(client_id=client_id)
        return qs.order_by("-created_at", "-id")

    @extend_schema(parameters=[OpenApiParameter("client", OpenApiTypes.INT)])
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": ClientDocumentUploadSerializer},
        responses={201: ClientDocumentSerializer},
    )
    def create(self, request: Request) -> Response:
        """Upload a PDF, PNG or JPG (type, content and size are checked on the server)."""
        data = ClientDocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client = selectors.client_list(user=request.user).filter(pk=data.validated_data["client"]).first()
        if client is None:
            raise Http404
        document = services.document_upload(
            client=client,
            actor=request.user,
            upload=data.validated_data["file"],
            kind=data.validated_data["kind"],
            title=data.validated_data["title"],
        )
        return Response(ClientDocumentSerializer(document).data, status=201)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        """Download the file (an audited DOWNLOAD event)."""
        document = self.get_object()
        try:
            handle = services.document_download(document=document, actor=request.user)
        except FileNotFoundError:
            raise Http404
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"{document.client.file_number}-{document.pk}",
            content_type=document.content_type,
        )
