"""Home-page panel: the open risk warnings the user is responsible for (advisors: their own;
oversight roles: the firm's most recent). Two queries."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from advisory.models import User

from .selectors import warning_list, warning_url


def workspace_panels(user: User) -> list[dict]:
    if not user.is_workspace_user:
        return []
    qs = warning_list(user=user)
    rows = list(qs[:6])
    count = qs.count() if len(rows) == 6 else len(rows)
    tone = "red" if any(w.severity == "critical" for w in rows) else ("amber" if rows else "green")
    return [
        {
            "title": _("My risk warnings") if user.is_advisor else _("Open risk warnings"),
            "count": count,
            "tone": tone,
            "items": [
                {
                    "label": w.text,
                    "url": warning_url(user=user, url=w.url),
                    "meta": w.get_kind_display(),
                    "badge": w.get_severity_display(),
                    "tone": "red" if w.severity == "critical" else "amber",
                }
                for w in rows
            ],
            "empty": _("No open warnings."),
            "link_url": reverse("oversight:warnings"),
        }
    ]
