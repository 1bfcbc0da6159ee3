"""Who may see and do what with plans and proposals (SPEC §3). Views, the API and services ask
these predicates; querysets are scoped in selectors so an object out of scope is a 404."""

from __future__ import annotations

import rules

from advisory.rules import (
    is_administrator,
    is_advisor,
    is_client,
    is_compliance,
    is_oversight,
    is_risk_reviewer,
)

CLIENT_VISIBLE_STATUSES = frozenset({"issued", "accepted", "declined"})


def _client_of(obj):
    return getattr(obj, "client", obj)


@rules.predicate
def is_advisor_of_client(user, obj) -> bool:
    if obj is None:
        return False
    client = _client_of(obj)
    return bool(user.is_authenticated and client is not None and client.advisor_id == user.pk)


@rules.predicate
def is_proposal_owner(user, proposal) -> bool:
    return proposal is not None and proposal.advisor_id == user.pk


@rules.predicate
def is_own_client_file(user, obj) -> bool:
    if obj is None:
        return False
    client = _client_of(obj)
    return bool(user.is_authenticated and client is not None and client.user_id == user.pk)


@rules.predicate
def is_client_visible_proposal(user, proposal) -> bool:
    return proposal is not None and proposal.status in CLIENT_VISIBLE_STATUSES


@rules.predicate
def is_draft(user, proposal) -> bool:
    return proposal is not None and proposal.status == "draft"


@rules.predicate
def is_issued(user, proposal) -> bool:
    return proposal is not None and proposal.status == "issued"


can_view_plan = is_oversight | (is_advisor & is_advisor_of_client)
can_view_proposal = (
    is_oversight
    | (is_advisor & (is_proposal_owner | is_advisor_of_client))
    | (is_client & is_own_client_file & is_client_visible_proposal)
)

rules.add_perm("planning.view_plan", can_view_plan)
rules.add_perm("planning.change_plan", is_advisor & is_advisor_of_client)
rules.add_perm("planning.view_proposal", can_view_proposal)
rules.add_perm("planning.add_proposal", is_advisor)
rules.add_perm("planning.change_proposal", is_advisor & is_proposal_owner & is_draft)
rules.add_perm("planning.decide_proposal", is_client & is_own_client_file & is_issued)
rules.add_perm("planning.view_model_portfolio", is_oversight | is_advisor)
rules.add_perm("planning.manage_model_portfolio", is_administrator)
rules.add_perm("planning.view_review", can_view_plan)
rules.add_perm("planning.record_review", is_advisor & is_advisor_of_client)
rules.add_perm("planning.review_queue", is_risk_reviewer | is_compliance | is_administrator)
rules.add_perm("planning.record_holdings", is_advisor & is_advisor_of_client)
rules.add_perm("planning.view_holdings", can_view_plan)

# Restricted actions (a failed appraisal, a suspension: advisory.staff.rules): the role rule and
# no active restriction. proposal_transition refuses with the restriction's reason.
from advisory.staff.rules import can_approve_proposal, can_submit_proposal  # noqa: E402

rules.add_perm("planning.submit_proposal", is_advisor & is_proposal_owner & is_draft & can_submit_proposal)
rules.add_perm(
    "planning.approve_proposal",
    (is_risk_reviewer | is_compliance) & ~is_proposal_owner & can_approve_proposal,
)
