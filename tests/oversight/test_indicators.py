"""Each indicator on a hand-computed dataset (SPEC §6), with empty periods and zero divisors."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from advisory.models import RiskWarning
from advisory.oversight.indicators import BY_CODE, Filters, rag_status
from advisory.oversight.selectors import dashboard
from tests.factories import UserFactory

from .factories import (
    TrainingRecordFactory,
    aware,
    make_client,
    make_complaint,
    make_onboarding,
    make_survey,
    make_violation,
)

NOW = aware(2026, 6, 15, 12)
D = datetime.date


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def dataset(db, frozen, advisor, colleague, compliance_officer):
    # given: advisor (team A) with 3 active clients, colleague (team B) with 1,
    # a prospect (never active) and a client whose relationship ended on 2026-03-15.
    advisor.team, colleague.team = "Team A", "Team B"
    advisor.save()
    colleague.save()
    a1, a2, _a3 = (make_client(advisor=advisor) for _ in range(3))
    b1 = make_client(advisor=colleague)
    make_client(advisor=advisor, status="prospect")
    make_client(advisor=advisor, status="ended", ended=D(2026, 3, 15))
    c1 = make_complaint(
        client=a1,
        received_at=aware(2026, 4, 10),
        first_response_at=aware(2026, 4, 11),  # 24 h
        resolved_at=aware(2026, 4, 20),  # 10 days
        state="resolved",
    )
    make_complaint(
        client=a2,
        received_at=aware(2026, 5, 5),
        first_response_at=aware(2026, 5, 5, 16),  # 6 h
        state="investigating",  # due 2026-05-19, still open on 06-15: breached
    )
    c3 = make_complaint(
        client=b1,
        received_at=aware(2026, 6, 1),
        resolved_at=aware(2026, 6, 4),  # 3 days
        state="resolved",
        resolution_breached=True,
    )
    c4 = make_complaint(client=a1, received_at=aware(2026, 2, 10))  # before the period
    make_survey(complaint=c1, answered_at=aware(2026, 4, 25), csat=5, nps=10)
    make_survey(complaint=c3, answered_at=aware(2026, 6, 5), csat=2, nps=3)
    make_survey(complaint=c4, answered_at=aware(2026, 2, 20), csat=4, nps=8)
    make_violation(
        complaint=c3, staff_member=colleague, opened_by=compliance_officer, opened_at=aware(2026, 6, 3)
    )
    for opened in (aware(2026, 5, 1), aware(2026, 1, 5)):
        RiskWarning.objects.create(
            kind="review_overdue",
            subject_type="x",
            subject_id=str(opened.month),
            advisor=advisor,
            message="m",
            opened_at=opened,
        )
    make_onboarding(
        client=a1, opened_by=advisor, review_deadline=aware(2026, 4, 15), reviewed_at=aware(2026, 4, 14)
    )
    make_onboarding(
        client=a2, opened_by=advisor, review_deadline=aware(2026, 5, 10), reviewed_at=aware(2026, 5, 12)
    )
    make_onboarding(client=a2, opened_by=advisor, review_deadline=aware(2026, 6, 20))  # not yet due
    make_onboarding(client=b1, opened_by=colleague, review_deadline=aware(2026, 6, 1))  # missed
    TrainingRecordFactory(user=advisor, due_on=D(2026, 5, 31), completed_on=D(2026, 5, 20))
    TrainingRecordFactory(user=advisor, due_on=D(2026, 4, 30), completed_on=D(2026, 5, 5))
    TrainingRecordFactory(user=colleague, due_on=D(2026, 6, 10))
    TrainingRecordFactory(user=colleague, due_on=D(2026, 5, 1), required=False)
    TrainingRecordFactory(user=colleague, due_on=D(2026, 1, 31), completed_on=D(2026, 1, 2))
    return {"advisor": advisor, "colleague": colleague}


PERIOD = Filters(end_month=D(2026, 6, 1), span=3)  # April–June 2026


def value(code: str, f: Filters = PERIOD):
    return BY_CODE[code].compute(f).value


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("csat", 3.5),  # (5 + 2) / 2
        ("nps", 0.0),  # (1 promoter − 1 detractor) / 2 × 100
        ("first_response", 15.0),  # (24 h + 6 h) / 2
        ("handling_time", 6.5),  # (10 d + 3 d) / 2
        ("complaint_rate", 25.0),  # 3 complaints / (4 active × 3 months) × 100
        ("resolution_rate", 200 / 3),  # 2 of 3 resolved
        ("sla_breach_rate", 200 / 3),  # c2 open past due, c3 flagged
        ("violations", 1),
        ("risk_warnings", 1),
        ("onboarding_timeliness", 100 / 3),  # 1 on time of 3 decided
        ("training_completion", 100 / 3),  # 1 of 3 required on time
    ],
)
def test_indicator_value_on_hand_computed_dataset(dataset, code, expected):
    assert value(code) == pytest.approx(expected)


def test_every_indicator_has_a_data_source(dataset):
    assert all(ind.available() for ind in BY_CODE.values())


def test_trend_month_uses_that_months_active_clients(dataset):
    # Feb 2026: c4 over 5 active clients (3 + 1 + the one ended in March)
    result = BY_CODE["complaint_rate"].compute(PERIOD)
    feb = PERIOD.months.index(D(2026, 2, 1))
    assert result.trend[feb] == pytest.approx(20.0)
    assert len(result.trend) == 12


def test_advisor_filter(dataset):
    f = Filters(end_month=D(2026, 6, 1), span=3, advisor_id=dataset["advisor"].pk)
    assert value("complaint_rate", f) == pytest.approx(2 / 9 * 100)
    assert value("violations", f) == 0
    assert value("training_completion", f) == pytest.approx(50.0)


def test_team_filter(dataset):
    f = Filters(end_month=D(2026, 6, 1), span=3, team="Team B")
    assert value("complaint_rate", f) == pytest.approx(100 / 3)
    assert value("csat", f) == pytest.approx(2.0)
    assert value("violations", f) == 1


def test_empty_period_gives_none_for_ratios_and_zero_for_counts(dataset):
    f = Filters(end_month=D(2024, 1, 1), span=1)
    for code, ind in BY_CODE.items():
        expected = 0 if ind.is_count else None
        assert value(code, f) == expected, code


def test_division_by_zero_without_active_clients(db, frozen):
    assert value("complaint_rate") is None
    assert value("csat") is None
    row = next(r for r in dashboard(filters=PERIOD) if r["code"] == "complaint_rate")
    assert row["display"] == "—"
    assert row["status"] == "grey"


def test_rag_status_bands():
    assert rag_status(None, target=1, direction="higher", band=1) == "grey"
    assert rag_status(4.2, target=Decimal("4.2"), direction="higher", band=Decimal("0.3")) == "green"
    assert rag_status(3.9, target=Decimal("4.2"), direction="higher", band=Decimal("0.3")) == "amber"
    assert rag_status(3.89, target=Decimal("4.2"), direction="higher", band=Decimal("0.3")) == "red"
    assert rag_status(30, target=24, direction="lower", band=8) == "amber"
    assert rag_status(33, target=24, direction="lower", band=8) == "red"
    assert rag_status(2, target=24, direction="lower", band=8) == "green"


def test_filters_parse_falls_back_on_bad_input(db, frozen):
    f = Filters.parse({"month": "garbage", "span": "7", "advisor": "x"})
    assert f.end_month == D(2026, 6, 1) and f.span == 3 and f.advisor_id is None
    f = Filters.parse({"month": "2025-12", "span": "12", "team": "A"})
    assert f.period_start == D(2025, 1, 1) and f.team == "A"


def test_user_factory_team_default(db):
    assert UserFactory().team == ""


@pytest.mark.parametrize("scope", ["firm", "advisor", "team"])
def test_snapshot_rollup_gives_the_live_figures(dataset, scope):
    from advisory.oversight.selectors import dashboard_with_source
    from advisory.oversight.services import indicator_rollup_refresh

    # given
    extra = {"advisor": {"advisor_id": dataset["advisor"].pk}, "team": {"team": "Team B"}}.get(scope, {})
    f = Filters(end_month=D(2026, 6, 1), span=3, **extra)
    live, at = dashboard_with_source(filters=f, chart=False)
    assert at is None  # no rollup yet: live figures
    # when
    indicator_rollup_refresh()
    snap, at = dashboard_with_source(filters=f, chart=False, live=False)
    # then
    assert at == NOW
    for a, b in zip(live, snap, strict=True):
        assert a["value"] == pytest.approx(b["value"]), a["code"]
        assert a["trend"] == pytest.approx(b["trend"]), a["code"]


def test_rollup_is_idempotent(dataset):
    from advisory.oversight.models import IndicatorSnapshot
    from advisory.oversight.services import indicator_rollup_refresh

    first = indicator_rollup_refresh()
    assert indicator_rollup_refresh() == first == IndicatorSnapshot.objects.count()


@pytest.mark.parametrize("scope", ["firm", "advisor", "team"])
def test_fused_live_figures_equal_each_indicators_own_query(dataset, scope):
    """The live dashboard computes indicators over the same rows in one grouped query, each
    aggregate filtered by the indicator's own condition; every figure equals the indicator's
    query on its own (incl. the complainant-only surveys and the active-client denominator)."""
    from advisory.oversight.indicators import INDICATORS, live_buckets

    extra = {"advisor": {"advisor_id": dataset["advisor"].pk}, "team": {"team": "Team B"}}.get(scope, {})
    f = Filters(end_month=D(2026, 6, 1), span=3, **extra)
    fused = live_buckets(f)
    assert {ind.code for ind in INDICATORS} == set(fused)
    for ind in INDICATORS:
        own = ind.monthly(f)
        months = set(own) | set(fused[ind.code])
        for m in months:
            assert fused[ind.code].get(m, (0, 0)) == own.get(m, (0, 0)), (ind.code, m)
    # and the fusion is real: the complainant CSAT differs from the all-clients CSAT here
    if scope == "firm":
        assert BY_CODE["csat"].compute(f, fused["csat"]).value == 3.5
        assert BY_CODE["csat_complainants"].compute(f, fused["csat_complainants"]).value == 3.5
