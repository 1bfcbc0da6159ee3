"""Violation cases opened from complaints: stages, accountability and measures (SPEC §4)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advisory.clock import now
from advisory.editing import Guard
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.models import User
from advisory.notifications import notify
from advisory.rules import can
from advisory.texts import text
from audit.models import AuditAction
from audit.services import audit_log

from ..models import (
    AccountabilityAction,
    Complaint,
    EventKind,
    MeasureStatus,
    RectificationMeasure,
    ViolationCase,
    ViolationStage,
)
from .common import _event

VIOLATION_FLOW = [
    ViolationStage.VERIFICATION,
    ViolationStage.INVESTIGATION,
    ViolationStage.FINDING,
    ViolationStage.ACCOUNTABILITY,
    ViolationStage.RECTIFICATION,
    ViolationStage.EVALUATION,
    ViolationStage.CLOSED,
]


# What must be written before leaving a stage.
VIOLATION_REQUIRED = {
    ViolationStage.VERIFICATION: (
        "verification_notes",
        gettext_lazy("Record the verification before investigating."),
    ),
    ViolationStage.INVESTIGATION: (
        "investigation_notes",
        gettext_lazy("Record the investigation before the finding."),
    ),
    ViolationStage.FINDING: ("finding", gettext_lazy("Record the finding before deciding an action.")),
    ViolationStage.ACCOUNTABILITY: (
        "accountability_action",
        gettext_lazy("Choose the accountability action."),
    ),
    ViolationStage.EVALUATION: (
        "evaluation_notes",
        gettext_lazy("Record the evaluation of the measures' effect."),
    ),
}


def _check_violation_actor(actor: User, perm: str = "complaints.manage_violation") -> None:
    if not can(actor, perm):
        raise NotAllowed(_("Only compliance officers and supervisors handle violation cases."))


def violation_open(*, complaint: Complaint, actor: User, staff_member: User, summary: str) -> ViolationCase:
    _check_violation_actor(actor)
    if not staff_member.is_workspace_user:
        raise DomainError(_("A violation case is opened against a member of staff."), field="staff_member")
    if not summary.strip():
        raise DomainError(_("Describe the alleged misconduct."), field="summary")
    with transaction.atomic():
        case = ViolationCase(
            complaint=complaint,
            client=complaint.client,
            staff_member=staff_member,
            summary=summary.strip(),
            opened_by=actor,
            opened_at=now(),
        )
        audited_save(case, actor=actor, reason="violation case opened")
        _event(
            complaint,
            kind=EventKind.NOTE,
            actor=actor,
            internal=True,
            body=text("event.violation_case_opened", person=str(staff_member)),
        )
    return case


def violation_update(
    *, case: ViolationCase, actor: User, edits: Guard | None = None, **fields: Any
) -> ViolationCase:
    """Write the notes of the current stage (verification, investigation, finding, action,
    evaluation). With `edits` (the page's guard, advisory.editing), notes a colleague wrote since
    the page was opened are kept, or the save is refused when both changed the same one."""
    _check_violation_actor(actor)
    allowed = {
        "verification_notes", "investigation_notes", "finding", "substantiated",
        "accountability_action", "action_notes", "evaluation_notes", "effective",
    }  # fmt: skip
    action = fields.get("accountability_action")
    if action and action not in AccountabilityAction.values:
        raise DomainError(_("Choose an action from the list."), field="accountability_action")
    with transaction.atomic():
        locked = ViolationCase.objects.select_for_update().get(pk=case.pk)
        if locked.stage == ViolationStage.CLOSED:
            raise Conflict(_("This violation case is closed."))
        if edits is not None:
            fields = edits.merge(locked, fields, actor=actor)
        for key, value in fields.items():
            if key in allowed and value is not None:
                setattr(locked, key, value)
        audited_save(
            locked,
            actor=actor,
            reason=text("audit.violation_case_updated_at_stage", stage=ViolationStage(locked.stage).label),
        )
    return locked


def violation_advance(*, case: ViolationCase, actor: User, note: str = "") -> ViolationCase:
    """Move a violation case to its next stage (the fixed order in VIOLATION_FLOW)."""
    _check_violation_actor(actor)
    with transaction.atomic():
        locked = ViolationCase.objects.select_for_update().get(pk=case.pk)
        if locked.stage == ViolationStage.CLOSED:
            raise Conflict(_("This violation case is closed."))
        required = VIOLATION_REQUIRED.get(locked.stage)
        if locked.stage == ViolationStage.ACCOUNTABILITY and locked.sanctions.exists():
            required = None  # decided as one or more accountability actions (complaints.violations)
        if required and not getattr(locked, required[0]):
            raise Conflict(required[1])
        if locked.stage == ViolationStage.FINDING and locked.substantiated is False:
            nxt = ViolationStage.CLOSED  # not substantiated: no action, the case ends here
        else:
            nxt = VIOLATION_FLOW[VIOLATION_FLOW.index(locked.stage) + 1]
        if locked.stage == ViolationStage.RECTIFICATION and not locked.measures.exists():
            raise Conflict(_("Add at least one rectification measure with an owner and a due date."))
        if locked.stage == ViolationStage.RECTIFICATION:
            still_open = locked.measures.exclude(status=MeasureStatus.DONE).count()
            if still_open:
                raise Conflict(
                    _(
                        "%(n)s rectification measure(s) still open: the case moves to evaluation once every measure is done."
                    )
                    % {"n": still_open}
                )
        if (
            locked.stage == ViolationStage.EVALUATION
            and locked.regulator_report_due
            and not locked.regulator_reported_on
        ):
            raise Conflict(_("A major violation closes once its report to the regulator is recorded."))
        old = locked.stage
        locked.stage = nxt
        if nxt == ViolationStage.CLOSED:
            locked.closed_at = now()
        note = note.strip()
        moved = text(
            "audit.violation_stage_old_new", old=ViolationStage(old).label, new=ViolationStage(nxt).label
        )
        audited_save(
            locked,
            actor=actor,
            reason=text(
                "audit.violation_stage_old_new_note",
                old=ViolationStage(old).label,
                new=ViolationStage(nxt).label,
                note=note[:250],
            )
            if note
            else moved,
        )
        audit_log(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=locked,
            reason=note or moved,
            changes={"stage": [old, nxt]},
        )
    return locked


def measure_add(
    *, case: ViolationCase, actor: User, description: str, owner: User, due_on: datetime.date
) -> RectificationMeasure:
    _check_violation_actor(actor)
    if case.stage not in (
        ViolationStage.ACCOUNTABILITY,
        ViolationStage.RECTIFICATION,
        ViolationStage.EVALUATION,
    ):
        raise Conflict(_("Rectification measures are added once the accountability action is decided."))
    if not description.strip():
        raise DomainError(_("Describe the measure."), field="description")
    measure = RectificationMeasure(case=case, description=description.strip(), owner=owner, due_on=due_on)
    with transaction.atomic():
        audited_save(measure, actor=actor, reason="rectification measure added")
        notify(
            recipients=[owner],
            kind="complaints.measure",
            subject=text("notify.complaint_measure", d=due_on),
            body=description,
            url=reverse("complaints:violation_detail", args=[case.pk]),
        )
    return measure


def measure_set_status(*, measure: RectificationMeasure, actor: User, status: str) -> RectificationMeasure:
    if status not in MeasureStatus.values:
        raise DomainError(_("Choose a status."), field="status")
    with transaction.atomic():
        # the case first, as violation_advance locks it: a case moving on while this waits counts
        # this measure as it is after the change, and a closed case's measures stay as closed
        case = ViolationCase.objects.select_for_update().get(pk=measure.case_id)
        if case.stage == ViolationStage.CLOSED:
            raise Conflict(_("This violation case is closed."))
        measure = RectificationMeasure.objects.select_for_update().get(pk=measure.pk)
        if not (can(actor, "complaints.manage_violation") or measure.owner_id == actor.pk):
            raise NotAllowed(_("Only the owner, compliance or a supervisor update a measure."))
        measure.status = status
        measure.completed_on = now().date() if status == MeasureStatus.DONE else None
        audited_save(
            measure, actor=actor, reason=text("audit.measure_status", status=MeasureStatus(status).label)
        )
    return measure
