"""The checks run on a proposal (SPEC §3): KYC, suitability, concentration, stress, projection."""

from __future__ import annotations

import datetime
import math
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from advisory.clock import now, today
from advisory.money import format_money, to_money

from .. import conf, projection
from ..models import ASSET_CLASSES, Goal, ModelPortfolio, ModelPortfolioStatus, Proposal, ProposalLine
from .common import ZERO, _class_label, _q4
from .model_portfolios import model_portfolio_current


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
