"""REST twins of the planning screens (same selectors, services and permissions)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from advisory.api import IsWorkspaceOrPortalUser, IsWorkspaceUser, RulesPermission
from advisory.api_etag import ETagMixin
from advisory.errors import NotAllowed
from advisory.files import file_response
from advisory.models import ArchivedDocument, DocumentStatus
from advisory.rules import can
from advisory.texts import render, render_reason

from . import selectors, services
from .models import (
    ASSET_CLASSES,
    FinancialSnapshot,
    Goal,
    Holding,
    ModelPortfolio,
    ModelPortfolioWeight,
    Proposal,
    ProposalLine,
    Review,
)


def _client_param(request, value):
    if value in (None, ""):
        raise serializers.ValidationError({"client": [_("This field is required.")]})
    try:
        return selectors.client_get(user=request.user, pk=int(value))
    except (Http404, ValueError) as exc:
        raise serializers.ValidationError({"client": [_("Unknown client.")]}) from exc


# --- snapshots and goals ----------------------------------------------------------------------


class SnapshotSerializer(serializers.ModelSerializer):
    figures = serializers.SerializerMethodField()

    class Meta:
        model = FinancialSnapshot
        fields = ["id", "client", "as_of", "currency", *services.SNAPSHOT_FIELDS[2:], "figures", "created_at"]
        read_only_fields = ["figures", "created_at"]

    def get_figures(self, obj) -> dict:
        f = services.snapshot_figures(snapshot=obj)
        return {
            "net_worth": str(f.net_worth),
            "total_assets": str(f.total_assets),
            "savings_rate": str(f.savings_rate) if f.savings_rate is not None else None,
            "debt_to_asset": str(f.debt_to_asset) if f.debt_to_asset is not None else None,
            "reserve_months": str(f.reserve_months) if f.reserve_months is not None else None,
            "remarks": [str(r) for r in f.remarks],
        }


class _ClientScopedViewSet(viewsets.GenericViewSet):
    permission_classes = [IsWorkspaceUser]

    def _filter_client(self, qs):
        client = self.request.query_params.get("client")
        return qs.filter(client_id=client) if client and client.isdigit() else qs


class SnapshotViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, _ClientScopedViewSet
):
    serializer_class = SnapshotSerializer

    def get_queryset(self):
        qs = FinancialSnapshot.objects.filter(client__in=selectors.visible_clients(user=self.request.user))
        return self._filter_client(qs).order_by("-as_of", "-id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        client = data.pop("client")
        client = _client_param(request, client.pk)
        snapshot = services.snapshot_create(client=client, actor=request.user, data=data)
        return Response(SnapshotSerializer(snapshot).data, status=status.HTTP_201_CREATED)


class GoalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Goal
        fields = ["id", "client", *services.GOAL_FIELDS, "created_at"]
        read_only_fields = ["created_at"]


class GoalViewSet(
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    _ClientScopedViewSet,
):
    serializer_class = GoalSerializer

    def get_queryset(self):
        qs = Goal.objects.filter(client__in=selectors.visible_clients(user=self.request.user))
        return self._filter_client(qs)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        client = _client_param(request, data.pop("client").pk)
        goal = services.goal_save(client=client, actor=request.user, data=data)
        return Response(GoalSerializer(goal).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        goal = self.get_object()
        serializer = self.get_serializer(goal, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "client"}
        goal = services.goal_save(
            client=goal.client, actor=request.user, data=data, goal=goal, edits=self.edits()
        )
        return Response(GoalSerializer(goal).data)


# --- model portfolios -------------------------------------------------------------------------


class WeightSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelPortfolioWeight
        fields = ["asset_class", "target_weight", "expected_return", "volatility"]


class ModelPortfolioSerializer(serializers.ModelSerializer):
    weights = WeightSerializer(many=True, read_only=True)

    class Meta:
        model = ModelPortfolio
        fields = ["id", "level", "version", "name", "status", "published_at", "weights"]


class ModelPortfolioViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ModelPortfolioSerializer
    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = {"list": "planning.view_model_portfolio", "retrieve": "planning.view_model_portfolio"}
    filterset_fields = ["level", "status"]

    def get_queryset(self):
        return selectors.model_portfolio_list()


# --- proposals --------------------------------------------------------------------------------


class LineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProposalLine
        fields = ["id", "product", "amount"]
        read_only_fields = ["id"]


class ProposalSerializer(serializers.ModelSerializer):
    lines = LineSerializer(many=True, required=False)
    client_name = serializers.CharField(source="client.name", read_only=True)
    # `checks` keeps each result as a text code with parameters (advisory.texts); this is the
    # summary in the request's language.
    check_summary = serializers.SerializerMethodField()

    def get_check_summary(self, obj) -> list[dict]:
        return [
            {
                "check": row.get("check"),
                "status": row.get("status"),
                "text": render(row.get("code"), row.get("params"), fallback=str(row.get("message") or "")),
            }
            for row in (obj.checks or {}).get("summary") or []
        ]

    class Meta:
        model = Proposal
        fields = [
            "id",
            "number",
            "client",
            "client_name",
            "advisor",
            "title",
            "status",
            "currency",
            "total_amount",
            "liquidity_need_amount",
            "liquidity_need_days",
            "annual_contribution",
            "goals",
            "lines",
            "risk_level",
            "checks_ok",
            "checks",
            "check_summary",
            "monitor",
            "monitored_at",
            "rejection_reason",
            "submitted_at",
            "risk_approved_by",
            "risk_approved_at",
            "compliance_approved_by",
            "compliance_approved_at",
            "issued_at",
            "decided_at",
            "disclosure_acknowledged_at",
            "updated_at",
        ]
        read_only_fields = [
            f
            for f in fields
            if f
            not in {
                "client",
                "title",
                "liquidity_need_amount",
                "liquidity_need_days",
                "annual_contribution",
                "goals",
                "lines",
                "currency",
            }
        ]


class ProposalListSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    advisor_name = serializers.CharField(source="advisor.full_name", read_only=True)

    class Meta:
        model = Proposal
        fields = [
            "id",
            "number",
            "client",
            "client_name",
            "advisor_name",
            "title",
            "status",
            "total_amount",
            "checks_ok",
            "updated_at",
        ]


# --- holdings (issue 14) -----------------------------------------------------------------------


class HoldingSerializer(serializers.ModelSerializer):
    product_code = serializers.CharField(source="product.code", read_only=True, default="")

    class Meta:
        model = Holding
        fields = ["id", "plan", "as_of", "product", "product_code", "asset_class", "market_value", "currency",
                  "source", "import_reference", "created_at"]  # fmt: skip
        read_only_fields = fields


class HoldingsEntrySerializer(serializers.Serializer):
    as_of = serializers.DateField()
    values = serializers.DictField(
        child=serializers.DecimalField(max_digits=16, decimal_places=2),
        help_text="Market value by asset class: cash, bonds, equities, real_estate, alternatives.",
    )


class HoldingsImportSerializer(serializers.Serializer):
    content = serializers.CharField(
        help_text="The custodian CSV (as_of,product_code,asset_class,market_value,currency)."
    )
    dry_run = serializers.BooleanField(default=True)


class HoldingRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    values = serializers.DictField(child=serializers.CharField(allow_blank=True))
    errors = serializers.ListField(child=serializers.CharField())


class HoldingsPreviewSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    dry_run = serializers.BooleanField()
    error_count = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.CharField())
    rows = HoldingRowSerializer(many=True)


class ProposalTransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(services.TRANSITIONS))
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    disclosure_acknowledged = serializers.BooleanField(required=False, default=False)


def _lines(data) -> list[tuple] | None:
    if "lines" not in data:
        return None
    return [(row["product"], row["amount"]) for row in data["lines"]]


class ProposalViewSet(
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Advisors draft and edit their own proposals; reviewers act through `transition`; clients see
    their issued proposals and accept or decline them through `transition`."""

    permission_classes = [IsWorkspaceOrPortalUser, RulesPermission]
    permission_map = {
        "retrieve": "planning.view_proposal",
        "create": "planning.add_proposal",
        "update": "planning.change_proposal",
        "partial_update": "planning.change_proposal",
    }
    search_fields = ["number", "title", "client__name"]
    ordering_fields = ["number", "updated_at", "total_amount", "status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Proposal.objects.none()
        params = self.request.query_params
        return selectors.proposal_list(
            user=self.request.user, tab=params.get("tab", "all"), status=params.get("status", "")
        )

    def get_serializer_class(self):
        if self.action == "list":
            return ProposalListSerializer
        if self.action == "transition":
            return ProposalTransitionSerializer
        return ProposalSerializer

    def create(self, request, *args, **kwargs):
        serializer = ProposalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        client = _client_param(request, data.pop("client").pk)
        lines = _lines(data) or []
        data.pop("lines", None)
        goals = data.pop("goals", None)
        proposal = services.proposal_create(
            client=client, actor=request.user, lines=lines, goals=goals, **data
        )
        return Response(ProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        proposal = self.get_object()
        serializer = ProposalSerializer(proposal, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("client", None)
        lines = _lines(data)
        data.pop("lines", None)
        goals = data.pop("goals", None)
        proposal = services.proposal_update(
            proposal=proposal, actor=request.user, lines=lines, goals=goals, edits=self.edits(), **data
        )
        return Response(ProposalSerializer(proposal).data)

    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        proposal = self.get_object()
        serializer = ProposalTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if request.user.is_client and data["action"] not in ("accept", "decline"):
            raise NotAllowed(_("Clients can only accept or decline a proposal."))
        proposal = services.proposal_transition(
            proposal=proposal,
            action=data["action"],
            actor=request.user,
            reason=data["reason"],
            disclosure_acknowledged=data["disclosure_acknowledged"],
        )
        return Response(ProposalSerializer(proposal).data)

    def _plan_for_holdings(self):
        plan = self.get_object()
        if not can(self.request.user, "planning.view_holdings", plan.client):
            raise Http404
        return plan

    @extend_schema(methods=["GET"], request=None, responses=HoldingSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=HoldingsEntrySerializer, responses={201: HoldingSerializer(many=True)}
    )
    @action(detail=True, methods=["get", "post"])
    def holdings(self, request, pk=None):
        """GET: recorded holdings of an accepted plan, newest first (advisor of the client,
        oversight). POST: enter the plan's holdings by asset class on a date (the advisor)."""
        plan = self._plan_for_holdings()
        if request.method == "POST":
            data = HoldingsEntrySerializer(data=request.data)
            data.is_valid(raise_exception=True)
            made = services.holdings_record(
                plan=plan,
                actor=request.user,
                as_of=data.validated_data["as_of"],
                values=data.validated_data["values"],
            )
            return Response(HoldingSerializer(made, many=True).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(selectors.holding_list(user=request.user, plan=plan))
        return self.get_paginated_response(HoldingSerializer(page, many=True).data)

    @extend_schema(request=HoldingsImportSerializer, responses=HoldingsPreviewSerializer)
    @action(detail=True, methods=["post"], url_path="holdings/import")
    def holdings_import(self, request, pk=None):
        """Import a custodian CSV. dry_run (default true) writes nothing and returns each row's
        errors; dry_run=false writes every row in one transaction, only if all are valid."""
        plan = self._plan_for_holdings()
        data = HoldingsImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        preview = services.holdings_import(
            plan=plan, actor=request.user, content=v["content"], dry_run=v["dry_run"]
        )
        body = {
            "ok": preview.ok,
            "dry_run": v["dry_run"],
            "error_count": preview.error_count,
            "errors": preview.errors,
            "rows": [{"line": r.line, "values": r.values, "errors": r.errors} for r in preview.rows],
        }
        return Response(body, status=status.HTTP_200_OK if v["dry_run"] else status.HTTP_201_CREATED)


# --- documents --------------------------------------------------------------------------------


class DocumentSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    error = serializers.CharField(
        read_only=True, help_text="Why rendering failed, as stored (a system reason as a code in JSON)."
    )
    error_text = serializers.SerializerMethodField(
        help_text="Why rendering failed, in the request's language."
    )

    def get_error_text(self, obj) -> str:
        return render_reason(obj.error)

    class Meta:
        model = ArchivedDocument
        fields = [
            "id",
            "kind",
            "title",
            "subject_id",
            "version",
            "status",
            "status_label",
            "error",
            "error_text",
            "progress",
            "sha256",
            "size_bytes",
            "created_at",
            "completed_at",
        ]


class DocumentRequestSerializer(serializers.Serializer):
    proposal = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=list(services.DOCUMENT_KINDS))
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        help_text="Language of the PDF (default: the client's preferred language).",
    )


class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Reports: request (staff), poll status, download (recorded as a DOWNLOAD audit event)."""

    serializer_class = DocumentSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ArchivedDocument.objects.none()
        return selectors.document_list(user=self.request.user)

    def get_serializer_class(self):
        return DocumentRequestSerializer if self.action == "create" else DocumentSerializer

    def create(self, request):
        if not request.user.is_workspace_user:
            raise NotAllowed(_("Reports are requested by the firm's staff."))
        serializer = DocumentRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        proposal = selectors.proposal_get(user=request.user, pk=serializer.validated_data["proposal"])
        doc = services.proposal_document_request(
            proposal=proposal,
            kind=serializer.validated_data["kind"],
            actor=request.user,
            language=serializer.validated_data.get("language") or proposal.client.preferred_language,
        )
        return Response(DocumentSerializer(doc).data, status=status.HTTP_202_ACCEPTED)

    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        document = self.get_object()
        if document.status != DocumentStatus.READY or not document.file:
            raise Http404
        services.document_download_log(document=document, actor=request.user)
        return file_response(document.file, filename=document.download_name, content_type="application/pdf")


# --- reviews ----------------------------------------------------------------------------------


class ReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = Review
        fields = [
            "id",
            "client",
            "proposal",
            "sequence",
            "level",
            "due_date",
            "status",
            "current_values",
            "drift",
            "max_drift",
            "rebalance_proposed",
            "outcome",
            "completed_at",
            "completed_by",
        ]
        read_only_fields = fields


class ReviewRecordSerializer(serializers.Serializer):
    outcome = serializers.CharField()
    current_values = serializers.DictField(
        child=serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)
    )

    def validate_current_values(self, value):
        unknown = set(value) - set(ASSET_CLASSES)
        if unknown:
            raise serializers.ValidationError(
                _("Unknown asset classes: %(classes)s") % {"classes": ", ".join(sorted(unknown))}
            )
        return value


class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsWorkspaceUser]

    def get_queryset(self):
        params = self.request.query_params
        return selectors.review_list(
            user=self.request.user, status=params.get("status", ""), due=params.get("due", "")
        )

    def get_serializer_class(self):
        return ReviewRecordSerializer if self.action == "record" else ReviewSerializer

    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        review = self.get_object()
        serializer = ReviewRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.review_record(
            review=review,
            actor=request.user,
            current_values=serializer.validated_data["current_values"],
            outcome=serializer.validated_data["outcome"],
        )
        return Response(ReviewSerializer(review).data)
