"""The live dashboard keeps the figures of the months before the current one for a while and
reads the current month's rows on every request (docs/oversight.md, "Live figures")."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from advisory.oversight.indicators import INDICATORS, Filters, live_buckets
from clients.models import Client

from .factories import aware, make_complaint
from .test_indicators import NOW, dataset, frozen  # noqa: F401  (fixtures)

D = datetime.date
JUNE = Filters(end_month=D(2026, 6, 1), span=3)  # the current month is June 2026 (NOW)


@pytest.fixture
def kept(settings):
    settings.OVERSIGHT_SETTLED_MONTHS_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


def uncached(f: Filters, settings) -> dict:
    settings.OVERSIGHT_SETTLED_MONTHS_SECONDS = 0
    try:
        return live_buckets(f)
    finally:
        settings.OVERSIGHT_SETTLED_MONTHS_SECONDS = 600


@pytest.mark.parametrize("scope", ["firm", "advisor", "team"])
def test_kept_months_give_the_same_figures_as_recomputing_everything(dataset, kept, settings, scope):  # noqa: F811
    extra = {"advisor": {"advisor_id": dataset["advisor"].pk}, "team": {"team": "Team B"}}.get(scope, {})
    f = Filters(end_month=D(2026, 6, 1), span=3, **extra)

    first, second = live_buckets(f), live_buckets(f)  # the second reads the kept months

    expected = uncached(f, settings)
    assert first == second == expected


def test_a_complaint_received_this_month_counts_at_once(dataset, kept):  # noqa: F811
    # given the dashboard was opened (the months before June are kept)
    before = live_buckets(JUNE)["complaint_rate"][D(2026, 6, 1)][0]
    client = Client.objects.filter(advisor=dataset["advisor"]).first()

    # when a complaint arrives in June
    make_complaint(client=client, received_at=NOW - datetime.timedelta(hours=1))

    # then June counts it on the next request
    assert live_buckets(JUNE)["complaint_rate"][D(2026, 6, 1)][0] == before + 1


def test_an_earlier_month_is_recomputed_when_its_figures_expire(dataset, kept, settings):  # noqa: F811
    # given the dashboard was opened
    before = live_buckets(JUNE)["complaint_rate"][D(2026, 5, 1)][0]
    make_complaint(
        client=Client.objects.filter(advisor=dataset["advisor"]).first(), received_at=aware(2026, 5, 20)
    )

    # then May is the kept figure until it expires, and the fresh count after
    assert live_buckets(JUNE)["complaint_rate"][D(2026, 5, 1)][0] == before
    cache.clear()
    assert live_buckets(JUNE)["complaint_rate"][D(2026, 5, 1)][0] == before + 1


def test_kept_figures_are_per_advisor_and_team(dataset, kept, settings):  # noqa: F811
    firm = live_buckets(JUNE)
    team_b = live_buckets(Filters(end_month=D(2026, 6, 1), span=3, team="Team B"))

    assert team_b != firm
    assert team_b == uncached(Filters(end_month=D(2026, 6, 1), span=3, team="Team B"), settings)


def test_a_past_window_is_read_from_the_kept_figures_alone(dataset, kept):  # noqa: F811
    march = Filters(end_month=D(2026, 3, 1), span=3)
    live_buckets(march)

    with CaptureQueriesContext(connection) as queries:
        again = live_buckets(march)

    assert len(queries) == 0
    assert set(again) == {ind.code for ind in INDICATORS if ind.available()}


def test_the_current_month_alone_is_queried_once_the_earlier_months_are_kept(dataset, kept):  # noqa: F811
    with CaptureQueriesContext(connection) as cold:
        live_buckets(JUNE)
    with CaptureQueriesContext(connection) as warm:
        live_buckets(JUNE)

    # the same grouped queries, each narrowed to June (another lower bound); the active clients
    # are kept too
    assert len(warm) == len(cold) - 1
    cold_sql = {q["sql"] for q in cold if '"complaints_complaint"' in q["sql"]}
    warm_sql = {q["sql"] for q in warm if '"complaints_complaint"' in q["sql"]}
    assert len(warm_sql) == len(cold_sql) == 3
    assert not warm_sql & cold_sql


def test_staff_training_figures_are_kept_with_the_settled_months(dataset, kept, settings):  # noqa: F811
    from advisory.staff.selectors import dashboard_figures

    with CaptureQueriesContext(connection) as cold:
        first = dashboard_figures()
    with CaptureQueriesContext(connection) as warm:
        second = dashboard_figures()
    settings.OVERSIGHT_SETTLED_MONTHS_SECONDS = 0
    recomputed = dashboard_figures()

    assert first == second == recomputed
    assert len(warm) < len(cold)
    assert not any('"oversight_trainingrecord"' in q["sql"] for q in warm)
