"""Who may see and act on complaints and violation cases (SPEC §4)."""

import rules

from advisory.rules import (
    is_administrator,
    is_advisor,
    is_client,
    is_compliance,
    is_oversight,
    is_risk_reviewer,
    is_supervisor,
    is_supervisor_or_compliance,
    is_workspace_user,
)


@rules.predicate
def is_own_ticket(user, complaint) -> bool:
    return complaint is not None and complaint.client.user_id == user.pk


@rules.predicate
def advises_client_or_assigned(user, complaint) -> bool:
    if complaint is None:
        return False
    return complaint.client.advisor_id == user.pk or complaint.assignee_id == user.pk


@rules.predicate
def advises_client(user, client) -> bool:
    return client is not None and getattr(client, "advisor_id", None) == user.pk


can_view = (is_client & is_own_ticket) | (is_advisor & advises_client_or_assigned) | is_oversight
# Risk reviewers see everything but only read (SPEC §4 permissions).
can_act = (is_advisor & advises_client_or_assigned) | is_supervisor | is_compliance | is_administrator

rules.add_perm("complaints.view_complaint", can_view)
rules.add_perm("complaints.act_on_complaint", can_act)
rules.add_perm("complaints.view_queue", is_workspace_user)
# Staff log complaints on a client's behalf: the client's advisor or anyone above the book.
rules.add_perm(
    "complaints.file_complaint", (is_advisor & advises_client) | (is_oversight & ~is_risk_reviewer)
)
rules.add_perm("complaints.create_portal_complaint", is_client)
rules.add_perm("complaints.view_violation", is_supervisor_or_compliance)
rules.add_perm("complaints.manage_violation", is_supervisor_or_compliance)
rules.add_perm("complaints.view_internal", is_workspace_user)
rules.add_perm("complaints.view_escalated", is_supervisor | is_compliance | is_administrator)
# The email intake holds messages from people not yet linked to a client: oversight handles it.
rules.add_perm("complaints.manage_intake", is_supervisor | is_compliance)
# Warning-education digests of closed violation cases: every staff member reads; compliance publishes.
rules.add_perm("complaints.view_digest", is_workspace_user)
rules.add_perm("complaints.publish_digest", is_compliance | is_administrator)
rules.add_perm("complaints.view_digest_readers", is_supervisor_or_compliance)
