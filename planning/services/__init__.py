"""Every change of state in planning (SPEC §3): snapshots and goals, model portfolio versions,
proposals with their checks and their workflow, documents, and periodic reviews."""

from __future__ import annotations

import datetime
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advisory.clock import now, today
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_delete, audited_save
from advisory.models import User
from advisory.money import format_money, to_money
from advisory.notifications import notify
from advisory.numbering import next_number
from advisory.roles import Role
from advisory.rules import can
from audit.models import AuditAction
from audit.services import audit_log

from .. import conf, projection, scheduling
from ..models import (
    ASSET_CLASS_CHOICES,
    ASSET_CLASSES,
    FinancialSnapshot,
    Goal,
    ModelPortfolio,
    ModelPortfolioStatus,
    ModelPortfolioWeight,
    Proposal,
    ProposalLine,
    ProposalStatus,
    Review,
    ReviewStatus,
)

logger = logging.getLogger(__name__)

ZERO = Decimal("0")
PCT = Decimal("0.0001")


def _q4(value: Decimal) -> Decimal:
    return value.quantize(PCT, rounding=ROUND_HALF_UP)


def _class_label(code: str) -> str:
    return str(dict(ASSET_CLASS_CHOICES).get(code, code))


# --- financial snapshot -----------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotFigures:
    total_assets: Decimal
    liquid_assets: Decimal
    net_worth: Decimal
    monthly_savings: Decimal
    savings_rate: Decimal | None  # fraction of income
    debt_to_asset: Decimal | None  # fraction
    reserve_months: Decimal | None
    remarks: list[str]


def snapshot_figures(*, snapshot: FinancialSnapshot) -> SnapshotFigures:
    """SPEC §3 derived figures, all in one place: net worth, savings rate, debt-to-asset ratio and
    months of emergency reserve (cash and deposits ÷ monthly expenses), with plain-language remarks."""
    assets = snapshot.assets_by_class()
    total = sum(assets.values(), ZERO)
    liquid = assets["cash"]
    income, expenses = snapshot.monthly_income, snapshot.monthly_expenses
    savings = income - expenses
    savings_rate = _q4(savings / income) if income > 0 else None
    debt_ratio = _q4(snapshot.liabilities / total) if total > 0 else None
    reserve = (liquid / expenses).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if expenses > 0 else None
    remarks: list[str] = []
    minimum = conf.get("RESERVE_MONTHS_MIN")
    if reserve is not None and reserve < minimum:
        remarks.append(_("Emergency reserve below %(n)s months of expenses.") % {"n": minimum})
    if income > 0 and savings < 0:
        remarks.append(_("Expenses exceed income: the client is drawing down savings."))
    elif savings_rate is not None and savings_rate < Decimal("0.10"):
        remarks.append(_("Savings rate below 10% of income."))
    if debt_ratio is not None and debt_ratio > Decimal("0.50"):
        remarks.append(_("Debts exceed half of total assets."))
    if total > 0 and snapshot.liabilities > total:
        remarks.append(_("Net worth is negative."))
    if not remarks:
        remarks.append(_("No concerns in this snapshot."))
    return SnapshotFigures(
        total_assets=total,
        liquid_assets=liquid,
        net_worth=total - snapshot.liabilities,
        monthly_savings=savings,
        savings_rate=savings_rate,
        debt_to_asset=debt_ratio,
        reserve_months=reserve,
        remarks=remarks,
    )


def _require_plan_editor(actor: User, client) -> None:
    if not can(actor, "planning.change_plan", client):
        raise NotAllowed(_("Only the client's responsible advisor may change the client's plan."))


SNAPSHOT_FIELDS = [
    "as_of",
    "currency",
    "monthly_income",
    "monthly_expenses",
    "assets_cash",
    "assets_bonds",
    "assets_equities",
    "assets_real_estate",
    "assets_alternatives",
    "liabilities",
    "notes",
]


def snapshot_create(*, client, actor: User, data: dict[str, Any]) -> FinancialSnapshot:
    """A new dated snapshot; earlier snapshots stay as they were (history)."""
    _require_plan_editor(actor, client)
    values = {k: v for k, v in data.items() if k in SNAPSHOT_FIELDS and v is not None}
    for key, value in values.items():
        if key.startswith(("monthly_", "assets_", "liabilities")) and Decimal(value) < 0:
            raise DomainError(_("Amounts cannot be negative."), field=key)
    values.setdefault("as_of", today())
    snapshot = FinancialSnapshot(client=client, created_by=actor, **values)
    with transaction.atomic():
        audited_save(snapshot, actor=actor, reason="Financial snapshot recorded")
    return snapshot


GOAL_HORIZON_YEARS = 100


def _check_goal_date(goal: Goal, target_date: datetime.date | None) -> None:
    """A goal is in the future and within a lifetime: a new or moved target date before today or
    more than GOAL_HORIZON_YEARS ahead is a typing error (e.g. 1900), not a plan."""
    if target_date is None or (goal.pk is not None and target_date == goal.target_date):
        return
    current = today()
    if target_date < current:
        raise DomainError(_("The target date cannot be in the past."), field="target_date")
    if target_date.year > current.year + GOAL_HORIZON_YEARS:
        raise DomainError(
            _("The target date must be within %(years)d years.") % {"years": GOAL_HORIZON_YEARS},
            field="target_date",
        )


GOAL_FIELDS = ["kind", "name", "target_amount", "target_date", "priority", "current_funding", "is_active"]


def goal_save(*, client, actor: User, data: dict[str, Any], goal: Goal | None = None) -> Goal:
    _require_plan_editor(actor, client)
    goal = goal or Goal(client=client)
    _check_goal_date(goal, data.get("target_date"))
    for key, value in data.items():
        if key in GOAL_FIELDS:
            setattr(goal, key, value)
    if goal.target_amount is None or goal.target_amount <= 0:
        raise DomainError(_("The target amount must be more than zero."), field="target_amount")
    if goal.current_funding is not None and goal.current_funding < 0:
        raise DomainError(_("Current funding cannot be negative."), field="current_funding")
    with transaction.atomic():
        audited_save(goal, actor=actor, reason="Goal created" if goal.pk is None else "Goal changed")
    return goal


# --- model portfolios -------------------------------------------------------------------------


def model_portfolio_current(*, level: str) -> ModelPortfolio | None:
    return (
        ModelPortfolio.objects.filter(level=level, status=ModelPortfolioStatus.PUBLISHED)
        .prefetch_related("weights")
        .first()
    )


def model_portfolio_create(
    *, level: str, name: str, weights: dict[str, tuple], actor: User | None, publish: bool = False
) -> ModelPortfolio:
    """A new version for `level`. `weights` maps asset class → (weight, expected return, volatility)."""
    total = sum((Decimal(str(w[0])) for w in weights.values()), ZERO)
    if total != Decimal("1"):
        raise DomainError(_("Target weights must add up to 100% (they add up to %(t)s).") % {"t": total})
    with transaction.atomic():
        latest = ModelPortfolio.objects.filter(level=level).aggregate(v=Max("version"))["v"] or 0
        portfolio = ModelPortfolio(level=level, version=latest + 1, name=name)
        audited_save(portfolio, actor=actor, reason="Model portfolio version created")
        for code, (weight, ret, vol) in weights.items():
            audited_save(
                ModelPortfolioWeight(
                    portfolio=portfolio,
                    asset_class=code,
                    target_weight=Decimal(str(weight)),
                    expected_return=Decimal(str(ret)),
                    volatility=Decimal(str(vol)),
                ),
                actor=actor,
                reason="Model portfolio weight",
            )
        if publish:
            model_portfolio_publish(portfolio=portfolio, actor=actor)
    return portfolio


def model_portfolios_install_defaults(*, actor: User | None = None) -> list[ModelPortfolio]:
    """Publish the shipped model portfolio for every level that has none published yet."""
    made = []
    for level, weights in conf.DEFAULT_WEIGHTS.items():
        if ModelPortfolio.objects.filter(level=level, status=ModelPortfolioStatus.PUBLISHED).exists():
            continue
        spec = {c: (w, *conf.ASSUMPTIONS[c]) for c, w in weights.items()}
        made.append(
            model_portfolio_create(
                level=level, name=conf.DEFAULT_NAMES[level], weights=spec, actor=actor, publish=True
            )
        )
    return made


def model_portfolio_publish(*, portfolio: ModelPortfolio, actor: User | None) -> ModelPortfolio:
    """Publish a draft version; the previously published version of the level is retired.
    Published versions are frozen (like questionnaire versions, SPEC §2)."""
    if portfolio.status != ModelPortfolioStatus.DRAFT:
        raise Conflict(_("Only a draft version can be published."))
    total = sum((w.target_weight for w in portfolio.weights.all()), ZERO)
    if total != Decimal("1"):
        raise DomainError(_("Target weights must add up to 100% (they add up to %(t)s).") % {"t": total})
    with transaction.atomic():
        for old in ModelPortfolio.objects.select_for_update().filter(
            level=portfolio.level, status=ModelPortfolioStatus.PUBLISHED
        ):
            old.status = ModelPortfolioStatus.RETIRED
            audited_save(old, actor=actor, reason=f"Retired by version {portfolio.version}")
        portfolio.status = ModelPortfolioStatus.PUBLISHED
        portfolio.published_at = now()
        audited_save(portfolio, actor=actor, reason="Model portfolio published")
        # Issue 14: proposals built on the level's model portfolio are re-checked.
        level = portfolio.level
        transaction.on_commit(lambda: _recheck_level(level))
    return portfolio


def _recheck_level(level: str) -> None:
    from .monitoring import proposals_recheck_for

    try:
        proposals_recheck_for(level=level)
    except Exception:  # the publication is committed; the nightly sweep catches up
        logger.exception("planning: re-check after model portfolio %s failed", level)


def model_portfolio_new_version(*, portfolio: ModelPortfolio, actor: User | None) -> ModelPortfolio:
    """Editing a frozen version: copy it into a new draft version."""
    weights = {
        w.asset_class: (w.target_weight, w.expected_return, w.volatility) for w in portfolio.weights.all()
    }
    return model_portfolio_create(level=portfolio.level, name=portfolio.name, weights=weights, actor=actor)


def model_portfolio_guard_edit(*, portfolio: ModelPortfolio) -> None:
    if portfolio.pk and portfolio.is_frozen:
        raise Conflict(_("A published model portfolio is frozen. Create a new version to change it."))


# --- proposals: checks ------------------------------------------------------------------------


def _risk_profile(client, on: datetime.date | None = None):
    from risk.selectors import client_risk_profile

    return client_risk_profile(client=client, on=on)


def _suitability(client, product, on: datetime.date | None = None):
    from risk.services import suitability_check

    return suitability_check(client=client, product=product, on=on)


def _kyc_check(client) -> None:
    """Know your client (issue 15): an expired identity document or a confirmed watch-list
    match blocks new proposals. The rule lives in clients.kyc."""
    from clients.kyc import relationship_check

    relationship_check(client=client)


def _approved_exception(client, product, *, on=None, amount=None, proposal_number="", level=None):
    from risk.selectors import approved_exception

    return approved_exception(
        client=client,
        product=product,
        on=on,
        amount=amount,
        proposal_number=proposal_number,
        client_level=level,
    )


def _status(ok: bool) -> str:
    return "pass" if ok else "fail"


def _stress(class_amounts: dict[str, Decimal], total: Decimal) -> list[dict]:
    durations = conf.get("DURATIONS")
    rows = []
    for scenario in conf.get("STRESS_SCENARIOS"):
        shocks = scenario.get("shocks", {})
        rate = Decimal(str(scenario.get("rate_bp", 0))) / Decimal("10000")
        loss = ZERO
        for code, amount in class_amounts.items():
            change = Decimal(str(shocks.get(code, 0))) - Decimal(str(durations.get(code, 0))) * rate
            loss -= amount * change
        loss = to_money(loss)
        rows.append(
            {
                "code": scenario["code"],
                "name": scenario["name"],
                "loss": str(loss),
                "loss_pct": str(_q4(loss / total)) if total else "0",
            }
        )
    return rows


def _projection_goals(goals: list[Goal], on: datetime.date) -> list[projection.GoalTarget]:
    """Goals in payment order: by date, then priority. Each needs its target less current funding."""
    targets = []
    for goal in sorted(goals, key=lambda g: (g.target_date, g.priority, g.pk)):
        years = max(1, math.ceil((goal.target_date - on).days / 365.25))
        needed = max(goal.target_amount - goal.current_funding, ZERO)
        targets.append(projection.GoalTarget(key=str(goal.pk), years=years, needed=float(needed)))
    return targets


def proposal_run_checks(
    *, proposal: Proposal, lines: list[ProposalLine] | None = None, on: datetime.date | None = None
) -> dict:
    """SPEC §3: every check of a proposal in one structured result — suitability (through
    risk.services.suitability_check; an approved SuitabilityException turns a failure into an
    acknowledged exception), single-product concentration, deviation from the model portfolio per
    asset class, liquidity against the stated need, stress scenarios, and the Monte Carlo projection.
    `ok` is False while any check fails without an approved exception."""
    on = on or today()
    client = proposal.client
    if lines is None:
        lines = list(proposal.lines.select_related("product").order_by("position", "id"))
    total = sum((line.amount for line in lines), ZERO)
    profile = _risk_profile(client, on)
    level = profile.level if profile else ""
    summary: list[dict] = []

    if profile is None:
        summary.append(
            {"check": "profile", "status": "fail", "message": _("The client has no confirmed risk profile.")}
        )
    elif profile.is_expired:
        summary.append(
            {
                "check": "profile",
                "status": "fail",
                "message": _("The client's risk profile expired on %(d)s: a new assessment is needed.")
                % {"d": profile.valid_until},
            }
        )
    elif profile.needs_reassessment:
        summary.append(
            {
                "check": "profile",
                "status": "fail",
                "message": _("The risk profile needs re-assessment (%(r)s): re-assess the client first.")
                % {"r": profile.reassessment_reason or _("significant change")},
            }
        )
    else:
        summary.append(
            {
                "check": "profile",
                "status": "pass",
                "message": _("Risk profile %(l)s valid until %(d)s.")
                % {"l": level, "d": profile.valid_until},
            }
        )

    if not lines or total <= 0:
        summary.append({"check": "lines", "status": "fail", "message": _("Add at least one product line.")})

    # Per line: suitability and concentration.
    limit = Decimal(str(conf.get("CONCENTRATION_LIMIT")))
    line_rows = []
    by_product: dict[int, Decimal] = {}
    for line in lines:
        by_product[line.product_id] = by_product.get(line.product_id, ZERO) + line.amount
    suit_fail = suit_exc = conc_fail = 0
    # risk.services.suitability_check decides from the client's profile and the product's rating
    # (SPEC §2), so it is asked once per distinct rating in the proposal, not once per line.
    verdicts: dict[str, Any] = {}
    for line in lines:
        product = line.product
        if profile is None:
            suit = {"status": "fail", "reason": _("No risk profile to check against.")}
        else:
            if product.risk_rating not in verdicts:
                verdicts[product.risk_rating] = _suitability(client, product, on)
            result = verdicts[product.risk_rating]
            if result.suitable:
                suit = {"status": "pass", "reason": str(result.reason or "")}
            elif (
                _approved_exception(
                    client,
                    product,
                    on=on,
                    amount=by_product[line.product_id],
                    proposal_number=proposal.number,
                    level=level,
                )
                is not None
            ):
                suit = {
                    "status": "exception",
                    "reason": _("Above the client's level; covered by an approved suitability exception."),
                }
            else:
                suit = {"status": "fail", "reason": str(result.reason or "")}
        if not product.rating_is_current(on):
            suit = {
                "status": "fail",
                "reason": _("The product's risk rating has no approved written assessment.")
                if product.rating_approved_at is None
                else _("The product's rating review was due on %(d)s: it cannot be offered until reviewed.")
                % {"d": product.rating_review_due},
            }
        weight = by_product[line.product_id] / total if total else ZERO
        conc_ok = weight <= limit
        suit_fail += suit["status"] == "fail"
        suit_exc += suit["status"] == "exception"
        conc_fail += not conc_ok
        line_rows.append(
            {
                "line_id": line.pk,
                "product_id": product.pk,
                "product": product.name,
                "code": product.code,
                "risk_rating": product.risk_rating,
                "asset_class": product.asset_class,
                "liquidity_days": product.liquidity_days,
                "amount": str(line.amount),
                "weight": str(_q4(weight)),
                "suitability": suit,
                "concentration": {
                    "status": _status(conc_ok),
                    "weight": str(_q4(weight)),
                    "limit": str(limit),
                },
            }
        )
    if lines:
        summary.append(
            {
                "check": "suitability",
                "status": "fail" if suit_fail else ("exception" if suit_exc else "pass"),
                "message": _(
                    "%(f)s product(s) above the client's level, %(e)s covered by approved exceptions."
                )
                % {"f": suit_fail + suit_exc, "e": suit_exc}
                if (suit_fail or suit_exc)
                else _("Every product is within the client's level."),
            }
        )
        summary.append(
            {
                "check": "concentration",
                "status": _status(conc_fail == 0),
                "message": _("%(n)s product(s) above %(l)s of the proposal.")
                % {"n": conc_fail, "l": f"{limit:.0%}"}
                if conc_fail
                else _("No single product above %(l)s.") % {"l": f"{limit:.0%}"},
            }
        )

    # Per asset class: deviation from the model portfolio.
    class_amounts = dict.fromkeys(ASSET_CLASSES, ZERO)
    for line in lines:
        class_amounts[line.product.asset_class] = (
            class_amounts.get(line.product.asset_class, ZERO) + line.amount
        )
    portfolio = model_portfolio_current(level=level) if level else None
    weights = {w.asset_class: w for w in portfolio.weights.all()} if portfolio else {}
    dev_limit = Decimal(str(conf.get("DEVIATION_LIMIT")))
    class_rows = []
    dev_fail = 0
    for code in ASSET_CLASSES:
        actual = class_amounts[code] / total if total else ZERO
        target = weights[code].target_weight if code in weights else ZERO
        deviation = actual - target
        ok = abs(deviation) <= dev_limit
        if portfolio is not None:
            dev_fail += not ok
        class_rows.append(
            {
                "asset_class": code,
                "label": _class_label(code),
                "amount": str(class_amounts[code]),
                "weight": str(_q4(actual)),
                "target": str(target),
                "deviation": str(_q4(deviation)),
                "status": _status(ok) if portfolio is not None else "na",
            }
        )
    if portfolio is None:
        summary.append(
            {
                "check": "deviation",
                "status": "fail",
                "message": _("No published model portfolio for level %(l)s.") % {"l": level or "—"},
            }
        )
    else:
        summary.append(
            {
                "check": "deviation",
                "status": _status(dev_fail == 0),
                "message": _("%(n)s asset class(es) deviate more than %(p)s points from model %(m)s.")
                % {"n": dev_fail, "p": f"{dev_limit * 100:.0f}", "m": portfolio}
                if dev_fail
                else _("Every asset class within %(p)s points of model %(m)s.")
                % {"p": f"{dev_limit * 100:.0f}", "m": portfolio},
            }
        )

    # Liquidity: money available within N days must cover the stated need.
    need, days = proposal.liquidity_need_amount or ZERO, proposal.liquidity_need_days
    available = sum((line.amount for line in lines if line.product.liquidity_days <= days), ZERO)
    liquidity_ok = available >= need
    liquidity = {
        "status": _status(liquidity_ok) if need > 0 else "na",
        "need": str(need),
        "days": days,
        "available": str(available),
    }
    summary.append(
        {
            "check": "liquidity",
            "status": liquidity["status"] if need > 0 else "pass",
            "message": _("%(a)s available within %(d)s days against a need of %(n)s.")
            % {
                "a": format_money(available, proposal.currency),
                "d": days,
                "n": format_money(need, proposal.currency),
            }
            if need > 0
            else _("No short-term liquidity need stated."),
        }
    )

    stress = _stress(class_amounts, total)
    worst = max(stress, key=lambda r: Decimal(r["loss"])) if stress else None
    if worst:
        summary.append(
            {
                "check": "stress",
                "status": "info",
                "message": _("Worst scenario: %(s)s, loss %(l)s (%(p)s).")
                % {
                    "s": worst["name"],
                    "l": format_money(Decimal(worst["loss"]), proposal.currency),
                    "p": f"{Decimal(worst['loss_pct']):.1%}",
                },
            }
        )

    # Projection (floats only inside projection.py).
    goals = list(proposal.goals.all()) if proposal.pk else []
    assumption_source = (
        portfolio or ModelPortfolio.objects.filter(status=ModelPortfolioStatus.PUBLISHED).first()
    )
    assumptions = {w.asset_class: w for w in assumption_source.weights.all()} if assumption_source else {}
    mix = {code: float(class_amounts[code] / total) if total else 0.0 for code in ASSET_CLASSES}
    mu, sigma = projection.portfolio_assumptions(
        mix,
        {c: float(w.expected_return) for c, w in assumptions.items()},
        {c: float(w.volatility) for c, w in assumptions.items()},
        float(conf.get("MC_CORRELATION")),
    )
    targets = _projection_goals(goals, on)
    years = min(max([t.years for t in targets] + [10]), int(conf.get("MC_MAX_YEARS")))
    seed = proposal.projection_seed if proposal.projection_seed is not None else int(conf.get("MC_SEED"))
    proj = projection.project(
        initial=float(total),
        contribution=float(proposal.annual_contribution or 0),
        mu=mu,
        sigma=sigma,
        years=years,
        paths=int(conf.get("MC_PATHS")),
        seed=seed,
        goals=targets,
    )
    proj["start_year"] = on.year
    proj["goals"] = [
        {
            "goal_id": g.pk,
            "name": g.name,
            "target_amount": str(g.target_amount),
            "target_date": g.target_date.isoformat(),
            "probability": proj["goal_probabilities"].get(str(g.pk)),
        }
        for g in goals
    ]

    ok = not any(row["status"] == "fail" for row in summary)
    return {
        "ok": ok,
        "computed_at": now().isoformat(),
        "on": on.isoformat(),
        "level": level,
        "model_portfolio": {"id": portfolio.pk, "label": str(portfolio)} if portfolio else None,
        "total": str(total),
        "currency": proposal.currency,
        "lines": line_rows,
        "classes": class_rows,
        "liquidity": liquidity,
        "stress": stress,
        "projection": proj,
        "summary": summary,
        "failures": [row for row in summary if row["status"] == "fail"],
    }


def _apply_checks(proposal: Proposal, lines: list[ProposalLine] | None = None) -> dict:
    result = proposal_run_checks(proposal=proposal, lines=lines)
    proposal.checks = result
    proposal.checks_ok = result["ok"]
    proposal.checked_at = now()
    proposal.total_amount = Decimal(result["total"])
    proposal.risk_level = result["level"]
    proposal.model_portfolio_id = result["model_portfolio"]["id"] if result["model_portfolio"] else None
    return result


# --- proposals: create and edit ---------------------------------------------------------------


PROPOSAL_FIELDS = ["title", "liquidity_need_amount", "liquidity_need_days", "annual_contribution", "currency"]


def _validate_lines(lines: Iterable[tuple[Any, Decimal]]) -> list[tuple[Any, Decimal]]:
    out = []
    on = today()
    for product, amount in lines:
        amount = Decimal(str(amount))
        if amount <= 0:
            raise DomainError(_("Each line needs an amount above zero."), field="lines")
        if not product.is_active:
            raise DomainError(_("%(p)s is not on sale.") % {"p": product}, field="lines")
        if not product.rating_is_current(on):
            raise DomainError(
                _(
                    "%(p)s cannot be offered: its risk rating needs an approved written assessment "
                    "with a current review (product governance)."
                )
                % {"p": product},
                field="lines",
            )
        out.append((product, to_money(amount)))
    return out


def _write_lines(proposal: Proposal, lines: list[tuple[Any, Decimal]], actor: User) -> list[ProposalLine]:
    """Make the proposal's lines equal `lines`, touching only rows that change: existing rows are
    updated in place by position (one bulk statement with history and audit entries), new ones
    bulk-created, surplus ones deleted (their history stays)."""
    from audit.bulk import bulk_create_audited, bulk_update_audited

    existing = list(proposal.lines.order_by("position", "id")) if proposal.pk else []
    changed, created, result = [], [], []
    for position, (product, amount) in enumerate(lines):
        if position < len(existing):
            line = existing[position]
            if (line.product_id, line.amount, line.position) != (product.pk, amount, position):
                line.product, line.amount, line.position = product, amount, position
                changed.append(line)
            line.product = product
        else:
            line = ProposalLine(proposal=proposal, product=product, amount=amount, position=position)
            created.append(line)
        result.append(line)
    for old in existing[len(lines) :]:
        audited_delete(old, actor=actor, reason="Proposal line removed")
    if changed:
        bulk_update_audited(
            changed, ["product", "amount", "position"], actor=actor, reason="Proposal line changed"
        )
    if created:
        made = bulk_create_audited(created, actor=actor, reason="Proposal line added")
        for line, row in zip(created, made, strict=True):
            line.pk = row.pk
    return result


def proposal_create(
    *,
    client,
    actor: User,
    title: str,
    lines: Iterable[tuple[Any, Decimal]] = (),
    goals: Iterable[Goal] | None = None,
    **fields: Any,
) -> Proposal:
    """A draft proposal by the client's advisor; the checks run on save (SPEC §3)."""
    if not (actor.is_advisor and client.advisor_id == actor.pk):
        raise NotAllowed(_("Only the client's responsible advisor may draft a proposal."))
    profile = _risk_profile(client)
    if profile is not None and profile.needs_reassessment:
        raise Conflict(
            _(
                "The client's risk profile needs re-assessment (%(r)s): new proposals are blocked until "
                "the client is re-assessed."
            )
            % {"r": profile.reassessment_reason or _("significant change")}
        )
    _kyc_check(client)
    clean_lines = _validate_lines(lines)
    with transaction.atomic():
        proposal = Proposal(client=client, advisor=actor, title=title)
        for key, value in fields.items():
            if key in PROPOSAL_FIELDS and value is not None:
                setattr(proposal, key, value)
        for _attempt in range(5):
            proposal.number = next_number(prefix="PRP", year=today().year)
            try:
                with transaction.atomic():
                    audited_save(proposal, actor=actor, reason="Proposal drafted")
                break
            except IntegrityError:
                proposal.pk = None
                continue
        if goals is not None:
            proposal.goals.set([g for g in goals if g.client_id == client.pk])
        written = _write_lines(proposal, clean_lines, actor)
        _apply_checks(proposal, _with_products(written))
        audited_save(proposal, actor=actor, reason="Checks run")
    return proposal


def _with_products(lines: list[ProposalLine]) -> list[ProposalLine]:
    return lines  # products are already attached (the objects the caller passed)


def proposal_update(
    *,
    proposal: Proposal,
    actor: User,
    lines: Iterable[tuple[Any, Decimal]] | None = None,
    goals: Iterable[Goal] | None = None,
    **fields: Any,
) -> Proposal:
    """Edit a draft (by its advisor); the checks run again on every save."""
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().select_related("client").get(pk=proposal.pk)
        if not can(actor, "planning.change_proposal", proposal):
            if proposal.status != ProposalStatus.DRAFT:
                raise Conflict(
                    _("Only a draft can be edited; this proposal is %(s)s.")
                    % {"s": proposal.get_status_display()}
                )
            raise NotAllowed(_("Only the proposal's advisor may edit it."))
        for key, value in fields.items():
            if key in PROPOSAL_FIELDS and value is not None:
                setattr(proposal, key, value)
        if goals is not None:
            proposal.goals.set([g for g in goals if g.client_id == proposal.client_id])
        written = None
        if lines is not None:
            written = _write_lines(proposal, _validate_lines(lines), actor)
        _apply_checks(proposal, written)
        audited_save(proposal, actor=actor, reason="Proposal edited; checks run")
    return proposal


def proposal_recheck(*, proposal: Proposal, actor: User | None) -> Proposal:
    with transaction.atomic():
        _apply_checks(proposal)
        audited_save(proposal, actor=actor, reason="Checks run again")
    return proposal


# --- proposals: workflow ----------------------------------------------------------------------


def _is_owner(p: Proposal, u: User) -> bool:
    return u.is_advisor and p.advisor_id == u.pk


def _is_client(p: Proposal, u: User) -> bool:
    return u.is_client and p.client.user_id == u.pk


def _reject_allowed(p: Proposal, u: User) -> bool:
    if p.status == ProposalStatus.SUBMITTED:
        return u.role == Role.RISK_REVIEWER
    return u.role == Role.COMPLIANCE


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    who: Callable[[Proposal, User], bool]
    who_text: str
    label: str
    needs_reason: bool = False
    four_eyes: bool = False


S = ProposalStatus
OPEN = frozenset({S.DRAFT, S.SUBMITTED, S.RISK_APPROVED, S.COMPLIANCE_APPROVED, S.ISSUED})

# SPEC §3 workflow: the one table of allowed transitions.
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            "submit",
            frozenset({S.DRAFT}),
            S.SUBMITTED,
            _is_owner,
            gettext_lazy("the proposal's advisor"),
            gettext_lazy("Submit for review"),
        ),
        Transition(
            "risk_approve",
            frozenset({S.SUBMITTED}),
            S.RISK_APPROVED,
            lambda p, u: u.role == Role.RISK_REVIEWER,
            gettext_lazy("a risk reviewer"),
            gettext_lazy("Approve (risk)"),
            four_eyes=True,
        ),
        Transition(
            "compliance_approve",
            frozenset({S.RISK_APPROVED}),
            S.COMPLIANCE_APPROVED,
            lambda p, u: u.role == Role.COMPLIANCE,
            gettext_lazy("a compliance officer"),
            gettext_lazy("Approve (compliance)"),
            four_eyes=True,
        ),
        Transition(
            "issue",
            frozenset({S.COMPLIANCE_APPROVED}),
            S.ISSUED,
            lambda p, u: _is_owner(p, u) or u.role == Role.COMPLIANCE,
            gettext_lazy("the proposal's advisor or compliance"),
            gettext_lazy("Issue to client"),
        ),
        Transition(
            "accept",
            frozenset({S.ISSUED}),
            S.ACCEPTED,
            _is_client,
            gettext_lazy("the client"),
            gettext_lazy("Accept"),
        ),
        Transition(
            "decline",
            frozenset({S.ISSUED}),
            S.DECLINED,
            _is_client,
            gettext_lazy("the client"),
            gettext_lazy("Decline"),
        ),
        Transition(
            "reject",
            frozenset({S.SUBMITTED, S.RISK_APPROVED, S.COMPLIANCE_APPROVED}),
            S.DRAFT,
            _reject_allowed,
            gettext_lazy("the reviewer of the current step"),
            gettext_lazy("Return to advisor"),
            needs_reason=True,
            four_eyes=True,
        ),
        Transition(
            "withdraw",
            OPEN,
            S.WITHDRAWN,
            _is_owner,
            gettext_lazy("the proposal's advisor"),
            gettext_lazy("Withdraw"),
            needs_reason=True,
        ),
    ]
}


def allowed_actions(*, proposal: Proposal, user: User) -> list[Transition]:
    """Transitions this user could try now (the service still checks every guard)."""
    return [
        t
        for t in TRANSITIONS.values()
        if proposal.status in t.sources and t.who(proposal, user) and not _self_approval(t, proposal, user)
    ]


def _self_approval(t: Transition, proposal: Proposal, user: User) -> bool:
    if not t.four_eyes:
        return False
    return user.pk in {
        proposal.advisor_id,
        proposal.risk_approved_by_id if t.action != "risk_approve" else None,
    }


# Transitions a permission restriction can block (a failed appraisal, a suspension: advisory.staff).
RESTRICTED_TRANSITIONS = {
    "submit": "submit_proposal",
    "risk_approve": "approve_proposal",
    "compliance_approve": "approve_proposal",
}


def _refuse_if_restricted(action: str, actor: User) -> None:
    from advisory.staff.rules import restriction_refusal

    restricted = RESTRICTED_TRANSITIONS.get(action)
    refusal = restriction_refusal(actor, restricted) if restricted else None
    if refusal:
        raise NotAllowed(refusal)


def restriction_notices(*, proposal: Proposal, user: User) -> list[str]:
    """Why this user may not take the restricted actions open to them here (shown on the page)."""
    from advisory.staff.rules import restriction_refusal

    restricted = {
        RESTRICTED_TRANSITIONS[t.action]
        for t in allowed_actions(proposal=proposal, user=user)
        if t.action in RESTRICTED_TRANSITIONS
    }
    notices = [restriction_refusal(user, action) for action in sorted(restricted)]
    return list(dict.fromkeys(n for n in notices if n))


def _guard_submit(proposal: Proposal, actor: User) -> None:
    from advisory.staff import advisor_has_current_qualification

    if not advisor_has_current_qualification(actor):
        raise NotAllowed(
            _(
                "Only an advisor with a current qualification may submit a proposal (SPEC §3, §6). "
                "Record a current qualification first."
            )
        )
    _kyc_check(proposal.client)
    profile = _risk_profile(proposal.client)
    if profile is None:
        raise Conflict(_("The client has no confirmed risk profile: complete a risk assessment first."))
    if profile.is_expired:
        raise Conflict(
            _(
                "The client's risk profile expired on %(d)s: an expired profile blocks new proposals. "
                "Complete a new assessment first."
            )
            % {"d": profile.valid_until}
        )
    if profile.needs_reassessment:
        raise Conflict(
            _("The client's risk profile needs re-assessment (%(r)s): complete a new assessment first.")
            % {"r": profile.reassessment_reason or _("significant change")}
        )
    result = _apply_checks(proposal)
    if not result["ok"]:
        failing = "; ".join(row["message"] for row in result["failures"])
        raise Conflict(_("The proposal cannot be submitted while a check fails: %(f)s") % {"f": failing})


def _guard_still_suitable(proposal: Proposal, *, refusal: str) -> None:
    """Issue 14: the suitability rules are checked again at issue and at client acceptance — an
    expired or flagged profile, a lapsed exception, a re-rated product or a lapsed rating review
    blocks the step with the reason. The findings are stored as the proposal's latest re-check."""
    from .monitoring import finding_text, proposal_findings

    findings = proposal_findings(proposal=proposal)
    proposal.monitor, proposal.monitored_at = findings, now()
    problems = [f for kind in ("profile", "suitability", "concentration") for f in findings.get(kind, [])]
    if problems:
        raise Conflict(refusal % {"why": "; ".join(finding_text(f) for f in problems)})


def proposal_transition(
    *,
    proposal: Proposal,
    action: str,
    actor: User,
    reason: str = "",
    disclosure_acknowledged: bool = False,
) -> Proposal:
    """The one function that changes a proposal's status (SPEC §3 workflow). Checks the table, the
    actor's role, the four-eyes rule, the reason where one is required, and the action's guard;
    writes history, an audit TRANSITION entry with who and why, and notifies the next people."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise DomainError(_("Unknown action %(a)s.") % {"a": action})
    reason = (reason or "").strip()
    with transaction.atomic():
        proposal = (
            Proposal.objects.select_for_update().select_related("client", "advisor").get(pk=proposal.pk)
        )
        old = proposal.status
        if old not in transition.sources:
            raise Conflict(
                _("A %(s)s proposal cannot be %(a)s.")
                % {"s": proposal.get_status_display(), "a": transition.label.lower()}
            )
        if not transition.who(proposal, actor):
            raise NotAllowed(_("Only %(w)s may do this.") % {"w": transition.who_text})
        if _self_approval(transition, proposal, actor):
            raise NotAllowed(_("No one approves their own proposal: another person must review it."))
        _refuse_if_restricted(action, actor)
        if transition.needs_reason and not reason:
            raise DomainError(_("Give a reason."), field="reason")
        stamp = now()
        if action == "submit":
            _guard_submit(proposal, actor)
            proposal.submitted_at = stamp
            proposal.rejection_reason = ""
        elif action == "risk_approve":
            proposal.risk_approved_by, proposal.risk_approved_at = actor, stamp
        elif action == "compliance_approve":
            proposal.compliance_approved_by, proposal.compliance_approved_at = actor, stamp
        elif action == "issue":
            _guard_still_suitable(proposal, refusal=_("The proposal cannot be issued: %(why)s"))
            proposal.issued_at = stamp
        elif action in ("accept", "decline"):
            if action == "accept" and not disclosure_acknowledged:
                raise DomainError(
                    _("Please confirm that you have read and understood the risk disclosure."),
                    field="disclosure_acknowledged",
                )
            if action == "accept":
                _guard_still_suitable(proposal, refusal=_("The proposal cannot be accepted: %(why)s"))
            proposal.decided_at = proposal.closed_at = stamp
            if disclosure_acknowledged:
                proposal.disclosure_acknowledged_at = stamp
        elif action == "reject":
            proposal.rejection_reason = reason
            proposal.submitted_at = None
            proposal.risk_approved_by = proposal.risk_approved_at = None
            proposal.compliance_approved_by = proposal.compliance_approved_at = None
        elif action == "withdraw":
            proposal.closed_at = stamp
        proposal.status = transition.target
        with translation.override("en"):  # the audit trail keeps the words it always kept
            label = str(transition.label)
        why = reason or label
        audited_save(proposal, actor=actor, reason=f"{label}: {why}")
        audit_log(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=proposal,
            reason=why,
            changes={"status": [old, proposal.status], "action": action}
            | (
                {"disclosure_acknowledged_at": stamp.isoformat()}
                if proposal.disclosure_acknowledged_at == stamp
                else {}
            ),
        )
        _notify_transition(proposal, action, actor, reason)
    return proposal


def _notify_transition(proposal: Proposal, action: str, actor: User, reason: str) -> None:
    url = reverse("planning:proposal_detail", args=[proposal.pk])
    label = f"{proposal.number} ({proposal.client.name})"
    if action == "submit":
        people = User.objects.filter(role=Role.RISK_REVIEWER, is_active=True)
        subject = _("Proposal %(p)s awaits risk review") % {"p": label}
    elif action == "risk_approve":
        people = User.objects.filter(role=Role.COMPLIANCE, is_active=True)
        subject = _("Proposal %(p)s awaits compliance approval") % {"p": label}
    elif action == "issue":
        people = [proposal.client.user] if proposal.client.user_id else []
        url = reverse("planning_portal:proposal_detail", args=[proposal.pk])
        subject = _("A new proposal is ready for your decision")
    elif action == "withdraw" and proposal.issued_at and proposal.client.user_id:
        people = [proposal.client.user]
        url = ""
        subject = _("Proposal %(p)s was withdrawn") % {"p": proposal.number}
    else:
        people = [proposal.advisor] if proposal.advisor_id != actor.pk else []
        subject = _("Proposal %(p)s: %(s)s") % {"p": label, "s": proposal.get_status_display()}
    notify(recipients=list(people), kind=f"planning.proposal.{action}", subject=subject, body=reason, url=url)


# --- documents --------------------------------------------------------------------------------

DOC_FINANCIAL = "planning.financial_report"
DOC_PROPOSAL = "planning.investment_proposal"
DOC_ALLOCATION = "planning.allocation_plan"
DOC_RISK = "planning.risk_assessment_report"
DOCUMENT_KINDS = {
    DOC_FINANCIAL: gettext_lazy("Financial report"),
    DOC_PROPOSAL: gettext_lazy("Investment proposal"),
    DOC_ALLOCATION: gettext_lazy("Asset-allocation plan"),
    DOC_RISK: gettext_lazy("Risk-assessment report"),
}


def proposal_document_request(
    *,
    proposal: Proposal,
    kind: str,
    actor: User | None,
    render_now: bool = False,
    language: str | None = None,
):
    """Queue one of the four reports (SPEC §3 deliverables) for a proposal; rendered by Celery."""
    from advisory.documents import document_request

    if kind not in DOCUMENT_KINDS:
        raise DomainError(_("Unknown report kind."), field="kind")
    if actor is not None and not can(actor, "planning.view_proposal", proposal):
        raise NotAllowed(_("You may not request reports for this proposal."))
    title = f"{DOCUMENT_KINDS[kind]} {proposal.number} — {proposal.client.name}"
    return document_request(
        kind=kind,
        subject=proposal,
        title=title,
        actor=actor,
        client_id=proposal.client_id,
        language=language or "en",
        render_now=render_now,
    )


def document_download_log(*, document, actor: User) -> None:
    """SPEC §5: downloading a report is a recorded sensitive read."""
    audit_log(
        actor=actor,
        action=AuditAction.DOWNLOAD,
        obj=document,
        client_id=document.client_id,
        # The title names the client: it goes in the content (blanked at disposal), not the reason,
        # which is part of the chained metadata and is kept forever.
        reason=f"Downloaded {document.kind} v{document.version}",
        changes={"title": document.title, "sha256": document.sha256},
    )


# --- periodic reviews -------------------------------------------------------------------------


def review_schedule_sweep(*, on: datetime.date | None = None) -> dict[str, int]:
    """SPEC §3 periodic reviews: for every accepted plan, open the next review 14 days before it is
    due (cadence by level), and refresh the overdue warnings. Idempotent: the unique constraint on
    (plan, due date) admits each review once, even with two sweeps at the same time."""
    on = on or today()
    lead = datetime.timedelta(days=int(conf.get("REVIEW_LEAD_DAYS")))
    opened = 0
    plans = (
        Proposal.objects.filter(status=ProposalStatus.ACCEPTED)
        .annotate(last_seq=Max("reviews__sequence"))
        .only("id", "client_id", "risk_level", "decided_at")
        .order_by("pk")
    )
    for plan in plans:
        anchor = _local_date(plan.decided_at) if plan.decided_at else on
        level = plan.risk_level or "C3"
        seq = (plan.last_seq or 0) + 1
        due = scheduling.review_due_date(anchor=anchor, level=level, sequence=seq)
        if due - lead > on:
            continue
        review = Review(
            client_id=plan.client_id, proposal_id=plan.pk, sequence=seq, level=level, due_date=due
        )
        try:
            with transaction.atomic():
                audited_save(review, actor=None, reason="Review opened by the scheduler")
            opened += 1
        except IntegrityError:  # another sweep opened it
            continue
    warnings = warnings_sync()
    counts = {"plans": len(plans), "opened": opened, **{f"warn_{k}": v for k, v in warnings.items()}}
    logger.info("review schedule sweep: %s", counts)
    return counts


def _local_date(dt: datetime.datetime) -> datetime.date:
    from django.utils import timezone

    return timezone.localdate(dt)


def review_drift(*, review: Review, current_values: dict[str, Decimal]) -> tuple[dict, Decimal, bool]:
    """Drift per asset class = current weight − the accepted plan's own weight for the class
    (issue 14: against what the client accepted; the model portfolio only when the plan has no
    lines)."""
    from .holdings import plan_allocation

    targets = plan_allocation(plan=review.proposal)
    if not any(targets.values()):
        portfolio = review.proposal.model_portfolio or model_portfolio_current(level=review.level)
        targets = {w.asset_class: w.target_weight for w in portfolio.weights.all()} if portfolio else {}
    total = sum(current_values.values(), ZERO)
    drift: dict[str, dict] = {}
    largest = ZERO
    for code in ASSET_CLASSES:
        value = current_values.get(code, ZERO)
        weight = value / total if total else ZERO
        target = targets.get(code, ZERO)
        d = _q4(weight - target)
        largest = max(largest, abs(d))
        drift[code] = {
            "label": _class_label(code),
            "value": str(value),
            "weight": str(_q4(weight)),
            "target": str(target),
            "drift": str(d),
            "rebalance_amount": str(to_money(target * total - value)),
        }
    return drift, largest, largest > Decimal(str(conf.get("DRIFT_LIMIT")))


def review_current_values_default(*, review: Review) -> dict[str, Decimal]:
    """Pre-fill: the plan's latest recorded holdings by asset class (entered or imported); the
    plan's allocation only when no holdings are recorded yet."""
    from .holdings import plan_latest_holdings

    _as_of, held = plan_latest_holdings(plan=review.proposal)
    if held:
        return held
    values = dict.fromkeys(ASSET_CLASSES, ZERO)
    for line in review.proposal.lines.select_related("product"):
        values[line.product.asset_class] += line.amount
    return values


def review_record(*, review: Review, actor: User, current_values: dict[str, Decimal], outcome: str) -> Review:
    """Record the review: drift vs target, whether rebalancing is proposed (> 5 points), outcome."""
    if not can(actor, "planning.record_review", review.client):
        raise NotAllowed(_("Only the client's advisor may record the review."))
    if not (outcome or "").strip():
        raise DomainError(_("Describe the outcome of the review."), field="outcome")
    if any(v < 0 for v in current_values.values()):
        raise DomainError(_("Values cannot be negative."), field="current_values")
    with transaction.atomic():
        review = Review.objects.select_for_update().select_related("proposal").get(pk=review.pk)
        if review.status == ReviewStatus.COMPLETED:
            raise Conflict(_("This review is already completed."))
        drift, largest, rebalance = review_drift(review=review, current_values=current_values)
        review.current_values = {k: str(v) for k, v in current_values.items()}
        review.drift = drift
        review.max_drift = largest
        review.rebalance_proposed = rebalance
        review.outcome = outcome.strip()
        review.status = ReviewStatus.COMPLETED
        review.completed_at = now()
        review.completed_by = actor
        audited_save(review, actor=actor, reason="Review completed")
        audit_log(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=review,
            reason=outcome.strip()[:500],
            changes={
                "status": ["open", "completed"],
                "rebalance_proposed": rebalance,
                "max_drift": str(largest),
            },
        )
    return review


def warnings_sync() -> dict[str, int]:
    """Sync planning's warning kinds. Kinds planning shares with risk (suitability, profile) are
    synced with risk's subjects merged in, so this never closes a warning risk raised."""
    from advisory.warnings import warning_sync
    from risk.warnings import active_warnings as risk_warnings

    from ..warnings import active_warnings

    mine = active_warnings()
    shared = {k: v for k, v in risk_warnings().items() if k in mine}
    counts = {}
    for kind, active in mine.items():
        merged = {**shared.get(kind, {}), **active}
        with transaction.atomic():
            counts[kind] = warning_sync(kind=kind, active=merged)["open"]
    return counts


# Sub-areas of planning's services, re-exported so callers keep `planning.services.X`.
from .holdings import *  # noqa: E402,F403
from .monitoring import *  # noqa: E402,F403
