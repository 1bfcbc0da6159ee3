"""THE suitability rule (SPEC §2): a client's risk level against a product's rating."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from advisory.clock import today
from advisory.texts import Text, text

from ..models import Product, level_number


@dataclass(frozen=True)
class SuitabilityResult:
    suitable: bool
    reason: Text  # a text code (advisory.texts); str() reads it in the active language

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
            reason=text("suitability.no_profile"),
            exception_possible=False,
            client_level=None,
            product_rating=rating,
        )
    if profile.is_expired:
        return SuitabilityResult(
            suitable=False,
            reason=text("suitability.expired", date=profile.valid_until),
            exception_possible=False,
            client_level=profile.level,
            product_rating=rating,
            is_professional=profile.is_professional,
            profile_expired=True,
        )
    if profile.is_professional:
        return SuitabilityResult(
            suitable=True,
            reason=text("suitability.professional"),
            exception_possible=False,
            client_level=profile.level,
            product_rating=rating,
            is_professional=True,
        )
    c, r = level_number(profile.level), level_number(rating)
    if r <= c:
        return SuitabilityResult(
            suitable=True,
            reason=text("suitability.ok", r=rating, c=profile.level),
            exception_possible=False,
            client_level=profile.level,
            product_rating=rating,
        )
    if c == 1:
        reason = text("suitability.c1", r=rating)
        possible = False
    else:
        reason = text("suitability.above", r=rating, c=profile.level, n=c)
        possible = True
    return SuitabilityResult(
        suitable=False,
        reason=reason,
        exception_possible=possible,
        client_level=profile.level,
        product_rating=rating,
    )
