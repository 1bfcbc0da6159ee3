"""Role home pages. Each app contributes panels as it grows; the page asks selectors only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from advisory.roles import Role

HOME_TITLES = {
    Role.ADVISOR: "Advisor workspace",
    Role.RISK_REVIEWER: "Risk review",
    Role.COMPLIANCE: "Compliance",
    Role.SUPERVISOR: "Supervision",
    Role.ADMINISTRATOR: "Administration",
}


@login_required
def workspace_home(request: HttpRequest) -> HttpResponse:
    from .panels import panels_for

    user = request.user
    return render(
        request,
        "oversight/workspace_home.html",
        {"role": user.role, "role_label": user.get_role_display(), "panels": panels_for(user)},
    )


@login_required
def portal_home(request: HttpRequest) -> HttpResponse:
    from .panels import portal_panels_for

    return render(request, "oversight/portal_home.html", {"panels": portal_panels_for(request.user)})
