"""Warnings the oversight sweep syncs (SPEC §6): expired and expiring (within 30 days) risk
profiles and pending suitability exceptions. `active_warnings()` returns {kind: {subject_key: WarningSpec}} for warning_sync."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef
from django.urls import NoReverseMatch, reverse

from advisory.clock import today
from advisory.models import WarningKind, WarningSeverity
from advisory.texts import text
from advisory.warnings import WarningSpec

from . import conf
from .models import AssessmentStatus, ExceptionStatus, RiskAssessment, SuitabilityException


def _url(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def active_warnings() -> dict[str, dict[tuple[str, str], WarningSpec]]:
    on = today()
    newer = RiskAssessment.objects.filter(
        client_id=OuterRef("client_id"),
        status=AssessmentStatus.CONFIRMED,
        valid_until__gte=on,
    )
    expired = (
        RiskAssessment.objects.filter(status__in=[AssessmentStatus.EXPIRED, AssessmentStatus.CONFIRMED])
        .filter(valid_until__lt=on)
        .exclude(Exists(newer))
        .select_related("client")
        .only("id", "valid_until", "client__id", "client__name", "client__advisor_id")
    )
    profile = {
        ("clients.client", str(a.client_id)): WarningSpec(
            message=text("warning.profile_expired", client=a.client.name, date=a.valid_until),
            advisor=a.client.advisor_id,
            client_id=a.client_id,
            severity=WarningSeverity.WARNING,
            url=_url("risk:assessment_detail", a.pk),
        )
        for a in expired
    }
    soon = on + datetime.timedelta(days=int(conf.get("PROFILE_REMINDER_DAYS")))
    expiring_rows = (
        RiskAssessment.objects.filter(
            status=AssessmentStatus.CONFIRMED, valid_until__gte=on, valid_until__lte=soon
        )
        .exclude(Exists(newer.filter(valid_until__gt=soon)))
        .select_related("client")
        .only("id", "valid_until", "client__id", "client__name", "client__advisor_id")
    )
    expiring = {
        ("clients.client", str(a.client_id)): WarningSpec(
            message=text("warning.profile_expiring", client=a.client.name, date=a.valid_until),
            advisor=a.client.advisor_id,
            client_id=a.client_id,
            severity=WarningSeverity.INFO,
            url=_url("risk:assessment_detail", a.pk),
        )
        for a in expiring_rows
    }
    pending = SuitabilityException.objects.filter(
        status__in=[ExceptionStatus.REQUESTED, ExceptionStatus.CLIENT_CONFIRMED]
    ).select_related("client", "product")
    exceptions = {
        ("risk.suitabilityexception", str(e.pk)): WarningSpec(
            message=text(
                "warning.exception_pending",
                product=e.product.code,
                rating=e.product_rating,
                client=e.client.name,
                level=e.client_level,
            ),
            advisor=e.client.advisor_id,
            client_id=e.client_id,
            severity=WarningSeverity.INFO,
            url=_url("risk:exception_detail", e.pk),
        )
        for e in pending
    }
    return {
        WarningKind.PROFILE_EXPIRED: profile,
        WarningKind.PROFILE_EXPIRING: expiring,
        WarningKind.SUITABILITY_EXCEPTION: exceptions,
    }
