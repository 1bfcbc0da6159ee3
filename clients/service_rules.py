"""Who may read and write the service record (activities, follow-up tasks, calendar feed).

The same book rule as the client file: an advisor works on their own clients; supervisors,
risk reviewers, compliance and administrators read every client's record. Imported by
clients/apps.py so the predicates are registered at start-up.
"""

from __future__ import annotations

import rules

from advisory.rules import is_advisor, is_oversight, is_workspace_user

from .rules import is_responsible_advisor


@rules.predicate
def is_follow_up_assignee(user, task) -> bool:
    return task is not None and getattr(task, "assignee_id", None) == user.pk


can_view_record = (is_advisor & is_responsible_advisor) | is_oversight
can_write_record = is_advisor & is_responsible_advisor

rules.add_perm("clients.view_service_record", can_view_record)
rules.add_perm("clients.log_activity", can_write_record)
rules.add_perm("clients.change_activity", can_write_record)
rules.add_perm("clients.manage_follow_up", can_write_record | (is_workspace_user & is_follow_up_assignee))
rules.add_perm("clients.use_calendar_feed", is_workspace_user)
