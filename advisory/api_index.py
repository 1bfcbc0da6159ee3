"""`/api/v1/`: an index of the API's sections. Kept apart from advisory.api, which DRF's settings
import (pagination) before its views can be."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

API_SECTIONS = [
    ("clients", _("Client files, onboarding, agreements and related parties")),
    ("risk", _("Questionnaires, assessments, products, suitability and the risk register")),
    ("planning", _("Snapshots, goals, model portfolios, proposals and reviews")),
    ("complaints", _("Complaint tickets, SLA timers, surveys and violation cases")),
    ("audit", _("The audit trail, retention, legal holds and disposal")),
    ("oversight", _("Quality indicators, warnings, staff and improvement actions")),
]


class ApiIndexSerializer(serializers.Serializer):
    sections = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    schema = serializers.URLField()
    docs = serializers.URLField()


class ApiIndexView(APIView):
    """`/api/v1/`: the sections of the API, each with its address, and where the schema lives."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ApiIndexSerializer, summary="API sections")
    def get(self, request: Request) -> Response:
        base = request.build_absolute_uri(reverse("api-index"))
        return Response(
            {
                "sections": [
                    {"name": name, "description": str(text), "url": f"{base}{name}/"}
                    for name, text in API_SECTIONS
                ],
                "schema": request.build_absolute_uri(reverse("api-schema")),
                "docs": request.build_absolute_uri(reverse("api-docs")),
            }
        )
