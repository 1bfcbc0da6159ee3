"""Issue 14 planning screens and API: holdings entry and custodian import with preview, and the
latest re-check on the proposal page, with permissions both ways and query counts."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from planning import services
from planning.models import Holding
from tests.planning.factories import ClientFactory, make_profile, make_ready_proposal

pytestmark = pytest.mark.django_db
BASE = "/api/v1/planning"


@pytest.fixture
def plan(advisor, client_user, risk_reviewer, compliance_officer):
    client = ClientFactory(advisor=advisor, user=client_user, name="王先生")
    make_profile(client=client)
    proposal = make_ready_proposal(client=client, advisor=advisor)
    for action, actor in (
        ("submit", advisor),
        ("risk_approve", risk_reviewer),
        ("compliance_approve", compliance_officer),
        ("issue", advisor),
    ):
        proposal = services.proposal_transition(proposal=proposal, action=action, actor=actor, reason="ok")
    return services.proposal_transition(
        proposal=proposal, action="accept", actor=client_user, disclosure_acknowledged=True
    )


def _csv(plan, bad=False):
    rows = "as_of,product_code,asset_class,market_value,currency\n2026-06-30,,cash,100000,{c}\n2026-06-30,,equities,{v},{c}\n"
    return rows.format(c=plan.currency, v="abc" if bad else "500000")


def test_holdings_screen_preview_then_confirm(web_as, plan, advisor):
    http = web_as(advisor)
    url = reverse("planning:plan_holdings", args=[plan.pk])
    upload = SimpleUploadedFile("statement.csv", _csv(plan).encode(), content_type="text/csv")
    resp = http.post(url, {"import": "1", "file": upload})
    assert resp.status_code == 200 and resp.context["preview"].ok
    assert not Holding.objects.exists()  # dry run
    confirm = resp.context["confirm_form"]
    resp = http.post(url, {"import": "1", "content": confirm.initial["content"], "confirm": "True"})
    assert resp.status_code == 302
    assert Holding.objects.filter(plan=plan).count() == 2


def test_holdings_screen_preview_shows_row_errors(web_as, plan, advisor):
    upload = SimpleUploadedFile("statement.csv", _csv(plan, bad=True).encode(), content_type="text/csv")
    resp = web_as(advisor).post(
        reverse("planning:plan_holdings", args=[plan.pk]), {"import": "1", "file": upload}
    )
    body = resp.content.decode()
    assert resp.status_code == 200 and not resp.context["preview"].ok
    assert "market_value" in body and resp.context["confirm_form"] is None
    assert not Holding.objects.exists()


def test_holdings_screen_confirm_with_bad_content_writes_nothing(web_as, plan, advisor):
    resp = web_as(advisor).post(
        reverse("planning:plan_holdings", args=[plan.pk]),
        {"import": "1", "content": _csv(plan, bad=True), "confirm": "True"},
    )
    assert resp.status_code == 200 and resp.context["upload"].errors
    assert not Holding.objects.exists()


def test_holdings_manual_entry_field_errors(web_as, plan, advisor):
    url = reverse("planning:plan_holdings", args=[plan.pk])
    resp = web_as(advisor).post(url, {"entry": "1", "as_of": "2026-06-30", "value_cash": "-3"})
    assert resp.status_code == 200 and resp.context["entry"].errors["value_cash"]
    resp = web_as(advisor).post(url, {"entry": "1", "as_of": "2026-06-30", "value_cash": "1000"})
    assert resp.status_code == 302 and Holding.objects.get().market_value == Decimal("1000.00")


@pytest.mark.parametrize(
    ("user", "get", "post"),
    [("colleague", 404, 404), ("compliance_officer", 200, 403), ("supervisor", 200, 403)],
)
def test_holdings_screen_permissions(request, web_as, plan, user, get, post):
    http = web_as(request.getfixturevalue(user))
    url = reverse("planning:plan_holdings", args=[plan.pk])
    assert http.get(url).status_code == get
    assert http.post(url, {"entry": "1", "as_of": "2026-06-30", "value_cash": "1"}).status_code == post
    assert not Holding.objects.exists()


def test_holdings_screen_query_count(web_as, plan, advisor, django_assert_max_num_queries):
    http = web_as(advisor)
    url = reverse("planning:plan_holdings", args=[plan.pk])
    services.holdings_record(
        plan=plan, actor=advisor, as_of=datetime.date(2026, 1, 31), values={"cash": Decimal("1")}
    )
    with django_assert_max_num_queries(30) as ctx:
        http.get(url)
    few = len(ctx.captured_queries)
    for month in range(2, 8):
        services.holdings_record(
            plan=plan,
            actor=advisor,
            as_of=datetime.date(2026, month, 1),
            values={"cash": Decimal("1"), "bonds": Decimal("2")},
        )
    with django_assert_max_num_queries(few):
        assert http.get(url).status_code == 200


def test_holdings_api_dry_run_and_confirm(api_as, plan, advisor, colleague, client_user):
    url = f"{BASE}/proposals/{plan.pk}/holdings/import/"
    resp = api_as(advisor).post(url, {"content": _csv(plan, bad=True)}, format="json")
    assert resp.status_code == 200
    body = resp.json()
    assert body["dry_run"] and not body["ok"] and body["error_count"] == 1 and body["rows"][1]["errors"]
    resp = api_as(advisor).post(url, {"content": _csv(plan, bad=True), "dry_run": False}, format="json")
    assert resp.status_code == 400 and "file" in resp.json()["error"]["fields"]
    resp = api_as(advisor).post(url, {"content": _csv(plan), "dry_run": False}, format="json")
    assert resp.status_code == 201
    assert api_as(advisor).get(f"{BASE}/proposals/{plan.pk}/holdings/").json()["count"] == 2
    assert api_as(colleague).post(url, {"content": _csv(plan)}, format="json").status_code == 404
    assert api_as(client_user).get(f"{BASE}/proposals/{plan.pk}/holdings/").status_code == 404


def test_proposal_page_shows_latest_recheck(settings, web_as, plan, advisor):
    settings.PLANNING_CONCENTRATION_LIMIT = Decimal("0.15")
    services.proposal_monitor(proposal=plan)
    resp = web_as(advisor).get(reverse("planning:proposal_detail", args=[plan.pk]))
    body = resp.content.decode()
    assert "above the 15% limit" in body


def test_holdings_api_manual_entry(api_as, plan, advisor, compliance_officer):
    url = f"{BASE}/proposals/{plan.pk}/holdings/"
    body = {"as_of": "2026-06-30", "values": {"cash": "1000.00", "equities": "5000.00"}}
    assert api_as(compliance_officer).post(url, body, format="json").status_code == 403
    resp = api_as(advisor).post(url, body, format="json")
    assert resp.status_code == 201 and len(resp.json()) == 2
    bad = api_as(advisor).post(url, {"as_of": "2026-06-30", "values": {"gold": "1"}}, format="json")
    assert bad.status_code == 400 and "values" in bad.json()["error"]["fields"]
