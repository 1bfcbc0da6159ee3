"""THE suitability rule (SPEC §2): a client's risk level against a product's rating."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from advisory.clock import today

from ..models import Product, level_number


@dataclass(frozen=True)
class SuitabilityResult:
    suitable: bool
    reason: str
    exception_possible: bool
    client_level: str | None
    product_rating: str
    is_professional: bool = False
    profile_expired: bool = False


_UNSET: Any = object()


def suitability_check(
    *, client, product: Product, on: datetime.date | None = None, profile: Any = _UNSET
) -> SuitabilityResult:
    """SPEC §2 suitability rule (PRC investor-suitability): a product's rating R must not exceed
    the client's level C (C1→R1, C2→R1–R2, …, C5→R1–R5). The profile must exist and not be
    expired. Professional investors with recorded evidence may take R1–R5. A client-initiated
    exception is possible above the level, except for C1 clients and never without a valid profile.

    Checking many products for one client: pass `profile=client_risk_profile(client=c, on=on)`
    (None for "no profile") to skip the two profile queries per call.
    """
    from ..selectors import client_risk_profile

    on = on or today()
    rating = product.risk_rating
    if profile is _UNSET:
        profile = client_risk_profile(client=client, on=on)
    if profile is None:
        return SuitabilityResult(
            suitable=False,
            reason=_("No confirmed risk profile: the client must complete the risk questionnaire first."),
            exception_possible=False,
            client_level=None,
            product_rating=rating,
        )
    if profile.is_expired:
        return SuitabilityResult(
            suitable=False,
            reason=_(
                "The risk profile expired on %(date)s (valid 12 months): the client must be re-assessed "
                "before new proposals."
            )
            % {"date": profile.valid_until},
            exception_possible=False,
            client_level=profile.level,
            product_rating=rating,
            is_professional=profile.is_professional,
            profile_expired=True,
        )
    if profile.is_professional:
        return SuitabilityResult(
            suitable=True,
            reason=_("Professional investor with recorded evidence: products rated R1–R5 are allowed."),
            exception_possible=False,
            client_level=profile.level,
            product_rating=rating,
            is_professional=True,
        )
    c, r = level_number(profile.level), level_number(rating)
    if r <= c:
        return SuitabilityResult(
            suitable=True,
            reason=_("Suitable: product rating %(r)s does not exceed the client's level %(c)s (R ≤ C).")
            % {"r": rating, "c": profile.level},
            exception_possible=False,
            client_level=profile.level,
            product_rating=rating,
        )
    if c == 1:
        reason = _(
            "Not suitable: product rating %(r)s exceeds the client's level C1 (R ≤ C). C1 clients may only "
            "take R1 products and never get an exception."
        ) % {"r": rating}
        possible = False
    else:
        reason = _(
            "Not suitable: product rating %(r)s exceeds the client's level %(c)s (R ≤ C: %(c)s allows "
            "R1–R%(n)s). A client-initiated purchase needs a confirmed special risk warning and compliance "
            "sign-off."
        ) % {"r": rating, "c": profile.level, "n": c}
        possible = True
    return SuitabilityResult(
        suitable=False,
        reason=reason,
        exception_possible=possible,
        client_level=profile.level,
        product_rating=rating,
    )
