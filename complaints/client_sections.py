"""The client's complaints, for the client 360° page (clients/sections.py calls this)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from advisory.rules import can

from .models import OPEN_STATES, Complaint


def client_sections(*, client, user) -> list[dict]:
    """One section: the client's latest tickets with SLA badges (one query). Staff who may see
    the client see it; a client user gets links to the portal instead."""
    if not (can(user, "complaints.view_queue") or (user.is_client and client.user_id == user.pk)):
        return []
    rows = list(
        Complaint.objects.filter(client=client)
        .select_related("assignee")
        .order_by("-received_at", "-id")[:10]
    )
    url_name = "complaints_portal:detail" if user.is_client else "complaints:detail"
    items = [{"complaint": c, "sla": c.sla_status(), "url": reverse(url_name, args=[c.pk])} for c in rows]
    return [
        {
            "title": _("Complaints"),
            "template": "complaints/_client_section.html",
            "context": {
                "items": items,
                "open_count": sum(1 for c in rows if c.state in OPEN_STATES),
                "list_url": (
                    reverse("complaints_portal:list")
                    if user.is_client
                    else reverse("complaints:list") + f"?q={client.file_number}&state=all"
                ),
                "create_url": "" if user.is_client else reverse("complaints:create") + f"?client={client.pk}",
            },
        }
    ]
