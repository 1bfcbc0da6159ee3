"""Home-page panels: the advisor's expiring/expired profiles, the risk reviewer's queue."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from advisory.clock import today
from advisory.roles import Role

from . import conf
from .models import AssessmentStatus, ExceptionStatus, Risk, RiskAssessment, RiskStatus, SuitabilityException


def workspace_panels(user) -> list[dict]:
    panels: list[dict] = []
    on = today()
    if user.role == Role.ADVISOR:
        rows = list(
            RiskAssessment.objects.filter(
                client__advisor=user,
                status__in=[AssessmentStatus.CONFIRMED, AssessmentStatus.EXPIRED],
                valid_until__lte=on + datetime.timedelta(days=int(conf.get("PROFILE_REMINDER_DAYS"))),
            )
            .select_related("client")
            .order_by("valid_until")[:8]
        )
        panels.append(
            {
                "title": _("Risk profiles expiring or expired"),
                "count": len(rows),
                "tone": "amber" if rows else "green",
                "items": [
                    {
                        "label": a.client.name,
                        "url": reverse("risk:assessment_detail", args=[a.pk]),
                        "meta": a.valid_until,
                        "badge": _("expired") if a.valid_until < on else _("expiring"),
                        "tone": "red" if a.valid_until < on else "amber",
                    }
                    for a in rows
                ],
                "empty": _("No profile expires in the next 30 days."),
                "link_url": reverse("risk:assessment_list"),
            }
        )
    if user.role in (Role.RISK_REVIEWER, Role.COMPLIANCE):
        pending = list(
            SuitabilityException.objects.filter(
                status__in=[ExceptionStatus.REQUESTED, ExceptionStatus.CLIENT_CONFIRMED]
            )
            .select_related("client", "product")
            .order_by("created_at")[:8]
        )
        panels.append(
            {
                "title": _("Pending suitability exceptions"),
                "count": len(pending),
                "tone": "amber" if pending else "green",
                "items": [
                    {
                        "label": f"{e.client.name}: {e.product.code} ({e.product_rating} > {e.client_level})",
                        "url": reverse("risk:exception_detail", args=[e.pk]),
                        "badge": e.get_status_display(),
                    }
                    for e in pending
                ],
                "empty": _("None pending."),
                "link_url": reverse("risk:exception_list"),
            }
        )
    if user.role in (Role.RISK_REVIEWER, Role.COMPLIANCE, Role.SUPERVISOR):
        due = list(
            Risk.objects.exclude(status=RiskStatus.CLOSED)
            .filter(review_date__lte=on + datetime.timedelta(days=14))
            .select_related("owner")
            .order_by("review_date")[:8]
        )
        panels.append(
            {
                "title": _("Register reviews due"),
                "count": len(due),
                "tone": "red" if any(r.review_date < on for r in due) else "green",
                "items": [
                    {
                        "label": f"{r.reference} {r.title}",
                        "url": reverse("risk:register_detail", args=[r.pk]),
                        "meta": r.review_date,
                        "badge": _("overdue") if r.review_date < on else r.get_level_display(),
                        "tone": "red" if r.review_date < on else "grey",
                    }
                    for r in due
                ],
                "empty": _("No review due in the next 14 days."),
                "link_url": reverse("risk:register") + "?overdue=on",
            }
        )
    return panels


def portal_panels(user) -> list[dict]:
    rows = list(
        RiskAssessment.objects.filter(client__user=user)
        .exclude(status=AssessmentStatus.SUPERSEDED)
        .order_by("-created_at")[:1]
    )
    a = rows[0] if rows else None
    if a is None:
        items, empty = [], _("You have no risk profile yet: take the questionnaire.")
    else:
        label = _("Level %(level)s, valid until %(date)s") % {
            "level": a.effective_level,
            "date": a.valid_until,
        }
        if a.status == AssessmentStatus.DRAFT:
            label = _("Result %(level)s awaiting your confirmation") % {"level": a.effective_level}
        items, empty = [{"label": label, "url": reverse("risk_portal:questionnaire")}], ""
    # a special risk warning waits for the client: shown first, it is what they must act on
    waiting = list(
        SuitabilityException.objects.filter(client__user=user, status=ExceptionStatus.REQUESTED)
        .select_related("product")
        .order_by("-created_at")[:3]
    )
    items = [
        {
            "label": _("Special risk warning for %(product)s: please read and confirm")
            % {"product": w.product.name},
            "url": reverse("risk_portal:exception_confirm", args=[w.pk]),
            "badge": _("awaits you"),
            "tone": "amber",
        }
        for w in waiting
    ] + items
    return [
        {
            "title": _("Your risk profile"),
            "items": items,
            "empty": empty,
            "link_url": reverse("risk_portal:questionnaire"),
        }
    ]
