"""Home-page panels per role. Each panel is a small dict rendered by oversight/_panel.html:
{"title", "count", "tone", "items": [{"label", "url", "meta", "badge", "tone"}], "empty", "link_url"}.
Apps' selectors feed them."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from advisory.models import Notification, User


def _notifications_panel(user: User) -> dict:
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True).order_by("-created_at")[:5]
    return {
        "title": _("Unread notifications"),
        "items": [{"label": n.subject, "url": n.url, "meta": n.created_at} for n in rows],
        "empty": _("Nothing new."),
        "link_url": reverse("notifications"),
    }


def panels_for(user: User) -> list[dict]:
    panels: list[dict] = []
    for provider in _providers("workspace_panels"):
        panels.extend(provider(user) or [])
    panels.append(_notifications_panel(user))
    return panels


def portal_panels_for(user: User) -> list[dict]:
    panels: list[dict] = []
    for provider in _providers("portal_panels"):
        panels.extend(provider(user) or [])
    panels.append(_notifications_panel(user))
    return panels


def _providers(attr: str) -> list:
    """Each app may offer a panels module (`<app>/panels.py`) with `workspace_panels(user)` / `portal_panels(user)`
    returning a list of panel dicts."""
    import importlib

    found = []
    for name in PANEL_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        func = getattr(module, attr, None)
        if func is not None:
            found.append(func)
    return found


PANEL_MODULES = [
    "advisory.oversight.warning_panels",
    "clients.panels",
    "clients.service_panels",
    "risk.panels",
    "planning.panels",
    "complaints.panels",
    "complaints.feedback_panels",
    "audit.panels",
]
