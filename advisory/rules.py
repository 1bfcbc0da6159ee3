"""Role predicates shared by every app (the `rules` package). Apps build their object-level
predicates in their own rules.py from these."""

import rules

from .roles import OVERSIGHT_ROLES, WORKSPACE_ROLES, Role


def _has_role(*roles: str):
    allowed = frozenset(roles)

    @rules.predicate
    def predicate(user) -> bool:
        return bool(
            user and user.is_authenticated and user.is_active and getattr(user, "role", None) in allowed
        )

    return predicate


is_advisor = _has_role(Role.ADVISOR)
is_risk_reviewer = _has_role(Role.RISK_REVIEWER)
is_compliance = _has_role(Role.COMPLIANCE)
is_supervisor = _has_role(Role.SUPERVISOR)
is_administrator = _has_role(Role.ADMINISTRATOR)
is_client = _has_role(Role.CLIENT)
is_workspace_user = _has_role(*WORKSPACE_ROLES)
is_oversight = _has_role(*OVERSIGHT_ROLES)
is_compliance_or_admin = is_compliance | is_administrator
is_supervisor_or_compliance = is_supervisor | is_compliance | is_administrator


def can(user, perm: str, obj=None) -> bool:
    """Ask the permission rule itself. Unlike `user.has_perm`, a superuser is not let through
    everything: an administrator gets exactly what the rules give the administrator role."""
    return bool(user and user.is_authenticated and user.is_active) and rules.has_perm(perm, user, obj)


rules.add_perm("advisory.use_workspace", is_workspace_user)
rules.add_perm("advisory.use_portal", is_client)
rules.add_perm("advisory.view_staff", is_supervisor_or_compliance)


@rules.predicate
def is_token_owner(user, token) -> bool:
    return token is not None and getattr(token, "user_id", None) == user.pk


# Personal API tokens: the owner, or an administrator, revokes one (docs/security.md).
rules.add_perm("advisory.revoke_token", is_token_owner | is_administrator)


@rules.predicate
def is_export_owner(user, job) -> bool:
    return job is not None and getattr(job, "requested_by_id", None) == user.pk


# Exports of staff lists (advisory.exports): each list also asks its own list permission.
# A background export's status and file belong to the person who asked for it.
rules.add_perm("advisory.view_export", is_workspace_user & is_export_owner)
rules.add_perm("advisory.download_export", is_workspace_user & is_export_owner)
