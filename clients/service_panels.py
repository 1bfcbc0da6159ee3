"""Home-page panel: my follow-up tasks due within a week, overdue first (one query)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from advisory.clock import today

from .service_selectors import follow_ups_due


def workspace_panels(user) -> list[dict]:
    if not user.is_workspace_user:
        return []
    tasks = follow_ups_due(user=user)
    if not tasks and not user.is_advisor:
        return []
    on = today()
    items = [
        {
            "label": f"{t.title} · {t.client.name}",
            "url": reverse("clients:detail", args=[t.client_id]) + "#service-record",
            "meta": t.due_on,
            "badge": _("overdue") if t.due_on < on else (_("today") if t.due_on == on else _("due soon")),
            "tone": "red" if t.due_on < on else "amber",
        }
        for t in tasks
    ]
    overdue = sum(1 for i in items if i["tone"] == "red")
    return [
        {
            "title": _("My follow-ups"),
            "count": len(items),
            "tone": "red" if overdue else ("amber" if items else "green"),
            "items": items,
            "empty": _("No follow-up is due in the next seven days."),
            "link_url": reverse("clients:follow_up_list"),
        }
    ]
