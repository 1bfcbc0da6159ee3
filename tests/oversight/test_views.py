"""Screens and permissions: dashboard, drill-down, export, warnings scope, staff, query counts."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from advisory.models import RiskWarning
from audit.models import AuditEntry

from .factories import TrainingRecordFactory, aware, make_client, make_complaint, make_survey

NOW = aware(2026, 6, 15, 12)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


_counter = iter(range(10**6))


def add_rows(advisor, n: int) -> None:
    for _ in range(n):
        i = next(_counter)
        client = make_client(advisor=advisor)
        c = make_complaint(
            client=client,
            received_at=aware(2026, 1 + i % 6, 3),
            state="resolved",
            resolved_at=aware(2026, 1 + i % 6, 9),
            first_response_at=aware(2026, 1 + i % 6, 4),
        )
        make_survey(complaint=c, answered_at=aware(2026, 1 + i % 6, 10), csat=4, nps=9)
        TrainingRecordFactory(user=advisor)
        RiskWarning.objects.create(
            kind="review_overdue",
            subject_type="t",
            subject_id=str(i),
            advisor=advisor,
            message="m",
            opened_at=NOW,
        )


@pytest.mark.parametrize("who", ["supervisor", "compliance_officer", "administrator"])
def test_oversight_roles_see_dashboard(request, web_as, who):
    response = web_as(request.getfixturevalue(who)).get(reverse("oversight:dashboard"))
    assert response.status_code == 200
    assert "Customer satisfaction" in response.content.decode()


@pytest.mark.parametrize("who", ["advisor", "risk_reviewer"])
def test_other_staff_get_403_on_dashboard(request, web_as, api_as, who):
    user = request.getfixturevalue(who)
    assert web_as(user).get(reverse("oversight:dashboard")).status_code == 403
    assert web_as(user).get(reverse("oversight:dashboard_export")).status_code == 403
    assert api_as(user).get("/api/v1/oversight/indicators/").status_code == 403


def test_client_cannot_reach_oversight(web_as, api_as, client_user):
    assert web_as(client_user).get(reverse("oversight:dashboard")).status_code in (302, 403)
    assert web_as(client_user).get(reverse("oversight:warnings")).status_code in (302, 403)
    assert api_as(client_user).get("/api/v1/oversight/warnings/").status_code == 403


def test_dashboard_query_count_does_not_grow(web_as, supervisor, advisor, django_assert_max_num_queries):
    # given
    add_rows(advisor, 2)
    http = web_as(supervisor)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert http.get(reverse("oversight:dashboard")).status_code == 200
    # when: many more rows
    add_rows(advisor, 12)
    # then
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert http.get(reverse("oversight:dashboard") + f"?advisor={advisor.pk}&span=6").status_code == 200


def test_indicator_drilldown_lists_records(web_as, supervisor, advisor, django_assert_max_num_queries):
    add_rows(advisor, 3)
    http = web_as(supervisor)
    response = http.get(reverse("oversight:indicator_detail", args=["csat"]) + "?month=2026-06&span=6")
    assert response.status_code == 200
    assert response.content.decode().count("CSAT 4") == 3
    add_rows(advisor, 10)
    for code in ("csat", "complaint_rate", "training_completion", "risk_warnings", "violations"):
        with django_assert_max_num_queries(20):
            assert http.get(reverse("oversight:indicator_detail", args=[code])).status_code == 200
    assert http.get(reverse("oversight:indicator_detail", args=["nope"])).status_code == 404


def test_csv_export_is_audited(web_as, compliance_officer, advisor):
    add_rows(advisor, 2)
    response = web_as(compliance_officer).get(reverse("oversight:dashboard_export") + "?month=2026-06&span=6")
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Code,Indicator,Value")
    assert len(lines) == 15  # header + 14 indicators
    assert any(line.startswith("csat,") and ",4.0," in line for line in lines)
    # the old address goes through the shared export mechanism (advisory.exports)
    entry = AuditEntry.objects.filter(action="export", record_type="advisory.exportjob").get()
    assert entry.actor == compliance_officer and entry.changes["list"] == "oversight.dashboard"
    assert entry.changes["filters"] == {"month": "2026-06", "span": "6"} and entry.changes["rows"] == 14


def test_advisor_sees_only_own_warnings(web_as, api_as, advisor, colleague, supervisor):
    mine = RiskWarning.objects.create(
        kind="review_overdue",
        subject_type="t",
        subject_id="1",
        advisor=advisor,
        message="mine-warning",
        opened_at=NOW,
    )
    theirs = RiskWarning.objects.create(
        kind="review_overdue",
        subject_type="t",
        subject_id="2",
        advisor=colleague,
        message="their-warning",
        opened_at=NOW,
    )
    body = web_as(advisor).get(reverse("oversight:warnings")).content.decode()
    assert "mine-warning" in body and "their-warning" not in body
    api = api_as(advisor)
    ids = [w["id"] for w in api.get("/api/v1/oversight/warnings/").json()["results"]]
    assert ids == [mine.pk]
    assert api.get(f"/api/v1/oversight/warnings/{theirs.pk}/").status_code == 404
    all_ids = {w["id"] for w in api_as(supervisor).get("/api/v1/oversight/warnings/").json()["results"]}
    assert all_ids == {mine.pk, theirs.pk}
    # and on the advisor's home page
    home = web_as(advisor).get(reverse("workspace:home")).content.decode()
    assert "mine-warning" in home and "their-warning" not in home


def test_warning_filters_and_query_count(web_as, supervisor, advisor, django_assert_max_num_queries):
    add_rows(advisor, 20)
    RiskWarning.objects.create(
        kind="portfolio_drift",
        severity="critical",
        subject_type="t",
        subject_id="x",
        advisor=advisor,
        message="drift-one",
        opened_at=NOW,
    )
    http = web_as(supervisor)
    with django_assert_max_num_queries(12):
        body = http.get(
            reverse("oversight:warnings") + "?kind=portfolio_drift&severity=critical"
        ).content.decode()
    assert "drift-one" in body and body.count("<tr>") == 2


def test_dashboard_shows_no_data_source_for_missing_tables(web_as, supervisor, monkeypatch):
    from advisory.oversight import indicators

    monkeypatch.setattr(indicators, "survey_model", lambda: None)
    body = web_as(supervisor).get(reverse("oversight:dashboard")).content.decode()
    assert "no data source yet" in body


def test_dashboard_from_snapshots_has_fixed_queries(
    web_as, supervisor, advisor, django_assert_max_num_queries
):
    from advisory.oversight.services import indicator_rollup_refresh

    add_rows(advisor, 3)
    indicator_rollup_refresh()
    http = web_as(supervisor)
    # 16 for the indicators and warnings + 6 fixed aggregates of the staff figures (advisory.staff)
    with django_assert_max_num_queries(22):
        body = http.get(reverse("oversight:dashboard") + "?team=Nobody&live=0").content.decode()
    assert "Figures as of" in body
    live = http.get(reverse("oversight:dashboard")).content.decode()
    assert "Live figures." in live


def test_live_dashboard_queries_do_not_grow_with_rows(web_as, supervisor, advisor, django_assert_num_queries):
    """Live figures (the default): the fourteen indicators in a fixed number of queries — the
    indicators over the same rows share one grouped query — whatever the amount of data."""
    http = web_as(supervisor)
    url = reverse("oversight:dashboard")
    add_rows(advisor, 1)
    http.get(url)  # warm-up: session, content types
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert http.get(url).status_code == 200
    add_rows(advisor, 6)
    with CaptureQueriesContext(connection) as many:
        assert "Live figures." in http.get(url).content.decode()
    assert len(many) == len(few)
    grouped = [q["sql"] for q in many if "complaints_complaint" in q["sql"] and "GROUP BY" in q["sql"]]
    # received-complaint indicators share one query; first response and handling time one each
    assert len(grouped) == 3


def test_demo_seed_makes_indicators_and_warnings(db, advisor):
    from advisory.demo import seed as core_seed
    from advisory.oversight.demo import seed
    from advisory.oversight.models import ImprovementAction, QualityTarget, TrainingRecord

    ctx = {"today": NOW.date()}
    core_seed(ctx)
    seed(ctx)
    seed(ctx)  # idempotent
    assert QualityTarget.objects.count() == 14
    assert TrainingRecord.objects.filter(user=ctx["advisor"]).count() == 12
    assert ImprovementAction.objects.count() == 3
    assert RiskWarning.objects.filter(kind="qualification_expiring", is_open=True).exists()


def test_home_pages_greet_people_by_their_full_name(web_as, client_user):
    from tests.factories import UserFactory

    advisor = UserFactory(role="advisor", full_name="Zhang Sanfeng")
    assert "Good day, Zhang Sanfeng" in web_as(advisor).get("/app/").text
    client_user.full_name = "李 小龙"
    client_user.save()
    assert "Welcome, 李 小龙" in web_as(client_user).get("/portal/").text


@pytest.mark.parametrize(
    ("language", "sentence", "formula", "axis"),
    [
        (
            "en",
            "How many complaints we receive for every 100 active clients.",
            "How it is computed",
            "Target ",
        ),
        ("zh-hans", "每 100 名活跃客户中我们收到的投诉数量。", "计算方法", "目标 "),
    ],
)
def test_dashboard_explains_each_indicator_in_words(web_as, supervisor, language, sentence, formula, axis):
    # given a supervisor reading the dashboard in their language
    http = web_as(supervisor)
    http.cookies["django_language"] = language
    # when they open it
    html = http.get(reverse("oversight:dashboard")).content.decode()
    # then every indicator has a sentence in words, and the formula sits in a tooltip
    assert sentence in html
    assert html.count('class="indicator-explanation"') >= 13
    assert f'<abbr class="formula" title="{formula}: ' in html
    # and the charts' axes are readable: 12-unit labels, slanted month labels, a named target line
    assert 'font-size="12"' in html and "rotate(-40" in html and axis in html
    assert 'font-size="10"' not in html


def test_warning_advisor_filter_lists_advisors_and_keeps_the_chosen_one(
    web_as, supervisor, advisor, colleague
):
    body = web_as(supervisor).get(reverse("oversight:warnings"), {"advisor": colleague.pk}).content.decode()

    assert f'<option value="{colleague.pk}" selected>Colleague Carl</option>' in body
    assert f'<option value="{advisor.pk}">Advisor Ann</option>' in body


def test_dashboard_filters_keep_the_chosen_advisor_and_team(web_as, supervisor, advisor):
    advisor.team = "Team A"
    advisor.save()

    body = (
        web_as(supervisor)
        .get(reverse("oversight:dashboard"), {"advisor": advisor.pk, "team": "Team A"})
        .content.decode()
    )

    assert f'<option value="{advisor.pk}" selected>Advisor Ann</option>' in body
    assert '<option value="Team A" selected>Team A</option>' in body


def test_warning_filter_keeps_advisors_who_left_and_the_dashboard_offers_only_active_ones(
    web_as, supervisor, advisor, colleague
):
    # a departed advisor's warnings stay on the list, so they stay a choice there; the dashboard's
    # figures filter is for the advisors who work today
    colleague.is_active = False
    colleague.save()
    http = web_as(supervisor)

    warnings_page = http.get(reverse("oversight:warnings")).content.decode()
    dashboard = http.get(reverse("oversight:dashboard")).content.decode()

    assert f'<option value="{colleague.pk}">Colleague Carl</option>' in warnings_page
    assert f'<option value="{advisor.pk}">Advisor Ann</option>' in dashboard
    assert f'<option value="{colleague.pk}">' not in dashboard
