"""Monte Carlo projection of a proposal's value (SPEC §3, beyond the seeds).

Floats live only here; callers pass Decimals in and get rounded Decimals (as strings) back.
The model: one portfolio whose yearly growth factor is lognormal with the portfolio's
expected return and volatility (weights × per-class assumptions, one correlation between any two
distinct classes). Contributions are added at the end of each year. With zero volatility every
path equals the closed form V_T = V_0 g^T + C (g^T − 1)/(g − 1), g = 1 + μ.

Goals are paid out of the same portfolio in date order (then in the order given, i.e. priority):
at a goal's year a path succeeds if its value covers what the goal still needs, and that amount
(or what is left) is withdrawn before the next year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# numpy is imported by the functions that compute: it costs a third of a second at start-up,
# and most processes (web, worker, commands) import this module without ever projecting.

PERCENTILES = (10, 25, 50, 75, 90)


@dataclass(frozen=True)
class GoalTarget:
    key: str
    years: int  # whole years from today to the goal's date (at least 1)
    needed: float  # amount the portfolio must provide at that date


def portfolio_assumptions(
    weights: dict[str, float], returns: dict[str, float], vols: dict[str, float], correlation: float
) -> tuple[float, float]:
    """Expected return and volatility of the mix."""
    import numpy as np

    classes = [c for c, w in weights.items() if w]
    w = np.array([weights[c] for c in classes], dtype=float)
    mu = float(np.dot(w, [returns.get(c, 0.0) for c in classes])) if classes else 0.0
    s = np.array([vols.get(c, 0.0) for c in classes], dtype=float)
    corr = np.full((len(classes), len(classes)), correlation, dtype=float)
    np.fill_diagonal(corr, 1.0)
    cov = np.outer(s, s) * corr
    var = float(w @ cov @ w) if classes else 0.0
    return mu, math.sqrt(max(var, 0.0))


def simulate(
    *,
    initial: float,
    contribution: float,
    mu: float,
    sigma: float,
    years: int,
    paths: int,
    seed: int,
    goals: list[GoalTarget] = (),
) -> tuple[np.ndarray, dict[str, float]]:
    """Values of every path at the end of years 0..years, shape (paths, years + 1), after paying
    the goals due each year; and each goal's share of paths that could pay it in full."""
    import numpy as np

    rng = np.random.default_rng(seed)
    drift = math.log1p(mu) - 0.5 * sigma * sigma
    shocks = rng.standard_normal((paths, years)) if sigma > 0 else np.zeros((paths, years))
    growth = np.exp(drift + sigma * shocks)
    values = np.empty((paths, years + 1), dtype=float)
    values[:, 0] = initial
    due: dict[int, list[GoalTarget]] = {}
    for goal in goals:
        due.setdefault(min(max(goal.years, 1), years), []).append(goal)
    probabilities: dict[str, float] = {}
    for t in range(years):  # a loop over years (≤ 40), vectorised over paths
        current = values[:, t] * growth[:, t] + contribution
        for goal in due.get(t + 1, []):
            probabilities[goal.key] = round(float(np.mean(current >= goal.needed - 1e-6)), 4)
            current = current - np.minimum(current, goal.needed)
        values[:, t + 1] = current
    return values, probabilities


def closed_form(*, initial: float, contribution: float, mu: float, years: int) -> float:
    g = 1.0 + mu
    if abs(mu) < 1e-12:
        return initial + contribution * years
    return initial * g**years + contribution * (g**years - 1.0) / (g - 1.0)


def project(
    *,
    initial: float,
    contribution: float,
    mu: float,
    sigma: float,
    years: int,
    paths: int,
    seed: int,
    goals: list[GoalTarget],
) -> dict:
    import numpy as np

    values, probabilities = simulate(
        initial=initial,
        contribution=contribution,
        mu=mu,
        sigma=sigma,
        years=years,
        paths=paths,
        seed=seed,
        goals=goals,
    )
    bands = np.percentile(values, PERCENTILES, axis=0)
    fan = {f"p{p}": [round(float(v), 2) for v in bands[i]] for i, p in enumerate(PERCENTILES)}
    return {
        "paths": paths,
        "seed": seed,
        "years": years,
        "mu": round(mu, 6),
        "sigma": round(sigma, 6),
        "fan": fan,
        "goal_probabilities": probabilities,
        "expected_final": round(float(values[:, -1].mean()), 2),
    }
