"""Demo data for risk profiling: the 10-question questionnaire (English and Chinese, published v1
and a draft v2), products R1–R5, assessments at varied levels, a professional investor, a pending
suitability exception and a register spread over the heat map. Idempotent."""

from __future__ import annotations

import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from advisory.clock import now
from advisory.history import audited_save
from advisory.roles import Role

from .models import (
    AssessmentChannel,
    AssessmentStatus,
    ExceptionScope,
    LifeEvent,
    LifeEventKind,
    Product,
    ProductRatingAssessment,
    ProfessionalInvestorClassification,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    QuestionOption,
    RatingAssessmentStatus,
    Risk,
    RiskAssessment,
    SuitabilityException,
    VersionStatus,
)
from .services import (
    capacity_level,
    life_event_record,
    product_rating_approve,
    product_rating_submit,
    risk_level_for,
    score_answers,
    suitability_exception_request,
    valid_until_for,
)

BANDS = [
    {"level": "C1", "min": 10, "max": 17},
    {"level": "C2", "min": 18, "max": 25},
    {"level": "C3", "min": 26, "max": 33},
    {"level": "C4", "min": 34, "max": 41},
    {"level": "C5", "min": 42, "max": 50},
]

# (code, role, English, Chinese, [(option code, English, Chinese, score, meaning)])
QUESTIONS = [
    ("age", "age", "What is your age?", "您的年龄是？", [
        ("over65", "Over 65", "65岁以上", 1, ""),
        ("56to65", "56–65", "56–65岁", 2, ""),
        ("46to55", "46–55", "46–55岁", 3, ""),
        ("30to45", "30–45", "30–45岁", 4, ""),
        ("under30", "Under 30", "30岁以下", 5, ""),
    ]),
    ("income", "income", "How stable is your income?", "您的收入稳定性如何？", [
        ("none", "No regular income", "没有固定收入", 1, "unstable"),
        ("irregular", "Irregular", "收入不固定", 2, "unstable"),
        ("variable", "Stable but may vary", "较稳定但有波动", 3, "variable"),
        ("stable", "Stable", "稳定", 4, "stable"),
        ("rising", "Stable and rising", "稳定且逐年增长", 5, "stable"),
    ]),
    ("share", "investable_share", "What share of your financial assets will you invest?",
     "您计划投资的金额占您金融资产的比例？", [
        ("gt75", "More than 75%", "75%以上", 1, ""),
        ("50to75", "50%–75%", "50%–75%", 2, ""),
        ("25to50", "25%–50%", "25%–50%", 3, ""),
        ("10to25", "10%–25%", "10%–25%", 4, ""),
        ("lt10", "Less than 10%", "10%以下", 5, ""),
    ]),
    ("experience", "experience", "How long have you invested in funds, shares or bonds?",
     "您投资基金、股票或债券的年限？", [
        ("none", "Never", "没有经验", 1, ""),
        ("lt2", "Less than 2 years", "2年以下", 2, ""),
        ("2to5", "2–5 years", "2–5年", 3, ""),
        ("5to10", "5–10 years", "5–10年", 4, ""),
        ("gt10", "More than 10 years", "10年以上", 5, ""),
    ]),
    ("knowledge", "knowledge", "How would you describe your financial knowledge?", "您如何评价自己的金融知识？", [
        ("none", "Very limited", "非常有限", 1, ""),
        ("basic", "Basic", "基本了解", 2, ""),
        ("fair", "Fair", "一般", 3, ""),
        ("good", "Good", "较好", 4, ""),
        ("expert", "Professional", "专业", 5, ""),
    ]),
    ("horizon", "horizon", "How long do you plan to keep this money invested?", "您计划的投资期限是多久？", [
        ("lt1y", "Less than 1 year", "1年以内", 1, "lt1y"),
        ("1to3y", "1–3 years", "1–3年", 2, "1to3y"),
        ("3to5y", "3–5 years", "3–5年", 3, "3to5y"),
        ("5to10y", "5–10 years", "5–10年", 4, "5to10y"),
        ("gt10y", "More than 10 years", "10年以上", 5, "gt10y"),
    ]),
    ("objective", "objective", "What is your main investment objective?", "您的主要投资目标是？", [
        ("preserve", "Preserve capital", "保本", 1, "preserve"),
        ("income", "Steady income", "稳定收益", 2, "income"),
        ("balanced", "Balance income and growth", "收益与增长兼顾", 3, "balanced"),
        ("growth", "Growth", "资产增长", 4, "growth"),
        ("max_growth", "Maximum growth", "追求最大增长", 5, "max_growth"),
    ]),
    ("loss", "loss_tolerance", "What loss in one year could you accept?", "您能接受的一年内最大亏损是？", [
        ("none", "No loss at all", "不能接受任何亏损", 1, "none"),
        ("5", "Up to 5%", "5%以内", 2, "low"),
        ("15", "Up to 15%", "15%以内", 3, "medium"),
        ("30", "Up to 30%", "30%以内", 4, "high"),
        ("gt30", "More than 30%", "30%以上", 5, "high"),
    ]),
    ("reaction", "reaction", "Your investment falls 20% in a month. What do you do?",
     "您的投资一个月内下跌20%，您会怎么做？", [
        ("sell_all", "Sell everything", "全部卖出", 1, ""),
        ("sell_some", "Sell part", "卖出一部分", 2, ""),
        ("hold", "Hold and wait", "持有观望", 3, ""),
        ("hold_calm", "Hold; it is normal", "继续持有，属正常波动", 4, ""),
        ("buy", "Buy more", "加仓买入", 5, ""),
    ]),
    ("products", "other", "Which products would you consider?", "您会考虑哪类产品？", [
        ("deposits", "Deposits and money market only", "仅存款和货币基金", 1, ""),
        ("bonds", "Bond funds", "债券基金", 2, ""),
        ("mixed", "Balanced funds", "混合型基金", 3, ""),
        ("equity", "Equity funds", "股票型基金", 4, ""),
        ("alt", "Private equity, structured products", "私募股权、结构化产品", 5, ""),
    ]),
]  # fmt: skip

# The firm's product shelf, named as the fund companies and banks register them.
PRODUCTS = [
    ("MMF-001", "海港货币市场基金", "货币市场基金", "R1", "cash", 1),
    ("DEP-12M", "12个月定期存款", "定期存款", "R1", "cash", 365),
    ("GBF-010", "中国国债债券基金", "债券基金", "R2", "bonds", 2),
    ("CBF-020", "投资级信用债券基金", "债券基金", "R2", "bonds", 3),
    ("HYB-030", "亚洲高收益债券基金", "债券基金", "R3", "bonds", 3),
    ("BAL-100", "稳健平衡混合基金", "混合基金", "R3", "equities", 3),
    ("IDX-300", "沪深300指数基金", "指数基金", "R4", "equities", 2),
    ("EQG-200", "中国成长股票基金", "股票基金", "R4", "equities", 3),
    ("HKE-210", "香港红利股票基金", "股票基金", "R4", "equities", 3),
    ("REIT-01", "基础设施公募REITs", "REITs", "R3", "real_estate", 5),
    ("GLD-ETF", "黄金ETF", "ETF", "R3", "alternatives", 2),
    ("TEC-400", "科技创新股票基金", "股票基金", "R5", "equities", 3),
    ("PEF-500", "成长私募股权基金", "私募股权基金", "R5", "alternatives", 1825),
    ("SN-0601", "本金保障型结构性票据", "结构性票据", "R2", "alternatives", 365),
    ("SN-0602", "股票挂钩结构性票据", "结构性票据", "R4", "alternatives", 180),
]

# The firm's own register, kept by its staff in Chinese.
RISKS = [
    ("权益市场大幅回撤，客户组合净值下跌", "market", 4, 4, "mitigate"),
    ("利率上行导致债券基金净值下跌", "market", 3, 3, "accept"),
    ("结构化票据发行人违约", "credit", 2, 5, "transfer"),
    ("托管银行交易对手方风险", "credit", 1, 5, "transfer"),
    ("向客户提供不适当的投资建议", "compliance", 2, 4, "mitigate"),
    ("反洗钱核查遗漏", "compliance", 2, 5, "avoid"),
    ("客户个人信息泄露", "operational", 2, 5, "mitigate"),
    ("交易日核心系统宕机", "operational", 3, 2, "mitigate"),
    ("核心理财顾问离职并带走客户关系", "operational", 3, 3, "accept"),
    ("T+5 赎回基金遭遇集中赎回", "liquidity", 2, 3, "mitigate"),
    ("私募股权锁定期内客户急需资金", "liquidity", 1, 2, "accept"),
    ("适当性监管规定调整", "compliance", 5, 4, "mitigate"),
]


def _questionnaire(actor) -> tuple[QuestionnaireVersion, QuestionnaireVersion]:
    questionnaire, _ = Questionnaire.objects.get_or_create(
        code="rtq-individual",
        defaults={"name": "Individual investor risk tolerance", "name_zh": "个人投资者风险承受能力评估"},
    )
    versions = []
    for number, status in ((1, VersionStatus.PUBLISHED), (2, VersionStatus.DRAFT)):
        version, created = QuestionnaireVersion.objects.get_or_create(
            questionnaire=questionnaire,
            number=number,
            defaults={
                "title": "Risk tolerance questionnaire",
                "title_zh": "风险承受能力调查问卷",
                "introduction": "Ten questions about your situation, experience and attitude to risk.",
                "introduction_zh": "十个关于您的财务状况、投资经验和风险态度的问题。",
                "score_bands": BANDS,
            },
        )
        if created:
            for order, (code, role, text, text_zh, options) in enumerate(QUESTIONS, start=1):
                q = audited_save(
                    Question(version=version, order=order, code=code, role=role, text=text, text_zh=text_zh),
                    actor=actor,
                    reason="Demo questionnaire",
                )
                for i, (ocode, otext, otext_zh, score, meaning) in enumerate(options, start=1):
                    audited_save(
                        QuestionOption(
                            question=q, order=i, code=ocode, text=otext, text_zh=otext_zh, score=score,
                            meaning=meaning,
                        ),
                        actor=actor,
                        reason="Demo questionnaire",
                    )  # fmt: skip
            if status == VersionStatus.PUBLISHED:
                version.status = status
                version.published_at = now() - datetime.timedelta(days=500)
                version.published_by = actor
                audited_save(version, actor=actor, reason="Demo: published")
        versions.append(version)
    return versions[0], versions[1]


def _answers_for(index: int, **override: str) -> dict[str, str]:
    answers = {code: options[index - 1][0] for code, _r, _t, _z, options in QUESTIONS}
    answers.update(override)
    return answers


def _assessment(
    *, client, version, answers, confirmed_on: datetime.date | None, status: str, note: str = ""
) -> RiskAssessment:
    result = score_answers(version=version, answers=answers)
    cap, notes = capacity_level(
        client=client, horizon=result.horizon, answered_income_stability=result.income_stability
    )
    from .models import level_number

    effective = f"C{min(level_number(result.willingness_level), level_number(cap))}"
    stamp = (
        datetime.datetime.combine(confirmed_on, datetime.time(10), tzinfo=datetime.UTC)
        if confirmed_on
        else None
    )
    a = RiskAssessment(
        client=client,
        version=version,
        channel=AssessmentChannel.WORKSPACE,
        answers=result.snapshot,
        score=result.score,
        willingness_level=result.willingness_level,
        capacity_level=cap,
        capacity_notes=notes,
        effective_level=effective,
        contradictions=result.contradictions,
        advisor_note=note,
        administered_by=client.advisor,
        status=status,
        confirmed_at=stamp,
        confirmed_by=client.advisor if stamp else None,
        confirmed_by_client_at=stamp,
        valid_until=valid_until_for(confirmed_on) if confirmed_on else None,
    )
    return audited_save(a, actor=client.advisor, reason="Demo assessment")


def seed(ctx: dict) -> None:
    from clients.models import Client

    today = ctx["today"]
    users = ctx.get("users", {})
    admin = users.get(Role.ADMINISTRATOR) or ctx.get("advisor")
    compliance = users.get(Role.COMPLIANCE) or admin
    reviewer = users.get(Role.RISK_REVIEWER) or admin
    v1, _v2 = _questionnaire(admin)
    ctx["questionnaire_version"] = v1

    products = {}
    for code, name, kind, rating, asset_class, days in PRODUCTS:
        product = Product.objects.filter(code=code).first()
        if product is None:
            product = audited_save(
                Product(code=code, name=name, kind=kind, risk_rating=rating, asset_class=asset_class,
                        liquidity_days=days),
                actor=admin,
                reason="Demo product",
            )  # fmt: skip
        products[code] = product
    ctx["products"] = products
    _govern_products(products, reviewer=reviewer, compliance=compliance, today=today)

    clients = list(ctx.get("clients") or Client.objects.order_by("id")[:12])
    # (level index, months since confirmation, status, overrides)
    plan = [
        (3, 2, AssessmentStatus.CONFIRMED, {}),
        (4, 5, AssessmentStatus.CONFIRMED, {}),
        (1, 3, AssessmentStatus.CONFIRMED, {}),
        (5, 1, AssessmentStatus.CONFIRMED, {}),
        (2, None, "expiring", {}),
        (3, 13, AssessmentStatus.EXPIRED, {}),
        (3, None, "contradiction", {"horizon": "lt1y", "objective": "max_growth"}),
        (4, 8, AssessmentStatus.CONFIRMED, {}),
        (2, 6, AssessmentStatus.CONFIRMED, {}),
        (3, 4, AssessmentStatus.CONFIRMED, {}),
    ]
    for client, (index, months, status, overrides) in zip(clients, plan, strict=False):
        if RiskAssessment.objects.filter(client=client).exists():
            continue
        answers = _answers_for(index, **overrides)
        if status == "expiring":
            # last valid day 20 days from today: the 30-day reminder is due
            confirmed = today + datetime.timedelta(days=21) - relativedelta(months=12)
            _assessment(client=client, version=v1, answers=answers, confirmed_on=confirmed,
                        status=AssessmentStatus.CONFIRMED)  # fmt: skip
        elif status == "contradiction":
            _assessment(
                client=client, version=v1, answers=answers, confirmed_on=None, status=AssessmentStatus.DRAFT
            )
        else:
            _assessment(
                client=client, version=v1, answers=answers,
                confirmed_on=today - relativedelta(months=months), status=status,
            )  # fmt: skip
    # a professional investor with evidence, and a pending exception for a C3 client
    if len(clients) > 3 and not ProfessionalInvestorClassification.objects.filter(client=clients[3]).exists():
        audited_save(
            ProfessionalInvestorClassification(
                client=clients[3],
                evidence="金融资产净值超过人民币500万元，具有4年证券投资经历（银行流水及证券账户对账单已存档）。",
                recorded_by=compliance,
                valid_from=today - datetime.timedelta(days=30),
            ),
            actor=compliance,
            reason="Demo professional investor",
        )
    if clients and not SuitabilityException.objects.exists():
        # through the service, as the advisor would: the warning is written in the client's
        # language and the client is asked, in the portal, to read and confirm it
        suitability_exception_request(
            client=clients[0],
            product=products["PEF-500"],
            actor=clients[0].advisor,
            client_reason="客户主动要求将5%的资金投资于同事推荐的私募股权基金。",
            scope=ExceptionScope.AMOUNT,
            max_amount=Decimal("50000"),
            expires_on=today + datetime.timedelta(days=90),
        )
    _life_events(clients, today=today)

    owners = [u for u in (reviewer, compliance, users.get(Role.SUPERVISOR)) if u] or [admin]
    for n, (title, category, p, i, response) in enumerate(RISKS, start=1):
        reference = f"RSK-{n:04d}"
        if Risk.objects.filter(reference=reference).exists():
            continue
        audited_save(
            Risk(
                reference=reference,
                title=title,
                category=category,
                probability=p,
                impact=i,
                level=risk_level_for(probability=p, impact=i),
                owner=owners[n % len(owners)],
                response=response,
                controls="每季度检视；已设限额并持续监测。",
                review_date=today + datetime.timedelta(days=(n * 17) % 120 - 20),
            ),
            actor=admin,
            reason="Demo risk",
        )


# --- Issue 14: product governance and life events (Chinese demo texts) -------------------------------

RATING_RATIONALE = {
    "R1": ("流动性高、本金损失可能性极低，历史最大回撤小于 0.5%。", "波动率极低\n信用风险低\nT+1 赎回"),
    "R2": (
        "以高等级债券为主，利率风险为主要风险来源，历史最大回撤约 3%。",
        "久期 3–5 年\n信用等级 AA+ 及以上\n流动性良好",
    ),
    "R3": (
        "股债混合或单一另类资产，波动中等，历史最大回撤约 15%。",
        "波动率中等\n权益仓位上限 60%\n流动性良好",
    ),
    "R4": ("以权益资产为主，波动较大，历史最大回撤约 35%。", "波动率较高\n行业集中度\n市场风险"),
    "R5": (
        "高波动或低流动性产品，可能损失全部本金，赎回受限。",
        "杠杆或结构复杂\n封闭期长\n本金可能全部损失",
    ),
}


def _govern_products(products: dict, *, reviewer, compliance, today: datetime.date) -> None:
    """Every demo product has a written rating assessment approved by a second person (risk
    reviewer writes, compliance approves); the gold ETF's yearly review is due in 20 days, and an
    R4 structured note awaits its re-rating to R5."""
    if reviewer is None or compliance is None or reviewer.pk == compliance.pk:
        return
    for code, product in products.items():
        if ProductRatingAssessment.objects.filter(product=product).exists():
            continue
        rationale, factors = RATING_RATIONALE[product.risk_rating]
        a = product_rating_submit(
            product=product,
            actor=reviewer,
            proposed_rating=product.risk_rating,
            rationale=rationale,
            factors=factors,
        )
        product_rating_approve(assessment=a, actor=compliance, note="复核通过，评级与产品说明书一致。")
        if code == "GLD-ETF":
            due = today + datetime.timedelta(days=20)
            product.refresh_from_db()
            product.rating_review_due = due
            audited_save(product, actor=compliance, reason="Demo: review due soon")
            a.refresh_from_db()
            a.review_due = due
            audited_save(a, actor=compliance, reason="Demo: review due soon")
    note = products.get("SN-0602")
    if (
        note is not None
        and not ProductRatingAssessment.objects.filter(
            product=note, status=RatingAssessmentStatus.PENDING
        ).exists()
    ):
        product_rating_submit(
            product=note,
            actor=reviewer,
            proposed_rating="R5",
            rationale="挂钩标的波动率上升，且新增提前终止条款，建议上调至 R5。",
            factors="挂钩标的波动率\n提前终止条款\n发行人信用风险",
        )


def _life_events(clients: list, *, today: datetime.date) -> None:
    """A recorded-only marriage for the first client, and a job loss for the third that flags
    their risk profile for re-assessment (new proposals blocked until re-assessed)."""
    if LifeEvent.objects.exists() or len(clients) < 3:
        return
    first, third = clients[0], clients[2]
    life_event_record(
        client=first,
        actor=first.advisor,
        kind=LifeEventKind.MARRIAGE,
        occurred_on=today - datetime.timedelta(days=45),
        note="客户已婚，配偶为公务员，家庭收入稳定，风险承受能力不变。",
        is_significant=False,
    )
    life_event_record(
        client=third,
        actor=third.advisor,
        kind=LifeEventKind.JOB_LOSS,
        occurred_on=today - datetime.timedelta(days=10),
        note="所在公司裁员，目前领取离职补偿金，预计三个月内再就业。",
    )
