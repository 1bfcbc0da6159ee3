"""The proposal workflow (SPEC §3): the table of transitions and the one function that moves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advisory.clock import now
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.models import User
from advisory.notifications import notifications_resolve, notify
from advisory.roles import Role
from advisory.texts import check_text, text
from audit.models import AuditAction
from audit.services import audit_log

from ..models import Proposal, ProposalStatus
from .checks import _apply_checks, _kyc_check, _risk_profile


def _is_owner(p: Proposal, u: User) -> bool:
    return u.is_advisor and p.advisor_id == u.pk


def _is_client(p: Proposal, u: User) -> bool:
    return u.is_client and p.client.user_id == u.pk


def _reject_allowed(p: Proposal, u: User) -> bool:
    if p.status == ProposalStatus.SUBMITTED:
        return u.role == Role.RISK_REVIEWER
    return u.role == Role.COMPLIANCE


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    who: Callable[[Proposal, User], bool]
    who_text: str
    label: str
    needs_reason: bool = False
    four_eyes: bool = False


S = ProposalStatus


OPEN = frozenset({S.DRAFT, S.SUBMITTED, S.RISK_APPROVED, S.COMPLIANCE_APPROVED, S.ISSUED})


# SPEC §3 workflow: the one table of allowed transitions.
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            "submit",
            frozenset({S.DRAFT}),
            S.SUBMITTED,
            _is_owner,
            gettext_lazy("the proposal's advisor"),
            gettext_lazy("Submit for review"),
        ),
        Transition(
            "risk_approve",
            frozenset({S.SUBMITTED}),
            S.RISK_APPROVED,
            lambda p, u: u.role == Role.RISK_REVIEWER,
            gettext_lazy("a risk reviewer"),
            gettext_lazy("Approve (risk)"),
            four_eyes=True,
        ),
        Transition(
            "compliance_approve",
            frozenset({S.RISK_APPROVED}),
            S.COMPLIANCE_APPROVED,
            lambda p, u: u.role == Role.COMPLIANCE,
            gettext_lazy("a compliance officer"),
            gettext_lazy("Approve (compliance)"),
            four_eyes=True,
        ),
        Transition(
            "issue",
            frozenset({S.COMPLIANCE_APPROVED}),
            S.ISSUED,
            lambda p, u: _is_owner(p, u) or u.role == Role.COMPLIANCE,
            gettext_lazy("the proposal's advisor or compliance"),
            gettext_lazy("Issue to client"),
        ),
        Transition(
            "accept",
            frozenset({S.ISSUED}),
            S.ACCEPTED,
            _is_client,
            gettext_lazy("the client"),
            gettext_lazy("Accept"),
        ),
        Transition(
            "decline",
            frozenset({S.ISSUED}),
            S.DECLINED,
            _is_client,
            gettext_lazy("the client"),
            gettext_lazy("Decline"),
        ),
        Transition(
            "reject",
            frozenset({S.SUBMITTED, S.RISK_APPROVED, S.COMPLIANCE_APPROVED}),
            S.DRAFT,
            _reject_allowed,
            gettext_lazy("the reviewer of the current step"),
            gettext_lazy("Return to advisor"),
            needs_reason=True,
            four_eyes=True,
        ),
        Transition(
            "withdraw",
            OPEN,
            S.WITHDRAWN,
            _is_owner,
            gettext_lazy("the proposal's advisor"),
            gettext_lazy("Withdraw"),
            needs_reason=True,
        ),
    ]
}


def allowed_actions(*, proposal: Proposal, user: User) -> list[Transition]:
    """Transitions this user could try now (the service still checks every guard)."""
    return [
        t
        for t in TRANSITIONS.values()
        if proposal.status in t.sources and t.who(proposal, user) and not _self_approval(t, proposal, user)
    ]


def _self_approval(t: Transition, proposal: Proposal, user: User) -> bool:
    if not t.four_eyes:
        return False
    return user.pk in {
        proposal.advisor_id,
        proposal.risk_approved_by_id if t.action != "risk_approve" else None,
    }


# Transitions a permission restriction can block (a failed appraisal, a suspension: advisory.staff).
RESTRICTED_TRANSITIONS = {
    "submit": "submit_proposal",
    "risk_approve": "approve_proposal",
    "compliance_approve": "approve_proposal",
}


def _refuse_if_restricted(action: str, actor: User) -> None:
    from advisory.staff.rules import restriction_refusal

    restricted = RESTRICTED_TRANSITIONS.get(action)
    refusal = restriction_refusal(actor, restricted) if restricted else None
    if refusal:
        raise NotAllowed(refusal)


def restriction_notices(*, proposal: Proposal, user: User) -> list[str]:
    """Why this user may not take the restricted actions open to them here (shown on the page)."""
    from advisory.staff.rules import restriction_refusal

    restricted = {
        RESTRICTED_TRANSITIONS[t.action]
        for t in allowed_actions(proposal=proposal, user=user)
        if t.action in RESTRICTED_TRANSITIONS
    }
    notices = [restriction_refusal(user, action) for action in sorted(restricted)]
    return list(dict.fromkeys(n for n in notices if n))


def _guard_submit(proposal: Proposal, actor: User) -> None:
    from advisory.staff import advisor_has_current_qualification

    if not advisor_has_current_qualification(actor):
        raise NotAllowed(
            _(
                "Only an advisor with a current qualification may submit a proposal (SPEC §3, §6). "
                "Record a current qualification first."
            )
        )
    _kyc_check(proposal.client)
    profile = _risk_profile(proposal.client)
    if profile is None:
        raise Conflict(_("The client has no confirmed risk profile: complete a risk assessment first."))
    if profile.is_expired:
        raise Conflict(
            _(
                "The client's risk profile expired on %(d)s: an expired profile blocks new proposals. "
                "Complete a new assessment first."
            )
            % {"d": profile.valid_until}
        )
    if profile.needs_reassessment:
        raise Conflict(
            _("The client's risk profile needs re-assessment (%(r)s): complete a new assessment first.")
            % {"r": profile.reassessment_reason or _("significant change")}
        )
    result = _apply_checks(proposal)
    if not result["ok"]:
        failing = "; ".join(check_text(row) for row in result["failures"])
        raise Conflict(_("The proposal cannot be submitted while a check fails: %(f)s") % {"f": failing})


def _guard_still_suitable(proposal: Proposal, *, refusal: str) -> None:
    """Issue 14: the suitability rules are checked again at issue and at client acceptance — an
    expired or flagged profile, a lapsed exception, a re-rated product or a lapsed rating review
    blocks the step with the reason. The findings are stored as the proposal's latest re-check."""
    from .monitoring import finding_text, proposal_findings

    findings = proposal_findings(proposal=proposal)
    proposal.monitor, proposal.monitored_at = findings, now()
    problems = [f for kind in ("profile", "suitability", "concentration") for f in findings.get(kind, [])]
    if problems:
        raise Conflict(refusal % {"why": "; ".join(finding_text(f) for f in problems)})


def proposal_transition(
    *,
    proposal: Proposal,
    action: str,
    actor: User,
    reason: str = "",
    disclosure_acknowledged: bool = False,
) -> Proposal:
    """The one function that changes a proposal's status (SPEC §3 workflow). Checks the table, the
    actor's role, the four-eyes rule, the reason where one is required, and the action's guard;
    writes history, an audit TRANSITION entry with who and why, and notifies the next people."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise DomainError(_("Unknown action %(a)s.") % {"a": action})
    reason = (reason or "").strip()
    with transaction.atomic():
        proposal = (
            Proposal.objects.select_for_update().select_related("client", "advisor").get(pk=proposal.pk)
        )
        old = proposal.status
        if old not in transition.sources:
            raise Conflict(
                _("A %(s)s proposal cannot be %(a)s.")
                % {"s": proposal.get_status_display(), "a": transition.label.lower()}
            )
        if not transition.who(proposal, actor):
            raise NotAllowed(_("Only %(w)s may do this.") % {"w": transition.who_text})
        if _self_approval(transition, proposal, actor):
            raise NotAllowed(_("No one approves their own proposal: another person must review it."))
        _refuse_if_restricted(action, actor)
        if transition.needs_reason and not reason:
            raise DomainError(_("Give a reason."), field="reason")
        stamp = now()
        if action == "submit":
            _guard_submit(proposal, actor)
            proposal.submitted_at = stamp
            proposal.rejection_reason = ""
        elif action == "risk_approve":
            proposal.risk_approved_by, proposal.risk_approved_at = actor, stamp
        elif action == "compliance_approve":
            proposal.compliance_approved_by, proposal.compliance_approved_at = actor, stamp
        elif action == "issue":
            _guard_still_suitable(proposal, refusal=_("The proposal cannot be issued: %(why)s"))
            proposal.issued_at = stamp
        elif action in ("accept", "decline"):
            if action == "accept" and not disclosure_acknowledged:
                raise DomainError(
                    _("Please confirm that you have read and understood the risk disclosure."),
                    field="disclosure_acknowledged",
                )
            if action == "accept":
                _guard_still_suitable(proposal, refusal=_("The proposal cannot be accepted: %(why)s"))
            proposal.decided_at = proposal.closed_at = stamp
            if disclosure_acknowledged:
                proposal.disclosure_acknowledged_at = stamp
        elif action == "reject":
            proposal.rejection_reason = reason
            proposal.submitted_at = None
            proposal.risk_approved_by = proposal.risk_approved_at = None
            proposal.compliance_approved_by = proposal.compliance_approved_at = None
        elif action == "withdraw":
            proposal.closed_at = stamp
        proposal.status = transition.target
        step = text("audit.proposal_action", action=transition.label)
        audited_save(
            proposal,
            actor=actor,
            reason=text("audit.proposal_action_reason", action=transition.label, reason=reason)
            if reason
            else step,
        )
        audit_log(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=proposal,
            reason=reason or step,
            changes={"status": [old, proposal.status], "action": action}
            | (
                {"disclosure_acknowledged_at": stamp.isoformat()}
                if proposal.disclosure_acknowledged_at == stamp
                else {}
            ),
        )
        notifications_resolve(about=proposal)  # e.g. "awaits risk review" once it is approved
        _notify_transition(proposal, action, actor, reason)
    return proposal


def _notify_transition(proposal: Proposal, action: str, actor: User, reason: str) -> None:
    url = reverse("planning:proposal_detail", args=[proposal.pk])
    label = f"{proposal.number} ({proposal.client.name})"
    if action == "submit":
        people = User.objects.filter(role=Role.RISK_REVIEWER, is_active=True)
        subject = text("notify.proposal_submitted", p=label)
    elif action == "risk_approve":
        people = User.objects.filter(role=Role.COMPLIANCE, is_active=True)
        subject = text("notify.proposal_risk_approved", p=label)
    elif action == "issue":
        people = [proposal.client.user] if proposal.client.user_id else []
        url = reverse("planning_portal:proposal_detail", args=[proposal.pk])
        subject = text("notify.proposal_issued")
    elif action == "withdraw" and proposal.issued_at and proposal.client.user_id:
        people = [proposal.client.user]
        url = ""
        subject = text("notify.proposal_withdrawn", p=proposal.number)
    else:
        people = [proposal.advisor] if proposal.advisor_id != actor.pk else []
        subject = text("notify.proposal_status", p=label, s=ProposalStatus(proposal.status).label)
    # Notifications that ask someone to act stay open while the proposal waits for that act.
    asks = action in ("submit", "risk_approve", "issue", "reject")
    notify(
        recipients=list(people),
        kind=f"planning.proposal.{action}",
        subject=subject,
        body=reason,
        url=url,
        about=proposal if asks else None,
    )
