"""Home-page panels (format in advisory/oversight/panels.py); at most 2 queries each."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from advisory.rules import can

from . import selectors
from .models import CLOCK_RUNNING_STATES, OPEN_STATES, Complaint


def _item(c: Complaint, url_name: str) -> dict:
    sla = c.sla_status()
    return {
        "label": f"{c.number} · {c.subject}",
        "url": reverse(url_name, args=[c.pk]),
        "meta": c.client.name if url_name.startswith("complaints:") else c.get_state_display(),
        "badge": sla["label"],
        "tone": sla["tone"],
    }


def workspace_panels(user) -> list[dict]:
    if not can(user, "complaints.view_queue"):
        return []
    panels = []
    mine = list(
        Complaint.objects.filter(assignee=user, state__in=list(CLOCK_RUNNING_STATES))
        .select_related("client")
        .order_by("resolve_due_at")[:6]
    )
    panels.append(
        {
            "title": _("My complaints nearest to breach"),
            "count": len(mine),
            "tone": "red" if any(c.sla_status()["tone"] == "red" for c in mine) else "blue",
            "items": [_item(c, "complaints:detail") for c in mine],
            "empty": _("No open complaints assigned to you."),
            "link_url": reverse("complaints:list") + "?assignee=me",
        }
    )
    if can(user, "complaints.view_escalated"):
        rows = list(selectors.escalated_complaints(user=user))
        panels.append(
            {
                "title": _("Escalated complaints"),
                "count": len(rows),
                "tone": "red" if rows else "green",
                "items": [_item(c, "complaints:detail") for c in rows],
                "empty": _("No escalated complaints."),
                "link_url": reverse("complaints:list") + "?overdue=on",
            }
        )
    return panels


def portal_panels(user) -> list[dict]:
    if not user.is_client:
        return []
    rows = list(
        Complaint.objects.filter(client__user=user, state__in=list(OPEN_STATES))
        .select_related("client")
        .order_by("-received_at")[:5]
    )
    return [
        {
            "title": _("My open complaints"),
            "count": len(rows),
            "tone": "blue",
            "items": [_item(c, "complaints_portal:detail") for c in rows],
            "empty": _("No open complaints."),
            "link_url": reverse("complaints_portal:list"),
        }
    ]
