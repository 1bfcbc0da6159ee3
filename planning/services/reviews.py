"""Periodic reviews (SPEC §3): scheduled by the sweep, drift measured, outcomes recorded."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from advisory.clock import now, today
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.models import User
from advisory.money import to_money
from advisory.rules import can
from audit.models import AuditAction
from audit.services import audit_log

from .. import conf, scheduling
from ..models import ASSET_CLASSES, Proposal, ProposalStatus, Review, ReviewStatus
from .common import ZERO, _class_label, _q4
from .model_portfolios import model_portfolio_current
from .warning_kinds import warnings_sync

# Log under the name the package always used, so logging configuration is unchanged.
logger = logging.getLogger("planning.services")


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
