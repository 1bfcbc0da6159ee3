"""Permission predicates of the staff area, and the one question other apps ask: is this person
restricted from a named action today (a failed appraisal, a suspension of business
permissions)? Planning and clients combine `not_restricted(...)` into their own rules, and their
services call `restriction_refusal` to refuse with the reason."""

from __future__ import annotations

import datetime

import rules
from django.db.models import Q

from advisory.clock import today
from advisory.rules import (
    is_administrator,
    is_compliance,
    is_supervisor,
    is_supervisor_or_compliance,
    is_workspace_user,
)

from .models import PermissionRestriction, RestrictedAction

_FLAG = {
    RestrictedAction.SUBMIT_PROPOSAL: "blocks_submission",
    RestrictedAction.APPROVE_PROPOSAL: "blocks_approval",
    RestrictedAction.TAKE_CLIENTS: "blocks_clients",
}


def active_restrictions(user, *, on: datetime.date | None = None):
    """The restrictions of `user` in force on `on` (default today)."""
    on = on or today()
    return PermissionRestriction.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on),
        staff_member_id=getattr(user, "pk", None),
        lifted_at__isnull=True,
        starts_on__lte=on,
    ).order_by("-starts_on", "-id")


def active_restriction(user, action: str, *, on: datetime.date | None = None) -> PermissionRestriction | None:
    """The restriction that blocks `action` (a RestrictedAction) for `user` today, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return active_restrictions(user, on=on).filter(**{_FLAG[RestrictedAction(action)]: True}).first()


def restriction_refusal(user, action: str, *, on: datetime.date | None = None) -> str | None:
    """The reason `user` may not perform `action` today, in the reader's language; None if free."""
    found = active_restriction(user, action, on=on)
    return found.reason_text() if found is not None else None


def not_restricted(action: str):
    """A predicate: the user has no active restriction of `action`."""

    @rules.predicate(name=f"not_restricted_{action}")
    def predicate(user) -> bool:
        return active_restriction(user, action) is None

    return predicate


@rules.predicate
def is_self(user, obj) -> bool:
    member = getattr(obj, "staff_member_id", None)
    return obj is not None and member == user.pk


@rules.predicate
def is_finding_owner(user, finding) -> bool:
    return finding is not None and finding.owner_id == user.pk


@rules.predicate
def is_auditor(user, obj) -> bool:
    audit = getattr(obj, "audit", obj)
    return audit is not None and getattr(audit, "auditor_id", None) == user.pk


can_submit_proposal = not_restricted(RestrictedAction.SUBMIT_PROPOSAL)
can_approve_proposal = not_restricted(RestrictedAction.APPROVE_PROPOSAL)
can_take_clients = not_restricted(RestrictedAction.TAKE_CLIENTS)

# Training plans, appraisals and restrictions: supervisors and compliance (SPEC §6, staff).
rules.add_perm("staff.view_conduct", is_supervisor_or_compliance)
rules.add_perm("staff.manage_training_plan", is_supervisor_or_compliance)
rules.add_perm("staff.appraise", is_supervisor_or_compliance)
rules.add_perm("staff.lift_restriction", is_compliance | is_administrator)
rules.add_perm("staff.view_restriction", is_supervisor_or_compliance | is_self)
# Conflict-of-interest declarations: every staff member declares; compliance reviews.
rules.add_perm("staff.declare_conflict", is_workspace_user)
rules.add_perm("staff.view_declaration", is_compliance | is_supervisor | is_administrator | is_self)
rules.add_perm("staff.review_declaration", is_compliance)
# Internal audit: compliance plans and closes; the auditor works the audit; owners report remediation.
rules.add_perm("staff.view_internal_audit", is_supervisor_or_compliance)
rules.add_perm("staff.plan_internal_audit", is_compliance | is_administrator)
rules.add_perm("staff.work_internal_audit", is_compliance | is_auditor)
rules.add_perm("staff.view_finding", is_supervisor_or_compliance | is_finding_owner)
rules.add_perm("staff.remediate_finding", is_finding_owner | is_compliance)
rules.add_perm("staff.close_finding", is_compliance | is_auditor)
rules.add_perm("staff.record_evaluation", is_compliance | is_supervisor | is_administrator)
# The permission layer for restricted actions (other apps combine these with their role rules).
rules.add_perm("staff.submit_proposal", can_submit_proposal)
rules.add_perm("staff.approve_proposal", can_approve_proposal)
rules.add_perm("staff.take_clients", can_take_clients)
