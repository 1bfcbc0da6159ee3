"""Model portfolio versions (SPEC §3): created, published, versioned, defaults installed."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from advisory.clock import now
from advisory.errors import Conflict, DomainError
from advisory.history import audited_save
from advisory.models import User
from advisory.texts import text

from .. import conf
from ..models import ModelPortfolio, ModelPortfolioStatus, ModelPortfolioWeight
from .common import ZERO

# Log under the name the package always used, so logging configuration is unchanged.
logger = logging.getLogger("planning.services")


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
            audited_save(
                old, actor=actor, reason=text("audit.retired_by_version_version", version=portfolio.version)
            )
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
