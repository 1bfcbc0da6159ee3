"""The menu for each role. Entries whose URL is not installed are left out."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from advisory.roles import Role

A, R, C, S, ADM, CL = (
    Role.ADVISOR,
    Role.RISK_REVIEWER,
    Role.COMPLIANCE,
    Role.SUPERVISOR,
    Role.ADMINISTRATOR,
    Role.CLIENT,
)
STAFF = {A, R, C, S, ADM}


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset
    also: tuple[str, ...] = ()  # other pages of this entry, at addresses outside its own


WORKSPACE_NAV = [
    NavItem(_("Home"), "workspace:home", frozenset(STAFF)),
    NavItem(_("Clients"), "clients:list", frozenset(STAFF)),
    NavItem(_("Onboarding"), "clients:onboarding_list", frozenset(STAFF)),
    NavItem(_("Screening"), "clients:screening_queue", frozenset({C, S})),
    NavItem(_("Proposals"), "planning:proposal_list", frozenset(STAFF)),
    NavItem(_("Reviews"), "planning:review_list", frozenset({A, S, C, R, ADM})),
    NavItem(_("Service record"), "clients:activity_list", frozenset(STAFF), also=("clients:follow_up_list",)),
    NavItem(_("Complaints"), "complaints:list", frozenset(STAFF)),
    NavItem(_("Email intake"), "complaints:intake_list", frozenset({C, S})),
    NavItem(_("Return visits"), "complaints:return_visit_list", frozenset(STAFF)),
    NavItem(_("Suggestions"), "complaints:suggestion_list", frozenset(STAFF)),
    NavItem(_("Violations"), "complaints:violation_list", frozenset({C, S, ADM})),
    NavItem(_("Questionnaires"), "risk:questionnaire_list", frozenset({R, C, ADM})),
    NavItem(_("Products"), "risk:product_list", frozenset(STAFF)),
    NavItem(_("Product ratings"), "risk:rating_list", frozenset({R, C, S, ADM})),
    NavItem(_("Risk register"), "risk:register", frozenset({R, C, S, ADM})),
    NavItem(_("Warnings"), "oversight:warnings", frozenset(STAFF)),
    NavItem(_("Quality"), "oversight:dashboard", frozenset({C, S, ADM})),
    NavItem(_("Staff"), "oversight:staff_list", frozenset({C, S, ADM})),
    NavItem(_("Conduct"), "staff:list", frozenset({C, S, ADM})),
    NavItem(_("My conduct"), "staff:my_conduct", frozenset(STAFF)),
    NavItem(_("Conduct digests"), "complaints:digest_list", frozenset(STAFF)),
    NavItem(_("Internal audit"), "staff:audit_list", frozenset({C, S, ADM})),
    NavItem(_("Improvement actions"), "oversight:action_list", frozenset(STAFF)),
    NavItem(_("Audit trail"), "audit:browser", frozenset({C, ADM})),
    NavItem(_("Retention"), "audit:retention", frozenset({C, ADM})),
    NavItem(_("My exports"), "exports:jobs", frozenset(STAFF)),
    NavItem(_("Imports"), "imports:list", frozenset({C, ADM})),
]

PORTAL_NAV = [
    NavItem(_("Home"), "portal:home", frozenset({CL})),
    NavItem(_("My profile"), "clients_portal:profile", frozenset({CL})),
    NavItem(_("Risk questionnaire"), "risk_portal:questionnaire", frozenset({CL})),
    NavItem(_("Proposals"), "planning_portal:proposal_list", frozenset({CL})),
    NavItem(_("Reports"), "planning_portal:documents", frozenset({CL})),
    NavItem(_("Complaints"), "complaints_portal:list", frozenset({CL})),
    NavItem(_("Surveys"), "complaints_portal:survey_list", frozenset({CL})),
    NavItem(_("Suggestions"), "complaints_portal:suggestion_list", frozenset({CL})),
]


def navigation_for(request: HttpRequest) -> list[dict]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    items = PORTAL_NAV if user.is_client else WORKSPACE_NAV
    out: list[dict] = []
    prefixes: list[tuple[str, dict]] = []
    for item in items:
        if user.role not in item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        out.append({"label": item.label, "url": url, "active": False})
        prefixes.extend((reverse(name), out[-1]) for name in item.also)
        prefixes.append((url, out[-1]))
    # The entry with the longest address that prefixes the page's is the one highlighted
    # (on /app/complaints/intake/ that is "Email intake", not also "Complaints").
    matches = [
        (prefix, entry)
        for prefix, entry in prefixes
        if request.path == prefix or (prefix not in ("/app/", "/portal/") and request.path.startswith(prefix))
    ]
    if matches:
        max(matches, key=lambda m: len(m[0]))[1]["active"] = True
    return out
