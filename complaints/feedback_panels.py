"""Home-page panels: my return visits to make (staff), surveys to answer and suggestions
(portal). One query each."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from advisory.clock import today

from .models import ReturnVisit, ReturnVisitStatus, SatisfactionSurvey


def workspace_panels(user) -> list[dict]:
    if not user.is_workspace_user:
        return []
    visits = list(
        ReturnVisit.objects.filter(assignee=user, status=ReturnVisitStatus.ASSIGNED)
        .select_related("client")
        .order_by("due_on", "id")[:10]
    )
    if not visits:
        return []
    on = today()
    items = [
        {
            "label": f"{v.get_trigger_display()} · {v.client.name}",
            "url": reverse("complaints:return_visit_detail", args=[v.pk]),
            "meta": v.due_on,
            "badge": _("overdue") if v.due_on < on else _("to call"),
            "tone": "red" if v.due_on < on else "amber",
        }
        for v in visits
    ]
    return [
        {
            "title": _("Return visits to make"),
            "count": len(items),
            "tone": "red" if any(i["tone"] == "red" for i in items) else "amber",
            "items": items,
            "empty": _("No return visit assigned to you."),
            "link_url": reverse("complaints:return_visit_list"),
        }
    ]


def portal_panels(user) -> list[dict]:
    surveys = list(
        SatisfactionSurvey.objects.filter(client__user=user, answered_at__isnull=True).order_by("-sent_at")[
            :5
        ]
    )
    if not surveys:
        return []
    return [
        {
            "title": _("Surveys waiting for you"),
            "count": len(surveys),
            "tone": "amber",
            "items": [
                {
                    "label": s.get_trigger_display(),
                    "url": reverse("complaints_portal:survey_answer", args=[s.pk]),
                    "meta": s.sent_at,
                }
                for s in surveys
            ],
            "empty": "",
            "link_url": reverse("complaints_portal:survey_list"),
        }
    ]
