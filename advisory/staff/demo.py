"""Staff and conduct demo data (runs after oversight): this year's training plans, topics on the
demo trainings, appraisals (one below the pass mark), conflict-of-interest declarations, an
internal audit with findings and an external evaluation. Idempotent."""

from __future__ import annotations

import datetime
from decimal import Decimal

from advisory.history import audited_save
from advisory.models import User
from advisory.oversight.models import TrainingRecord
from advisory.roles import Role

from . import services
from .models import Appraisal, ConflictDeclaration, InternalAudit, TrainingPlan, TrainingTopic

PLANS = {
    Role.ADVISOR: Decimal("40"),
    Role.RISK_REVIEWER: Decimal("30"),
    Role.COMPLIANCE: Decimal("30"),
    Role.SUPERVISOR: Decimal("30"),
}
TOPIC_BY_WORD = [
    ("money", TrainingTopic.AML),
    ("suitability", TrainingTopic.COMPLIANCE),
    ("privacy", TrainingTopic.COMPLIANCE),
    ("complaint", TrainingTopic.ETHICS),
    ("portfolio", TrainingTopic.PRODUCTS),
]


def seed(ctx: dict) -> None:
    today: datetime.date = ctx["today"]
    users = ctx.get("users", {})
    supervisor = users.get(Role.SUPERVISOR) or User.objects.filter(role=Role.SUPERVISOR).first()
    compliance = users.get(Role.COMPLIANCE) or User.objects.filter(role=Role.COMPLIANCE).first()
    admin = users.get(Role.ADMINISTRATOR) or User.objects.filter(role=Role.ADMINISTRATOR).first()
    advisor, advisor2 = ctx.get("advisor"), ctx.get("advisor2")
    if supervisor is None or compliance is None or TrainingPlan.objects.filter(year=today.year).exists():
        return
    for role, hours in PLANS.items():
        services.training_plan_set(actor=supervisor, year=today.year, role=role, required_hours=hours)
    for record in TrainingRecord.objects.filter(topic=""):
        topic = next((t for word, t in TOPIC_BY_WORD if word in record.title.lower()), TrainingTopic.OTHER)
        record.topic = topic
        audited_save(record, actor=None, reason="demo: training topic")

    start = today.replace(month=1, day=1)
    end = today - datetime.timedelta(days=1)
    if advisor and end >= start and not Appraisal.objects.exists():
        services.appraisal_record(
            actor=supervisor,
            staff_member=advisor,
            period_start=start,
            period_end=end,
            theory_score=Decimal("88"),
            practical_score=Decimal("82"),
            notes="专业知识扎实，客户沟通良好。",
        )
        if advisor2:
            services.appraisal_record(
                actor=supervisor,
                staff_member=advisor2,
                period_start=start,
                period_end=end,
                theory_score=Decimal("52"),
                practical_score=Decimal("58"),
                notes="适当性管理知识薄弱，需补考后方可提交方案。",
            )

    if not ConflictDeclaration.objects.exists():
        if advisor:
            d = services.declaration_submit(
                actor=advisor,
                occasion="yearly",
                has_interests=True,
                interests="配偶在某基金公司任职（非销售岗位）。",
            )
            services.declaration_review(
                actor=compliance,
                declaration=d,
                status="mitigation",
                note="该基金公司产品由其他顾问推荐，本人回避。",
            )
        if advisor2:
            services.declaration_submit(actor=advisor2, occasion="yearly", has_interests=False)
        services.declaration_submit(actor=supervisor, occasion="yearly", has_interests=False)

    if not InternalAudit.objects.exists():
        q_start = today - datetime.timedelta(days=90)
        audit = services.internal_audit_plan(
            actor=compliance,
            area="complaints",
            title="投诉处理流程内部审计",
            period_start=q_start,
            period_end=today,
            planned_on=today,
            auditor=compliance,
        )
        audit = services.internal_audit_transition(actor=compliance, audit=audit, to="fieldwork")
        owner = advisor or supervisor
        services.finding_add(
            actor=compliance,
            audit=audit,
            title="部分投诉未在一个工作日内确认受理",
            severity="high",
            owner=supervisor,
            due_on=today + datetime.timedelta(days=30),
            description="抽查40件投诉，其中3件确认受理超时。",
        )
        closed = services.finding_add(
            actor=compliance,
            audit=audit,
            title="回访满意度调查记录不完整",
            severity="low",
            owner=owner,
            due_on=today + datetime.timedelta(days=14),
        )
        services.finding_report_remediation(
            actor=owner, finding=closed, remediation="已补录回访记录并调整系统提醒。"
        )
        services.finding_close(actor=compliance, finding=closed, accept=True)
        services.internal_audit_transition(
            actor=compliance, audit=audit, to="reported", conclusion="流程总体有效，确认受理时效需加强。"
        )
        services.internal_audit_plan(
            actor=compliance,
            area="suitability",
            title="适当性管理与风险测评内部审计",
            period_start=today.replace(month=1, day=1),
            period_end=today,
            planned_on=today + datetime.timedelta(days=60),
            auditor=supervisor,
        )
        services.evaluation_record(
            actor=admin or compliance,
            kind="third_party",
            evaluator="某会计师事务所",
            area="complaints",
            evaluated_on=today,
            rating="良好",
            score=Decimal("86"),
            summary="投诉处理机制健全，建议加强时效监控与客户回访。",
        )
