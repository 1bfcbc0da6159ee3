"""Planning thresholds and assumptions. Each has a default (SPEC §3) that a deployment can
override in settings with the same name prefixed by PLANNING_ (e.g. PLANNING_CONCENTRATION_LIMIT)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # SPEC §3: single-product concentration at most 30 % of the proposal.
    "CONCENTRATION_LIMIT": Decimal("0.30"),
    # SPEC §3: deviation from the model portfolio at most 10 percentage points per asset class.
    "DEVIATION_LIMIT": Decimal("0.10"),
    # SPEC §3: a review proposes rebalancing when any class drifts more than 5 points.
    "DRIFT_LIMIT": Decimal("0.05"),
    # Emergency reserve: remark when below this many months of expenses.
    "RESERVE_MONTHS_MIN": Decimal("3"),
    # Review cadence in months by investor level (SPEC §3).
    "REVIEW_CADENCE_MONTHS": {"C1": 12, "C2": 12, "C3": 6, "C4": 3, "C5": 3},
    # The scheduler opens a review task this many days before it is due.
    "REVIEW_LEAD_DAYS": 14,
    # Modified duration (years) per asset class, for the interest-rate shock.
    "DURATIONS": {"cash": 0.25, "bonds": 6.0, "equities": 0.0, "real_estate": 0.0, "alternatives": 0.0},
    # Stress scenarios: shocks per asset class (fraction) and a parallel rate move in basis points.
    "STRESS_SCENARIOS": [
        {"code": "equities_-30", "name": "Equities −30%", "shocks": {"equities": -0.30}, "rate_bp": 0},
        {"code": "rates_+200bp", "name": "Rates +200 bp", "shocks": {}, "rate_bp": 200},
        {
            "code": "2008_like",
            "name": "2008-like crisis",
            "shocks": {"equities": -0.40, "real_estate": -0.25, "alternatives": -0.20, "bonds": -0.02},
            "rate_bp": -100,
        },
    ],
    # Monte Carlo projection.
    "MC_PATHS": 10_000,
    "MC_SEED": 20260101,
    "MC_CORRELATION": 0.25,  # one correlation between any two distinct asset classes
    "MC_MAX_YEARS": 40,
}

# Shipped model portfolios (installed by the demo and by `model_portfolios_install_defaults`):
# class → (target weight, expected return p.a., volatility p.a.).
ASSUMPTIONS = {
    "cash": ("0.02", "0.005"),
    "bonds": ("0.035", "0.05"),
    "equities": ("0.07", "0.18"),
    "real_estate": ("0.05", "0.12"),
    "alternatives": ("0.06", "0.15"),
}
DEFAULT_WEIGHTS = {
    "C1": {"cash": "0.40", "bonds": "0.50", "equities": "0.05", "real_estate": "0.05", "alternatives": "0"},
    "C2": {
        "cash": "0.20",
        "bonds": "0.55",
        "equities": "0.15",
        "real_estate": "0.05",
        "alternatives": "0.05",
    },
    "C3": {
        "cash": "0.10",
        "bonds": "0.40",
        "equities": "0.35",
        "real_estate": "0.10",
        "alternatives": "0.05",
    },
    "C4": {
        "cash": "0.05",
        "bonds": "0.25",
        "equities": "0.50",
        "real_estate": "0.10",
        "alternatives": "0.10",
    },
    "C5": {
        "cash": "0.05",
        "bonds": "0.10",
        "equities": "0.65",
        "real_estate": "0.10",
        "alternatives": "0.10",
    },
}
DEFAULT_NAMES = {
    "C1": "Capital preservation",
    "C2": "Income",
    "C3": "Balanced",
    "C4": "Growth",
    "C5": "Dynamic growth",
}


def get(name: str) -> Any:
    return getattr(settings, f"PLANNING_{name}", DEFAULTS[name])
