"""The service-record section of the client 360° page: latest activities, open follow-ups, the
merged timeline (loaded with htmx after the page, so the page itself keeps a fixed query count)
with links to filter it by kind, and links to the full log (two queries)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from advisory.clock import today
from advisory.rules import can

from .models import Activity, FollowUpStatus, FollowUpTask
from .service_forms import FollowUpForm


def client_sections(*, client, user) -> list[dict]:
    if not can(user, "clients.view_service_record", client):
        return []
    activities = list(
        Activity.objects.filter(client=client).select_related("executor").order_by("-starts_at")[:5]
    )
    follow_ups = list(
        FollowUpTask.objects.filter(client=client, status=FollowUpStatus.OPEN)
        .select_related("assignee")
        .order_by("due_on", "id")[:10]
    )
    can_log = can(user, "clients.log_activity", client)
    from .timeline import timeline_kinds

    timeline_url = reverse("clients:timeline", args=[client.pk])
    kinds = [
        {"label": label, "url": f"{timeline_url}?kind={code}"} for code, label in timeline_kinds().items()
    ]
    return [
        {
            "title": _("Service record"),
            "template": "clients/_service_section.html",
            "context": {
                "client": client,
                "activities": activities,
                "follow_ups": follow_ups,
                "today": today(),
                "can_log": can_log,
                "follow_up_form": FollowUpForm() if can_log else None,
                "timeline_url": timeline_url,
                "kinds": kinds,
                "log_url": reverse("clients:activity_create", args=[client.pk]) if can_log else "",
                "list_url": reverse("clients:activity_list") + f"?q={client.file_number}",
            },
        }
    ]
