"""Scoring a questionnaire's answers, the capacity for loss and contradictions (SPEC §2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from advisory.errors import DomainError
from advisory.texts import stored_item_from_legacy, text, value_label

from .. import conf
from ..models import QuestionnaireVersion, QuestionRole
from .common import _level


@dataclass
class ScoreResult:
    score: int
    willingness_level: str
    snapshot: dict[str, dict]
    contradictions: list[str] = field(default_factory=list)
    horizon: str = ""
    income_stability: str = ""


# The defaults; the rules in force come from risk.conf (settings RISK_CONTRADICTION_RULES).
CONTRADICTION_RULES: list[tuple[str, set[str], str, set[str], str]] = conf.DEFAULTS["CONTRADICTION_RULES"]


def score_answers(*, version: QuestionnaireVersion, answers: dict[str, str]) -> ScoreResult:
    """Score answers {question_code: option_code}; every question must be answered once."""
    questions = list(version.questions.prefetch_related("options").order_by("order"))
    errors: dict[str, list[str]] = {}
    snapshot: dict[str, dict] = {}
    for q in questions:
        chosen = answers.get(q.code)
        option = next((o for o in q.options.all() if o.code == chosen), None)
        if option is None:
            errors.setdefault(q.code, []).append(_("Choose one of the answers."))
            continue
        snapshot[q.code] = {
            "question": q.text,
            "question_zh": q.text_zh,
            "option": option.code,
            "answer": option.text,
            "answer_zh": option.text_zh,
            "score": option.score,
            "role": q.role,
            "meaning": option.meaning,
        }
    unknown = set(answers) - {q.code for q in questions}
    if unknown:
        errors["answers"] = [_("Unknown questions: %(q)s") % {"q": ", ".join(sorted(unknown))}]
    if errors:
        raise DomainError(_("Answer every question."), fields=errors)
    score = sum(a["score"] for a in snapshot.values())
    level = version.level_for_score(score)
    if level is None:
        raise DomainError(_("The score %(s)s is outside the questionnaire's bands.") % {"s": score})
    meanings: dict[str, set[str]] = {}
    for a in snapshot.values():
        meanings.setdefault(a["role"], set()).add(a["meaning"])
    contradictions = [
        stored_item_from_legacy(msg, ("risk",))
        for role_a, vals_a, role_b, vals_b, msg in conf.get("CONTRADICTION_RULES")
        if meanings.get(role_a, set()) & vals_a and meanings.get(role_b, set()) & vals_b
    ]
    horizon = next(iter(meanings.get(QuestionRole.HORIZON, set())), "")
    return ScoreResult(
        score=score,
        willingness_level=level,
        snapshot=snapshot,
        contradictions=contradictions,
        horizon=horizon,
    )


HORIZON_CAPACITY = {"lt1y": 1, "1to3y": 2, "3to5y": 3, "5to10y": 4, "gt10y": 5}


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def capacity_level(*, client, horizon: str, answered_income_stability: str = "") -> tuple[str, list[str]]:
    """SPEC §2 capacity: the lowest of what the horizon, the income stability and the months of
    emergency reserve allow. Horizon: <1y C1, 1–3y C2, 3–5y C3, 5–10y C4, >10y C5. Income:
    unstable caps at C2, variable at C3. Reserves (liquid reserves / monthly expenses): < 3
    months caps at C2, 3–6 months at C4. A missing input does not constrain."""
    notes: list[dict] = []
    cap = 5
    if horizon in HORIZON_CAPACITY:
        cap = HORIZON_CAPACITY[horizon]
        notes.append(text("risk.capacity_horizon", horizon=value_label(horizon), cap=cap).as_json())
    else:
        notes.append(text("risk.capacity_no_horizon").as_json())
    stability = getattr(client, "income_stability", None) or None
    if stability is None and answered_income_stability:
        stability = answered_income_stability
        notes.append(text("risk.capacity_income_answered").as_json())
    if stability is None:
        notes.append(text("risk.capacity_no_income").as_json())
    else:
        s = str(stability).lower()
        limit = (
            2 if s in {"unstable", "none", "irregular", "low"} else 3 if s in {"variable", "medium"} else 5
        )
        notes.append(
            text("risk.capacity_income", stability=value_label(str(stability)), limit=limit).as_json()
        )
        cap = min(cap, limit)
    months = _decimal(getattr(client, "emergency_reserve_months", None))
    if months is None:
        reserves = _decimal(getattr(client, "liquid_reserves", None))
        expenses = _decimal(getattr(client, "monthly_expenses", None))
        if reserves is not None and expenses:
            months = reserves / expenses
    if months is None:
        notes.append(text("risk.capacity_no_reserves").as_json())
    else:
        limit = 2 if months < 3 else 4 if months < 6 else 5
        notes.append(text("risk.capacity_reserves", months=f"{months:.1f}", limit=limit).as_json())
        cap = min(cap, limit)
    return _level(cap), notes
