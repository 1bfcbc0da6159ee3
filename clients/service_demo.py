"""Demo service records (run by seed_demo after the complaints demo): a few weeks of logged
contacts per client on the standard template, planned meetings for the calendar feed and
follow-up tasks (some overdue so the home page and the warnings show them). Chinese text, and
English for the clients who prefer English. Idempotent: skipped when activities exist."""

from __future__ import annotations

import datetime

from django.utils import timezone

from advisory.clock import now, today
from advisory.history import audited_save

from .models import Activity, ActivityStatus
from .service_record import activity_log, follow_up_create

ZH = [
    ("meeting", "in_person", "年度资产配置回顾", "回顾了过去一年的组合表现，讨论了养老目标与风险承受能力等级是否仍然匹配。",
     "配偶", "对收益满意，希望适当降低波动", "下周发送调整后的配置建议"),
    ("call", "phone", "电话沟通基金分红", "解释了基金分红方式与再投资选项，客户选择红利再投资。",
     "", "理解清楚", "在系统中更新分红方式"),
    ("message", "wechat", "微信发送月度报告", "通过微信发送了月度持仓报告，并提醒查看风险提示。",
     "", "已阅", ""),
    ("visit", "in_person", "上门签署补充协议", "上门签署服务协议补充条款，现场完成风险揭示书确认。",
     "客户子女", "对上门服务表示感谢", "归档签署文件"),
    ("email", "email", "邮件答复税务问题", "答复了关于个人所得税专项附加扣除的问题，建议咨询税务师。",
     "", "会自行咨询", ""),
]  # fmt: skip
EN = [
    ("meeting", "video", "Quarterly portfolio review", "Went through the quarter's performance and the rebalancing "
     "proposal; confirmed the risk level is still appropriate.", "Spouse", "Happy with the plan", "Send the "
     "rebalancing proposal for approval"),
    ("email", "email", "Answered a question on fees", "Explained the advisory fee and fund charges line by line.",
     "", "Understood", ""),
]  # fmt: skip


def seed(ctx: dict) -> None:
    clients = [c for c in ctx.get("clients") or [] if c.status == "active" and c.advisor_id]
    if not clients or Activity.objects.exists():
        return
    current = now()
    made = 0
    for i, client in enumerate(clients[:12]):
        advisor = client.advisor
        rows = EN if client.preferred_language == "en" else ZH
        for j, (kind, channel, subject, content, participants, feedback, next_step) in enumerate(rows[:3]):
            # in office hours, firm time, whenever the demo is seeded
            starts = timezone.localtime(current - datetime.timedelta(days=7 * (j + 1) + i)).replace(
                hour=9 + (i + 2 * j) % 8, minute=30 * (i % 2), second=0, microsecond=0
            )
            activity_log(
                client=client,
                actor=advisor,
                kind=kind,
                channel=channel,
                starts_at=starts,
                subject=subject,
                content=content,
                participants=participants,
                client_feedback=feedback,
                next_step=next_step,
            )
            made += 1
        # a meeting planned for the next fortnight (shows in the calendar feed)
        starts = timezone.localtime(current + datetime.timedelta(days=2 + i % 10)).replace(
            hour=10, minute=0, second=0, microsecond=0
        )
        activity_log(
            client=client,
            actor=advisor,
            kind="meeting",
            channel="in_person",
            starts_at=starts,
            subject="Plan review meeting" if client.preferred_language == "en" else "方案讲解会议",
            location="Office, meeting room 2" if client.preferred_language == "en" else "公司二号会议室",
            planned=True,
        )
        title = "Call back about the proposal" if client.preferred_language == "en" else "回电确认方案意见"
        task = follow_up_create(
            client=client, actor=advisor, title=title, due_on=today() + datetime.timedelta(days=i % 5)
        )
        if i % 4 == 0:
            # an overdue follow-up: moved back in time as the demo's history
            task.due_on = today() - datetime.timedelta(days=3)
            audited_save(task, actor=None, reason="demo: an overdue follow-up")
    ctx["activities"] = Activity.objects.filter(status=ActivityStatus.COMPLETED).count()
    out = ctx.get("stdout")
    if out:
        out.write(f"  service record: {made} activities")
