"""Customer due diligence on the onboarding review (issue 15; seed 002 §2.1.4, §4.2, §4.3).

The reviewer of the onboarding case records a checklist (identity verified; beneficial owner
identified and verified where the client is an institution or is represented by a guardian or
an authorised signatory; source of funds; purpose of the relationship) and a money-laundering
risk rating (low / medium / high) with reasons. A high rating needs enhanced due diligence: a
second reviewer (supervisor or compliance officer, neither the one who recorded the diligence
nor the advisor who opened the case) approves or rejects it. Approval of the onboarding case
checks all of this (clients.kyc.onboarding_approval_missing) and copies the rating to the
client's KYC profile.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from advisory.clock import now
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.models import User
from advisory.notifications import notifications_resolve, notify
from advisory.roles import Role
from advisory.texts import text

from .kyc_models import AmlRisk, DueDiligence, EddStatus
from .models import ClientKind, OnboardingCase, OnboardingStep, RelationshipKind
from .rules import can

REPRESENTED_BY = (RelationshipKind.GUARDIAN, RelationshipKind.AUTHORISED_SIGNATORY)


def beneficial_owner_required(case: OnboardingCase) -> bool:
    """Institutions and clients acting through a guardian or authorised signatory."""
    client = case.client
    if client.kind == ClientKind.INSTITUTION:
        return True
    return client.related_parties.filter(relationship__in=REPRESENTED_BY, ended_on__isnull=True).exists()


def due_diligence_record(*, case: OnboardingCase, actor: User, data: dict[str, Any]) -> DueDiligence:
    """Record (or correct) the due diligence while the case is at the initial review. Changing the
    rating or the checklist after an enhanced review sends a high-risk case back to the second
    reviewer."""
    if not can(actor, "clients.record_due_diligence", case):
        raise NotAllowed(_("Only the onboarding reviewer records due diligence."))
    if case.opened_by_id == actor.pk:
        raise NotAllowed(_("No one reviews a case they opened."))
    errors: dict[str, list[str]] = {}
    risk = data.get("ml_risk") or ""
    if risk not in AmlRisk.values:
        errors["ml_risk"] = [_("Choose the money-laundering risk.")]
    for field, message in (
        ("ml_risk_reasons", _("Give the reasons for the rating.")),
        ("source_of_funds", _("Describe the source of funds.")),
        ("purpose", _("Describe the purpose of the relationship.")),
    ):
        if not str(data.get(field) or "").strip():
            errors[field] = [message]
    if not data.get("identity_verified"):
        errors["identity_verified"] = [_("Due diligence needs the identity verified.")]
    with transaction.atomic():
        case = OnboardingCase.objects.select_for_update().select_related("client").get(pk=case.pk)
        if case.step != OnboardingStep.INITIAL_REVIEW:
            raise Conflict(_("Due diligence is recorded during the initial review."))
        owner_required = beneficial_owner_required(case)
        if owner_required:
            has_owner = case.client.related_parties.filter(
                relationship=RelationshipKind.BENEFICIAL_OWNER, ended_on__isnull=True
            ).exists()
            if not data.get("beneficial_owner_identified"):
                errors["beneficial_owner_identified"] = [
                    _("This client is an institution or represented: identify the beneficial owner.")
                ]
            elif not has_owner:
                errors["beneficial_owner_identified"] = [
                    _("Add the beneficial owner to the client's related parties first.")
                ]
            if not data.get("beneficial_owner_verified"):
                errors["beneficial_owner_verified"] = [_("Verify the beneficial owner's identity.")]
        if errors:
            raise DomainError(_("The due diligence is incomplete."), fields=errors)
        # read under its own lock too (the second reviewer's decision also locks the case, through
        # its select_related): a decision saved while this waited is read here and kept unless the
        # facts changed, never written over
        cdd = DueDiligence.objects.select_for_update().filter(case=case).first() or DueDiligence(case=case)
        before = (cdd.ml_risk, cdd.source_of_funds, cdd.purpose, cdd.beneficial_owner_verified)
        cdd.identity_verified = True
        cdd.beneficial_owner_required = owner_required
        cdd.beneficial_owner_identified = bool(data.get("beneficial_owner_identified")) and owner_required
        cdd.beneficial_owner_verified = bool(data.get("beneficial_owner_verified")) and owner_required
        cdd.source_of_funds = str(data["source_of_funds"]).strip()
        cdd.purpose = str(data["purpose"]).strip()
        cdd.ml_risk = risk
        cdd.ml_risk_reasons = str(data["ml_risk_reasons"]).strip()
        cdd.recorded_by, cdd.recorded_at = actor, now()
        changed = before != (cdd.ml_risk, cdd.source_of_funds, cdd.purpose, cdd.beneficial_owner_verified)
        if risk == AmlRisk.HIGH:
            if cdd.edd_status in (EddStatus.NOT_REQUIRED, EddStatus.REJECTED) or changed:
                cdd.edd_status, cdd.edd_reviewer, cdd.edd_reviewed_at, cdd.edd_note = (
                    EddStatus.PENDING,
                    None,
                    None,
                    "",
                )
        else:
            cdd.edd_status, cdd.edd_reviewer, cdd.edd_reviewed_at, cdd.edd_note = (
                EddStatus.NOT_REQUIRED,
                None,
                None,
                "",
            )
        audited_save(
            cdd, actor=actor, reason=text("audit.due_diligence_recorded_risk_risk", risk=AmlRisk(risk).label)
        )
        notifications_resolve(about=cdd, state=cdd.edd_status)  # re-recorded below high risk
        if cdd.edd_status == EddStatus.PENDING:
            url = reverse("clients:onboarding_detail", args=[case.pk])
            recipients = list(
                User.objects.filter(role__in=(Role.COMPLIANCE, Role.SUPERVISOR), is_active=True)
                .exclude(pk__in=(actor.pk, case.opened_by_id))
                .order_by("pk")[:20]
            )
            if recipients:
                notify(
                    recipients=recipients,
                    kind="clients.edd_pending",
                    subject=text("notify.clients_edd_pending", n=case.acceptance_number),
                    body="",
                    url=url,
                    about=cdd,
                    open_states=[EddStatus.PENDING],
                )
    return cdd


def due_diligence_edd_review(*, cdd: DueDiligence, actor: User, decision: str, note: str) -> DueDiligence:
    """The second reviewer's decision on a high-risk client (approve / reject, with a note)."""
    if decision not in ("approve", "reject"):
        raise DomainError(_("Choose approve or reject."), field="decision")
    if not can(actor, "clients.review_enhanced_due_diligence", cdd.case):
        raise NotAllowed(_("Only a supervisor or compliance officer reviews enhanced due diligence."))
    if not note.strip():
        raise DomainError(_("Give the reason."), field="note")
    with transaction.atomic():
        cdd = DueDiligence.objects.select_for_update().select_related("case").get(pk=cdd.pk)
        if cdd.edd_status != EddStatus.PENDING:
            raise Conflict(_("No enhanced due diligence is waiting for review."))
        if actor.pk in (cdd.recorded_by_id, cdd.case.opened_by_id):
            raise NotAllowed(
                _("The second reviewer must be someone other than the first reviewer and the advisor.")
            )
        cdd.edd_status = EddStatus.APPROVED if decision == "approve" else EddStatus.REJECTED
        cdd.edd_reviewer, cdd.edd_reviewed_at, cdd.edd_note = actor, now(), note.strip()
        audited_save(
            cdd,
            actor=actor,
            reason=text(
                "audit.edd_approved_note" if decision == "approve" else "audit.edd_rejected_note",
                note=note.strip(),
            ),
        )
        notifications_resolve(about=cdd, state=cdd.edd_status)  # the review request is done
    return cdd
