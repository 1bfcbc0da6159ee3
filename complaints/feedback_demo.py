"""Demo return visits, surveys and suggestions (run by seed_demo after the service-record demo):
the quarter's sample of return visits (one recorded, one with issues), yearly surveys with
some answers by email link and in the portal, and portal suggestions, one answered and closed.
Idempotent: skipped when return visits exist."""

from __future__ import annotations

import datetime

from advisory.clock import now
from advisory.history import audited_save

from . import feedback
from .models import ReturnVisit, SatisfactionSurvey, SurveyTrigger

ANSWERS_ZH = ["最近一次是上个月面谈", "清楚，顾问讲解过风险", "没有", "比较满意", "希望报告更简洁"]


def seed(ctx: dict) -> None:
    clients = [c for c in ctx.get("clients") or [] if c.status == "active"]
    if not clients or ReturnVisit.objects.exists():
        return
    feedback.service_event_sweep()
    feedback.return_visit_sampling_sweep()
    visits = list(ReturnVisit.objects.order_by("pk"))
    for i, visit in enumerate(visits[:2]):
        feedback.return_visit_record(
            visit=visit,
            actor=visit.assignee,
            reached=True,
            answers=[ANSWERS_ZH[k % len(ANSWERS_ZH)] for k in range(len(visit.questions))],
            outcome="客户整体满意，建议报告更简洁" if i == 0 else "客户反映顾问回复较慢，已转主管跟进",
            issues_found=i == 1,
        )
    year = now().year
    for i, client in enumerate(clients[:10]):
        survey, _ = feedback.survey_send(
            client=client, trigger=SurveyTrigger.ANNUAL, source_ref=f"annual:{year}"
        )
        if i % 3 == 2:
            continue  # left unanswered: the response rate is not 100 %
        survey.sent_at = now() - datetime.timedelta(days=3 + i)
        audited_save(survey, actor=None, reason="demo: survey sent earlier")
        feedback.survey_answer_by_token(
            token=feedback.survey_token(survey),
            csat=(5, 4, 4, 3, 5, 4, 2, 5, 4, 5)[i],
            nps=(10, 8, 9, 6, 9, 8, 3, 10, 7, 9)[i],
            comment="服务很专业" if i % 2 == 0 else "",
        )
    portal_client = ctx.get("demo_client")
    if portal_client is not None and portal_client.user_id:
        first = feedback.suggestion_submit(
            actor=portal_client.user,
            subject="希望增加微信消息提醒",
            body="报告生成和方案待确认时，希望能收到微信提醒。",
        )
        feedback.suggestion_transition(
            suggestion=first,
            actor=portal_client.advisor,
            action="answer",
            text="感谢建议！微信提醒已列入下季度的改进计划，上线后会通知您。",
        )
        feedback.suggestion_transition(suggestion=first, actor=portal_client.advisor, action="close")
        feedback.suggestion_submit(
            actor=portal_client.user,
            subject="门户能否显示历年收益",
            body="希望在门户里看到每年的组合收益率对比。",
        )
    out = ctx.get("stdout")
    if out:
        out.write(
            f"  feedback: {ReturnVisit.objects.count()} return visits, "
            f"{SatisfactionSurvey.objects.exclude(trigger=SurveyTrigger.COMPLAINT).count()} surveys"
        )
