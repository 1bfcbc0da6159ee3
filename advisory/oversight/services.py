"""Every change of state in oversight (SPEC §6): targets, qualifications, training, improvement
actions (plan-do-check-act), the warnings sweep and the monthly quality report."""

from __future__ import annotations

import datetime
import importlib
import logging
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from advisory.clock import now, today
from advisory.editing import Guard, with_changes
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.models import QualificationKind, RiskWarning, StaffQualification, User, WarningKind
from advisory.rules import can
from advisory.texts import text
from advisory.warnings import WarningSpec, warning_sync
from audit.models import AuditAction
from audit.services import audit_log

from .indicators import BY_CODE
from .models import (
    ActionLink,
    ActionStatus,
    Direction,
    Effectiveness,
    ImprovementAction,
    QualityReport,
    QualityTarget,
    TrainingRecord,
)

logger = logging.getLogger(__name__)

# Days before a staff qualification expires that the warning opens (settings override, SPEC §6).
QUALIFICATION_WARNING_DAYS = 60


def qualification_warning_days() -> int:
    from django.conf import settings

    return int(getattr(settings, "QUALIFICATION_WARNING_DAYS", QUALIFICATION_WARNING_DAYS))


def _require(user: User, perm: str, obj=None) -> None:
    if not can(user, perm, obj):
        raise NotAllowed(_("Your role does not allow this action."))


# --- targets ----------------------------------------------------------------------------------


def target_set(
    *, actor: User, indicator: str, target: Decimal, direction: str, amber_band: Decimal
) -> QualityTarget:
    """Set the target of an indicator (creates it on first use)."""
    _require(actor, "oversight.change_target")
    if indicator not in BY_CODE:
        raise DomainError(_("Unknown indicator."), field="indicator")
    if direction not in Direction.values:
        raise DomainError(_("Choose whether higher or lower is better."), field="direction")
    try:
        target, amber_band = Decimal(str(target)), Decimal(str(amber_band))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter numbers for the target and the amber band."), field="target") from None
    if amber_band < 0:
        raise DomainError(_("The amber band cannot be negative."), field="amber_band")
    with transaction.atomic():
        obj = QualityTarget.objects.select_for_update().filter(indicator=indicator).first()
        obj = obj or QualityTarget(indicator=indicator)
        obj.target, obj.direction, obj.amber_band = target, direction, amber_band
        audited_save(obj, actor=actor, reason="quality target set")
    return obj


def target_defaults_ensure(*, actor: User | None = None) -> int:
    """Create the default target of every indicator that has none (demo and first start)."""
    created = 0
    for code, ind in BY_CODE.items():
        if not QualityTarget.objects.filter(indicator=code).exists():
            audited_save(
                QualityTarget(
                    indicator=code,
                    target=ind.default_target,
                    direction=ind.direction,
                    amber_band=ind.default_amber,
                ),
                actor=actor,
                reason="default quality target",
            )
            created += 1
    return created


# --- staff: qualifications and training -------------------------------------------------------


def _check_dates(issued_on: datetime.date, expires_on: datetime.date | None) -> None:
    if expires_on is not None and expires_on < issued_on:
        raise DomainError(_("The expiry date must not be before the issue date."), field="expires_on")


def qualification_create(
    *,
    actor: User,
    user: User,
    kind: str,
    number: str,
    issued_on: datetime.date,
    expires_on: datetime.date | None = None,
    qualifies_for_advice: bool = True,
) -> StaffQualification:
    """Record a staff qualification (SPEC §6, staff). The certificate number is unique per kind."""
    _require(actor, "oversight.manage_staff")
    if user.is_client:
        raise DomainError(_("Qualifications are recorded for staff members only."), field="user")
    if kind not in QualificationKind.values:
        raise DomainError(_("Unknown qualification."), field="kind")
    number = (number or "").strip()
    if not number:
        raise DomainError(_("Enter the certificate number."), field="number")
    _check_dates(issued_on, expires_on)
    if StaffQualification.objects.filter(kind=kind, number=number).exists():
        raise Conflict(_("A qualification with this number is already recorded."), field="number")
    with transaction.atomic():
        obj = StaffQualification(
            user=user,
            kind=kind,
            number=number,
            issued_on=issued_on,
            expires_on=expires_on,
            qualifies_for_advice=qualifies_for_advice,
        )
        audited_save(obj, actor=actor, reason="qualification recorded")
    return obj


def qualification_update(
    *,
    actor: User,
    qualification: StaffQualification,
    number: str,
    issued_on: datetime.date,
    expires_on: datetime.date | None,
    qualifies_for_advice: bool,
    reason: str = "qualification updated",
    edits: Guard | None = None,
) -> StaffQualification:
    """Change a qualification. The row is locked and read again; with `edits`, a colleague's change
    since the form was opened is kept, or the save refused when both changed the same field."""
    _require(actor, "oversight.manage_staff")
    with transaction.atomic():
        qualification = StaffQualification.objects.select_for_update().get(pk=qualification.pk)
        values = with_changes(
            qualification,
            {
                "number": number,
                "issued_on": issued_on,
                "expires_on": expires_on,
                "qualifies_for_advice": qualifies_for_advice,
            },
            edits,
            actor=actor,
        )
        number, issued_on, expires_on = values["number"], values["issued_on"], values["expires_on"]
        qualifies_for_advice = values["qualifies_for_advice"]
        number = (number or "").strip()
        if not number:
            raise DomainError(_("Enter the certificate number."), field="number")
        _check_dates(issued_on, expires_on)
        clash = StaffQualification.objects.filter(kind=qualification.kind, number=number).exclude(
            pk=qualification.pk
        )
        if clash.exists():
            raise Conflict(_("A qualification with this number is already recorded."), field="number")
        qualification.number = number
        qualification.issued_on = issued_on
        qualification.expires_on = expires_on
        qualification.qualifies_for_advice = qualifies_for_advice
        audited_save(qualification, actor=actor, reason=reason or text("audit.qualification_updated"))
    return qualification


def _check_topic(topic: str) -> None:
    from advisory.staff.models import TrainingTopic

    if topic and topic not in TrainingTopic.values:
        raise DomainError(_("Choose a topic from the list."), field="topic")


def training_create(
    *,
    actor: User,
    user: User,
    title: str,
    due_on: datetime.date,
    hours: Decimal = Decimal("0"),
    provider: str = "",
    required: bool = True,
    completed_on: datetime.date | None = None,
    topic: str = "",
) -> TrainingRecord:
    _require(actor, "oversight.manage_staff")
    _check_topic(topic)
    if user.is_client:
        raise DomainError(_("Training is recorded for staff members only."), field="user")
    if not (title or "").strip():
        raise DomainError(_("Enter the course title."), field="title")
    if Decimal(str(hours)) < 0:
        raise DomainError(_("Hours cannot be negative."), field="hours")
    if completed_on is not None and completed_on > today():
        raise DomainError(_("The completion date cannot be in the future."), field="completed_on")
    with transaction.atomic():
        obj = TrainingRecord(
            user=user,
            title=title.strip(),
            provider=provider,
            hours=Decimal(str(hours)),
            due_on=due_on,
            required=required,
            completed_on=completed_on,
            topic=topic or "",
        )
        audited_save(obj, actor=actor, reason="training recorded")
    return obj


def training_update(
    *,
    actor: User,
    record: TrainingRecord,
    title: str,
    due_on: datetime.date,
    hours: Decimal = Decimal("0"),
    provider: str = "",
    required: bool = True,
    completed_on: datetime.date | None = None,
    topic: str = "",
    edits: Guard | None = None,
) -> TrainingRecord:
    """Change a training record. The row is locked and read again; with `edits`, a colleague's
    change since the form was opened is kept, or the save refused when both changed one field."""
    _require(actor, "oversight.manage_staff")
    with transaction.atomic():
        record = TrainingRecord.objects.select_for_update().get(pk=record.pk)
        values = with_changes(
            record,
            {
                "title": title,
                "due_on": due_on,
                "hours": hours,
                "provider": provider,
                "required": required,
                "completed_on": completed_on,
                "topic": topic,
            },
            edits,
            actor=actor,
        )
        title, due_on, hours, provider = (
            values["title"],
            values["due_on"],
            values["hours"],
            values["provider"],
        )
        required, completed_on, topic = values["required"], values["completed_on"], values["topic"]
        _check_topic(topic)
        if not (title or "").strip():
            raise DomainError(_("Enter the course title."), field="title")
        if Decimal(str(hours)) < 0:
            raise DomainError(_("Hours cannot be negative."), field="hours")
        if completed_on is not None and completed_on > today():
            raise DomainError(_("The completion date cannot be in the future."), field="completed_on")
        record.title, record.provider, record.hours = title.strip(), provider, Decimal(str(hours))
        record.due_on, record.required, record.completed_on = due_on, required, completed_on
        record.topic = topic or ""
        audited_save(record, actor=actor, reason="training updated")
    return record


# --- improvement actions (plan-do-check-act) --------------------------------------------------

# SPEC §6 [004 §七]: plan → do → check → act → closed; check may send it back to do.
ACTION_TRANSITIONS: dict[str, set[str]] = {
    ActionStatus.PLAN: {ActionStatus.DO},
    ActionStatus.DO: {ActionStatus.CHECK},
    ActionStatus.CHECK: {ActionStatus.ACT, ActionStatus.DO},
    ActionStatus.ACT: {ActionStatus.CLOSED, ActionStatus.PLAN},
    ActionStatus.CLOSED: set(),
}


def _validate_link(link_type: str, link_ref: str) -> str:
    from .indicators import complaint_model, violation_model

    link_ref = str(link_ref or "").strip()
    if link_type not in ActionLink.values:
        raise DomainError(_("Choose what the action is linked to."), field="link_type")
    if not link_ref:
        raise DomainError(_("Choose the indicator, complaint or violation case."), field="link_ref")
    if link_type == ActionLink.INDICATOR:
        if link_ref not in BY_CODE:
            raise DomainError(_("Unknown indicator."), field="link_ref")
        return link_ref
    model = complaint_model() if link_type == ActionLink.COMPLAINT else violation_model()
    if model is not None:
        lookup = Q(pk=link_ref) if link_ref.isdigit() else Q(pk=None)
        if "number" in {f.name for f in model._meta.get_fields()}:
            lookup |= Q(number=link_ref)
        found = model.objects.filter(lookup).values_list("pk", flat=True).first()
        if found is None:
            raise DomainError(_("No such record."), field="link_ref")
        return str(found)
    if not link_ref.isdigit():
        raise DomainError(_("Enter the record number."), field="link_ref")
    return link_ref


def action_create(
    *,
    actor: User,
    title: str,
    link_type: str,
    link_ref: str,
    owner: User,
    due_on: datetime.date,
    description: str = "",
) -> ImprovementAction:
    """Open an improvement action in the plan stage (SPEC §6, [004 §七])."""
    _require(actor, "oversight.add_action")
    if not (title or "").strip():
        raise DomainError(_("Enter a title."), field="title")
    if owner.is_client or not owner.is_active:
        raise DomainError(_("The owner must be an active staff member."), field="owner")
    if due_on < today():
        raise DomainError(_("The due date cannot be in the past."), field="due_on")
    ref = _validate_link(link_type, link_ref)
    with transaction.atomic():
        action = ImprovementAction(
            title=title.strip(),
            description=description,
            link_type=link_type,
            link_ref=ref,
            owner=owner,
            due_on=due_on,
            created_by=actor,
        )
        audited_save(action, actor=actor, reason="improvement action planned")
    return action


def action_update(
    *,
    actor: User,
    action: ImprovementAction,
    title: str,
    description: str,
    owner: User,
    due_on: datetime.date,
    edits: Guard | None = None,
) -> ImprovementAction:
    if not (title or "").strip():
        raise DomainError(_("Enter a title."), field="title")
    with transaction.atomic():
        # the action as it is now: a move along the cycle or an effectiveness check saved while
        # the form was open stays as it was (only the fields edited here are written); with
        # `edits`, so does a colleague's edit of a field this person did not change
        action = ImprovementAction.objects.select_for_update().get(pk=action.pk)
        _require(actor, "oversight.change_action", action)
        values = with_changes(
            action,
            {"title": title, "description": description, "owner": owner, "due_on": due_on},
            edits,
            actor=actor,
        )
        title, description, owner, due_on = (
            values["title"],
            values["description"],
            values["owner"],
            values["due_on"],
        )
        if action.status == ActionStatus.CLOSED:
            raise Conflict(_("A closed action cannot be changed."))
        if owner.pk != action.owner_id and not can(actor, "oversight.add_action"):
            raise NotAllowed(_("Only supervisors and compliance reassign an action."))
        action.title, action.description, action.owner, action.due_on = (
            title.strip(),
            description,
            owner,
            due_on,
        )
        audited_save(action, actor=actor, reason="improvement action changed")
    return action


def action_transition(
    *, actor: User, action: ImprovementAction, to: str, note: str = ""
) -> ImprovementAction:
    """Move an action along plan → do → check → act → closed. The owner or an oversight manager
    may advance it; moving to `act` or `closed` needs the effectiveness check first, which only
    supervisors and compliance record (action_check)."""
    _require(actor, "oversight.change_action", action)
    with transaction.atomic():
        action = ImprovementAction.objects.select_for_update().get(pk=action.pk)
        old = action.status
        if to not in ACTION_TRANSITIONS.get(old, set()):
            raise Conflict(
                _("An action in '%(current)s' cannot move to '%(target)s'.")
                % {
                    "current": action.get_status_display(),
                    "target": ActionStatus(to).label if to in ActionStatus.values else to,
                }
            )
        if to in (ActionStatus.ACT, ActionStatus.CLOSED) and not action.effectiveness:
            raise Conflict(_("Record the effectiveness check before acting on or closing the action."))
        if to == ActionStatus.CLOSED and not can(actor, "oversight.check_action"):
            raise NotAllowed(_("Only supervisors and compliance close an improvement action."))
        action.status = to
        if to == ActionStatus.CHECK:
            action.completed_on = today()
        moved = text(
            "audit.improvement_action_old_to", old=ActionStatus(old).label, to=ActionStatus(to).label
        )
        audited_save(action, actor=actor, reason=note or moved)
        audit_log(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=action,
            reason=note or moved,
            changes={"status": [old, to]},
        )
    return action


def action_check(
    *, actor: User, action: ImprovementAction, effectiveness: str, note: str
) -> ImprovementAction:
    """Record the effectiveness check of a completed action (status `check`)."""
    _require(actor, "oversight.check_action", action)
    if effectiveness not in (Effectiveness.EFFECTIVE, Effectiveness.PARTIAL, Effectiveness.NOT_EFFECTIVE):
        raise DomainError(_("Choose how effective the action was."), field="effectiveness")
    if not (note or "").strip():
        raise DomainError(_("Describe the evidence of the check."), field="note")
    with transaction.atomic():
        action = ImprovementAction.objects.select_for_update().get(pk=action.pk)
        if action.status != ActionStatus.CHECK:
            raise Conflict(_("The effectiveness is checked once the action is done (status 'Check')."))
        action.effectiveness, action.effectiveness_note = effectiveness, note.strip()
        action.checked_at, action.checked_by = now(), actor
        audited_save(action, actor=actor, reason="effectiveness checked")
    return action


# --- risk warnings sweep ----------------------------------------------------------------------

WARNING_SOURCES = ["clients.warnings", "risk.warnings", "planning.warnings", "complaints.warnings"]


def qualification_expiring_warnings(*, on: datetime.date | None = None) -> dict:
    """QUALIFICATION_EXPIRING: qualifications of active staff that expire within 60 days
    (today ≤ expires_on ≤ today + 60), unless the holder has a later qualification of the same
    kind (renewed). Critical within 14 days."""
    on = on or today()
    limit = on + datetime.timedelta(days=qualification_warning_days())
    renewed = StaffQualification.objects.filter(user_id=OuterRef("user_id"), kind=OuterRef("kind")).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gt=limit)
    )
    rows = (
        StaffQualification.objects.filter(expires_on__gte=on, expires_on__lte=limit, user__is_active=True)
        .exclude(Exists(renewed))
        .select_related("user")
    )
    active = {}
    for q in rows:
        days = (q.expires_on - on).days
        active[("advisory.staffqualification", str(q.pk))] = WarningSpec(
            message=text(
                "warning.qualification_expiring",
                kind=QualificationKind(q.kind).label,
                number=q.number,
                person=str(q.user),
                date=q.expires_on,
                days=days,
            ),
            advisor=q.user_id,
            severity="critical" if days <= 14 else "warning",
            url=f"/app/oversight/staff/{q.user_id}/",
        )
    return {WarningKind.QUALIFICATION_EXPIRING: active}


def risk_warning_sweep() -> dict[str, dict[str, int]]:
    """SPEC §6: raise and close the automatic risk warnings. Collects every app's
    `<app>.warnings.active_warnings()` ({kind: {subject: WarningSpec}}) and syncs each kind:
    one open warning per subject and kind, closed when its cause is gone. A kind is synced only
    if every source ran (a failing source must not close the warnings it owns); safe to run
    twice or concurrently (advisory.warnings)."""
    collected: dict[str, dict] = {}
    failed = False
    providers = []
    for name in WARNING_SOURCES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        if hasattr(module, "active_warnings"):
            providers.append((name, module.active_warnings))
    providers.append(("advisory.oversight", qualification_expiring_warnings))
    for name, provider in providers:
        try:
            found = provider() or {}
        except Exception:
            logger.exception("warnings source %s failed", name)
            failed = True
            continue
        for kind, subjects in found.items():
            collected.setdefault(str(kind), {}).update(subjects or {})
    kinds = set(collected) if failed else set(collected) | set(WarningKind.values)
    results = {}
    for kind in sorted(kinds):
        with transaction.atomic():
            results[kind] = warning_sync(kind=kind, active=collected.get(kind, {}))
    logger.info("risk warning sweep: %s", results)
    return results


def warnings_open_count() -> int:
    return RiskWarning.objects.filter(is_open=True).count()


# --- indicator snapshots ----------------------------------------------------------------------

SNAPSHOT_MARKER = "_refreshed"


def indicator_rollup_refresh(*, end_month: datetime.date | None = None) -> int:
    """Rebuild the monthly snapshots of every indicator for the 12 months ending with
    `end_month` (default: this month), grouped by advisor, from the same aggregate queries as
    the live figures. Replaces those months in one transaction (idempotent; a concurrent run
    waits on the row locks and rewrites the same figures). Returns the number of rows."""
    from .indicators import INDICATORS, Filters, month_start
    from .models import IndicatorSnapshot

    f = Filters(end_month=month_start(end_month or today()), span=1)
    stamp = now()
    rows = []
    for ind in INDICATORS:
        if not ind.available():
            continue
        for (month, advisor_id), (num, den) in ind.monthly_by_advisor(f).items():
            if month in f.months:
                rows.append(
                    IndicatorSnapshot(
                        indicator=ind.code,
                        month=month,
                        advisor_id=advisor_id,
                        numerator=num,
                        denominator=den,
                        refreshed_at=stamp,
                    )
                )
    rows += [IndicatorSnapshot(indicator=SNAPSHOT_MARKER, month=m, refreshed_at=stamp) for m in f.months]
    with transaction.atomic():
        IndicatorSnapshot.objects.filter(month__in=f.months).delete()
        IndicatorSnapshot.objects.bulk_create(rows, batch_size=2000)
    logger.info("indicator rollup: %s rows for %s..%s", len(rows), f.months[0], f.months[-1])
    return len(rows)


# --- reports and exports ----------------------------------------------------------------------

REPORT_KIND = "oversight.quality_report"


def quality_report_request(
    *, actor: User | None, month: datetime.date, render_now: bool = False, language: str | None = None
):
    """Queue the monthly quality report PDF for `month` (a new archived version each time), in
    `language` (default: the requester's, i.e. the active one; the site's for the monthly task)."""
    from advisory.documents import document_request

    if actor is not None:
        _require(actor, "oversight.generate_report")
    month = month.replace(day=1)
    with transaction.atomic():
        report = QualityReport.objects.filter(month=month).first()
        if report is None:
            report = QualityReport(month=month)
            audited_save(report, actor=actor, reason="monthly quality report")
        doc = document_request(
            kind=REPORT_KIND,
            subject=report,
            title=lambda: _("Quality report %(month)s") % {"month": f"{month:%Y-%m}"},
            actor=actor,
            language=language,
            params={"month": month.isoformat()},
            render_now=render_now,
        )
    return doc
