"""Demo client files at every onboarding stage (idempotent: clients are found by email hash).

Puts into ctx: "clients" (list of Client), "demo_client" (Zhang San 张三, the demo portal user's
registered file), "onboarding_cases" (list).
"""

from __future__ import annotations

import datetime
import zlib
from decimal import Decimal

from advisory.calendar import firm_calendar
from advisory.clock import now
from advisory.history import audited_save
from advisory.roles import Role

from . import demo_kyc, services
from .identity import email_hash, identity_hash, validate_identity
from .models import Client, ClientKind, ClientStatus, ConsentKind, Household, OnboardingStep

# email, name, kind, id type, id number, income, expenses, reserves, stability, years, kinds,
# assets, needs, large movement, target stage, in advisor2's book
DEMO_CLIENTS = [
    (
        "zhang.san@demo.client",
        "Zhang San 张三",
        "individual",
        "prc_id",
        "11010519491231002X",
        38000,
        15000,
        240000,
        "stable",
        6,
        ["deposits", "bonds", "funds"],
        ["bonds", "equities"],
        ["retirement"],
        0,
        "registered",
        False,
    ),
    (
        "li.na@demo.client",
        "Li Na 李娜",
        "individual",
        "prc_id",
        "310104198506121230",
        82000,
        30000,
        900000,
        "stable",
        8,
        ["bonds", "funds", "equities", "alternatives"],
        ["equities", "alternatives"],
        [],
        0,
        "registered",
        False,
    ),
    (
        "wang.lei@demo.client",
        "Wang Lei 王磊",
        "individual",
        "prc_id",
        "440305199003152343",
        26000,
        12000,
        60000,
        "variable",
        3,
        ["funds"],
        ["equities"],
        [],
        0,
        "overdue",
        False,
    ),
    (
        "chen.mei@demo.client",
        "Chen Mei 陈美",
        "individual",
        "prc_id",
        "110108197808223455",
        56000,
        20000,
        400000,
        "stable",
        10,
        ["deposits", "bonds", "equities"],
        ["bonds", "real_estate"],
        ["education", "estate"],
        2000000,
        "initial_review",
        False,
    ),
    (
        "liu.yang@demo.client",
        "Liu Yang 刘洋",
        "individual",
        "prc_id",
        "320102199201014569",
        4800,
        3900,
        8000,
        "irregular",
        0,
        [],
        ["cash"],
        [],
        0,
        "information_collection",
        False,
    ),
    (
        "zhao.qiang@demo.client",
        "Zhao Qiang 赵强",
        "individual",
        "prc_id",
        "110101196505056785",
        15000,
        8000,
        150000,
        "stable",
        1,
        ["deposits"],
        ["cash", "bonds"],
        [],
        0,
        "business_type",
        False,
    ),
    (
        "huang.li@demo.client",
        "Huang Li 黄丽",
        "individual",
        "prc_id",
        "44010619951111789X",
        9000,
        6000,
        20000,
        "variable",
        0,
        [],
        [],
        [],
        0,
        "identity_verification",
        False,
    ),
    (
        "maria.chan@demo.client",
        "Maria Chan 陳瑪麗",
        "individual",
        "hk_id",
        "A123456(3)",
        65000,
        28000,
        500000,
        "stable",
        12,
        ["bonds", "funds", "equities", "derivatives"],
        ["equities", "bonds", "cash"],
        ["protection"],
        0,
        "registered",
        False,
    ),
    (
        "lin.chihhao@demo.client",
        "Lin Chih-hao 林志豪",
        "individual",
        "tw_id",
        "A123456789",
        30000,
        18000,
        90000,
        "stable",
        4,
        ["funds", "equities"],
        ["equities"],
        [],
        0,
        "returned",
        False,
    ),
    (
        "office@pudongtech.demo",
        "Shanghai Pudong Tech Co., Ltd. 上海浦东科技有限公司",
        "institution",
        "uscc",
        "91310115MA1K3YJ12G",
        1200000,
        700000,
        8000000,
        "variable",
        6,
        ["deposits", "bonds", "funds"],
        ["cash", "bonds"],
        [],
        5000000,
        "registered",
        False,
    ),
    (
        "info@harbourfo.demo",
        "Harbour Family Office Ltd",
        "institution",
        "",
        "",
        None,
        None,
        None,
        "",
        0,
        [],
        [],
        [],
        0,
        "prospect",
        False,
    ),
    (
        "sun.wei@demo.client",
        "Sun Wei 孙伟",
        "individual",
        "passport",
        "E12345678",
        45000,
        20000,
        300000,
        "stable",
        5,
        ["bonds", "funds", "equities"],
        ["equities", "bonds"],
        ["retirement"],
        0,
        "registered",
        True,
    ),
    (
        "emily.wong@demo.client",
        "Emily Wong",
        "individual",
        "",
        "",
        20000,
        9000,
        50000,
        "stable",
        2,
        ["funds"],
        ["equities"],
        [],
        0,
        "prospect",
        True,
    ),
]

STAGE_ORDER = [
    "identity_verification",
    "business_type",
    "information_collection",
    "initial_review",
    "registered",
]


def _consents(client: Client, advisor) -> None:
    have = {c.kind for c in client.consents.all()}
    for kind in (ConsentKind.PRIVACY, ConsentKind.RISK_DISCLOSURE):
        if kind not in have:
            services.consent_record(client=client, actor=advisor, kind=kind, channel="paper")


def _advance(case, target: str, advisor, reviewer) -> None:
    """Move a demo case forward through the real state machine up to `target`."""
    goal = {"overdue": "initial_review", "returned": "information_collection"}.get(target, target)
    if target == "returned" and case.times_returned == 0:
        for action in ("verify_identity", "choose_business_type", "submit_for_review"):
            if action == "verify_identity":
                demo_kyc.record_identity(case.client, advisor)
            if case.step == services.ONBOARDING_TRANSITIONS[action][0][0]:
                case = services.onboarding_transition(
                    case=case, action=action, actor=advisor, business_type="investment_advice"
                )
        case = services.onboarding_transition(
            case=case, action="return", actor=reviewer, note="缺少地址证明，请补充上传。"
        )
        return
    steps = {
        "identity_verification": "verify_identity",
        "business_type": "choose_business_type",
        "information_collection": "submit_for_review",
        "initial_review": "approve",
    }
    while case.step in steps and STAGE_ORDER.index(case.step) < STAGE_ORDER.index(goal):
        action = steps[case.step]
        if action == "verify_identity":
            demo_kyc.record_identity(case.client, advisor)
        if action == "approve":
            # Approval needs a confirmed risk profile, which the risk demo creates after this
            # module: clients.demo_kyc prepares the case now and approves it after risk.demo.
            demo_kyc.prepare_approval(case, advisor, reviewer)
            return
        actor = reviewer if action == "approve" else advisor
        case = services.onboarding_transition(
            case=case,
            action=action,
            actor=actor,
            business_type="financial_planning",
            note="资料齐全，提交复核" if action == "submit_for_review" else "",
        )
    if target == "overdue" and case.step == OnboardingStep.INITIAL_REVIEW and not case.is_overdue:
        submitted = now() - datetime.timedelta(days=7)
        case.submitted_at = submitted
        case.review_deadline = firm_calendar().business_day_deadline(submitted, case.review_days or 2)
        audited_save(case, actor=None, reason="demo data: submitted a week ago")


def _demo_language(name: str, id_type: str) -> str:
    """A mainland firm's clients read 简体; those from Hong Kong and Taiwan 繁體; a client whose
    name has no Chinese characters (an English-speaking family office, an expatriate) English."""
    if not any("\u4e00" <= ch <= "\u9fff" for ch in name):
        return "en"
    return "zh-hant" if id_type in ("hk_id", "tw_id") else "zh-hans"


def _same_person(id_type: str, id_number: str) -> Client | None:
    """A demo client already seeded whose email someone changed while trying the demo: found by
    the identity number, so seeding again does not try to open a second file for the person."""
    if not id_type:
        return None
    canonical = validate_identity(id_type, id_number, "CN" if id_type == "passport" else "")
    return Client.objects.filter(id_number_hash=identity_hash(id_type, canonical)).first()


def seed(ctx: dict) -> None:
    advisor, advisor2 = ctx["advisor"], ctx.get("advisor2") or ctx["advisor"]
    reviewer = ctx["users"].get(Role.SUPERVISOR) or ctx["users"].get(Role.COMPLIANCE)
    clients, cases = [], []
    for row in DEMO_CLIENTS:
        (
            email,
            name,
            kind,
            id_type,
            id_number,
            income,
            expenses,
            reserves,
            stability,
            years,
            kinds,
            assets,
            needs,
            large,
            stage,
            book2,
        ) = row
        owner = advisor2 if book2 else advisor
        client = Client.objects.filter(email_hash=email_hash(email)).first() or _same_person(
            id_type, id_number
        )
        if client is None:
            data = {
                "kind": kind,
                "name": name,
                "email": email,
                "preferred_language": _demo_language(name, id_type),
                "phone": f"13{zlib.crc32(email.encode()) % 10**9:09d}",
                "address": "北京市朝阳区建国路88号"
                if id_type == "prc_id"
                else "1 Harbour Road, Wan Chai, Hong Kong",
                "bank_name": "China Merchants Bank",
                "bank_account_number": f"6225{zlib.crc32(name.encode()) * 7 % 10**12:012d}",
                "monthly_income": Decimal(income) if income is not None else None,
                "monthly_expenses": Decimal(expenses) if expenses is not None else None,
                "liquid_reserves": Decimal(reserves) if reserves is not None else None,
                "income_stability": stability,
                "investment_years": years,
                "investment_product_kinds": kinds,
                "asset_classes_of_interest": assets,
                "planning_needs": needs,
                "large_fund_movement_amount": Decimal(large),
                "contact_person": "Ms. Zhou 周女士" if kind == ClientKind.INSTITUTION else "",
            }
            if id_type:
                data.update(
                    id_document_type=id_type,
                    id_number=id_number,
                    id_issuing_country="CN" if id_type == "passport" else "",
                )
            client = services.client_create(actor=owner, data=data)
        clients.append(client)
        if stage == "prospect":
            continue
        case = client.onboarding_cases.order_by("-created_at").first()
        if case is None:
            _consents(client, owner)
            case = services.onboarding_start(
                client=client,
                actor=owner,
                is_special=email.startswith("chen.mei"),
                special_reason="信托架构，持有境外资产" if email.startswith("chen.mei") else "",
            )
            _advance(case, stage, owner, reviewer)
        cases.append(client.onboarding_cases.order_by("-created_at").first())

    zhang = Client.objects.get(pk=clients[0].pk)
    client_user = ctx.get("client_user")
    if client_user is not None and zhang.user_id is None:
        zhang.user = client_user
        audited_save(zhang, actor=advisor, reason="demo data: portal login linked")
    if not zhang.agreements.exists():
        services.agreement_save(
            client=zhang,
            actor=advisor,
            data={
                "scope": "Financial planning and investment advice on a portfolio of funds; annual review.",
                "fee_structure": "aum",
                "fee_details": "0.8% a year of assets under advice, billed quarterly",
                "starts_on": ctx["today"] - datetime.timedelta(days=200),
                "ends_on": ctx["today"] + datetime.timedelta(days=530),
                "termination_notice_days": 30,
                "termination_conditions": "Either party may terminate with 30 days' written notice; fees are pro-rated.",
                "signed_on": ctx["today"] - datetime.timedelta(days=201),
            },
        )
    if zhang.household_id is None:
        household = Household.objects.filter(name="Zhang family 张家").first() or Household(
            name="Zhang family 张家"
        )
        if household.pk is None:
            audited_save(household, actor=advisor, reason="demo data")
        services.client_update(client=zhang, actor=advisor, data={"household": household}, reason="demo data")
        services.client_update(
            client=clients[1], actor=advisor, data={"household": household}, reason="demo data"
        )
        services.related_party_add(
            client=zhang, actor=advisor, relationship="spouse", name="Li Na 李娜", related_client=clients[1]
        )
    services.onboarding_overdue_sweep()
    # A prospect who never signed, ended with an earlier date: the backdate waits for a second
    # person (SPEC §5), shown on the client page to supervisors and compliance.
    current = [Client.objects.get(pk=c.pk) for c in clients]
    prospects = [c for c in current if c.status == ClientStatus.PROSPECT]
    if prospects and not any(c.status == ClientStatus.ENDED for c in current):
        ending = prospects[-1]
        services.client_end_relationship(
            client=ending,
            actor=ending.advisor,
            reason="客户来函表示不再继续洽谈，来函日期为二十天前，申请按来函日期终止",
            ended_on=ctx["today"] - datetime.timedelta(days=20),
        )
    ctx["clients"] = [Client.objects.get(pk=c.pk) for c in clients]
    ctx["demo_client"] = ctx["clients"][0]
    ctx["onboarding_cases"] = [c for c in cases if c is not None]
