"""Home-page panels per role. Each panel is a small dict rendered by the home template:
{"title", "items": [{"label", "url", "meta", "badge"}], "empty", "link"}. Apps' selectors feed them."""

from __future__ import annotations

from django.urls import reverse

from advisory.models import Notification, User


def _notifications_panel(user: User) -> dict:
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True).order_by("-created_at")[:5]
    return {
        "title": "Unread notifications",
        "items": [{"label": n.subject, "url": n.url, "meta": n.created_at} for n in rows],
        "empty": "Nothing new.",
        "link_url": reverse("notifications"),
    }


def panels_for(user: User) -> list[dict]:
    panels: list[dict] = []
    for provider in PANEL_PROVIDERS:
        panel = provider(user)
        if panel:
            panels.append(panel)
    panels.append(_notifications_panel(user))
    return panels


def portal_panels_for(user: User) -> list[dict]:
    panels: list[dict] = []
    for provider in PORTAL_PANEL_PROVIDERS:
        panel = provider(user)
        if panel:
            panels.append(panel)
    panels.append(_notifications_panel(user))
    return panels


# Filled as the apps are built: functions (user) -> panel dict or None.
PANEL_PROVIDERS: list = []
PORTAL_PANEL_PROVIDERS: list = []
