"""API twin of the email intake (/api/v1/complaints/intake/): supervisors and compliance list the
messages read from the mailboxes, link one to a client (filing the complaint) or set it aside."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from advisory.permissions import IsWorkspaceUser, RulesPermission
from clients.models import Client

from . import mailbox, selectors
from .models import InboundEmail, InboundStatus


class InboundEmailSerializer(serializers.ModelSerializer):
    mailbox = serializers.CharField(source="mailbox.name")
    complaint_number = serializers.CharField(source="complaint.number", default=None, allow_null=True)

    class Meta:
        model = InboundEmail
        fields = [
            "id", "mailbox", "received_at", "from_address", "from_name", "subject", "body", "size_bytes",
            "status", "reason", "ticket_number", "complaint", "complaint_number", "handled_by", "handled_at",
        ]  # fmt: skip
        read_only_fields = fields


class InboundLinkSerializer(serializers.Serializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())


class InboundDismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class InboundEmailViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = InboundEmailSerializer
    permission_classes = [IsWorkspaceUser, RulesPermission]
    permission_map = dict.fromkeys(("list", "retrieve", "link", "dismiss"), "complaints.manage_intake")

    def get_queryset(self):
        status = self.request.query_params.get("status", "")
        if status not in {"", "open", *InboundStatus.values}:
            status = "open"
        return selectors.inbound_list(
            user=self.request.user, status=status, search=self.request.query_params.get("q", "")
        )

    @extend_schema(request=InboundLinkSerializer, responses=InboundEmailSerializer)
    @action(detail=True, methods=["post"])
    def link(self, request: Request, pk=None) -> Response:
        inbound = self.get_object()
        data = InboundLinkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mailbox.inbound_link(inbound=inbound, client=data.validated_data["client"], actor=request.user)
        inbound.refresh_from_db()
        return Response(InboundEmailSerializer(inbound).data)

    @extend_schema(request=InboundDismissSerializer, responses=InboundEmailSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk=None) -> Response:
        inbound = self.get_object()
        data = InboundDismissSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inbound = mailbox.inbound_dismiss(
            inbound=inbound, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(InboundEmailSerializer(inbound).data)
