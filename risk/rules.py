"""Permission predicates for risk profiling, products, suitability exceptions and the register."""

from __future__ import annotations

import rules

from advisory.rules import (
    is_administrator,
    is_advisor,
    is_client,
    is_compliance,
    is_oversight,
    is_risk_reviewer,
    is_supervisor,
    is_workspace_user,
)


def _client_of(obj):
    """Accept a client or any object with a `client` attribute."""
    if obj is None:
        return None
    return getattr(obj, "client", obj) if not hasattr(obj, "file_number") else obj


@rules.predicate
def is_clients_advisor(user, obj) -> bool:
    client = _client_of(obj)
    return client is not None and client.advisor_id == user.pk


@rules.predicate
def is_the_client(user, obj) -> bool:
    client = _client_of(obj)
    return client is not None and client.user_id is not None and client.user_id == user.pk


@rules.predicate
def client_has_no_portal_login(user, obj) -> bool:
    client = _client_of(obj)
    return client is not None and client.user_id is None


can_view_client_risk = is_oversight | (is_advisor & is_clients_advisor) | (is_client & is_the_client)
is_questionnaire_manager = is_risk_reviewer | is_compliance | is_administrator
is_register_user = is_risk_reviewer | is_compliance | is_supervisor | is_administrator

rules.add_perm("risk.view_assessment", can_view_client_risk)
rules.add_perm("risk.list_assessments", is_workspace_user | is_client)
# Administer (advisor, own book) or take (client, own file) an assessment for a client.
rules.add_perm("risk.administer_assessment", is_advisor & is_clients_advisor)
rules.add_perm("risk.take_assessment", is_client & is_the_client)
rules.add_perm("risk.answer_assessment", (is_advisor & is_clients_advisor) | (is_client & is_the_client))
rules.add_perm("risk.note_assessment", is_advisor & is_clients_advisor)
rules.add_perm("risk.confirm_assessment", (is_advisor & is_clients_advisor) | (is_client & is_the_client))
rules.add_perm("risk.view_questionnaires", is_questionnaire_manager)
rules.add_perm("risk.manage_questionnaires", is_questionnaire_manager)
rules.add_perm("risk.view_products", is_workspace_user)
rules.add_perm("risk.check_suitability", is_workspace_user)
rules.add_perm("risk.view_exception", can_view_client_risk)
rules.add_perm("risk.request_exception", is_advisor & is_clients_advisor)
rules.add_perm(
    "risk.confirm_exception",
    (is_client & is_the_client) | (is_advisor & is_clients_advisor & client_has_no_portal_login),
)
rules.add_perm("risk.approve_exception", is_compliance)
rules.add_perm(
    "risk.record_professional", is_compliance | is_administrator | (is_advisor & is_clients_advisor)
)
rules.add_perm("risk.view_register", is_register_user)
rules.add_perm("risk.change_register", is_register_user)
rules.add_perm("risk.record_life_event", (is_advisor & is_clients_advisor) | (is_client & is_the_client))
rules.add_perm("risk.view_life_events", can_view_client_risk)
rules.add_perm("risk.view_ratings", is_workspace_user)
rules.add_perm("risk.assess_product", is_risk_reviewer | is_compliance | is_administrator)
rules.add_perm("risk.approve_rating", is_risk_reviewer | is_compliance)
