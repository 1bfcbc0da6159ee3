"""Oversight demo data (runs last): targets, training records over 12 months, improvement
actions, a year of closed warnings for the trend, and one warnings sweep so warnings exist."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from advisory.models import RiskWarning, User, WarningKind
from advisory.roles import WORKSPACE_ROLES, Role

from .indicators import add_months, month_start
from .models import ActionLink, ActionStatus, Effectiveness, ImprovementAction, TrainingRecord
from .services import indicator_rollup_refresh, risk_warning_sweep, target_defaults_ensure

# The firm's own records, kept by its staff in Chinese.
COURSES = [
    ("反洗钱年度复训", "公司合规培训中心", "3.0"),
    ("投资者适当性管理规定", "中国证券投资基金业协会", "4.0"),
    ("投诉处理与客户沟通", "公司内训", "2.0"),
    ("个人信息保护要点", "公司内训", "1.5"),
    ("资产配置与组合构建更新", "CFA 协会", "6.0"),
]


def _aware(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _backdate_demo_relationships(today: datetime.date, *, actor) -> None:
    """Demo only: active clients created by the demo today get a relationship that started
    18 months ago, so "complaints per 100 active clients" has a denominator in every month of
    the trend (the complaints demo spreads tickets over 12 months)."""
    from advisory.history import audited_save

    from .indicators import _model

    client_model = _model("clients.Client")
    if client_model is None:
        return
    start = add_months(month_start(today), -18)
    for client in client_model.objects.filter(
        status="active", relationship_started_on__gte=today - datetime.timedelta(days=31)
    ):
        client.relationship_started_on = start
        audited_save(client, actor=actor, reason="demo: relationship history for the quality trend")


def _answer_demo_surveys(today: datetime.date) -> None:
    """Demo only: surveys sent more than a week ago and still unanswered get a (deterministic)
    answer two days after sending, so CSAT and NPS have a trend."""
    from advisory.history import audited_save

    from .indicators import survey_model

    model = survey_model()
    if model is None:
        return
    cutoff = _aware(today - datetime.timedelta(days=7))
    for survey in model.objects.filter(answered_at__isnull=True, sent_at__lt=cutoff).order_by("pk"):
        survey.csat = (3, 4, 5, 4, 5, 2)[survey.pk % 6]
        survey.nps = (7, 9, 10, 8, 9, 4)[survey.pk % 6]
        survey.answered_at = survey.sent_at + datetime.timedelta(days=2)
        audited_save(survey, actor=None, reason="demo: satisfaction survey answered")


def seed(ctx: dict) -> None:
    today: datetime.date = ctx["today"]
    users = ctx.get("users", {})
    supervisor = users.get(Role.SUPERVISOR) or User.objects.filter(role=Role.SUPERVISOR).first()
    compliance = users.get(Role.COMPLIANCE) or User.objects.filter(role=Role.COMPLIANCE).first()
    target_defaults_ensure(actor=supervisor)
    _backdate_demo_relationships(today, actor=supervisor)
    _answer_demo_surveys(today)

    # Training: each staff member has one required course due per month for 12 months; most
    # completed on time, some late, the current month's partly open.
    staff = list(User.objects.filter(role__in=WORKSPACE_ROLES, is_active=True).order_by("pk")[:8])
    this_month = month_start(today)
    for k, person in enumerate(staff):
        for i in range(12):
            due = add_months(this_month, -i) + datetime.timedelta(days=24)
            title, provider, hours = COURSES[(i + k) % len(COURSES)]
            title = f"{title} ({due:%Y-%m})"
            if TrainingRecord.objects.filter(user=person, title=title).exists():
                continue
            pattern = (i * 7 + k * 3) % 10
            if due > today:
                completed = None if pattern < 6 else today
            elif pattern == 0:
                completed = None  # missed
            elif pattern in (1, 2):
                completed = due + datetime.timedelta(days=5)  # late
            else:
                completed = due - datetime.timedelta(days=pattern)
            if completed is not None and completed > today:
                completed = today
            TrainingRecord.objects.create(
                user=person,
                title=title,
                provider=provider,
                hours=Decimal(hours),
                due_on=due,
                completed_on=completed,
            )

    # Improvement actions linked to an indicator, a complaint and a violation (when present).
    owner = ctx.get("advisor") or (staff[0] if staff else None)
    if owner is not None and supervisor is not None:
        links: list[tuple[str, str, str, str]] = [
            (
                "indicator",
                "first_response",
                "每笔投诉须在一个工作日内确认受理",
                ActionStatus.DO,
            ),
            (
                "indicator",
                "csat",
                "投诉办结后电话回访，确认客户满意度",
                ActionStatus.CHECK,
            ),
            ("indicator", "training_completion", "每月提醒即将到期的培训", ActionStatus.CLOSED),
        ]
        from .indicators import complaint_model, violation_model

        complaint = complaint_model().objects.order_by("pk").first() if complaint_model() else None
        if complaint is not None:
            links.append(("complaint", str(complaint.pk), "修订费用披露模板", ActionStatus.PLAN))
        violation = violation_model().objects.order_by("pk").first() if violation_model() else None
        if violation is not None:
            links.append(("violation", str(violation.pk), "团队适当性管理再培训", ActionStatus.DO))
        for link_type, ref, title, status in links:
            if ImprovementAction.objects.filter(title=title).exists():
                continue
            closed = status == ActionStatus.CLOSED
            ImprovementAction.objects.create(
                title=title,
                description="按计划—执行—检查—处理（PDCA）推进，完成后由合规部检查成效。",
                link_type=ActionLink(link_type),
                link_ref=ref,
                owner=owner,
                due_on=today + datetime.timedelta(days=30 if not closed else -10),
                status=status,
                completed_on=today - datetime.timedelta(days=12)
                if status in (ActionStatus.CHECK, ActionStatus.CLOSED)
                else None,
                effectiveness=Effectiveness.EFFECTIVE if closed else "",
                effectiveness_note="指标已连续两个月达标。" if closed else "",
                checked_at=timezone.now() if closed else None,
                checked_by=compliance if closed else None,
                created_by=supervisor,
            )

    # A year of warnings that were raised and closed again, so the trend has history.
    clients = list(ctx.get("clients") or [])
    advisor_ids = [u.pk for u in staff if u.role == Role.ADVISOR] or [None]
    if not RiskWarning.objects.filter(subject_type="demo.history").exists():
        rows = []
        for i in range(1, 12):
            month = add_months(this_month, -i)
            for j in range(1 + (i * 5) % 4):
                opened = _aware(month + datetime.timedelta(days=3 + j * 5))
                client = clients[(i + j) % len(clients)] if clients else None
                rows.append(
                    RiskWarning(
                        kind=[
                            WarningKind.PROFILE_EXPIRING,
                            WarningKind.REVIEW_OVERDUE,
                            WarningKind.COMPLAINT_OVERDUE,
                        ][j % 3],
                        subject_type="demo.history",
                        subject_id=f"{month:%Y%m}-{j}",
                        client_id=getattr(client, "pk", None),
                        advisor_id=getattr(client, "advisor_id", None) or advisor_ids[j % len(advisor_ids)],
                        message_code="warning.demo_resolved",
                        message_params={"month": f"{month:%Y-%m}", "n": j + 1},
                        opened_at=opened,
                        resolved_at=opened + datetime.timedelta(days=4),
                        is_open=False,
                    )
                )
        RiskWarning.objects.bulk_create(rows)

    results = risk_warning_sweep()
    indicator_rollup_refresh()
    stdout = ctx.get("stdout")
    if stdout is not None:
        opened = sum(r["opened"] for r in results.values())
        stdout.write(
            f"    oversight: warnings sweep opened {opened}, open now {RiskWarning.objects.filter(is_open=True).count()}"
        )
