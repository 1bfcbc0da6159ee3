"""Who may see and act on return visits, surveys and suggestions.

Return visits are independent of the advisor: the caller (any staff member assigned, never
the client's advisor) sees and records only the visits assigned to them; supervisors,
compliance and administrators see all and reassign; risk reviewers read. Suggestions follow
the client's book like complaints. Imported by complaints/apps.py at start-up.
"""

from __future__ import annotations

import rules

from advisory.rules import (
    is_administrator,
    is_advisor,
    is_client,
    is_compliance,
    is_oversight,
    is_supervisor,
    is_workspace_user,
)


@rules.predicate
def is_visit_assignee(user, visit) -> bool:
    return visit is not None and getattr(visit, "assignee_id", None) == user.pk


@rules.predicate
def is_own_suggestion(user, suggestion) -> bool:
    return suggestion is not None and suggestion.client.user_id == user.pk


@rules.predicate
def advises_suggestion_client(user, suggestion) -> bool:
    return suggestion is not None and suggestion.client.advisor_id == user.pk


manages_feedback = is_supervisor | is_compliance | is_administrator

rules.add_perm("complaints.list_return_visits", is_workspace_user)
rules.add_perm("complaints.view_return_visit", (is_workspace_user & is_visit_assignee) | is_oversight)
rules.add_perm("complaints.record_return_visit", is_workspace_user & is_visit_assignee)
rules.add_perm("complaints.manage_return_visits", manages_feedback)
rules.add_perm("complaints.view_survey_results", manages_feedback)
rules.add_perm("complaints.submit_suggestion", is_client)
rules.add_perm(
    "complaints.view_suggestion",
    (is_client & is_own_suggestion) | (is_advisor & advises_suggestion_client) | is_oversight,
)
rules.add_perm("complaints.answer_suggestion", (is_advisor & advises_suggestion_client) | manages_feedback)
rules.add_perm("complaints.list_suggestions", is_workspace_user)
