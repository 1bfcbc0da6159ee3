"""Screens a new user walks through: the plan page says what its figures are, the proposal form
says up front when a client may not get a proposal (and where to go instead), times are the
firm's, and check results read in the reader's language."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from planning.models import Goal
from risk.models import RiskAssessment
from tests.planning.factories import ClientFactory, make_profile, make_ready_proposal

pytestmark = pytest.mark.django_db

# 12:00 UTC is 20:00 in the firm's time zone (Asia/Shanghai).
NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def client_file(advisor, client_user):
    client = ClientFactory(advisor=advisor, user=client_user, name="Carol File")
    make_profile(client=client)
    return client


def test_new_proposal_form_has_goal_choices_as_a_list_and_a_way_back(web_as, advisor, client_file):
    Goal.objects.create(
        client=client_file,
        name="Retire at 60",
        kind="retirement",
        target_amount=1000,
        target_date="2040-01-01",
    )
    html = web_as(advisor).get(reverse("planning:proposal_create", args=[client_file.pk])).content.decode()
    assert "field-checklist" in html and "Retire at 60" in html
    assert f'href="{reverse("planning:client_plan", args=[client_file.pk])}">Cancel' in html


def test_new_proposal_for_a_client_awaiting_reassessment_says_so_up_front(web_as, advisor, client_file):
    for assessment in RiskAssessment.objects.filter(client=client_file):
        assessment.needs_reassessment, assessment.reassessment_reason = True, "Life event: Retirement"
        assessment.save()
    response = web_as(advisor).get(reverse("planning:proposal_create", args=[client_file.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "needs re-assessment (Life event: Retirement)" in html
    # no form to fill in for nothing; the way forward instead
    assert "lines-TOTAL_FORMS" not in html
    assert f'href="{reverse("risk:assessment_new", args=[client_file.pk])}"' in html
    assert f'href="{reverse("planning:client_plan", args=[client_file.pk])}"' in html


def test_plan_page_labels_its_columns_and_links_back_to_the_client(web_as, advisor, client_file):
    Goal.objects.create(
        client=client_file,
        name="Retire at 60",
        kind="retirement",
        target_amount=1000,
        target_date="2040-01-01",
    )
    make_ready_proposal(client=client_file, advisor=advisor)
    html = web_as(advisor).get(reverse("planning:client_plan", args=[client_file.pk])).content.decode()
    for header in ("Target date", "Target amount", "Funded", "Number", "Status"):
        assert f">{header}</th>" in html
    assert f'href="{reverse("clients:detail", args=[client_file.pk])}"' in html


def test_check_results_in_firm_time_and_reader_language(web_as, advisor, client_file):
    with time_machine.travel(NOW, tick=False):
        proposal = make_ready_proposal(client=client_file, advisor=advisor)
    stored = proposal.checks["computed_at"]
    assert stored.startswith("2026-06-15T12:00")
    html = web_as(advisor).get(reverse("planning:proposal_detail", args=[proposal.pk])).content.decode()
    assert "2026-06-15 20:00" in html and "2026-06-15T12:00" not in html
    http = web_as(advisor)
    http.cookies["django_language"] = "zh-hans"
    zh = http.get(reverse("planning:proposal_detail", args=[proposal.pk])).content.decode()
    # the stress table (the stored summary sentence is English until stored check texts are translated)
    assert "<td>类 2008 年金融危机</td>" in zh and "<td>2008-like crisis</td>" not in zh
    assert "供参考" in zh  # the stress summary's "info" badge
    assert ">info<" not in zh


def test_audit_trail_shows_last_verification_in_firm_time(web_as, compliance_officer):
    cache.set("audit:last_verify", {"intact": True, "at": NOW.isoformat()}, None)
    try:
        html = web_as(compliance_officer).get(reverse("audit:browser")).content.decode()
    finally:
        cache.delete("audit:last_verify")
    assert "2026-06-15 20:00" in html and NOW.isoformat() not in html
    assert timezone.get_default_timezone_name() == "Asia/Shanghai"


def test_form_labels_ending_in_a_question_mark_get_no_extra_colon(web_as, client_user, client_file):
    http = web_as(client_user)
    http.cookies["django_language"] = "zh-hans"
    html = http.get("/portal/complaints/new/").content.decode()
    assert "涉及什么事项？</label>" in html and "？：" not in html


def test_single_checkbox_label_has_no_colon(web_as, client_user, client_file, advisor, risk_reviewer):
    from tests.planning.test_views import _advance

    proposal = make_ready_proposal(client=client_file, advisor=advisor)
    from tests.factories import UserFactory

    compliance = UserFactory(role="compliance", email="c2@example.test")
    _advance(proposal, advisor, risk_reviewer, compliance)
    html = web_as(client_user).get(reverse("planning_portal:proposal_detail", args=[proposal.pk])).content
    assert "I have read and understood the risk disclosure.</label>" in html.decode()


def test_draft_with_a_failing_check_says_it_cannot_be_submitted_yet(web_as, advisor, client_file):
    from decimal import Decimal

    from tests.planning.factories import ProductFactory

    ok = make_ready_proposal(client=client_file, advisor=advisor)
    html = web_as(advisor).get(reverse("planning:proposal_detail", args=[ok.pk])).content.decode()
    assert "cannot be submitted until every check passes" not in html
    product = ProductFactory(risk_rating="R2")
    failing = make_ready_proposal(client=client_file, advisor=advisor, lines=[(product, Decimal("100000"))])
    assert failing.checks["failures"]
    html = web_as(advisor).get(reverse("planning:proposal_detail", args=[failing.pk])).content.decode()
    assert "cannot be submitted until every check passes" in html
