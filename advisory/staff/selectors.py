"""Reads of the staff area, scoped to the user, with the figures computed in the database."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from advisory.clock import today
from advisory.models import User
from advisory.oversight.models import TrainingRecord
from advisory.roles import WORKSPACE_ROLES
from advisory.rules import can

from .models import (
    MANDATORY_TOPICS,
    Appraisal,
    AuditFinding,
    ConflictDeclaration,
    DeclarationStatus,
    ExternalEvaluation,
    FindingStatus,
    InternalAudit,
    PermissionRestriction,
    TrainingPlan,
    TrainingTopic,
)


def _year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _training_annotations(year: int) -> dict:
    """Per staff member: the training hours completed in `year` and, per mandatory topic, whether
    one was completed (what `training_row` reads)."""
    start, end = _year_bounds(year)
    done = TrainingRecord.objects.filter(
        user_id=OuterRef("pk"), completed_on__gte=start, completed_on__lte=end
    )
    hours = done.order_by().values("user_id").annotate(h=Sum("hours")).values("h")
    return {
        "hours_done": Coalesce(
            Subquery(hours, output_field=DecimalField(max_digits=8, decimal_places=1)),
            Value(Decimal("0")),
            output_field=DecimalField(max_digits=8, decimal_places=1),
        ),
        **{f"topic_{t}": Exists(done.filter(topic=t)) for t in MANDATORY_TOPICS},
    }


def staff_conduct_list(
    *, year: int, search: str = "", role: str = "", on: datetime.date | None = None
) -> QuerySet[User]:
    """Active staff with their training figures for `year`, their active restrictions, their
    latest appraisal result and whether they declared this year — one query per page."""
    on = on or today()
    latest = Appraisal.objects.filter(staff_member_id=OuterRef("pk")).order_by("-assessed_at", "-id")
    restrictions = PermissionRestriction.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on),
        staff_member_id=OuterRef("pk"),
        lifted_at__isnull=True,
        starts_on__lte=on,
    )
    qs = User.objects.filter(role__in=WORKSPACE_ROLES, is_active=True).annotate(
        **_training_annotations(year),
        restricted=Exists(restrictions),
        last_appraisal_passed=Subquery(latest.values("passed")[:1]),
        last_appraisal_score=Subquery(latest.values("total_score")[:1]),
        declared=Exists(ConflictDeclaration.objects.filter(staff_member_id=OuterRef("pk"), year=year)),
    )
    if search:
        qs = qs.filter(Q(full_name__icontains=search) | Q(email__icontains=search))
    if role:
        qs = qs.filter(role=role)
    return qs.select_related("supervisor").order_by("full_name", "pk")


@dataclass
class TrainingRow:
    user: User
    plan: TrainingPlan | None
    hours_done: Decimal
    expected_hours: Decimal
    missing_topics: list[str] = field(default_factory=list)
    behind: bool = False

    @property
    def missing_topic_labels(self) -> list[str]:
        return [TrainingTopic(t).label for t in self.missing_topics]

    @property
    def percent(self) -> int:
        if not self.plan or not self.plan.required_hours:
            return 100
        return min(100, int(self.hours_done * 100 / self.plan.required_hours))


def training_row(user: User, plan: TrainingPlan | None, *, on: datetime.date) -> TrainingRow:
    """The plan progress of one annotated user (from staff_conduct_list)."""
    hours_done = getattr(user, "hours_done", Decimal("0")) or Decimal("0")
    if plan is None:
        return TrainingRow(user=user, plan=None, hours_done=hours_done, expected_hours=Decimal("0"))
    months = on.month if on.year == plan.year else (12 if on.year > plan.year else 0)
    expected = (plan.required_hours * months / 12).quantize(Decimal("0.1"))
    missing = [t for t in plan.mandatory_topics if not getattr(user, f"topic_{t}", False)]
    topics_due = on.year > plan.year or on.month >= 10
    behind = hours_done < expected or (topics_due and bool(missing))
    return TrainingRow(
        user=user,
        plan=plan,
        hours_done=hours_done,
        expected_hours=expected,
        missing_topics=missing,
        behind=behind,
    )


def training_plans(*, year: int) -> dict[str, TrainingPlan]:
    return {p.role: p for p in TrainingPlan.objects.filter(year=year)}


def training_progress(*, year: int, on: datetime.date | None = None, users=None) -> list[TrainingRow]:
    """Every active staff member's progress against their role's plan for `year`."""
    on = on or today()
    plans = training_plans(year=year)
    rows = users if users is not None else staff_conduct_list(year=year, on=on)
    return [training_row(u, plans.get(u.role), on=on) for u in rows]


def member_conduct(*, member: User, year: int, on: datetime.date | None = None) -> dict:
    """Everything the staff conduct page shows about one person."""
    on = on or today()
    annotated = staff_conduct_list(year=year, on=on).filter(pk=member.pk).first() or member
    plan = training_plans(year=year).get(member.role)
    return {
        "training": training_row(annotated, plan, on=on),
        "appraisals": list(Appraisal.objects.filter(staff_member=member).select_related("assessed_by")[:20]),
        "restrictions": list(
            PermissionRestriction.objects.filter(staff_member=member).select_related("lifted_by")[:20]
        ),
        "active_restrictions": [
            r for r in PermissionRestriction.objects.filter(staff_member=member) if r.is_active_on(on)
        ],
        "declarations": list(
            ConflictDeclaration.objects.filter(staff_member=member).select_related("reviewed_by")[:20]
        ),
        "trainings": list(
            TrainingRecord.objects.filter(user=member, due_on__year=year).order_by("due_on", "id")
        ),
        "sanctions": staff_sanctions(member=member),
    }


def staff_sanctions(*, member: User) -> list:
    """Accountability actions decided against the person (complaints app, read by name so the
    core does not import it); empty when the complaints app is not installed."""
    from django.apps import apps

    if not apps.is_installed("complaints"):
        return []
    model = apps.get_model("complaints", "ViolationSanction")
    return list(
        model.objects.filter(case__staff_member=member).select_related("case").order_by("-decided_at")[:20]
    )


def appraisal_list(
    *, user: User, staff_member_id: int | None = None, failed: bool | None = None
) -> QuerySet[Appraisal]:
    qs = Appraisal.objects.select_related("staff_member", "assessed_by")
    if not can(user, "staff.view_conduct"):
        qs = qs.filter(staff_member=user)
    if staff_member_id:
        qs = qs.filter(staff_member_id=staff_member_id)
    if failed is not None:
        qs = qs.filter(passed=not failed)
    return qs


def restriction_list(*, user: User, active_only: bool = False, on: datetime.date | None = None):
    on = on or today()
    qs = PermissionRestriction.objects.select_related("staff_member", "lifted_by", "appraisal")
    if not can(user, "staff.view_conduct"):
        qs = qs.filter(staff_member=user)
    if active_only:
        qs = qs.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=on), lifted_at__isnull=True, starts_on__lte=on
        )
    return qs


def declaration_list(*, user: User, status: str = "", search: str = "") -> QuerySet[ConflictDeclaration]:
    qs = ConflictDeclaration.objects.select_related("staff_member", "reviewed_by")
    if not (can(user, "staff.review_declaration") or can(user, "staff.view_conduct")):
        qs = qs.filter(staff_member=user)
    if status:
        qs = qs.filter(status=status)
    if search:
        qs = qs.filter(staff_member__full_name__icontains=search)
    return qs


def internal_audit_list(*, user: User, status: str = "", area: str = "") -> QuerySet[InternalAudit]:
    qs = InternalAudit.objects.select_related("auditor").annotate(
        open_findings=Count("findings", filter=~Q(findings__status=FindingStatus.CLOSED)),
        finding_count=Count("findings"),
    )
    if not can(user, "staff.view_internal_audit"):
        qs = qs.filter(auditor=user)
    if status:
        qs = qs.filter(status=status)
    if area:
        qs = qs.filter(area=area)
    return qs.order_by("-planned_on", "-id")


def finding_list(*, user: User, open_only: bool = False, severity: str = "") -> QuerySet[AuditFinding]:
    qs = AuditFinding.objects.select_related("audit", "owner", "improvement_action")
    if not can(user, "staff.view_internal_audit"):
        qs = qs.filter(Q(owner=user) | Q(audit__auditor=user))
    if open_only:
        qs = qs.exclude(status=FindingStatus.CLOSED)
    if severity:
        qs = qs.filter(severity=severity)
    return qs


def evaluation_list(*, user: User) -> QuerySet[ExternalEvaluation]:
    return ExternalEvaluation.objects.select_related("recorded_by")


def _training_figures(*, on: datetime.date) -> dict:
    """How many staff members have a training plan this year, completed it, are behind it. One row
    per staff member is read (thousands at a large firm) and the figures move only as trainings are
    recorded, so they are kept like the dashboard's settled months (OVERSIGHT_SETTLED_MONTHS_SECONDS,
    docs/oversight.md)."""
    ttl = int(getattr(settings, "OVERSIGHT_SETTLED_MONTHS_SECONDS", 0))
    key = f"staff:v1:training_figures:{on.isoformat()}"
    kept = cache.get(key) if ttl else None
    if kept is not None:
        return kept
    # only what the training figures read: the conduct list's other columns (restrictions,
    # appraisals, declarations) are one subquery per staff member each
    staff = (
        User.objects.filter(role__in=WORKSPACE_ROLES, is_active=True)
        .only("id", "role")
        .annotate(**_training_annotations(on.year))
        .order_by()
    )
    rows = training_progress(year=on.year, on=on, users=staff)
    planned = [r for r in rows if r.plan is not None]
    complete = [r for r in planned if r.hours_done >= r.plan.required_hours and not r.missing_topics]
    figures = {
        "training_planned": len(planned),
        "training_complete": len(complete),
        "training_behind": sum(1 for r in planned if r.behind),
    }
    if ttl:
        cache.set(key, figures, ttl)
    return figures


def dashboard_figures(*, on: datetime.date | None = None) -> dict:
    """Staff figures for the oversight dashboard, aggregated in the database: open audit
    findings (overdue, high or critical), training plan completion this year, appraisals this
    year (failed), active restrictions and declarations awaiting review."""
    on = on or today()
    start, end = _year_bounds(on.year)
    findings = AuditFinding.objects.exclude(status=FindingStatus.CLOSED).aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(due_on__lt=on)),
        severe=Count("id", filter=Q(severity__in=["high", "critical"])),
    )
    appraisals = Appraisal.objects.filter(assessed_at__date__gte=start, assessed_at__date__lte=end).aggregate(
        total=Count("id"), failed=Count("id", filter=Q(passed=False))
    )
    training = _training_figures(on=on)
    return {
        "findings_open": findings["open"],
        "findings_overdue": findings["overdue"],
        "findings_severe": findings["severe"],
        **training,
        "appraisals_total": appraisals["total"],
        "appraisals_failed": appraisals["failed"],
        "restrictions_active": restriction_list_all_active(on=on).count(),
        "declarations_pending": ConflictDeclaration.objects.filter(
            status=DeclarationStatus.SUBMITTED
        ).count(),
    }


def restriction_list_all_active(*, on: datetime.date):
    return PermissionRestriction.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on), lifted_at__isnull=True, starts_on__lte=on
    )
