"""Demo complaints: ~30 tickets over the last 12 months in every state, some about to breach,
some breached and escalated, closed ones with survey answers, and one violation case."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from advisory.calendar import firm_calendar
from advisory.clock import now
from advisory.demo import in_client_language
from advisory.history import audited_save
from advisory.roles import Role

from . import services
from .models import (
    AccountabilityAction,
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    MeasureStatus,
    Priority,
    State,
)

# (subject in 简体, 繁體 and English, category): a ticket is written in its client's language
SUBJECTS = [
    (("管理费被重复扣收", "管理費被重複扣收", "Management fee charged twice"), Category.FEES),
    (("顾问在电话中态度不耐烦", "顧問在電話中態度不耐煩", "Advisor was impatient on the phone"), Category.SERVICE_ATTITUDE),
    (("购买债券基金时未说明风险", "購買債券基金時未說明風險", "Risk of the bond fund was not explained"), Category.INFORMATION_DISCLOSURE),
    (("基金转换指令执行日期有误", "基金轉換指令執行日期有誤", "Switch order executed on the wrong day"), Category.IMPROPER_OPERATION),
    (("我的地址被寄给了其他客户", "我的地址被寄給了其他客戶", "My address was sent to another client"), Category.PRIVACY_BREACH),
    (("按低风险产品销售却亏损18%", "按低風險產品銷售卻虧損18%", "Product lost 18% although sold as low risk"), Category.MIS_SELLING),
    (("一周内联系不上任何人", "一週內聯繫不上任何人", "Could not reach anyone for a week"), Category.OTHER),
]  # fmt: skip
ALL_SUBJECTS = [text for texts, _category in SUBJECTS for text in texts]

# What the client reads (the ticket, the answer, a request to them), in their language
CLIENT_TEXTS = {
    "description": ("{s}。客户要求给出解释并予以更正。", "{s}。客戶要求給出解釋並予以更正。", "{s}. The client asks for an explanation and a correction."),
    "answer": ("我们已更正差错，并对给您带来的不便深表歉意。", "我們已更正差錯，並對給您帶來的不便深表歉意。", "We corrected the error and apologise for the inconvenience."),
    "confirmed": ("客户已确认处理结果。", "客戶已確認處理結果。", "Confirmed by the client."),
    "statement": ("请提供三月份的对账单。", "請提供三月份的對賬單。", "Please send the March statement."),
    "refund": ("已退还差额。", "已退還差額。", "Refunded the difference."),
}  # fmt: skip


CHANNELS = [
    Channel.PORTAL,
    Channel.PHONE,
    Channel.EMAIL,
    Channel.IN_PERSON,
    Channel.LETTER,
    Channel.APP_SOCIAL,
]
PRIORITIES = [Priority.NORMAL, Priority.NORMAL, Priority.HIGH, Priority.LOW, Priority.URGENT]


def _backdate(
    c: Complaint,
    *,
    received: datetime.datetime,
    ack_h: float,
    resolve_days: float | None,
    close_days: float | None,
) -> None:
    """Move a finished demo ticket's timestamps into the past so the dashboard has trends."""
    cal = firm_calendar()
    c.acknowledged_at = cal.add_business_hours(received, ack_h)
    c.first_response_at = c.acknowledged_at
    c.ack_breached = c.acknowledged_at > c.ack_due_at
    if resolve_days is not None and c.resolved_at:
        c.resolved_at = cal.add_business_hours(received, resolve_days * 8)
        c.resolution_breached = c.resolved_at > c.resolve_due_at
    if close_days is not None and c.closed_at:
        c.closed_at = c.resolved_at + datetime.timedelta(days=close_days)
        c.client_confirmed_at = c.closed_at if close_days < 7 else None
    audited_save(c, actor=None, reason="demo data: backdated")
    when = {
        State.ACKNOWLEDGED: c.acknowledged_at,
        State.INVESTIGATING: c.acknowledged_at + datetime.timedelta(hours=1),
        State.RESOLVED: c.resolved_at,
        State.CLOSED: c.closed_at,
    }
    for event in ComplaintEvent.objects.filter(complaint=c, created_at__gt=received):
        event.created_at = when.get(event.to_state) or c.resolved_at or c.acknowledged_at
        event.save(update_fields=["created_at"])
    survey = getattr(c, "survey", None) if hasattr(c, "survey") else None
    if survey is not None and c.closed_at:
        survey.sent_at = c.closed_at
        if survey.answered_at:
            survey.answered_at = c.closed_at + datetime.timedelta(days=1)
        audited_save(survey, actor=None, reason="demo data: backdated")


def _received_for(where: str, *, priority: str, policy, at: datetime.datetime) -> datetime.datetime:
    """A receipt time that puts the ticket's SLA clock at `where` now (searched hour by hour
    backwards with the real calendar, so weekends and holidays are respected)."""
    from . import sla

    for hours in range(1, 24 * 60):
        received = at - datetime.timedelta(hours=hours)
        d = sla.compute_deadlines(received_at=received, priority=priority, policy=policy)
        if (
            (where == "fresh" and at < d.warn_at)
            or (where == "warning" and d.warn_at <= at < d.resolve_due_at)
            or (where == "due_soon" and at < d.resolve_due_at <= at + datetime.timedelta(hours=24))
            or (where == "breached" and d.resolve_due_at <= at < d.compliance_at)
            or (where == "compliance" and d.compliance_at <= at)
        ):
            return received
    return at - datetime.timedelta(days=30)


def seed(ctx: dict) -> None:
    clients = ctx.get("clients") or []
    if not clients:
        out = ctx.get("stdout")
        if out:
            out.write("  complaints: no demo clients, skipped")
        return
    users = ctx.get("users", {})
    supervisor = users.get(Role.SUPERVISOR)
    compliance = users.get(Role.COMPLIANCE)
    advisor = ctx.get("advisor")
    demo_client = ctx.get("demo_client") or clients[0]
    if Complaint.objects.filter(subject__in=ALL_SUBJECTS).exists():
        ctx["complaints"] = list(Complaint.objects.filter(subject__in=ALL_SUBJECTS))
        return
    services.default_policy()
    rng = random.Random(2026)
    stamp = now()
    made: list[Complaint] = []

    def file(i: int, received: datetime.datetime, client, priority=None) -> Complaint:
        subjects, category = SUBJECTS[i % len(SUBJECTS)]
        subject = in_client_language(subjects, client)
        channel = CHANNELS[i % len(CHANNELS)]
        actor = client.user if channel == Channel.PORTAL and client.user_id else (client.advisor or advisor)
        c = services.complaint_file(
            actor=actor,
            client=client,
            channel=channel,
            category=category,
            priority=priority or PRIORITIES[i % len(PRIORITIES)],
            subject=subject,
            description=in_client_language(CLIENT_TEXTS["description"], client).format(s=subject),
            received_at=received,
        )
        made.append(c)
        return c

    def staff_of(c: Complaint):
        return c.assignee or advisor

    # 1) 20 finished tickets spread over the last 12 months (trends for the dashboard)
    for i in range(20):
        received = stamp - datetime.timedelta(days=360 - i * 17, hours=rng.randint(0, 6))
        client = clients[i % len(clients)]
        c = file(i, received, client)
        actor = staff_of(c)
        c = services.complaint_act(complaint=c, actor=actor, action="acknowledge", note="已收到，正在核查。")
        c = services.complaint_act(complaint=c, actor=actor, action="investigate")
        c = services.complaint_resolve(
            complaint=c,
            actor=actor,
            root_cause=rng.choice(["计费批处理差错", "未充分揭示风险", "员工服务态度", "系统故障"]),
            resolution_answer=in_client_language(CLIENT_TEXTS["answer"], c.client),
            remedy_apology=True,
            compensation_amount=Decimal(rng.choice([0, 0, 100, 250, 800])),
        )
        closed = i % 5 != 4
        if closed:
            user = c.client.user if c.client.user_id else None
            c = services.complaint_transition(
                complaint=c,
                actor=user,
                to_state=State.CLOSED,
                note=in_client_language(CLIENT_TEXTS["confirmed"], c.client) if user else "已结案。",
            )
            if c.client.user_id:
                services.survey_answer(
                    survey=c.survey,
                    actor=c.client.user,
                    csat=rng.choice([3, 4, 4, 5, 5]),
                    nps=rng.choice([6, 8, 9, 10, 10]),
                )
        c.refresh_from_db()
        _backdate(
            c,
            received=received,
            ack_h=rng.choice([2, 5, 12, 30]),
            resolve_days=rng.choice([3, 6, 9, 14]),
            close_days=2 if closed else None,
        )

    # 2) open tickets in every state, some close to breach and some breached
    # (state, where the SLA clock stands now, priority): "fresh" < 75 % < "warning" < 100 %
    # < "breached" < 150 % < "compliance"; "due_soon" = due within 24 hours.
    recent = [
        (State.RECEIVED, "fresh", Priority.NORMAL),
        (State.RECEIVED, "compliance", Priority.URGENT),
        (State.ACKNOWLEDGED, "fresh", Priority.HIGH),
        (State.INVESTIGATING, "warning", Priority.HIGH),
        (State.INVESTIGATING, "breached", Priority.HIGH),
        (State.INVESTIGATING, "fresh", Priority.LOW),
        (State.WAITING_ON_CLIENT, "warning", Priority.NORMAL),
        (State.RESOLVED, "warning", Priority.NORMAL),
        (State.INVESTIGATING, "due_soon", Priority.URGENT),
        (State.ACKNOWLEDGED, "breached", Priority.NORMAL),
    ]
    path = {
        State.RECEIVED: [],
        State.ACKNOWLEDGED: ["acknowledge"],
        State.INVESTIGATING: ["acknowledge", "investigate"],
        State.WAITING_ON_CLIENT: ["acknowledge", "investigate", "wait_on_client"],
        State.RESOLVED: ["acknowledge", "investigate"],
    }
    policy = services.default_policy()
    for j, (state, where, priority) in enumerate(recent):
        received = _received_for(where, priority=priority, policy=policy, at=stamp)
        client = demo_client if j < 3 else clients[(j + 3) % len(clients)]
        c = file(20 + j, received, client, priority=priority)
        actor = staff_of(c)
        for action in path[state]:
            c = services.complaint_act(
                complaint=c,
                actor=actor,
                action=action,
                note=in_client_language(CLIENT_TEXTS["statement"], c.client)
                if action == "wait_on_client"
                else "",
            )
        if state == State.RESOLVED:
            c = services.complaint_resolve(
                complaint=c,
                actor=actor,
                root_cause="费率表未及时更新",
                resolution_answer=in_client_language(CLIENT_TEXTS["refund"], c.client),
            )
        if j == 0:
            services.complaint_reply(complaint=c, actor=actor, body="重要客户，请谨慎处理。", internal=True)
    services.complaint_escalation_sweep()

    # 3) one violation case with measures
    if supervisor and compliance and advisor:
        rude = next(c for c in made if c.category == Category.SERVICE_ATTITUDE)
        case = services.violation_open(
            complaint=rude,
            actor=compliance,
            staff_member=rude.client.advisor or advisor,
            summary="通话中对客户提高音量。",
        )
        services.violation_update(
            case=case, actor=compliance, verification_notes="已调听通话录音，投诉属实。"
        )
        case = services.violation_advance(case=case, actor=compliance)
        services.violation_update(case=case, actor=compliance, investigation_notes="已分别约谈顾问和客户。")
        case = services.violation_advance(case=case, actor=compliance)
        services.violation_update(
            case=case, actor=supervisor, finding="确认存在不专业行为。", substantiated=True
        )
        case = services.violation_advance(case=case, actor=supervisor)
        services.violation_update(
            case=case,
            actor=supervisor,
            accountability_action="written_warning",
            action_notes="书面警告已存档。",
        )
        case = services.violation_advance(case=case, actor=supervisor)
        today = ctx.get("today") or stamp.date()
        services.measure_add(
            case=case,
            actor=supervisor,
            description="投诉处理专项培训",
            owner=case.staff_member,
            due_on=today + datetime.timedelta(days=30),
        )
        services.measure_add(
            case=case,
            actor=supervisor,
            description="主管抽听5通电话录音",
            owner=supervisor,
            due_on=today + datetime.timedelta(days=45),
        )
        _seed_conduct(ctx, made, supervisor=supervisor, compliance=compliance, today=today)
    _seed_email_intake(demo_client)
    _seed_sms_acknowledgements(made)
    ctx["complaints"] = made


def _seed_sms_acknowledgements(made: list) -> None:
    """Phone complaints show an acknowledgement by SMS on their page, as with SMS configured
    (the demo runs with SMS_BACKEND=none, so nothing is sent): the first two sent, the third failed
    after its attempts (docs/complaints.md)."""
    from advisory.sms import segments

    from .models import OutboundSMS, SmsStatus
    from .sms import sms_acknowledgement_text

    phone = [c for c in made if c.channel == Channel.PHONE][:3]
    for i, c in enumerate(phone):
        if c.sent_sms.exists():
            continue
        language = c.client.preferred_language or "zh-hans"
        text = sms_acknowledgement_text(complaint=c, language=language)
        failed = i == 2
        audited_save(
            OutboundSMS(
                complaint=c,
                to_number=f"+86138{c.pk:08d}"[:14],
                text=text,
                language=language,
                segments=segments(text),
                status=SmsStatus.FAILED if failed else SmsStatus.SENT,
                attempts=3 if failed else 1,
                error="gateway answered 503: busy" if failed else "",
                provider_id="" if failed else f"demo-{c.pk}",
                created_at=c.received_at,
                sent_at=None if failed else c.received_at + datetime.timedelta(seconds=20),
            ),
            actor=None,
            reason="demo: acknowledgement SMS",
        )


DEMO_EMAILS = [
    # (sender, subject, body): an unknown sender waits for a client to be linked
    (
        "陈女士 <chen.li@mail.example>",
        "关于上月基金赎回到账延迟的投诉",
        "您好，我于上月15日申请赎回，至今未到账，客服电话一直无人接听，请尽快处理并给予说明。",
    ),
    (
        "Mark Thompson <mark.t@mail.example>",
        "Complaint: advisor did not return my calls",
        "I called three times last week about my portfolio review and nobody called back.",
    ),
]


def _seed_email_intake(demo_client) -> None:
    """A configured (inactive) mailbox and messages taken in through the real intake path: two
    from unknown senders waiting on the intake screen, one from the demo client filed as a
    complaint, and one quarantined."""
    from email.message import EmailMessage

    from .mailbox import inbound_take
    from .models import InboundEmail, Mailbox, MailboxSecurity

    if InboundEmail.objects.exists():
        return
    box, _created = Mailbox.objects.get_or_create(
        name="投诉邮箱 complaints@harbour-wealth.example",
        defaults={
            "host": "imap.harbour-wealth.example",
            "port": 993,
            "security": MailboxSecurity.SSL,
            "username": "complaints@harbour-wealth.example",
            "password": "set-in-the-admin",
            "reply_address": "complaints@harbour-wealth.example",
            "is_active": False,
        },
    )
    messages = list(DEMO_EMAILS)
    if demo_client.email:
        messages.append(
            (
                demo_client.email,
                "服务费扣款金额与合同不符",
                "本季度服务费比合同约定多扣了200元，请核实并退还。",
            )
        )
    stamp = now()
    for uid, (sender, subject, body) in enumerate(messages, start=1):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = sender, box.reply_address, subject
        msg["Message-ID"] = f"<demo-{uid}@mail.example>"
        msg.set_content(body)
        raw = msg.as_bytes()
        inbound_take(
            mailbox=box,
            uid_validity=1,
            uid=uid,
            raw=raw,
            size=len(raw),
            received_at=stamp - datetime.timedelta(hours=3 * uid),
        )
    junk = b"Subject: =?utf-8?B?5Lit5aWW6YCa55+l?=\r\n\r\nno sender at all\r\n"
    inbound_take(
        mailbox=box,
        uid_validity=1,
        uid=len(messages) + 1,
        raw=junk,
        size=len(junk),
        received_at=stamp - datetime.timedelta(minutes=30),
    )


def _seed_conduct(ctx: dict, made: list, *, supervisor, compliance, today: datetime.date) -> None:
    """A major violation followed through: a suspension of business permissions (one week from
    today) and a written warning, the measure done, the regulator report, the outcome letter to
    the client, the case closed and this month's conduct digest."""
    from . import violations

    member = ctx.get("advisor2") or ctx.get("advisor")
    complaint = next((c for c in made if c.category == Category.MIS_SELLING), made[-1])
    case = services.violation_open(
        complaint=complaint,
        actor=compliance,
        staff_member=member,
        summary="向风险承受能力等级为C2的客户推荐R4级产品，未充分揭示风险。",
    )
    services.violation_update(
        case=case,
        actor=compliance,
        verification_notes="调取双录视频及适当性匹配记录，投诉属实。",
        investigation_notes="约谈当事顾问及其主管，核对产品风险揭示书签署情况。",
        finding="顾问违反适当性管理要求，超越客户风险承受能力等级销售产品。",
        substantiated=True,
    )
    for _step in range(3):
        case = services.violation_advance(case=case, actor=compliance)
    violations.violation_set_severity(case=case, actor=compliance, severity="major")
    violations.sanction_add(
        case=case,
        actor=compliance,
        action=AccountabilityAction.SUSPENSION,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=6),
        notes="暂停业务权限一周：不得提交方案、审批方案或承接新客户。",
    )
    violations.sanction_add(
        case=case,
        actor=supervisor,
        action=AccountabilityAction.WRITTEN_WARNING,
        notes="书面警告，记入员工档案。",
    )
    case = services.violation_advance(case=case, actor=compliance)
    measure = services.measure_add(
        case=case,
        actor=compliance,
        description="全员适当性管理专题培训并考试",
        owner=supervisor,
        due_on=today + datetime.timedelta(days=14),
    )
    services.measure_set_status(measure=measure, actor=supervisor, status=MeasureStatus.DONE)
    case = services.violation_advance(case=case, actor=compliance, note="整改措施已完成")
    services.violation_update(
        case=case, actor=compliance, evaluation_notes="抽查20笔销售记录，未再发现超等级销售。"
    )
    violations.regulator_report_record(
        case=case, actor=compliance, reported_on=today, reference=f"监管报告-{today:%Y}-017"
    )
    violations.violation_feedback_send(
        case=case,
        actor=compliance,
        message="经核查，您反映的问题属实。我们已对当事顾问作出暂停业务权限及书面警告的处理，并已完成全员整改培训。",
    )
    services.violation_advance(case=case, actor=compliance, note="结案")
    violations.conduct_digest_publish(period_start=today.replace(day=1), period_end=today)
