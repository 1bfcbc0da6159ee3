"""Violations with teeth (SPEC §4; seed 001 §六, §七): several accountability actions per case, a
suspension of business permissions that the permission layer enforces, rectification measures
that warn when overdue, the outcome fed back to the client (portal notification and a letter
PDF), the regulator report of a major violation and the periodic warning-education digest of
closed cases with its reading tracked. The case workflow itself is in complaints.services."""

from __future__ import annotations

import datetime
import logging

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from advisory.clock import now, today
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.models import User
from advisory.notifications import notify
from advisory.roles import WORKSPACE_ROLES
from advisory.rules import can
from advisory.texts import text
from audit.models import AuditAction
from audit.services import audit_log

from .models import (
    AccountabilityAction,
    ConductDigest,
    DigestReading,
    MeasureStatus,
    RectificationMeasure,
    ViolationCase,
    ViolationSanction,
    ViolationSeverity,
    ViolationStage,
)

logger = logging.getLogger(__name__)

LETTER_KIND = "complaints.violation_outcome_letter"
SANCTION_STAGES = (ViolationStage.ACCOUNTABILITY, ViolationStage.RECTIFICATION)
FEEDBACK_STAGES = (ViolationStage.EVALUATION, ViolationStage.CLOSED)


def _manager(actor: User) -> None:
    if not can(actor, "complaints.manage_violation"):
        raise NotAllowed(_("Only compliance officers and supervisors handle violation cases."))


def case_ref(case: ViolationCase) -> str:
    return f"VC-{case.pk}"


def sanction_add(
    *,
    case: ViolationCase,
    actor: User,
    action: str,
    notes: str = "",
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
) -> ViolationSanction:
    """Decide one accountability action on a substantiated case (a case may carry several).
    A suspension of business permissions needs its period and creates the permission
    restriction (advisory.staff) that blocks the person's proposal submissions, approvals and
    client assignments for that period."""
    _manager(actor)
    if action not in AccountabilityAction.values:
        raise DomainError(_("Choose an action from the list."), field="action")
    if case.staff_member_id == actor.pk:
        raise NotAllowed(_("Nobody decides an accountability action against themselves."))
    with transaction.atomic():
        locked = ViolationCase.objects.select_for_update().select_related("staff_member").get(pk=case.pk)
        if locked.stage not in SANCTION_STAGES:
            raise Conflict(_("Accountability actions are decided after the finding, before the evaluation."))
        if locked.substantiated is not True:
            raise Conflict(_("Accountability actions follow a substantiated finding."))
        restriction = None
        if action == AccountabilityAction.SUSPENSION:
            if starts_on is None or ends_on is None:
                raise DomainError(_("Give the first and last day of the suspension."), field="ends_on")
            if ends_on < today():
                raise DomainError(_("The suspension cannot end in the past."), field="ends_on")
            from advisory.staff.services import suspension_impose

            restriction = suspension_impose(
                actor=actor,
                staff_member=locked.staff_member,
                starts_on=starts_on,
                ends_on=ends_on,
                case_ref=case_ref(locked),
            )
        sanction = ViolationSanction(
            case=locked,
            action=action,
            starts_on=starts_on if restriction else None,
            ends_on=ends_on if restriction else None,
            notes=(notes or "").strip(),
            restriction=restriction,
            decided_by=actor,
            decided_at=now(),
        )
        label = AccountabilityAction(action).label
        audited_save(sanction, actor=actor, reason=text("audit.accountability_action_action", action=label))
        if not locked.accountability_action:
            locked.accountability_action = action
            audited_save(locked, actor=actor, reason="accountability action decided")
        audit_log(
            actor=actor,
            action=AuditAction.OTHER,
            obj=locked,
            reason=text("audit.accountability_action_decided_action", action=label),
            changes={"sanction": action, "staff_member": locked.staff_member.email},
        )
    return sanction


def violation_set_severity(*, case: ViolationCase, actor: User, severity: str) -> ViolationCase:
    """Grade the violation. A major violation is flagged for a regulator report (seed 001 §七)."""
    _manager(actor)
    if severity not in ViolationSeverity.values:
        raise DomainError(_("Choose a severity."), field="severity")
    with transaction.atomic():
        locked = ViolationCase.objects.select_for_update().get(pk=case.pk)
        if locked.stage == ViolationStage.CLOSED:
            raise Conflict(_("This violation case is closed."))
        locked.severity = severity
        locked.regulator_report_due = severity == ViolationSeverity.MAJOR or bool(
            locked.regulator_reported_on
        )
        audited_save(
            locked,
            actor=actor,
            reason=text("audit.severity_severity", severity=ViolationSeverity(severity).label),
        )
    return locked


def regulator_report_record(
    *, case: ViolationCase, actor: User, reported_on: datetime.date, reference: str
) -> ViolationCase:
    """Record the report of a major violation to the regulator: its date and reference."""
    _manager(actor)
    reference = (reference or "").strip()
    if not reference:
        raise DomainError(_("Enter the reference of the report."), field="reference")
    if reported_on > today():
        raise DomainError(_("The report date cannot be in the future."), field="reported_on")
    with transaction.atomic():
        locked = ViolationCase.objects.select_for_update().get(pk=case.pk)
        if not locked.regulator_report_due:
            raise Conflict(_("Only a violation flagged for a regulator report is reported."))
        if reported_on < locked.opened_at.date():
            raise DomainError(_("The report cannot precede the case."), field="reported_on")
        locked.regulator_reported_on, locked.regulator_reference = reported_on, reference
        audited_save(
            locked, actor=actor, reason=text("audit.reported_to_the_regulator_reference", reference=reference)
        )
        audit_log(
            actor=actor,
            action=AuditAction.OTHER,
            obj=locked,
            reason=text("audit.regulator_report_reference", reference=reference),
        )
    return locked


def violation_feedback_send(
    *, case: ViolationCase, actor: User, message: str, language: str | None = None
) -> ViolationCase:
    """Feed the outcome back to the client (seed 001 §六): a portal notification and a letter PDF
    archived with the case, with the firm's apology where misconduct was found."""
    from advisory.documents import document_request

    _manager(actor)
    message = (message or "").strip()
    if not message:
        raise DomainError(_("Write the outcome to send to the client."), field="message")
    with transaction.atomic():
        locked = (
            ViolationCase.objects.select_for_update().select_related("client", "complaint").get(pk=case.pk)
        )
        if locked.stage not in FEEDBACK_STAGES:
            raise Conflict(
                _("The outcome is sent once the measures are in evaluation or the case is closed.")
            )
        locked.client_feedback_at, locked.client_feedback_text = now(), message
        audited_save(locked, actor=actor, reason="outcome fed back to the client")
        doc = document_request(
            kind=LETTER_KIND,
            subject=locked,
            title=lambda: _("Outcome of your complaint %(n)s") % {"n": locked.complaint.number},
            actor=actor,
            client_id=locked.client_id,
            language=language or locked.client.preferred_language or "zh-hans",
            params={"apology": bool(locked.substantiated) or locked.complaint.remedy_apology},
        )
        portal_user = getattr(locked.client, "user", None)
        if portal_user is not None:
            notify(
                recipients=[portal_user],
                kind="complaints.violation_outcome",
                subject=text("notify.complaint_violation_outcome", n=locked.complaint.number),
                body=message,
                url=reverse("complaints_portal:detail", args=[locked.complaint_id]),
            )
        audit_log(
            actor=actor,
            action=AuditAction.OTHER,
            obj=locked,
            reason="outcome letter to the client",
            changes={"document": doc.pk},
        )
    return locked


def render_outcome_letter(document) -> tuple[str, dict]:
    """Renderer (advisory.documents) of the outcome letter to the client."""
    case = ViolationCase.objects.select_related("client", "complaint").get(pk=document.subject_id)
    return "complaints/pdf_violation_letter.html", {
        "case": case,
        "complaint": case.complaint,
        "client": case.client,
        "apology": bool(document.params.get("apology")),
        "measures": list(case.measures.all()),
    }


def measures_overdue_sweep(*, on: datetime.date | None = None) -> int:
    """Daily: warn the owner and the case's opener about each rectification measure past its
    due date, once per measure and due date (the staff reminder ledger)."""
    from advisory.staff.services import _remind_once

    on = on or today()
    warned = 0
    rows = (
        RectificationMeasure.objects.filter(due_on__lt=on)
        .exclude(status=MeasureStatus.DONE)
        .select_related("owner", "case__opened_by")
    )
    for measure in rows:
        if _remind_once("measure_overdue", str(measure.pk), measure.due_on.isoformat()):
            notify(
                recipients=[measure.owner, measure.case.opened_by],
                kind="complaints.measure_overdue",
                subject=text(
                    "notify.complaint_measure_overdue", d=measure.due_on, m=measure.description[:120]
                ),
                url=reverse("complaints:violation_detail", args=[measure.case_id]),
            )
            warned += 1
    logger.info("measures overdue sweep: %s warned", warned)
    return warned


def _anonymised(case: ViolationCase) -> dict:
    """What staff read about a closed case: the kind of complaint, what was found, what followed;
    never the client, and the person only by role."""
    return {
        "ref": case_ref(case),
        "category": case.complaint.category,
        "role": case.staff_member.role,
        "severity": case.severity,
        "finding": case.finding,
        "actions": [s.action for s in case.sanctions.all()]
        or ([case.accountability_action] if case.accountability_action else []),
        "measures": [m.description for m in case.measures.all()],
    }


def conduct_digest_publish(*, period_start: datetime.date, period_end: datetime.date) -> ConductDigest | None:
    """Publish the digest of cases closed in the period (substantiated ones) to every active staff
    member as warning education. One digest per period: a second run returns None."""
    if ConductDigest.objects.filter(period_start=period_start).exists():
        return None
    cases = (
        ViolationCase.objects.filter(
            stage=ViolationStage.CLOSED,
            substantiated=True,
            closed_at__date__gte=period_start,
            closed_at__date__lte=period_end,
        )
        .select_related("complaint", "staff_member")
        .prefetch_related("sanctions", "measures")
        .order_by("closed_at", "pk")
    )
    try:
        with transaction.atomic():
            digest = ConductDigest(
                period_start=period_start,
                period_end=period_end,
                published_at=now(),
                cases=[_anonymised(c) for c in cases],
            )
            audited_save(digest, actor=None, reason="conduct digest published")
            staff = User.objects.filter(role__in=WORKSPACE_ROLES, is_active=True)
            notify(
                recipients=list(staff),
                kind="complaints.conduct_digest",
                subject=text("notify.complaint_conduct_digest", p=f"{period_start:%Y-%m}"),
                url=reverse("complaints:digest_detail", args=[digest.pk]),
            )
    except IntegrityError:  # a concurrent run published it first
        return None
    return digest


def digest_mark_read(*, digest: ConductDigest, reader: User) -> DigestReading:
    """A staff member confirms reading the digest (idempotent)."""
    if not can(reader, "complaints.view_digest"):
        raise NotAllowed(_("Digests are for staff of the firm."))
    reading, _created = DigestReading.objects.get_or_create(
        digest=digest, reader=reader, defaults={"read_at": now()}
    )
    return reading


def digest_list(*, user: User):
    if not can(user, "complaints.view_digest"):
        return ConductDigest.objects.none()
    return ConductDigest.objects.annotate(
        read_count=Count("readings"),
        read_by_me=Count("readings", filter=Q(readings__reader=user)),
    ).order_by("-period_start")


def digest_readers(*, digest: ConductDigest):
    """Who has and has not read the digest (active staff)."""
    read = DigestReading.objects.filter(digest=digest).values("reader_id")
    staff = User.objects.filter(role__in=WORKSPACE_ROLES, is_active=True).order_by("full_name")
    return staff.filter(pk__in=read), staff.exclude(pk__in=read)


def outcome_letters(*, complaint):
    """The outcome letters of the violation cases of a complaint that are ready to read."""
    from advisory.models import ArchivedDocument, DocumentStatus

    case_ids = [str(pk) for pk in complaint.violation_cases.values_list("pk", flat=True)]
    return ArchivedDocument.objects.filter(
        kind=LETTER_KIND,
        subject_type="complaints.violationcase",
        subject_id__in=case_ids,
        status=DocumentStatus.READY,
    ).order_by("-created_at")


def outcome_letter_download_log(*, document, actor: User) -> None:
    """SPEC §5: every download of an archived document is recorded."""
    audit_log(
        actor=actor,
        action=AuditAction.DOWNLOAD,
        obj=document,
        client_id=document.client_id,
        reason=text("audit.downloaded_title_vversion", title=document.title, version=document.version),
        changes={"sha256": document.sha256},
    )
