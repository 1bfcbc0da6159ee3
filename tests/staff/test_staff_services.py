"""Training plans and their shortfall warnings, appraisal figures, declarations and the internal
audit (services and schedules, under a frozen clock)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.models import Notification
from advisory.oversight.models import ImprovementAction, TrainingRecord
from advisory.roles import Role
from advisory.staff import selectors, services
from advisory.staff.models import AuditStatus, DeclarationStatus, FindingStatus, StaffReminder
from complaints.models import SatisfactionSurvey
from tests.complaints.factories import make_client, make_complaint

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 10, 5, 2, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _training(user, topic, hours, done=datetime.date(2026, 3, 1)):
    return TrainingRecord.objects.create(
        user=user, title=f"{topic} course", topic=topic, hours=Decimal(hours), due_on=done, completed_on=done
    )


def test_training_shortfall_warns_person_and_supervisor_once_a_month(frozen, advisor, colleague, supervisor):
    # given: a 40-hour plan with all four topics; in October 30 hours are expected by now
    services.training_plan_set(actor=supervisor, year=2026, role=Role.ADVISOR, required_hours=Decimal("40"))
    for topic in ("compliance", "ethics", "aml", "products"):
        _training(colleague, topic, "10")  # 40 h: on track, all topics
    _training(advisor, "compliance", "35")  # hours fine, but three topics missing in Q4
    # when
    result = services.training_shortfall_sweep()
    # then
    assert result == {"warned": 1, "already_warned": 0}
    assert Notification.objects.filter(kind="staff.training_shortfall", recipient=advisor).count() == 1
    assert Notification.objects.filter(kind="staff.training_shortfall", recipient=supervisor).count() == 1
    assert not Notification.objects.filter(kind="staff.training_shortfall", recipient=colleague).exists()
    # idempotent within the month, again next month
    assert services.training_shortfall_sweep()["warned"] == 0
    frozen.move_to(datetime.datetime(2026, 11, 2, 2, 0, tzinfo=datetime.UTC))
    assert services.training_shortfall_sweep()["warned"] == 1


def test_topics_are_not_due_before_october(frozen, advisor, supervisor):
    frozen.move_to(datetime.datetime(2026, 3, 2, 2, 0, tzinfo=datetime.UTC))
    services.training_plan_set(actor=supervisor, year=2026, role=Role.ADVISOR, required_hours=Decimal("12"))
    _training(advisor, "compliance", "4")  # March: 3 expected
    row = selectors.training_progress(year=2026)[0]
    assert row.user == advisor and not row.behind and row.missing_topics == ["ethics", "aml", "products"]


def test_only_supervisors_and_compliance_set_training_plans(advisor):
    with pytest.raises(NotAllowed):
        services.training_plan_set(actor=advisor, year=2026, role=Role.ADVISOR, required_hours=Decimal("40"))


def test_bad_hours_are_a_field_error(supervisor):
    with pytest.raises(DomainError) as bad:
        services.training_plan_set(actor=supervisor, year=2026, role=Role.ADVISOR, required_hours="lots")
    assert "required_hours" in bad.value.fields


def test_appraisal_reads_surveys_complaints_and_violations(advisor, supervisor, compliance_officer):
    # given: two answered surveys (CSAT 5 and 3 → 4 → 75/100) and two complaints in the period
    client = make_client(advisor=advisor)
    for csat in (5, 3):
        complaint = make_complaint(client=client, actor=compliance_officer)
        SatisfactionSurvey.objects.create(
            complaint=complaint, client=client, sent_at=NOW, answered_at=NOW, csat=csat
        )
    # when
    appraisal = services.appraisal_record(
        actor=supervisor,
        staff_member=advisor,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 10, 5),
        theory_score=Decimal("70"),
        practical_score=Decimal("60"),
    )
    # then: 70*.4 + 60*.4 + 75*.2 = 67, minus 2 per complaint → 63
    assert appraisal.feedback_score == Decimal("75.0") and appraisal.feedback_surveys == 2
    assert appraisal.complaint_count == 2 and appraisal.violation_count == 0
    assert appraisal.total_score == Decimal("63.0") and appraisal.passed


def test_appraisal_scores_out_of_range_are_field_errors(advisor, supervisor):
    with pytest.raises(DomainError) as bad:
        services.appraisal_record(
            actor=supervisor,
            staff_member=advisor,
            period_start=datetime.date(2026, 1, 1),
            period_end=datetime.date(2026, 6, 1),
            theory_score=Decimal("140"),
            practical_score=Decimal("60"),
        )
    assert "theory_score" in bad.value.fields


def test_declaration_yearly_reminder_and_compliance_review(frozen, advisor, colleague, compliance_officer):
    # given
    services.declaration_submit(actor=advisor, occasion="yearly", has_interests=False)
    # when
    reminded = services.declaration_due_sweep()
    # then: everyone else active is reminded once this month
    assert not Notification.objects.filter(kind="staff.declaration_due", recipient=advisor).exists()
    assert Notification.objects.filter(kind="staff.declaration_due", recipient=colleague).count() == 1
    assert services.declaration_due_sweep() == 0 and reminded >= 2
    # a change needs a description; compliance reviews; nobody else does
    with pytest.raises(DomainError):
        services.declaration_submit(actor=colleague, occasion="change", has_interests=True)
    d = services.declaration_submit(
        actor=colleague, occasion="change", has_interests=True, interests="Brother joined a fund house"
    )
    with pytest.raises(NotAllowed):
        services.declaration_review(actor=advisor, declaration=d, status="cleared")
    with pytest.raises(DomainError):
        services.declaration_review(actor=compliance_officer, declaration=d, status="mitigation")
    d = services.declaration_review(
        actor=compliance_officer, declaration=d, status="mitigation", note="No recommendations of that house"
    )
    assert d.status == DeclarationStatus.MITIGATION and d.reviewed_by == compliance_officer
    with pytest.raises(Conflict):
        services.declaration_review(actor=compliance_officer, declaration=d, status="cleared")


def test_internal_audit_follows_findings_until_closed(frozen, compliance_officer, supervisor, advisor):
    # given
    audit = services.internal_audit_plan(
        actor=compliance_officer,
        area="complaints",
        title="Complaint handling Q3",
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 9, 30),
        planned_on=datetime.date(2026, 10, 5),
        auditor=compliance_officer,
    )
    with pytest.raises(Conflict):
        services.finding_add(
            actor=compliance_officer, audit=audit, title="x", severity="low", owner=advisor,
            due_on=datetime.date(2026, 11, 1),
        )  # fmt: skip
    audit = services.internal_audit_transition(
        actor=compliance_officer, audit=audit, to=AuditStatus.FIELDWORK
    )
    action = ImprovementAction.objects.create(
        title="Acknowledge within a day", link_type="indicator", link_ref="ack_rate", owner=supervisor,
        due_on=datetime.date(2026, 11, 30),
    )  # fmt: skip
    finding = services.finding_add(
        actor=compliance_officer,
        audit=audit,
        title="Late acknowledgements",
        severity="high",
        owner=supervisor,
        due_on=datetime.date(2026, 10, 20),
        improvement_action=action,
    )
    audit = services.internal_audit_transition(
        actor=compliance_officer, audit=audit, to=AuditStatus.REPORTED, conclusion="Mostly effective."
    )
    # then: the audit cannot close with an open finding
    with pytest.raises(Conflict):
        services.internal_audit_transition(actor=compliance_officer, audit=audit, to=AuditStatus.CLOSED)
    # overdue warning, once
    frozen.move_to(datetime.datetime(2026, 10, 22, 2, 0, tzinfo=datetime.UTC))
    assert services.findings_overdue_sweep() == 1 and services.findings_overdue_sweep() == 0
    assert StaffReminder.objects.filter(kind="finding_overdue").count() == 1
    # only the owner (or compliance) reports remediation
    with pytest.raises(NotAllowed):
        services.finding_report_remediation(actor=advisor, finding=finding, remediation="done")
    finding = services.finding_report_remediation(
        actor=supervisor, finding=finding, remediation="Daily check"
    )
    # the linked improvement action must be closed first
    with pytest.raises(Conflict):
        services.finding_close(actor=compliance_officer, finding=finding, accept=True)
    action.status = "closed"
    action.save()
    finding = services.finding_close(actor=compliance_officer, finding=finding, accept=True)
    assert finding.status == FindingStatus.CLOSED
    audit = services.internal_audit_transition(actor=compliance_officer, audit=audit, to=AuditStatus.CLOSED)
    assert audit.closed_at is not None


def test_only_compliance_plans_audits(supervisor, compliance_officer):
    with pytest.raises(NotAllowed):
        services.internal_audit_plan(
            actor=supervisor, area="complaints", title="x", period_start=datetime.date(2026, 1, 1),
            period_end=datetime.date(2026, 3, 31), planned_on=datetime.date(2026, 10, 5), auditor=compliance_officer,
        )  # fmt: skip


def test_dashboard_figures(advisor, supervisor, compliance_officer):
    services.training_plan_set(actor=supervisor, year=2026, role=Role.ADVISOR, required_hours=Decimal("10"))
    for topic in ("compliance", "ethics", "aml", "products"):
        _training(advisor, topic, "3")
    figures = selectors.dashboard_figures()
    assert figures["training_complete"] == 1 and figures["findings_open"] == 0


def test_staff_tasks_are_scheduled():
    from advisory.schedules import PERIODIC_TASKS

    tasks = {spec["task"] for spec in PERIODIC_TASKS.values()}
    assert {
        "advisory.staff.tasks.training_shortfall_sweep_task",
        "advisory.staff.tasks.declaration_due_sweep_task",
        "advisory.staff.tasks.restriction_end_sweep_task",
        "advisory.staff.tasks.findings_overdue_sweep_task",
        "complaints.tasks.measures_overdue_sweep_task",
        "complaints.tasks.conduct_digest_task",
    } <= tasks


def test_staff_tasks_run_and_are_idempotent(frozen, advisor, supervisor):
    from advisory.staff import tasks

    services.training_plan_set(actor=supervisor, year=2026, role=Role.ADVISOR, required_hours=Decimal("40"))
    first = tasks.training_shortfall_sweep_task.apply().get()
    assert first["warned"] >= 1
    assert tasks.training_shortfall_sweep_task.apply().get()["warned"] == 0
    assert tasks.declaration_due_sweep_task.apply().get() >= 1
    assert tasks.declaration_due_sweep_task.apply().get() == 0
    assert tasks.restriction_end_sweep_task.apply().get() == 0
    assert tasks.findings_overdue_sweep_task.apply().get() == 0
