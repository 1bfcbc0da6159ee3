"""Who may see and change client files and onboarding cases (SPEC §1).

An advisor sees and edits only their own book. Supervisors, risk reviewers, compliance and
administrators see every client, read-only; supervisors (and administrators) re-assign clients;
supervisors and compliance officers perform the initial review of onboarding cases.
"""

from __future__ import annotations

import rules

from advisory.rules import (  # noqa: F401 - `can` is re-exported for this app's views and services
    can,
    is_administrator,
    is_advisor,
    is_client,
    is_compliance,
    is_oversight,
    is_supervisor,
    is_workspace_user,
)


def _client_of(obj):
    if obj is None:
        return None
    return obj if hasattr(obj, "file_number") else getattr(obj, "client", None)


@rules.predicate
def is_responsible_advisor(user, obj) -> bool:
    """The user is the responsible advisor of the client (or of the case's/document's client)."""
    client = _client_of(obj)
    return client is not None and bool(user and user.is_authenticated) and client.advisor_id == user.pk


@rules.predicate
def is_own_file(user, obj) -> bool:
    client = _client_of(obj)
    return client is not None and bool(user and user.is_authenticated) and client.user_id == user.pk


can_view_client = (is_advisor & is_responsible_advisor) | is_oversight
can_change_client = is_advisor & is_responsible_advisor

rules.add_perm("clients.list_clients", is_workspace_user)
rules.add_perm("clients.view_client", can_view_client)
rules.add_perm("clients.add_client", is_advisor)
rules.add_perm("clients.change_client", can_change_client)
rules.add_perm("clients.reassign_client", is_supervisor | is_administrator)
rules.add_perm("clients.reveal_client", can_change_client | is_compliance | is_supervisor)
rules.add_perm("clients.view_document", can_view_client | (is_client & is_own_file))
rules.add_perm("clients.upload_document", can_change_client)
rules.add_perm("clients.view_onboarding", can_view_client)
rules.add_perm("clients.start_onboarding", can_change_client)
rules.add_perm("clients.work_onboarding", can_change_client)
rules.add_perm("clients.review_onboarding", is_supervisor | is_compliance)
rules.add_perm("clients.view_own_profile", is_client)
rules.add_perm("clients.give_consent", is_client & is_own_file)
rules.add_perm("clients.record_consent", can_change_client)
rules.add_perm("clients.administer", is_administrator)
# The second person for a backdated end of relationship (SPEC §5: the retention clock).
rules.add_perm("clients.approve_backdate", is_supervisor | is_compliance | is_administrator)

# -- know your client (issue 15) ---------------------------------------------------------------
# Identity documents and refreshes: the responsible advisor records them, everyone who sees the
# client reads them. A refresh with changes is reviewed by a supervisor. Due diligence is recorded
# by the onboarding reviewer; enhanced due diligence needs a second reviewer. Screening: the
# responsible advisor sees their clients' hits, compliance sees and decides all of them; clients
# never see screening.
rules.add_perm("clients.view_kyc", can_view_client)
rules.add_perm("clients.record_identity_document", can_change_client)
rules.add_perm("clients.work_kyc_refresh", can_change_client)
rules.add_perm("clients.review_kyc_refresh", is_supervisor)
rules.add_perm("clients.record_due_diligence", is_supervisor | is_compliance)
rules.add_perm("clients.review_enhanced_due_diligence", is_supervisor | is_compliance)
rules.add_perm(
    "clients.view_screening_hit", (is_advisor & is_responsible_advisor) | is_compliance | is_supervisor
)
rules.add_perm("clients.screening_queue", is_compliance | is_supervisor)
rules.add_perm("clients.dispose_screening_hit", is_compliance)
rules.add_perm("clients.manage_watch_lists", is_compliance)
rules.add_perm("clients.list_screening_hits", is_compliance | is_supervisor | is_advisor)

# A suspended advisor opens no client files and is assigned none (advisory.staff.rules).
from advisory.staff.rules import can_take_clients  # noqa: E402

rules.add_perm("clients.take_clients", is_advisor & can_take_clients)
