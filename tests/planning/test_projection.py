"""Monte Carlo projection: reproducible and equal to the closed form without volatility."""

import datetime
from decimal import Decimal

import pytest

from planning import projection, services
from planning.scheduling import add_months, review_due_date
from tests.planning.factories import ClientFactory, make_profile, make_ready_proposal


def test_same_seed_gives_the_same_result():
    args = {
        "initial": 1e5,
        "contribution": 5e3,
        "mu": 0.05,
        "sigma": 0.12,
        "years": 15,
        "paths": 10000,
        "seed": 7,
    }
    goals = [projection.GoalTarget(key="g", years=10, needed=180000.0)]
    first = projection.project(**args, goals=goals)
    second = projection.project(**args, goals=goals)
    assert first == second
    other = projection.project(**{**args, "seed": 8}, goals=goals)
    assert other["fan"] != first["fan"]


def test_zero_volatility_equals_closed_form():
    plain = projection.project(
        initial=100000.0, contribution=10000.0, mu=0.04, sigma=0.0, years=10, paths=1000, seed=1, goals=[]
    )
    result = projection.project(
        initial=100000.0,
        contribution=10000.0,
        mu=0.04,
        sigma=0.0,
        years=10,
        paths=1000,
        seed=1,
        goals=[
            projection.GoalTarget(key="reach", years=10, needed=268000.0),
            projection.GoalTarget(key="miss", years=10, needed=269000.0),
        ],
    )
    expected = projection.closed_form(initial=100000.0, contribution=10000.0, mu=0.04, years=10)
    # 100000·1.04^10 + 10000·(1.04^10 − 1)/0.04 = 148024.43 + 120061.07
    assert expected == pytest.approx(268085.50, abs=0.01)
    for band in ("p10", "p25", "p50", "p75", "p90"):
        assert plain["fan"][band][-1] == pytest.approx(expected, abs=0.01)
    assert result["goal_probabilities"]["reach"] == 1.0
    # the second goal is paid after the first: 268,085.50 − 268,000 left, far from 269,000
    assert result["goal_probabilities"]["miss"] == 0.0
    single = projection.project(
        initial=100000.0,
        contribution=10000.0,
        mu=0.04,
        sigma=0.0,
        years=10,
        paths=10,
        seed=1,
        goals=[projection.GoalTarget(key="above", years=10, needed=268086.0)],
    )
    assert single["goal_probabilities"]["above"] == 0.0


def test_portfolio_assumptions_mix():
    mu, sigma = projection.portfolio_assumptions(
        {"equities": 0.5, "bonds": 0.5},
        {"equities": 0.08, "bonds": 0.04},
        {"equities": 0.2, "bonds": 0.0},
        0.25,
    )
    assert mu == pytest.approx(0.06)
    assert sigma == pytest.approx(0.1)


@pytest.mark.django_db
def test_proposal_projection_gives_goal_probability(advisor):
    from planning.models import GoalKind

    client = ClientFactory(advisor=advisor)
    make_profile(client=client)
    goal = services.goal_save(
        client=client,
        actor=advisor,
        data={
            "kind": GoalKind.RETIREMENT,
            "name": "Retire",
            "target_amount": Decimal("1500000"),
            "target_date": datetime.date.today() + datetime.timedelta(days=365 * 10),
            "current_funding": Decimal("0"),
        },
    )
    proposal = make_ready_proposal(client=client, advisor=advisor, goals=[goal])
    proj = proposal.checks["projection"]
    assert proj["paths"] == 10000
    assert 0.0 < proj["goals"][0]["probability"] < 1.0
    again = services.proposal_recheck(proposal=proposal, actor=advisor)
    assert again.checks["projection"]["fan"] == proj["fan"]


@pytest.mark.parametrize(
    ("anchor", "level", "expected"),
    [
        # quarterly from a month end across a leap February
        (
            datetime.date(2027, 11, 30),
            "C4",
            [
                datetime.date(2028, 2, 29),
                datetime.date(2028, 5, 30),
                datetime.date(2028, 8, 30),
                datetime.date(2028, 11, 30),
            ],
        ),
        # annual from 29 February
        (
            datetime.date(2028, 2, 29),
            "C1",
            [
                datetime.date(2029, 2, 28),
                datetime.date(2030, 2, 28),
                datetime.date(2031, 2, 28),
                datetime.date(2032, 2, 29),
            ],
        ),
        # semi-annual from 31 August
        (
            datetime.date(2026, 8, 31),
            "C3",
            [
                datetime.date(2027, 2, 28),
                datetime.date(2027, 8, 31),
                datetime.date(2028, 2, 29),
                datetime.date(2028, 8, 31),
            ],
        ),
    ],
)
def test_review_due_dates_across_month_ends_and_leap_years(anchor, level, expected):
    assert [review_due_date(anchor=anchor, level=level, sequence=n) for n in range(1, 5)] == expected


def test_add_months_clamps_to_month_end():
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2026, 12, 15), 2) == datetime.date(2027, 2, 15)
