"""Every change of state in the staff area (SPEC §6 staff; seeds 000 §4.1/§4.3, 001 §四.1.4/§五,
002 §4.3/§7.2, 004 §六): training plans, appraisals and the restrictions a failed one imposes,
suspensions imposed by violation cases, conflict-of-interest declarations, the internal audit
and the schedules that warn about shortfalls and overdue work."""

from __future__ import annotations

import datetime
import logging
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from advisory.clock import now, today
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.models import User
from advisory.notifications import notifications_resolve, notify
from advisory.roles import WORKSPACE_ROLES, Role
from advisory.rules import can
from advisory.texts import Joined, Text, stored_reason_within, text
from audit.models import AuditAction
from audit.services import audit_log

from .models import (
    Appraisal,
    AppraisalKind,
    AuditArea,
    AuditFinding,
    AuditStatus,
    ConflictDeclaration,
    DeclarationOccasion,
    DeclarationStatus,
    EvaluationKind,
    ExternalEvaluation,
    FindingSeverity,
    FindingStatus,
    InternalAudit,
    PermissionRestriction,
    RestrictedAction,
    RestrictionSource,
    StaffReminder,
    TrainingPlan,
)

logger = logging.getLogger(__name__)

ONE = Decimal("0.1")
# Appraisal weights (documented in docs/staff.md): theory 40 %, practical 40 %, client feedback
# 20 % (without answered surveys theory and practical weigh 50 % each); minus 2 points per
# complaint (at most 10) and 10 points per substantiated violation.
WEIGHTS = {"theory": Decimal("0.4"), "practical": Decimal("0.4"), "feedback": Decimal("0.2")}
COMPLAINT_PENALTY, COMPLAINT_PENALTY_CAP, VIOLATION_PENALTY = Decimal("2"), Decimal("10"), Decimal("10")
# What a failed appraisal restricts, per role, until a re-assessment passes.
FAIL_RESTRICTS: dict[str, tuple[str, ...]] = {
    Role.ADVISOR: (RestrictedAction.SUBMIT_PROPOSAL,),
    Role.RISK_REVIEWER: (RestrictedAction.APPROVE_PROPOSAL,),
    Role.COMPLIANCE: (RestrictedAction.APPROVE_PROPOSAL,),
}


def _require(actor: User, perm: str, obj=None, message: str | None = None) -> None:
    if not can(actor, perm, obj):
        raise NotAllowed(message or _("Your role does not allow this action."))


def _staff(user: User, field: str) -> None:
    if user is None or user.role not in WORKSPACE_ROLES or not user.is_active:
        raise DomainError(_("Choose an active member of staff."), field=field)


def _decimal(value, field: str, *, low: Decimal = Decimal("0"), high: Decimal | None = None) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(_("Enter a number."), field=field) from None
    if not number.is_finite() or number < low or (high is not None and number > high):
        if high is None:
            raise DomainError(_("Enter a number of at least %(low)s.") % {"low": low}, field=field)
        raise DomainError(
            _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}, field=field
        )
    return number


def pass_mark() -> Decimal:
    return Decimal(str(getattr(settings, "STAFF_APPRAISAL_PASS_MARK", "60")))


def _remind_once(kind: str, subject: str, period: str) -> bool:
    """Claim a reminder in the ledger; False if it was sent already (the sweeps' idempotence)."""
    try:
        with transaction.atomic():
            StaffReminder.objects.create(kind=kind, subject=subject, period=period, sent_at=now())
    except IntegrityError:
        return False
    return True


# --- training plans ---------------------------------------------------------------------------


def training_plan_set(
    *,
    actor: User,
    year: int,
    role: str,
    required_hours: Decimal,
    topic_compliance: bool = True,
    topic_ethics: bool = True,
    topic_aml: bool = True,
    topic_products: bool = True,
) -> TrainingPlan:
    """Set the yearly training requirement of a role (creates it on first use)."""
    _require(actor, "staff.manage_training_plan")
    if role not in WORKSPACE_ROLES:
        raise DomainError(_("Choose a staff role."), field="role")
    if not 2000 <= int(year) <= 2100:
        raise DomainError(_("Enter a year."), field="year")
    hours = _decimal(required_hours, "required_hours", high=Decimal("1000"))
    with transaction.atomic():
        plan = TrainingPlan.objects.select_for_update().filter(year=year, role=role).first()
        plan = plan or TrainingPlan(year=year, role=role)
        plan.required_hours = hours
        plan.topic_compliance, plan.topic_ethics = topic_compliance, topic_ethics
        plan.topic_aml, plan.topic_products = topic_aml, topic_products
        audited_save(plan, actor=actor, reason="training plan set")
    return plan


def training_shortfall_sweep(*, on: datetime.date | None = None) -> dict[str, int]:
    """Monthly: warn each active staff member behind their role's plan, and their supervisor.
    Behind = completed hours below the pro-rata requirement (required × month / 12), or, from
    October, a mandatory topic not yet covered. One warning per person and month (ledger)."""
    from .selectors import training_progress

    on = on or today()
    warned = skipped = 0
    for row in training_progress(year=on.year, on=on):
        if not row.behind:
            continue
        if not _remind_once("training_shortfall", str(row.user.pk), f"{on:%Y-%m}"):
            skipped += 1
            continue
        missing = Joined(list(row.missing_topic_labels), ", ") if row.missing_topic_labels else "—"
        subject = text(
            "notify.staff_training_shortfall",
            person=str(row.user),
            done=row.hours_done,
            req=row.plan.required_hours,
        )
        body = text("notify.staff_training_shortfall_body", exp=row.expected_hours, missing=missing)
        notify(
            recipients=[row.user, row.user.supervisor],
            kind="staff.training_shortfall",
            subject=subject,
            body=body,
            url=reverse("staff:member", args=[row.user.pk]),
        )
        warned += 1
    logger.info("training shortfall sweep: warned=%s already=%s", warned, skipped)
    return {"warned": warned, "already_warned": skipped}


# --- appraisals and restrictions --------------------------------------------------------------


def appraisal_figures(*, staff_member: User, period_start: datetime.date, period_end: datetime.date) -> dict:
    """The client-feedback score (answered surveys of the person's clients, CSAT 1–5 mapped to
    0–100) and the complaint and substantiated-violation counts of the period."""
    figures = {"feedback_score": None, "feedback_surveys": 0, "complaint_count": 0, "violation_count": 0}
    if not apps.is_installed("complaints"):
        return figures
    survey = apps.get_model("complaints", "SatisfactionSurvey")
    complaint = apps.get_model("complaints", "Complaint")
    violation = apps.get_model("complaints", "ViolationCase")
    agg = survey.objects.filter(
        client__advisor=staff_member,
        csat__isnull=False,
        answered_at__date__gte=period_start,
        answered_at__date__lte=period_end,
    ).aggregate(avg=Avg("csat"), n=Count("id"))
    if agg["n"]:
        score = (Decimal(str(agg["avg"])) - 1) / 4 * 100
        figures["feedback_score"] = score.quantize(ONE, ROUND_HALF_UP)
        figures["feedback_surveys"] = agg["n"]
    figures["complaint_count"] = complaint.objects.filter(
        Q(client__advisor=staff_member) | Q(assignee=staff_member),
        received_at__date__gte=period_start,
        received_at__date__lte=period_end,
    ).count()
    figures["violation_count"] = violation.objects.filter(
        staff_member=staff_member,
        substantiated=True,
        opened_at__date__gte=period_start,
        opened_at__date__lte=period_end,
    ).count()
    return figures


def appraisal_score(
    *, theory: Decimal, practical: Decimal, feedback: Decimal | None, complaints: int, violations: int
) -> Decimal:
    if feedback is None:
        base = (theory + practical) / 2
    else:
        base = theory * WEIGHTS["theory"] + practical * WEIGHTS["practical"] + feedback * WEIGHTS["feedback"]
    penalty = min(COMPLAINT_PENALTY * complaints, COMPLAINT_PENALTY_CAP) + VIOLATION_PENALTY * violations
    return max(base - penalty, Decimal("0")).quantize(ONE, ROUND_HALF_UP)


def appraisal_record(
    *,
    actor: User,
    staff_member: User,
    period_start: datetime.date,
    period_end: datetime.date,
    theory_score: Decimal,
    practical_score: Decimal,
    notes: str = "",
) -> Appraisal:
    """Record an appraisal (seed 000 §4.3). Below the pass mark, the actions of the person's role
    (FAIL_RESTRICTS) are restricted until a re-assessment passes; a passing re-assessment lifts
    every appraisal restriction of the person. Nobody appraises themselves."""
    _require(actor, "staff.appraise")
    _staff(staff_member, "staff_member")
    if staff_member.pk == actor.pk:
        raise NotAllowed(_("Nobody appraises themselves: another supervisor or compliance officer must."))
    if period_end < period_start:
        raise DomainError(_("The period must end after it starts."), field="period_end")
    if period_end > today():
        raise DomainError(_("The period cannot end in the future."), field="period_end")
    theory = _decimal(theory_score, "theory_score", high=Decimal("100"))
    practical = _decimal(practical_score, "practical_score", high=Decimal("100"))
    figures = appraisal_figures(staff_member=staff_member, period_start=period_start, period_end=period_end)
    total = appraisal_score(
        theory=theory,
        practical=practical,
        feedback=figures["feedback_score"],
        complaints=figures["complaint_count"],
        violations=figures["violation_count"],
    )
    mark = pass_mark()
    with transaction.atomic():
        open_failure = active_appraisal_restrictions(staff_member).exists()
        appraisal = Appraisal(
            staff_member=staff_member,
            kind=AppraisalKind.REASSESSMENT if open_failure else AppraisalKind.REGULAR,
            period_start=period_start,
            period_end=period_end,
            theory_score=theory,
            practical_score=practical,
            total_score=total,
            pass_mark=mark,
            passed=total >= mark,
            notes=notes,
            assessed_by=actor,
            assessed_at=now(),
            **figures,
        )
        audited_save(appraisal, actor=actor, reason="appraisal recorded")
        audit_log(
            actor=actor,
            action=AuditAction.OTHER,
            obj=appraisal,
            reason=text("audit.appraisal_passed" if appraisal.passed else "audit.appraisal_failed"),
            changes={"total_score": str(total), "pass_mark": str(mark)},
        )
        if appraisal.passed:
            lifted = 0
            for restriction in active_appraisal_restrictions(staff_member).select_for_update():
                _lift(restriction, actor=actor, reason=text("audit.re_assessment_passed"))
                lifted += 1
            if lifted:
                notify(
                    recipients=[staff_member],
                    kind="staff.restriction_lifted",
                    subject=text("notify.staff_restriction_lifted"),
                    url=reverse("staff:my_conduct"),
                )
        else:
            blocked = FAIL_RESTRICTS.get(staff_member.role, ())
            if blocked and not open_failure:
                restriction = PermissionRestriction(
                    staff_member=staff_member,
                    source=RestrictionSource.APPRAISAL,
                    starts_on=today(),
                    appraisal=appraisal,
                    blocks_submission=RestrictedAction.SUBMIT_PROPOSAL in blocked,
                    blocks_approval=RestrictedAction.APPROVE_PROPOSAL in blocked,
                    blocks_clients=RestrictedAction.TAKE_CLIENTS in blocked,
                )
                audited_save(restriction, actor=actor, reason="appraisal below the pass mark")
            notify(
                recipients=[staff_member, staff_member.supervisor],
                kind="staff.appraisal_failed",
                subject=text("notify.staff_appraisal_failed", total=total, mark=mark),
                body=text(
                    "notify.staff_appraisal_failed_body",
                    actions=Joined([RestrictedAction(a).label for a in blocked], ", "),
                ),
                url=reverse("staff:member", args=[staff_member.pk]),
            )
    return appraisal


def active_appraisal_restrictions(staff_member: User):
    return PermissionRestriction.objects.filter(
        staff_member=staff_member, source=RestrictionSource.APPRAISAL, lifted_at__isnull=True
    )


def _lift(restriction: PermissionRestriction, *, actor: User | None, reason: str | Text) -> None:
    """`reason`: a system reason as a code (stored as such, read in each reader's language) or
    what a person typed (kept as typed, cut to the column)."""
    stored = stored_reason_within(reason, PermissionRestriction._meta.get_field("lift_reason").max_length)
    restriction.lifted_at, restriction.lifted_by, restriction.lift_reason = now(), actor, stored
    audited_save(restriction, actor=actor, reason=reason)


def suspension_impose(
    *,
    actor: User,
    staff_member: User,
    starts_on: datetime.date,
    ends_on: datetime.date,
    case_ref: str,
) -> PermissionRestriction:
    """Suspension of business permissions (seed 001 §六): blocks the person's proposal
    submissions, approvals and client assignments from `starts_on` to `ends_on` inclusive.
    Called by the violation case service, which checks who may decide it."""
    if ends_on < starts_on:
        raise DomainError(_("The suspension must end on or after its first day."), field="ends_on")
    restriction = PermissionRestriction(
        staff_member=staff_member,
        source=RestrictionSource.SUSPENSION,
        starts_on=starts_on,
        ends_on=ends_on,
        case_ref=case_ref,
        blocks_submission=True,
        blocks_approval=True,
        blocks_clients=True,
    )
    audited_save(restriction, actor=actor, reason=text("audit.suspension_under_case_ref", case_ref=case_ref))
    notify(
        recipients=[staff_member, staff_member.supervisor],
        kind="staff.suspended",
        subject=text("notify.staff_suspended", start=starts_on, end=ends_on),
        body=restriction.reason(),
        url=reverse("staff:my_conduct"),
    )
    return restriction


def restriction_lift(
    *, actor: User, restriction: PermissionRestriction, reason: str
) -> PermissionRestriction:
    """Lift a restriction early (compliance, with a reason)."""
    _require(actor, "staff.lift_restriction", restriction)
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for lifting the restriction."), field="reason")
    with transaction.atomic():
        locked = PermissionRestriction.objects.select_for_update().get(pk=restriction.pk)
        if locked.lifted_at is not None:
            raise Conflict(_("This restriction has been lifted already."))
        _lift(locked, actor=actor, reason=reason.strip())
        audit_log(
            actor=actor,
            action=AuditAction.OTHER,
            obj=locked,
            reason=text("audit.restriction_lifted_reason", reason=reason),
        )
    return locked


def restriction_end_sweep(*, on: datetime.date | None = None) -> int:
    """Daily: tell each person whose suspension period ended that their permissions are back
    (the permission layer already stops refusing on the day after `ends_on`; this only
    informs). Once per restriction (ledger)."""
    on = on or today()
    told = 0
    ended = PermissionRestriction.objects.filter(ends_on__lt=on, lifted_at__isnull=True).select_related(
        "staff_member"
    )
    for restriction in ended:
        if _remind_once("restriction_ended", str(restriction.pk), restriction.ends_on.isoformat()):
            notify(
                recipients=[restriction.staff_member],
                kind="staff.restriction_ended",
                subject=text("notify.staff_restriction_ended", end=restriction.ends_on),
                url=reverse("staff:my_conduct"),
            )
            told += 1
    logger.info("restriction end sweep: %s told", told)
    return told


# --- conflict-of-interest declarations --------------------------------------------------------


def declaration_submit(
    *, actor: User, occasion: str, has_interests: bool, interests: str = ""
) -> ConflictDeclaration:
    """A staff member declares their interests (seed 001 §四.1.4): yearly, and on any change."""
    _require(actor, "staff.declare_conflict")
    if occasion not in DeclarationOccasion.values:
        raise DomainError(_("Choose why you declare."), field="occasion")
    interests = (interests or "").strip()
    if has_interests and not interests:
        raise DomainError(_("Describe the interests you declare."), field="interests")
    if occasion == DeclarationOccasion.CHANGE and not interests:
        raise DomainError(_("Describe what changed."), field="interests")
    stamp = now()
    with transaction.atomic():
        declaration = ConflictDeclaration(
            staff_member=actor,
            year=today().year,
            occasion=occasion,
            has_interests=has_interests,
            interests=interests,
            submitted_at=stamp,
        )
        audited_save(declaration, actor=actor, reason="conflict-of-interest declared")
        reviewers = User.objects.filter(role=Role.COMPLIANCE, is_active=True)
        notify(
            recipients=list(reviewers),
            kind="staff.declaration_submitted",
            subject=text("notify.staff_declaration_submitted", name=str(actor)),
            url=reverse("staff:declaration_detail", args=[declaration.pk]),
            about=declaration,
        )
    return declaration


def declaration_review(
    *, actor: User, declaration: ConflictDeclaration, status: str, note: str = ""
) -> ConflictDeclaration:
    """Compliance reviews a declaration: cleared, or mitigation required (with the measure)."""
    _require(
        actor, "staff.review_declaration", declaration, _("Only compliance officers review declarations.")
    )
    if declaration.staff_member_id == actor.pk:
        raise NotAllowed(_("Nobody reviews their own declaration."))
    if status not in (DeclarationStatus.CLEARED, DeclarationStatus.MITIGATION):
        raise DomainError(_("Choose the outcome of the review."), field="status")
    note = (note or "").strip()
    if status == DeclarationStatus.MITIGATION and not note:
        raise DomainError(_("Describe the mitigation required."), field="note")
    with transaction.atomic():
        locked = ConflictDeclaration.objects.select_for_update().get(pk=declaration.pk)
        if locked.status != DeclarationStatus.SUBMITTED:
            raise Conflict(_("This declaration has been reviewed already."))
        locked.status, locked.review_note = status, note
        locked.reviewed_by, locked.reviewed_at = actor, now()
        audited_save(
            locked,
            actor=actor,
            reason=text("audit.declaration_reviewed_status", status=DeclarationStatus(status).label),
        )
        notifications_resolve(about=locked)  # the request to review it is done
        notify(
            recipients=[locked.staff_member],
            kind="staff.declaration_reviewed",
            subject=text("notify.staff_declaration_reviewed", status=DeclarationStatus(locked.status).label),
            body=note,
            url=reverse("staff:my_conduct"),
        )
    return locked


def declaration_due_sweep(*, on: datetime.date | None = None) -> int:
    """Monthly: remind active staff who have not declared this year (once a month until done)."""
    on = on or today()
    declared = ConflictDeclaration.objects.filter(year=on.year).values("staff_member_id")
    missing = User.objects.filter(role__in=WORKSPACE_ROLES, is_active=True).exclude(pk__in=declared)
    reminded = 0
    for person in missing:
        if _remind_once("declaration_due", str(person.pk), f"{on:%Y-%m}"):
            notify(
                recipients=[person],
                kind="staff.declaration_due",
                subject=text("notify.staff_declaration_due", year=on.year),
                url=reverse("staff:declaration_add"),
            )
            reminded += 1
    logger.info("declaration due sweep: %s reminded", reminded)
    return reminded


# --- internal audit ---------------------------------------------------------------------------

AUDIT_TRANSITIONS = {
    AuditStatus.PLANNED: {AuditStatus.FIELDWORK},
    AuditStatus.FIELDWORK: {AuditStatus.REPORTED},
    AuditStatus.REPORTED: {AuditStatus.CLOSED, AuditStatus.FIELDWORK},
    AuditStatus.CLOSED: set(),
}


def internal_audit_plan(
    *,
    actor: User,
    area: str,
    title: str,
    period_start: datetime.date,
    period_end: datetime.date,
    planned_on: datetime.date,
    auditor: User,
) -> InternalAudit:
    """Put an audit of a service process on the plan (seed 001 §五): area, period, auditor."""
    _require(actor, "staff.plan_internal_audit")
    if area not in AuditArea.values:
        raise DomainError(_("Choose the area audited."), field="area")
    if not (title or "").strip():
        raise DomainError(_("Enter a title."), field="title")
    if period_end < period_start:
        raise DomainError(_("The period must end after it starts."), field="period_end")
    if auditor is None or auditor.role not in (Role.COMPLIANCE, Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise DomainError(
            _("The auditor must be a compliance officer, supervisor or administrator."), field="auditor"
        )
    with transaction.atomic():
        audit = InternalAudit(
            area=area,
            title=title.strip(),
            period_start=period_start,
            period_end=period_end,
            planned_on=planned_on,
            auditor=auditor,
        )
        audited_save(audit, actor=actor, reason="internal audit planned")
        notify(
            recipients=[auditor],
            kind="staff.audit_planned",
            subject=text("notify.staff_audit_planned", t=audit.title),
            url=reverse("staff:audit_detail", args=[audit.pk]),
        )
    return audit


def internal_audit_transition(
    *, actor: User, audit: InternalAudit, to: str, conclusion: str = ""
) -> InternalAudit:
    """planned → fieldwork → reported → closed. Reporting needs the conclusion; closing needs
    every finding closed."""
    _require(actor, "staff.work_internal_audit", audit)
    with transaction.atomic():
        locked = InternalAudit.objects.select_for_update().get(pk=audit.pk)
        old = locked.status
        if to not in AUDIT_TRANSITIONS.get(old, set()):
            raise Conflict(
                _("An audit in status '%(old)s' cannot move to '%(new)s'.")
                % {
                    "old": locked.get_status_display(),
                    "new": AuditStatus(to).label if to in AuditStatus.values else to,
                }
            )
        if to == AuditStatus.REPORTED:
            conclusion = (conclusion or locked.conclusion).strip()
            if not conclusion:
                raise DomainError(_("Write the audit conclusion before reporting."), field="conclusion")
            locked.conclusion, locked.reported_at = conclusion, now()
        if to == AuditStatus.CLOSED:
            open_count = locked.findings.exclude(status=FindingStatus.CLOSED).count()
            if open_count:
                raise Conflict(
                    _("The audit cannot close while %(n)s finding(s) are open: follow them up first.")
                    % {"n": open_count}
                )
            locked.closed_at = now()
        locked.status = to
        moved = text("audit.internal_audit_old_to", old=AuditStatus(old).label, to=AuditStatus(to).label)
        audited_save(locked, actor=actor, reason=moved)
        audit_log(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=locked,
            reason=moved,
            changes={"status": [old, to]},
        )
    return locked


def finding_add(
    *,
    actor: User,
    audit: InternalAudit,
    title: str,
    severity: str,
    owner: User,
    due_on: datetime.date,
    description: str = "",
    improvement_action=None,
) -> AuditFinding:
    """Record a finding with its severity, owner and due date (seed 002 §7.2). A finding that
    needs a plan-do-check-act improvement links an existing improvement action."""
    _require(actor, "staff.work_internal_audit", audit)
    if audit.status not in (AuditStatus.FIELDWORK, AuditStatus.REPORTED):
        raise Conflict(_("Findings are recorded during fieldwork or in the report."))
    if not (title or "").strip():
        raise DomainError(_("Describe the finding."), field="title")
    if severity not in FindingSeverity.values:
        raise DomainError(_("Choose a severity."), field="severity")
    _staff(owner, "owner")
    if due_on < today():
        raise DomainError(_("The due date cannot be in the past."), field="due_on")
    with transaction.atomic():
        finding = AuditFinding(
            audit=audit,
            title=title.strip(),
            description=description,
            severity=severity,
            owner=owner,
            due_on=due_on,
            improvement_action=improvement_action,
        )
        audited_save(finding, actor=actor, reason="audit finding recorded")
        notify(
            recipients=[owner],
            kind="staff.finding",
            subject=text("notify.staff_finding", d=due_on, t=finding.title),
            url=reverse("staff:finding_detail", args=[finding.pk]),
        )
    return finding


def finding_report_remediation(*, actor: User, finding: AuditFinding, remediation: str) -> AuditFinding:
    """The owner reports what was done; the auditor then closes or reopens the finding."""
    _require(
        actor,
        "staff.remediate_finding",
        finding,
        _("Only the finding's owner or compliance report remediation."),
    )
    if not (remediation or "").strip():
        raise DomainError(_("Describe the remediation."), field="remediation")
    with transaction.atomic():
        locked = AuditFinding.objects.select_for_update().get(pk=finding.pk)
        if locked.status == FindingStatus.CLOSED:
            raise Conflict(_("This finding is closed."))
        locked.remediation, locked.status = remediation.strip(), FindingStatus.REMEDIATED
        audited_save(locked, actor=actor, reason="remediation reported")
        notify(
            recipients=[locked.audit.auditor],
            kind="staff.finding_remediated",
            subject=text("notify.staff_finding_remediated", t=locked.title),
            url=reverse("staff:finding_detail", args=[locked.pk]),
        )
    return locked


def finding_close(*, actor: User, finding: AuditFinding, accept: bool, note: str = "") -> AuditFinding:
    """The auditor (or compliance) follows up: accept the remediation and close, or reopen it.
    A finding linked to an improvement action closes only once that action is closed."""
    _require(actor, "staff.close_finding", finding, _("Only the auditor or compliance close a finding."))
    with transaction.atomic():
        locked = (
            AuditFinding.objects.select_for_update(of=("self",))
            .select_related("improvement_action")
            .get(pk=finding.pk)
        )
        if locked.status != FindingStatus.REMEDIATED:
            raise Conflict(_("A finding is followed up once its owner has reported the remediation."))
        if accept:
            action = locked.improvement_action
            if action is not None and action.is_open:
                raise Conflict(_("The linked improvement action is still open: close it first."))
            locked.status, locked.closed_at, locked.closed_by = FindingStatus.CLOSED, now(), actor
        else:
            if not (note or "").strip():
                raise DomainError(_("Say why the remediation is not enough."), field="note")
            locked.status = FindingStatus.OPEN
        audited_save(
            locked,
            actor=actor,
            reason=text("audit.finding_closed")
            if accept
            else text("audit.finding_reopened_note", note=note[:250]),
        )
    return locked


def findings_overdue_sweep(*, on: datetime.date | None = None) -> int:
    """Daily: warn the owner and auditor of each finding past its due date, once per finding
    and due date (ledger)."""
    on = on or today()
    warned = 0
    rows = AuditFinding.objects.filter(due_on__lt=on).exclude(status=FindingStatus.CLOSED)
    for finding in rows.select_related("owner", "audit__auditor"):
        if _remind_once("finding_overdue", str(finding.pk), finding.due_on.isoformat()):
            notify(
                recipients=[finding.owner, finding.audit.auditor],
                kind="staff.finding_overdue",
                subject=text("notify.staff_finding_overdue", d=finding.due_on, t=finding.title),
                url=reverse("staff:finding_detail", args=[finding.pk]),
            )
            warned += 1
    logger.info("findings overdue sweep: %s warned", warned)
    return warned


def evaluation_record(
    *,
    actor: User,
    kind: str,
    evaluator: str,
    area: str,
    evaluated_on: datetime.date,
    rating: str,
    summary: str,
    score: Decimal | None = None,
) -> ExternalEvaluation:
    """Record the result of an external or third-party evaluation (seed 002 §7.2)."""
    _require(actor, "staff.record_evaluation")
    if kind not in EvaluationKind.values:
        raise DomainError(_("Choose the kind of evaluation."), field="kind")
    if area not in AuditArea.values:
        raise DomainError(_("Choose the area evaluated."), field="area")
    for field, value in (("evaluator", evaluator), ("rating", rating), ("summary", summary)):
        if not (value or "").strip():
            raise DomainError(_("This field is required."), field=field)
    if evaluated_on > today():
        raise DomainError(_("The evaluation date cannot be in the future."), field="evaluated_on")
    if score is not None:
        score = _decimal(score, "score", high=Decimal("100"))
    with transaction.atomic():
        evaluation = ExternalEvaluation(
            kind=kind,
            evaluator=evaluator.strip(),
            area=area,
            evaluated_on=evaluated_on,
            rating=rating.strip(),
            score=score,
            summary=summary.strip(),
            recorded_by=actor,
        )
        audited_save(evaluation, actor=actor, reason="external evaluation recorded")
    return evaluation
