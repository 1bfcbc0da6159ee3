"""Home-page panel for advisors: my onboarding cases waiting for review, overdue first."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from advisory.clock import now
from advisory.formats import local_datetime

from .selectors import onboarding_due_soon


def workspace_panels(user) -> list[dict]:
    if not (user.is_advisor or user.is_oversight):
        return []
    cases = onboarding_due_soon(user=user)  # one query
    current = now()
    items = []
    for case in cases:
        overdue = case.review_deadline < current
        items.append(
            {
                "label": f"{case.acceptance_number} · {case.client.name}",
                "url": reverse("clients:onboarding_detail", args=[case.pk]),
                "meta": local_datetime(case.review_deadline),
                "badge": _("overdue") if overdue else _("due soon"),
                "tone": "red" if overdue else "amber",
            }
        )
    overdue_count = sum(1 for i in items if i["tone"] == "red")
    return [
        {
            "title": _("Onboarding reviews due"),
            "count": len(items),
            "tone": "red" if overdue_count else ("amber" if items else "green"),
            "items": items,
            "empty": _("No onboarding case is due for review in the next two days."),
            "link_url": reverse("clients:onboarding_list") + "?step=initial_review",
        }
    ]
