"""Risk-profiling and suitability values an administrator can change (issue 14). Each has the
seeds' default; a deployment overrides it in settings with the same name prefixed by RISK_
(e.g. RISK_PROFILE_VALIDITY_MONTHS = 12). `validate()` runs as a Django system check at start-up,
so a nonsense value stops the deploy instead of silently changing a rule; settings live in the
repository, so every change is in the version history (the trail)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # SPEC §2: an assessment is valid 12 months; client and advisor are reminded 30 days before.
    "PROFILE_VALIDITY_MONTHS": 12,
    "PROFILE_REMINDER_DAYS": 30,
    # SPEC §2: monthly income moving by this fraction (or more) prompts a re-assessment.
    "SIGNIFICANT_INCOME_CHANGE": Decimal("0.20"),
    # Contradictory answers: (role A, meanings A, role B, meanings B, message).
    "CONTRADICTION_RULES": [
        (
            "horizon",
            {"lt1y"},
            "objective",
            {"growth", "max_growth"},
            "Investment horizon under 1 year but the objective is (maximum) growth.",
        ),
        (
            "loss_tolerance",
            {"none"},
            "objective",
            {"max_growth"},
            "No loss is acceptable but the objective is maximum growth.",
        ),
        (
            "horizon",
            {"lt1y"},
            "loss_tolerance",
            {"high"},
            "Investment horizon under 1 year but large losses are accepted.",
        ),
    ],
    # Life events that flag the profile for re-assessment unless the recorder says otherwise.
    "SIGNIFICANT_LIFE_EVENTS": [
        "retirement",
        "marriage",
        "divorce",
        "bereavement",
        "inheritance",
        "job_loss",
        "horizon_change",
    ],
    # Product governance: ratings are reviewed on a schedule, with a warning before they lapse.
    "RATING_REVIEW_MONTHS": 12,
    "RATING_REVIEW_WARNING_DAYS": 30,
}


def get(name: str) -> Any:
    return getattr(settings, f"RISK_{name}", DEFAULTS[name])


def _int_between(name: str, lo: int, hi: int) -> str | None:
    value = get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        return f"RISK_{name} must be a whole number from {lo} to {hi} (it is {value!r})."
    return None


def validate() -> list[str]:
    """Every configured value within sensible bounds; returns the problems found."""
    problems = [
        _int_between("PROFILE_VALIDITY_MONTHS", 1, 36),
        _int_between("PROFILE_REMINDER_DAYS", 1, 180),
        _int_between("RATING_REVIEW_MONTHS", 1, 36),
        _int_between("RATING_REVIEW_WARNING_DAYS", 1, 180),
    ]
    try:
        change = Decimal(str(get("SIGNIFICANT_INCOME_CHANGE")))
        if not Decimal("0.01") <= change <= Decimal("1"):
            raise ValueError
    except (ValueError, ArithmeticError):
        problems.append("RISK_SIGNIFICANT_INCOME_CHANGE must be a fraction from 0.01 to 1 (0.20 = 20 %).")
    from .models import LifeEventKind, QuestionRole

    roles = set(QuestionRole.values)
    for rule in get("CONTRADICTION_RULES"):
        if (
            not isinstance(rule, (tuple, list))
            or len(rule) != 5
            or rule[0] not in roles
            or rule[2] not in roles
            or not rule[1]
            or not rule[3]
            or not str(rule[4]).strip()
        ):
            problems.append(
                "Each RISK_CONTRADICTION_RULES entry is (question role, {meanings}, question role, "
                f"{{meanings}}, message); this one is not: {rule!r}."
            )
    unknown = set(get("SIGNIFICANT_LIFE_EVENTS")) - set(LifeEventKind.values)
    if unknown:
        problems.append(f"RISK_SIGNIFICANT_LIFE_EVENTS names unknown events: {sorted(unknown)}.")
    months, days = get("PROFILE_VALIDITY_MONTHS"), get("PROFILE_REMINDER_DAYS")
    if isinstance(months, int) and isinstance(days, int) and days >= months * 28:
        problems.append("RISK_PROFILE_REMINDER_DAYS must be shorter than the profile validity.")
    qualification = getattr(settings, "QUALIFICATION_WARNING_DAYS", 60)
    if not isinstance(qualification, int) or not 1 <= qualification <= 365:
        problems.append(
            f"QUALIFICATION_WARNING_DAYS must be a whole number from 1 to 365 (it is {qualification!r})."
        )
    return [p for p in problems if p]


def check_configuration(app_configs=None, **kwargs) -> list:
    """Django system check (registered in RiskConfig.ready): refuses nonsense values at start-up."""
    from django.core.checks import Error

    return [Error(message, id=f"risk.E{n:03d}") for n, message in enumerate(validate(), start=1)]
