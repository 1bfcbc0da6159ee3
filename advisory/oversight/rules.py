"""Permission predicates for the quality dashboard, warnings, staff and improvement actions."""

from __future__ import annotations

import rules

from advisory.rules import (
    is_administrator,
    is_compliance,
    is_oversight,
    is_supervisor,
    is_supervisor_or_compliance,
    is_workspace_user,
)


@rules.predicate
def is_warning_advisor(user, warning) -> bool:
    return warning is not None and warning.advisor_id == user.pk


@rules.predicate
def is_action_owner(user, action) -> bool:
    return action is not None and action.owner_id == user.pk


# Quality dashboard and targets: supervisors, compliance, administrators (SPEC §6).
rules.add_perm("oversight.view_dashboard", is_supervisor_or_compliance)
rules.add_perm("oversight.change_target", is_supervisor_or_compliance)
rules.add_perm("oversight.generate_report", is_supervisor_or_compliance)
# Warnings: every staff member sees the list; advisors only their own (selector + predicate).
rules.add_perm("oversight.list_warnings", is_workspace_user)
rules.add_perm("oversight.view_warning", is_oversight | is_warning_advisor)
# Staff: qualifications and training.
rules.add_perm("oversight.view_staff", is_supervisor_or_compliance)
rules.add_perm("oversight.manage_staff", is_supervisor_or_compliance)
# Conduct violations on the staff page: compliance and supervisors only (SPEC §4 last point).
rules.add_perm("oversight.view_staff_violations", is_compliance | is_supervisor | is_administrator)
# Improvement actions: oversight managers create and check; owners see and progress theirs.
rules.add_perm("oversight.list_actions", is_workspace_user)
rules.add_perm("oversight.add_action", is_supervisor_or_compliance)
rules.add_perm("oversight.view_action", is_supervisor_or_compliance | is_action_owner)
rules.add_perm("oversight.change_action", is_supervisor_or_compliance | is_action_owner)
rules.add_perm("oversight.check_action", is_supervisor_or_compliance)
