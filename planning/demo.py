"""Demo plans: snapshots, goals, model portfolios, proposals in every workflow state (one issued to
the demo client awaiting a decision), a few generated PDFs, and reviews due and overdue.
Idempotent: proposals are found again by (client, title)."""

from __future__ import annotations

import datetime
import math
from decimal import Decimal

from advisory.demo import in_client_language
from advisory.history import audited_save
from advisory.roles import Role

from . import conf, services
from .models import ASSET_CLASSES, GoalKind, Proposal, ProposalStatus, Review

STEPS = ["submit", "risk_approve", "compliance_approve", "issue"]
REACHED = {
    ProposalStatus.SUBMITTED: 1,
    ProposalStatus.RISK_APPROVED: 2,
    ProposalStatus.COMPLIANCE_APPROVED: 3,
    ProposalStatus.ISSUED: 4,
}


def _lines_for(level: str, total: Decimal) -> list[tuple]:
    """Follow the level's model portfolio with products rated within the level, each under 30 %;
    where a class has too few eligible products the excess moves to other classes (a few points,
    within the 10-point deviation limit)."""
    from risk.models import Product, level_number

    weights = {c: Decimal(w) for c, w in conf.DEFAULT_WEIGHTS[level].items()}
    from advisory.clock import today

    # Only products whose rating has an approved, current assessment can be offered (issue 14).
    products = list(
        Product.objects.filter(
            is_active=True, rating_approved_at__isnull=False, rating_review_due__gte=today()
        ).order_by("-risk_rating", "liquidity_days", "code")
    )
    cap = Decimal("0.28")
    shares: dict = {}
    excess = Decimal("0")
    for code in ASSET_CLASSES:
        weight = weights.get(code, Decimal("0"))
        eligible = [
            p
            for p in products
            if p.asset_class == code and level_number(p.risk_rating) <= level_number(level)
        ]
        if weight <= 0 or not eligible:
            excess += weight
            continue
        n = min(len(eligible), max(1, math.ceil(weight / cap)))
        for p in eligible[:n]:
            share = weight / n
            shares[p] = min(share, cap)
            excess += share - shares[p]
    added: dict = {}
    for p in sorted(shares, key=lambda p: shares[p]):
        if excess <= 0:
            break
        room = min(cap - shares[p], Decimal("0.08") - added.get(p.asset_class, Decimal("0")), excess)
        if room > 0:
            shares[p] += room
            added[p.asset_class] = added.get(p.asset_class, Decimal("0")) + room
            excess -= room
    return [(p, (total * share).quantize(Decimal("1000"))) for p, share in shares.items() if share > 0]


# What the advisor names a client's goals and proposals, in the client's language (简体, 繁體, English).
GOAL_NAMES = [
    ("60岁退休", "60歲退休", "Retirement at 60"),
    ("女儿大学教育金", "女兒大學教育金", "Daughter's university"),
    ("补充应急备用金", "補充應急備用金", "Emergency fund top-up"),
]
PROPOSAL_TITLES = {
    "core": ("2026年核心投资组合", "2026年核心投資組合", "Core portfolio 2026"),
    "education": ("子女教育储蓄计划", "子女教育儲蓄計劃", "Education savings plan"),
    "pension": ("养老金补充计划", "退休金補充計劃", "Pension top-up"),
    "top_up": ("追加投资建议", "追加投資建議", "Top-up investment proposal"),
    "wealth": ("财富规划方案{n}", "財富規劃方案{n}", "Wealth plan {n}"),
}


def _goals(client, advisor, today: datetime.date) -> list:
    existing = list(client.goals.all())
    if existing:
        return existing
    specs = [
        (GoalKind.RETIREMENT, GOAL_NAMES[0], Decimal("3000000"), 18, 1, Decimal("400000")),
        (GoalKind.EDUCATION, GOAL_NAMES[1], Decimal("600000"), 8, 1, Decimal("120000")),
        (GoalKind.SAVINGS, GOAL_NAMES[2], Decimal("150000"), 1, 2, Decimal("90000")),
    ]
    return [
        services.goal_save(
            client=client,
            actor=advisor,
            data={
                "kind": kind,
                "name": in_client_language(name, client),
                "target_amount": amount,
                "target_date": today.replace(year=today.year + years, day=min(today.day, 28)),
                "priority": priority,
                "current_funding": funded,
            },
        )
        for kind, name, amount, years, priority, funded in specs
    ]


def _snapshot(client, advisor, today: datetime.date, n: int) -> None:
    if client.snapshots.exists():
        return
    base = Decimal(25000 + 9000 * n)
    for months_ago, factor in ((12, Decimal("0.9")), (0, Decimal("1"))):
        services.snapshot_create(
            client=client,
            actor=advisor,
            data={
                "as_of": today - datetime.timedelta(days=30 * months_ago),
                "monthly_income": base * factor,
                "monthly_expenses": (base * Decimal("0.55") * factor).quantize(Decimal("1")),
                "assets_cash": base * Decimal(2 + n % 5) * factor,
                "assets_bonds": base * 10 * factor,
                "assets_equities": base * 8 * factor,
                "assets_real_estate": base * 60,
                "assets_alternatives": base * 2,
                "liabilities": base * 25,
            },
        )


def _proposal(client, advisor, title: str, level: str, total: Decimal, goals) -> Proposal:
    existing = Proposal.objects.filter(client=client, title=title).first()
    if existing:
        return existing
    return services.proposal_create(
        client=client,
        actor=advisor,
        title=title,
        lines=_lines_for(level, total),
        goals=goals,
        liquidity_need_amount=Decimal("50000"),
        liquidity_need_days=30,
        annual_contribution=Decimal("60000"),
    )


def _advance(proposal: Proposal, target: str, actors: dict) -> Proposal:
    if proposal.status != ProposalStatus.DRAFT or not proposal.checks_ok:
        return proposal
    for action in STEPS[: REACHED.get(target, 0)]:
        proposal = services.proposal_transition(
            proposal=proposal, action=action, actor=actors[action], reason="Demo workflow"
        )
    return proposal


def seed(ctx: dict) -> None:
    from risk.selectors import client_risk_profile

    today = ctx["today"]
    users = ctx["users"]
    admin = users.get(Role.ADMINISTRATOR)
    services.model_portfolios_install_defaults(actor=admin)
    clients = list(ctx.get("clients") or [])
    if not clients:
        return
    reviewer, compliance = users[Role.RISK_REVIEWER], users[Role.COMPLIANCE]

    usable = []
    for n, client in enumerate(clients[:8]):
        _snapshot(client, client.advisor, today, n)
        profile = client_risk_profile(client=client)
        if (
            profile
            and not profile.is_expired
            and not profile.needs_reassessment
            and profile.level in ("C3", "C4", "C5")
        ):
            usable.append((client, profile.level))

    demo = ctx.get("demo_client") or clients[0]
    demo_level = next((lvl for c, lvl in usable if c.pk == demo.pk), None)
    # The demo client: one issued awaiting decision, one accepted (with reviews), one declined.
    plan = []
    if demo_level:
        plan += [
            (demo, demo_level, in_client_language(PROPOSAL_TITLES["core"], demo), "accepted"),
            (demo, demo_level, in_client_language(PROPOSAL_TITLES["education"], demo), "accepted"),
            (demo, demo_level, in_client_language(PROPOSAL_TITLES["pension"], demo), "declined"),
            (demo, demo_level, in_client_language(PROPOSAL_TITLES["top_up"], demo), ProposalStatus.ISSUED),
        ]
    others = [(c, lvl) for c, lvl in usable if c.pk != demo.pk]
    states = [
        ProposalStatus.SUBMITTED,
        ProposalStatus.RISK_APPROVED,
        ProposalStatus.COMPLIANCE_APPROVED,
        ProposalStatus.DRAFT,
        "returned",
        ProposalStatus.WITHDRAWN,
        "accepted_other",
    ]
    for i, state in enumerate(states):
        if not others:
            break
        client, level = others[i % len(others)]
        plan.append(
            (client, level, in_client_language(PROPOSAL_TITLES["wealth"], client).format(n=i + 1), state)
        )

    accepted: list[Proposal] = []
    for client, level, title, state in plan:
        goals = _goals(client, client.advisor, today)
        total = Decimal("1000000") if client.pk == demo.pk else Decimal(600000 + 150000 * (client.pk % 5))
        proposal = _proposal(client, client.advisor, title, level, total, goals)
        actors = {
            "submit": client.advisor,
            "risk_approve": reviewer,
            "compliance_approve": compliance,
            "issue": client.advisor,
        }
        if proposal.status != ProposalStatus.DRAFT:
            if proposal.status == ProposalStatus.ACCEPTED:
                accepted.append(proposal)
            continue
        if state in ("accepted", "declined", "accepted_other"):
            proposal = _advance(proposal, ProposalStatus.ISSUED, actors)
            if proposal.status == ProposalStatus.ISSUED and client.user_id:
                proposal = services.proposal_transition(
                    proposal=proposal,
                    action="decline" if state == "declined" else "accept",
                    actor=client.user,
                    reason="Demo decision",
                    disclosure_acknowledged=True,
                )
                if proposal.status == ProposalStatus.ACCEPTED:
                    accepted.append(proposal)
        elif state == "returned":
            proposal = _advance(proposal, ProposalStatus.SUBMITTED, actors)
            if proposal.status == ProposalStatus.SUBMITTED:
                services.proposal_transition(
                    proposal=proposal,
                    action="reject",
                    actor=reviewer,
                    reason="Please document the client's liquidity need for the planned home purchase.",
                )
        elif state == ProposalStatus.WITHDRAWN:
            services.proposal_transition(
                proposal=proposal,
                action="withdraw",
                actor=client.advisor,
                reason="Client postponed the decision.",
            )
        else:
            _advance(proposal, state, actors)

    # Reviews: a completed one with drift, an overdue one, and one due next week.
    reviews = [(0, 1, -100, True), (0, 2, -10, False), (1, 1, 7, False)]
    for index, sequence, days, done in reviews:
        if index >= len(accepted):
            continue
        proposal = accepted[index]
        if Review.objects.filter(proposal=proposal, sequence=sequence).exists():
            continue
        review = audited_save(
            Review(
                client=proposal.client,
                proposal=proposal,
                sequence=sequence,
                level=proposal.risk_level or "C3",
                due_date=today + datetime.timedelta(days=days),
            ),
            actor=None,
            reason="Demo review",
        )
        if done:
            _demo_holdings(proposal, today)
            values = services.review_current_values_default(review=review)
            services.review_record(
                review=review,
                actor=proposal.client.advisor,
                current_values=values,
                outcome="权益类资产上涨约三成，组合已偏离目标配置，建议与客户沟通再平衡。",
            )

    # A few PDFs, rendered now so the demo has them without a worker.
    from advisory.models import ArchivedDocument

    if not ArchivedDocument.objects.filter(kind__startswith="planning.").exists():
        issued = Proposal.objects.filter(status=ProposalStatus.ISSUED).order_by("id").first()
        jobs = []
        if issued:
            jobs += [(issued, services.DOC_PROPOSAL), (issued, services.DOC_ALLOCATION)]
        if accepted:
            jobs += [(accepted[0], services.DOC_FINANCIAL), (accepted[0], services.DOC_RISK)]
        for proposal, kind in jobs:
            services.proposal_document_request(
                proposal=proposal, kind=kind, actor=proposal.advisor, render_now=True
            )
    # Issue 14: a retirement on an issued or accepted plan's client flags the profile; the nightly re-check
    # raises a profile warning on that plan.
    other = (
        Proposal.objects.filter(status__in=[ProposalStatus.ISSUED, ProposalStatus.ACCEPTED])
        .exclude(client=demo)
        .select_related("client", "client__advisor")
        .order_by("pk")
        .first()
    )
    if other is not None:
        from risk.models import LifeEvent
        from risk.services import life_event_record

        if not LifeEvent.objects.filter(client=other.client, kind="retirement").exists():
            life_event_record(
                client=other.client,
                actor=other.client.advisor,
                kind="retirement",
                occurred_on=today - datetime.timedelta(days=3),
                note="客户已办理退休，收入来源转为养老金，投资期限缩短。",
            )
    services.proposal_monitor_sweep()


def _demo_holdings(proposal: Proposal, today: datetime.date) -> None:
    """Custodian statement for an accepted plan: equities rallied about 30 % since acceptance."""
    from .models import Holding

    if Holding.objects.filter(plan=proposal).exists():
        return
    alloc: dict[str, Decimal] = {}
    for line in proposal.lines.select_related("product"):
        alloc[line.product.asset_class] = alloc.get(line.product.asset_class, Decimal("0")) + line.amount
    as_of = today - datetime.timedelta(days=1)
    rows = ["as_of,product_code,asset_class,market_value,currency"]
    for code, amount in alloc.items():
        value = amount * (Decimal("1.3") if code == "equities" else Decimal("1.01"))
        rows.append(f"{as_of.isoformat()},,{code},{value.quantize(Decimal('0.01'))},{proposal.currency}")
    services.holdings_import(
        plan=proposal, actor=proposal.client.advisor, content="\n".join(rows) + "\n", dry_run=False
    )
