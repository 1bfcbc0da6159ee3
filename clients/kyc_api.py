"""REST API twins of the know-your-client screens (same permissions: selectors scope the
querysets, the `rules` predicates decide; clients of the firm never reach these endpoints)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from advisory.api import IsWorkspaceUser, RulesPermission
from advisory.errors import NotAllowed

from . import due_diligence, kyc, kyc_selectors, screening, selectors
from .kyc_models import (
    AmlRisk,
    DueDiligence,
    HitStatus,
    IdentityDocument,
    IdentityDocumentType,
    KycRefresh,
    ScreeningHit,
    VerificationMethod,
    WatchList,
    WatchListUpload,
)
from .rules import can


# -- serializers -----------------------------------------------------------------------------------
class IdentityDocumentSerializer(serializers.ModelSerializer):
    masked_number = serializers.CharField(read_only=True)
    verified_by_name = serializers.CharField(source="verified_by.full_name", read_only=True)

    class Meta:
        model = IdentityDocument
        fields = [
            "id",
            "client",
            "document_type",
            "masked_number",
            "issuing_country",
            "issued_on",
            "expires_on",
            "copy",
            "verification_method",
            "verified_by",
            "verified_by_name",
            "verified_at",
            "note",
            "superseded_at",
        ]
        read_only_fields = fields


class IdentityDocumentCreateSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    document_type = serializers.ChoiceField(choices=IdentityDocumentType.choices)
    number = serializers.CharField(max_length=40)
    issuing_country = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
    issued_on = serializers.DateField()
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)
    verification_method = serializers.ChoiceField(choices=VerificationMethod.choices)
    copy = serializers.FileField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class KycRefreshSerializer(serializers.ModelSerializer):
    client_file_number = serializers.CharField(source="client.file_number", read_only=True)

    class Meta:
        model = KycRefresh
        fields = [
            "id",
            "client",
            "client_file_number",
            "status",
            "due_on",
            "started_by",
            "started_at",
            "identity_confirmed",
            "contact_confirmed",
            "financial_confirmed",
            "changed_fields",
            "aml_risk",
            "advisor_note",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "review_note",
            "completed_at",
        ]
        read_only_fields = fields


class KycRefreshStartSerializer(serializers.Serializer):
    client = serializers.IntegerField()


class KycRefreshSubmitSerializer(serializers.Serializer):
    identity_confirmed = serializers.BooleanField(default=False)
    contact_confirmed = serializers.BooleanField(default=False)
    financial_confirmed = serializers.BooleanField(default=False)
    aml_risk = serializers.ChoiceField(choices=AmlRisk.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["approve", "return"])
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DueDiligenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = DueDiligence
        fields = [
            "id",
            "case",
            "identity_verified",
            "beneficial_owner_required",
            "beneficial_owner_identified",
            "beneficial_owner_verified",
            "source_of_funds",
            "purpose",
            "ml_risk",
            "ml_risk_reasons",
            "recorded_by",
            "recorded_at",
            "edd_status",
            "edd_reviewer",
            "edd_reviewed_at",
            "edd_note",
        ]
        read_only_fields = fields


class DueDiligenceRecordSerializer(serializers.Serializer):
    identity_verified = serializers.BooleanField(default=False)
    beneficial_owner_identified = serializers.BooleanField(default=False)
    beneficial_owner_verified = serializers.BooleanField(default=False)
    source_of_funds = serializers.CharField(required=False, allow_blank=True, default="")
    purpose = serializers.CharField(required=False, allow_blank=True, default="")
    ml_risk = serializers.ChoiceField(choices=AmlRisk.choices)
    ml_risk_reasons = serializers.CharField(required=False, allow_blank=True, default="")


class EddReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ScreeningHitSerializer(serializers.ModelSerializer):
    client_file_number = serializers.CharField(source="client.file_number", read_only=True)
    entry_name = serializers.CharField(source="entry.name", read_only=True)
    entry_aliases = serializers.ListField(
        source="entry.aliases", child=serializers.CharField(), read_only=True
    )
    entry_birth_date = serializers.DateField(source="entry.birth_date", read_only=True)
    watch_list = serializers.CharField(source="entry.watch_list.name", read_only=True)

    class Meta:
        model = ScreeningHit
        fields = [
            "id",
            "client",
            "client_file_number",
            "related_party",
            "subject_kind",
            "subject_name",
            "entry",
            "entry_name",
            "entry_aliases",
            "entry_birth_date",
            "watch_list",
            "score",
            "matched_on",
            "status",
            "reason",
            "reviewed_by",
            "reviewed_at",
            "created_at",
        ]
        read_only_fields = fields


class HitDispositionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[HitStatus.FALSE_POSITIVE, HitStatus.CONFIRMED])
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class WatchListSerializer(serializers.ModelSerializer):
    class Meta:
        model = WatchList
        fields = ["id", "name", "entry_count", "last_upload", "updated_at"]
        read_only_fields = fields


class WatchListUploadSerializer(serializers.ModelSerializer):
    class Meta:
        model = WatchListUpload
        fields = [
            "id",
            "original_name",
            "sha256",
            "row_count",
            "added",
            "removed",
            "list_names",
            "uploaded_by",
            "created_at",
            "screened_at",
            "screening_result",
        ]
        read_only_fields = fields


class WatchListUploadCreateSerializer(serializers.Serializer):
    file = serializers.FileField()
    preview = serializers.BooleanField(
        default=False, help_text="true: check and preview only, nothing is imported"
    )


class WatchListListPreviewSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    kept = serializers.IntegerField()


class WatchListPreviewSerializer(serializers.Serializer):
    token = serializers.CharField()
    original_name = serializers.CharField()
    rows = serializers.IntegerField()
    lists = serializers.DictField(child=WatchListListPreviewSerializer())
    sample = serializers.ListField(child=serializers.DictField())


# -- viewsets --------------------------------------------------------------------------------------
def _client_in_scope(request: Request, pk: int):
    client = selectors.client_list(user=request.user).filter(pk=pk).first()
    if client is None:
        raise Http404
    return selectors.client_get(user=request.user, pk=client.pk)


@extend_schema(tags=["clients"])
class IdentityDocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {"list": "clients.list_clients", "retrieve": "clients.view_kyc"}
    serializer_class = IdentityDocumentSerializer
    parser_classes = [MultiPartParser, FormParser]
    filter_backends: list = []
    queryset = IdentityDocument.objects.none()

    def get_queryset(self):
        client_id = self.request.query_params.get("client")
        return kyc_selectors.identity_document_list(
            user=self.request.user, client_id=int(client_id) if client_id and client_id.isdigit() else None
        )

    @extend_schema(parameters=[OpenApiParameter("client", OpenApiTypes.INT)])
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": IdentityDocumentCreateSerializer},
        responses={201: IdentityDocumentSerializer},
    )
    def create(self, request: Request) -> Response:
        """Record an identity document seen (number validated per type; the copy goes through the
        document upload checks)."""
        data = IdentityDocumentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        client = _client_in_scope(request, values.pop("client"))
        document = kyc.identity_document_add(client=client, actor=request.user, **values)
        return Response(IdentityDocumentSerializer(document).data, status=201)


@extend_schema(tags=["clients"])
class KycRefreshViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {
        "list": "clients.list_clients",
        "retrieve": "clients.view_kyc",
        "submit": "clients.work_kyc_refresh",
        "review": "clients.review_kyc_refresh",
    }
    serializer_class = KycRefreshSerializer
    parser_classes = [JSONParser, FormParser]
    filter_backends: list = []
    queryset = KycRefresh.objects.none()

    def get_queryset(self):
        p = self.request.query_params
        client_id = p.get("client")
        return kyc_selectors.kyc_refresh_list(
            user=self.request.user,
            client_id=int(client_id) if client_id and client_id.isdigit() else None,
            status=p.get("status"),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("client", OpenApiTypes.INT),
            OpenApiParameter("status", OpenApiTypes.STR),
        ]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=KycRefreshStartSerializer, responses={201: KycRefreshSerializer})
    def create(self, request: Request) -> Response:
        """Start a refresh of the client's information."""
        data = KycRefreshStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client = _client_in_scope(request, data.validated_data["client"])
        refresh = kyc.kyc_refresh_start(client=client, actor=request.user)
        return Response(KycRefreshSerializer(refresh).data, status=201)

    @extend_schema(request=KycRefreshSubmitSerializer, responses=KycRefreshSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Re-confirm identity, contact and financial data; with changes it goes to a supervisor."""
        refresh = self.get_object()
        data = KycRefreshSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refresh = kyc.kyc_refresh_submit(refresh=refresh, actor=request.user, **data.validated_data)
        return Response(KycRefreshSerializer(refresh).data)

    @extend_schema(request=ReviewSerializer, responses=KycRefreshSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        """A supervisor approves the changes or returns the refresh (reason required)."""
        refresh = self.get_object()
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refresh = kyc.kyc_refresh_review(refresh=refresh, actor=request.user, **data.validated_data)
        return Response(KycRefreshSerializer(refresh).data)


@extend_schema(tags=["clients"])
class DueDiligenceViewSet(viewsets.GenericViewSet):
    """Due diligence of an onboarding case, addressed by the case id."""

    permission_classes = [IsWorkspaceUser]
    serializer_class = DueDiligenceSerializer
    parser_classes = [JSONParser, FormParser]
    filter_backends: list = []
    queryset = DueDiligence.objects.none()

    def _case(self, pk: str | None):
        case = selectors.onboarding_case_get(user=self.request.user, pk=pk)
        if not can(self.request.user, "clients.view_onboarding", case):
            raise Http404
        return case

    @extend_schema(responses=DueDiligenceSerializer)
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        cdd = kyc_selectors.due_diligence_for_case(case=self._case(pk))
        if cdd is None:
            raise Http404
        return Response(DueDiligenceSerializer(cdd).data)

    @extend_schema(request=DueDiligenceRecordSerializer, responses=DueDiligenceSerializer)
    def update(self, request: Request, pk: str | None = None) -> Response:
        """Record or correct the checklist and the money-laundering risk rating (reviewers)."""
        case = self._case(pk)
        data = DueDiligenceRecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cdd = due_diligence.due_diligence_record(
            case=case, actor=request.user, data=dict(data.validated_data)
        )
        return Response(DueDiligenceSerializer(cdd).data)

    @extend_schema(request=EddReviewSerializer, responses=DueDiligenceSerializer)
    @action(detail=True, methods=["post"], url_path="enhanced-review")
    def enhanced_review(self, request: Request, pk: str | None = None) -> Response:
        """The second reviewer's decision on a high-risk client."""
        cdd = kyc_selectors.due_diligence_for_case(case=self._case(pk))
        if cdd is None:
            raise Http404
        data = EddReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cdd = due_diligence.due_diligence_edd_review(cdd=cdd, actor=request.user, **data.validated_data)
        return Response(DueDiligenceSerializer(cdd).data)


HIT_FILTERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Name or file number"),
    OpenApiParameter("status", OpenApiTypes.STR, enum=HitStatus.values),
    OpenApiParameter("list", OpenApiTypes.INT),
    OpenApiParameter("subject", OpenApiTypes.STR),
    OpenApiParameter("min_score", OpenApiTypes.INT),
    OpenApiParameter("client", OpenApiTypes.INT),
    OpenApiParameter("sort", OpenApiTypes.STR, enum=list(kyc_selectors.HIT_SORTS)),
]


@extend_schema(tags=["clients"])
class ScreeningHitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {
        "list": "clients.list_screening_hits",
        "retrieve": "clients.view_screening_hit",
        "dispose": "clients.dispose_screening_hit",
    }
    serializer_class = ScreeningHitSerializer
    parser_classes = [JSONParser, FormParser]
    filter_backends: list = []
    queryset = ScreeningHit.objects.none()

    def get_queryset(self):
        p = self.request.query_params
        client_id = p.get("client")
        return kyc_selectors.screening_hit_list(
            user=self.request.user,
            search=p.get("q"),
            status=p.get("status"),
            watch_list_id=p.get("list"),
            subject_kind=p.get("subject"),
            min_score=p.get("min_score"),
            client_id=int(client_id) if client_id and client_id.isdigit() else None,
            sort=p.get("sort"),
        )

    @extend_schema(parameters=HIT_FILTERS)
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=HitDispositionSerializer, responses=ScreeningHitSerializer)
    @action(detail=True, methods=["post"])
    def dispose(self, request: Request, pk: str | None = None) -> Response:
        """Compliance decides the hit: false_positive or confirmed, with the reason."""
        hit = self.get_object()
        data = HitDispositionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hit = screening.screening_hit_dispose(hit=hit, actor=request.user, **data.validated_data)
        return Response(ScreeningHitSerializer(hit).data)


@extend_schema(tags=["clients"])
class WatchListViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {"list": "clients.screening_queue"}
    serializer_class = WatchListSerializer
    filter_backends: list = []
    queryset = WatchList.objects.none()

    def get_queryset(self):
        return WatchList.objects.order_by("name")


@extend_schema(tags=["clients"])
class WatchListUploadViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {"list": "clients.screening_queue", "create": "clients.manage_watch_lists"}
    serializer_class = WatchListUploadSerializer
    parser_classes = [MultiPartParser, FormParser]
    filter_backends: list = []
    queryset = WatchListUpload.objects.none()

    def get_queryset(self):
        return kyc_selectors.watch_list_upload_list()

    @extend_schema(
        request={"multipart/form-data": WatchListUploadCreateSerializer},
        responses={200: WatchListPreviewSerializer, 201: WatchListUploadSerializer},
    )
    def create(self, request: Request) -> Response:
        """Upload a watch-list CSV. With preview=true only check it and return the preview;
        otherwise import it (a file with any bad row is rejected whole: 400 with the rows) and
        queue the re-screening of every active client."""
        data = WatchListUploadCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not can(request.user, "clients.manage_watch_lists"):
            raise NotAllowed(_("Only compliance officers upload watch lists."))
        preview = screening.watchlist_stage(actor=request.user, upload=data.validated_data["file"])
        if data.validated_data["preview"]:
            return Response(WatchListPreviewSerializer(preview).data)
        upload = screening.watchlist_import(
            actor=request.user, token=preview["token"], original_name=preview["original_name"]
        )
        return Response(WatchListUploadSerializer(upload).data, status=201)
