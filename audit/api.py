"""REST API for compliance (SPEC §5), under /api/v1/audit/. Same predicates as the screens:
compliance officers and administrators only (403 for every other role)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from advisory.api import IsWorkspaceUser
from advisory.documents import document_language, document_languages
from advisory.errors import DomainError, NotFound
from advisory.openapi import results_of
from advisory.rules import can
from advisory.texts import render_reason

from . import selectors, services
from .forms import filters_from_params
from .models import AuditEntry, AuditExport, DisposalBatch, DisposalItem, LegalHold, RetentionRule


class IsComplianceOrAdmin(BasePermission):
    message = gettext_lazy("Only compliance officers and administrators can use the audit archive.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and can(request.user, "audit.use_archive"))


PERMS = [IsWorkspaceUser, IsComplianceOrAdmin]


class AuditEntrySerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    changes = serializers.JSONField(read_only=True)
    # false while the entry awaits the sequencer: no sequence, previous hash or hash yet
    chained = serializers.BooleanField(source="is_chained", read_only=True)
    reason = serializers.CharField(
        read_only=True,
        help_text="The reason as stored and hashed by the chain: a system reason as compact JSON "
        '`{"code":"audit.…","params":{…}}` (an English sentence in entries written before the '
        "codes), a reason a person typed as typed.",
    )
    reason_text = serializers.CharField(
        read_only=True, help_text="The reason in the language of the request (Accept-Language)."
    )
    record_label = serializers.CharField(
        read_only=True,
        help_text="The record's label as stored and hashed by the chain: plain text, or, when its "
        'words differ by language, compact JSON `{"label":{"en":"…","zh-hans":"…","zh-hant":"…"}}`.',
    )
    record_label_text = serializers.CharField(
        read_only=True, help_text="The record's label in the language of the request (Accept-Language)."
    )

    class Meta:
        model = AuditEntry
        fields = [
            "sequence",
            "chained",
            "occurred_at",
            "actor",
            "actor_label",
            "action",
            "action_label",
            "record_type",
            "record_id",
            "record_label",
            "record_label_text",
            "client_id",
            "reason",
            "reason_text",
            "changes",
            "ip_address",
            "user_agent",
            "history_id",
            "redacted",
            "content_hash",
            "prev_hash",
            "hash",
        ]


class AuditEntryPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    next_before = serializers.IntegerField(allow_null=True)
    results = AuditEntrySerializer(many=True)


class VerifyResultSerializer(serializers.Serializer):
    intact = serializers.BooleanField()
    checked = serializers.IntegerField()
    last_sequence = serializers.IntegerField()
    broken_sequence = serializers.IntegerField(allow_null=True)
    problem = serializers.CharField()
    code = serializers.CharField()
    params = serializers.DictField()
    kind = serializers.ChoiceField(choices=["full", "incremental"])
    from_sequence = serializers.IntegerField()
    start_checkpoint = serializers.CharField()
    last_checkpoint = serializers.CharField()
    checkpoints_checked = serializers.IntegerField()
    history_checked = serializers.IntegerField()
    seconds = serializers.FloatField()


class AsOfSerializer(serializers.Serializer):
    record_type = serializers.CharField()
    record_id = serializers.CharField()
    at = serializers.DateTimeField()
    exists = serializers.BooleanField()
    note = serializers.CharField()
    history_date = serializers.DateTimeField(allow_null=True)
    history_user = serializers.CharField()
    history_reason = serializers.CharField(help_text="The change reason as stored (see `reason`).")
    history_reason_text = serializers.CharField(help_text="The change reason in the language of the request.")
    fields = serializers.DictField()


def _keyset_response(request, qs) -> Response:
    try:
        before = int(request.query_params["before"]) if request.query_params.get("before") else None
        size = min(max(int(request.query_params.get("page_size", selectors.PAGE_SIZE)), 1), 200)
    except ValueError:
        raise DomainError(_("before and page_size must be whole numbers.")) from None
    page = selectors.keyset_page(qs, before=before, size=size)
    next_url = None
    if page.has_next:
        params = request.query_params.copy()
        params["before"] = str(page.next_before)
        next_url = request.build_absolute_uri(request.path) + "?" + params.urlencode()
    return Response(
        {
            "next": next_url,
            "next_before": page.next_before,
            "results": AuditEntrySerializer(page.rows, many=True).data,
        }
    )


class AuditEntryViewSet(viewsets.GenericViewSet):
    """Entries, newest first; filters client_id, actor_id, record_type, record_id, action,
    date_from, date_to; keyset pagination with `before=<sequence>` (no total count)."""

    permission_classes = PERMS
    lookup_field = "sequence"
    lookup_value_regex = r"\d+"
    queryset = AuditEntry.objects.none()
    serializer_class = AuditEntrySerializer
    pagination_class = None
    filter_backends: list = []
    list_returns_object = True

    @extend_schema(responses=AuditEntryPageSerializer)
    def list(self, request):
        filters = filters_from_params(request.query_params)
        return _keyset_response(request, selectors.audit_entry_list(user=request.user, filters=filters))

    def retrieve(self, request, sequence=None):
        try:
            entry = selectors.audit_entry_get(user=request.user, sequence=int(sequence))
        except ValueError:
            raise NotFound(_("No audit entry with this number.")) from None
        data = AuditEntrySerializer(entry).data
        data["diff"] = selectors.entry_diff(entry)
        return Response(data)


class ClientHistoryView(generics.GenericAPIView):
    permission_classes = PERMS
    serializer_class = AuditEntryPageSerializer
    queryset = AuditEntry.objects.none()

    def get(self, request, client_id: int):
        qs = selectors.audit_entry_list(
            user=request.user, filters=selectors.EntryFilters(client_id=client_id)
        )
        return _keyset_response(request, qs)


class VerifyView(generics.GenericAPIView):
    """GET: the last verification; POST: verify now (`{"full": false}` for an incremental run from
    the last good checkpoint; full by default)."""

    permission_classes = PERMS
    serializer_class = VerifyResultSerializer

    @extend_schema(
        responses=inline_serializer(
            name="LastVerification", fields={"last": serializers.DictField(allow_null=True)}
        )
    )
    def get(self, request):
        return Response({"last": selectors.last_verification()})

    def post(self, request):
        full = str(request.data.get("full", "true")).lower() not in ("false", "0", "no")
        result = services.audit_verify_and_record(actor=request.user, full=full)
        return Response(result.as_dict())


class AsOfView(generics.GenericAPIView):
    """?record_type=clients.client&record_id=12&at=2026-01-31T17:00 — the record as it stood then."""

    permission_classes = PERMS
    serializer_class = AsOfSerializer

    def get(self, request):
        from .views import parse_at

        params = request.query_params
        at = parse_at(params.get("at"))
        if not params.get("record_type") or not params.get("record_id") or at is None:
            raise DomainError(_("Give record_type, record_id and at (ISO date or date-time)."))
        result = selectors.record_as_of(
            user=request.user, record_type=params["record_type"], record_id=params["record_id"], at=at
        )
        return Response(
            {
                "record_type": result.record_type,
                "record_id": result.record_id,
                "at": result.at,
                "exists": result.exists,
                "note": result.note,
                "history_date": result.history_date,
                "history_user": result.history_user,
                "history_reason": result.history_reason,
                "history_reason_text": render_reason(result.history_reason),
                "fields": {f["name"]: f["value"] for f in result.fields},
                "encrypted_fields": [f["name"] for f in result.fields if f["encrypted"]],
                "can_reveal": result.can_reveal,
                "children": {
                    part["record_type"]: [
                        {"id": item["id"], "fields": {f["name"]: f["value"] for f in item["fields"]}}
                        for item in part["items"]
                    ]
                    for part in result.children
                },
            }
        )


class RetentionGuardedDestroyMixin:
    """DELETE on a retained record type answers why not, in the API's error shape: retained until
    a date or on hold (409), or past retention and disposed of only by an approved batch (403)."""

    def destroy(self, request, *args, **kwargs):
        services.retention_refuse_delete(self.get_object())


class AsOfRevealSerializer(serializers.Serializer):
    record_type = serializers.CharField()
    record_id = serializers.CharField()
    at = serializers.DateTimeField()
    field = serializers.CharField()


class AsOfRevealResultSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class AsOfRevealView(generics.GenericAPIView):
    """Reveal one encrypted value of a record as it stood at a point in time (logged)."""

    permission_classes = AsOfView.permission_classes
    serializer_class = AsOfRevealSerializer

    @extend_schema(request=AsOfRevealSerializer, responses=AsOfRevealResultSerializer)
    def post(self, request):
        data = AsOfRevealSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        value = services.as_of_reveal(user=request.user, **data.validated_data)
        return Response({"field": data.validated_data["field"], "value": value})


class ExportSerializer(serializers.ModelSerializer):
    document_status = serializers.CharField(source="document.status", default=None, read_only=True)
    document_progress = serializers.IntegerField(source="document.progress", default=None, read_only=True)
    document_sha256 = serializers.CharField(source="document.sha256", default=None, read_only=True)

    class Meta:
        model = AuditExport
        fields = [
            "id",
            "format",
            "filters",
            "client_id",
            "requested_by",
            "created_at",
            "document",
            "document_status",
            "document_progress",
            "document_sha256",
        ]


class ExportViewSet(viewsets.GenericViewSet):
    """POST {"format": "pdf", "filters": {...}} queues a PDF (poll GET /exports/<id>/);
    GET /exports/csv/?<filters> streams CSV. Every export is an audit event."""

    permission_classes = PERMS
    serializer_class = ExportSerializer
    queryset = AuditExport.objects.none()
    lookup_value_regex = r"\d+"
    pagination_class = None
    filter_backends: list = []
    list_returns_object = True

    @extend_schema(responses=results_of("ExportList", ExportSerializer))
    def list(self, request):
        rows = AuditExport.objects.select_related("document").order_by("-created_at", "-id")[:100]
        return Response({"results": ExportSerializer(rows, many=True).data})

    def retrieve(self, request, pk=None):
        export = AuditExport.objects.select_related("document").filter(pk=pk).first()
        if export is None:
            raise NotFound(_("No such export."))
        return Response(ExportSerializer(export).data)

    def create(self, request):
        fmt = request.data.get("format", "pdf")
        if fmt != "pdf":
            raise DomainError(_("POST creates PDF exports; stream CSV with GET /api/v1/audit/exports/csv/."))
        filters = filters_from_params(request.data.get("filters") or {})
        language = request.data.get("language") or request.LANGUAGE_CODE
        if language not in document_languages():
            raise DomainError(
                _("Choose one of the languages: %(codes)s.") % {"codes": ", ".join(document_languages())},
                field="language",
            )
        export = services.audit_export_pdf(actor=request.user, filters=filters, language=language)
        return Response(ExportSerializer(export).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=False, methods=["get"])
    def csv(self, request):
        """The filtered trail as CSV through the shared export mechanism (advisory.exports, list
        "audit.trail"; also GET /api/v1/exports/lists/audit.trail/): audited, and run in the
        background above EXPORT_BACKGROUND_THRESHOLD rows (202 with the job)."""
        from advisory.exports.api import export_start_response

        filters_from_params(request.query_params)  # bad filters: 400 with the field errors
        return export_start_response(request, "audit.trail", "csv", request.query_params)


class HoldSerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalHold
        fields = [
            "id",
            "scope",
            "client_id",
            "record_type",
            "record_ids",
            "reason",
            "placed_by",
            "placed_at",
            "released_by",
            "released_at",
            "release_reason",
        ]
        read_only_fields = ["placed_by", "placed_at", "released_by", "released_at", "release_reason"]


class HoldViewSet(viewsets.GenericViewSet):
    permission_classes = PERMS
    serializer_class = HoldSerializer
    queryset = LegalHold.objects.none()
    lookup_value_regex = r"\d+"
    pagination_class = None
    filter_backends: list = []
    list_returns_object = True

    @extend_schema(responses=results_of("HoldList", HoldSerializer))
    def list(self, request):
        active = {"true": True, "false": False}.get(request.query_params.get("active", ""))
        rows = selectors.hold_list(user=request.user, active=active)[:500]
        return Response({"results": HoldSerializer(rows, many=True).data})

    def retrieve(self, request, pk=None):
        hold = selectors.hold_list(user=request.user).filter(pk=pk).first()
        if hold is None:
            raise NotFound(_("No such hold."))
        return Response(HoldSerializer(hold).data)

    def create(self, request):
        data = request.data
        hold = services.hold_place(
            actor=request.user,
            scope=data.get("scope", ""),
            reason=data.get("reason", ""),
            client_id=data.get("client_id"),
            record_type=data.get("record_type", "") or "",
            record_ids=data.get("record_ids") or [],
        )
        return Response(HoldSerializer(hold).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        hold = selectors.hold_list(user=request.user).filter(pk=pk).first()
        if hold is None:
            raise NotFound(_("No such hold."))
        hold = services.hold_release(hold=hold, actor=request.user, reason=request.data.get("reason", ""))
        return Response(HoldSerializer(hold).data)


class RetentionRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = RetentionRule
        fields = ["id", "record_type", "name", "years", "trigger", "description"]
        read_only_fields = ["record_type"]


class RetentionRuleViewSet(viewsets.GenericViewSet):
    permission_classes = PERMS
    serializer_class = RetentionRuleSerializer
    queryset = RetentionRule.objects.none()
    lookup_value_regex = r"\d+"
    pagination_class = None
    filter_backends: list = []
    list_returns_object = True

    @extend_schema(responses=results_of("RetentionRuleList", RetentionRuleSerializer))
    def list(self, request):
        rows = selectors.retention_rule_list(user=request.user)
        return Response({"results": RetentionRuleSerializer(rows, many=True).data})

    def partial_update(self, request, pk=None):
        rule = selectors.retention_rule_list(user=request.user).filter(pk=pk).first()
        if rule is None:
            raise NotFound(_("No such rule."))
        ser = RetentionRuleSerializer(rule, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        rule = services.retention_rule_update(
            rule=rule,
            actor=request.user,
            years=d.get("years", rule.years),
            name=d.get("name"),
            trigger=d.get("trigger"),
            description=d.get("description"),
        )
        return Response(RetentionRuleSerializer(rule).data)


class DisposalItemSerializer(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True)  # proposed / disposed / released / skipped

    class Meta:
        model = DisposalItem
        fields = [
            "record_type",
            "record_id",
            "client_id",
            "rule",
            "rule_years",
            "trigger_date",
            "retained_until",
            "state",
            "method",
            "disposed_at",
            "content_hash",
            "note",
        ]


class DisposalBatchSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)  # pending / approved / rejected
    item_count = serializers.IntegerField(read_only=True)
    certificate_status = serializers.CharField(source="certificate.status", default=None, read_only=True)
    certificate_sha256 = serializers.CharField(source="certificate.sha256", default=None, read_only=True)

    class Meta:
        model = DisposalBatch
        fields = [
            "id",
            "status",
            "proposed_at",
            "proposed_by",
            "reviewed_by",
            "reviewed_at",
            "review_note",
            "manifest_hash",
            "certificate",
            "certificate_status",
            "certificate_sha256",
            "item_count",
        ]


class DisposalBatchViewSet(viewsets.GenericViewSet):
    permission_classes = PERMS
    serializer_class = DisposalBatchSerializer
    queryset = DisposalBatch.objects.none()
    lookup_value_regex = r"\d+"
    pagination_class = None
    filter_backends: list = []
    list_returns_object = True

    @extend_schema(responses=results_of("DisposalBatchList", DisposalBatchSerializer))
    def list(self, request):
        rows = selectors.disposal_batch_list(
            user=request.user, status=request.query_params.get("status", "")
        )[:200]
        return Response({"results": DisposalBatchSerializer(rows, many=True).data})

    def retrieve(self, request, pk=None):
        batch = selectors.disposal_batch_get(user=request.user, pk=pk)
        data = DisposalBatchSerializer(batch).data
        data["items"] = DisposalItemSerializer(
            batch.items.order_by("record_type", "pk")[:1000], many=True
        ).data
        return Response(data)

    @extend_schema(
        request=None,
        responses={
            201: inline_serializer(
                name="DisposalProposal",
                fields={"batches": serializers.ListField(child=serializers.IntegerField())},
            )
        },
    )
    @action(detail=False, methods=["post"])
    def propose(self, request):
        batches = services.disposal_propose(actor=request.user)
        return Response({"batches": [b.pk for b in batches]}, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        batch = selectors.disposal_batch_get(user=request.user, pk=pk)
        services.disposal_approve(
            batch=batch,
            actor=request.user,
            note=request.data.get("note", ""),
            language=document_language(request.data.get("language"), default=request.LANGUAGE_CODE),
        )
        return Response(DisposalBatchSerializer(selectors.disposal_batch_get(user=request.user, pk=pk)).data)

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        batch = selectors.disposal_batch_get(user=request.user, pk=pk)
        services.disposal_reject(batch=batch, actor=request.user, note=request.data.get("note", ""))
        return Response(DisposalBatchSerializer(selectors.disposal_batch_get(user=request.user, pk=pk)).data)
