"""The pieces other apps call: warnings for the oversight sweep, panels, the client-page section,
the beat task, the demo seed and the admin."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from advisory.models import RiskWarning, WarningKind
from advisory.warnings import warning_sync
from risk.client_sections import client_sections
from risk.models import AssessmentStatus, QuestionnaireVersion, VersionStatus
from risk.panels import portal_panels, workspace_panels
from risk.services import suitability_exception_request
from risk.warnings import active_warnings
from tests.risk.factories import ClientFactory, ProductFactory, make_assessment

pytestmark = pytest.mark.django_db


def test_active_warnings_for_expired_profiles_and_pending_exceptions(own_client, other_client, advisor):
    today = datetime.date.today()
    make_assessment(client=own_client, level="C3", valid_until=today - datetime.timedelta(days=2))
    make_assessment(client=other_client, level="C3")
    exc_client = ClientFactory(advisor=advisor)
    make_assessment(client=exc_client, level="C2")
    exc = suitability_exception_request(
        max_amount=100000,
        client=exc_client,
        product=ProductFactory(risk_rating="R3"),
        actor=advisor,
        client_reason="x",
    )
    # when
    active = active_warnings()
    # then
    assert set(active[WarningKind.PROFILE_EXPIRED]) == {("clients.client", str(own_client.pk))}
    assert set(active[WarningKind.SUITABILITY_EXCEPTION]) == {("risk.suitabilityexception", str(exc.pk))}
    assert active[WarningKind.PROFILE_EXPIRING] == {}
    for kind, subjects in active.items():
        warning_sync(kind=kind, active=subjects)
    assert RiskWarning.objects.filter(is_open=True).count() == 2
    # a new confirmed assessment makes the expired-profile warning go away
    make_assessment(client=own_client, level="C3")
    assert active_warnings()[WarningKind.PROFILE_EXPIRED] == {}


def test_expiring_profile_warning(own_client):
    today = datetime.date.today()
    make_assessment(client=own_client, valid_until=today + datetime.timedelta(days=30))
    assert set(active_warnings()[WarningKind.PROFILE_EXPIRING]) == {("clients.client", str(own_client.pk))}
    make_assessment(client=own_client, valid_until=today + datetime.timedelta(days=365))
    assert active_warnings()[WarningKind.PROFILE_EXPIRING] == {}


def test_advisor_panel_lists_expiring_profiles_of_own_book(own_client, other_client, advisor):
    today = datetime.date.today()
    make_assessment(client=own_client, valid_until=today + datetime.timedelta(days=10))
    make_assessment(client=other_client, valid_until=today + datetime.timedelta(days=10))
    panel = workspace_panels(advisor)[0]
    assert [i["label"] for i in panel["items"]] == [own_client.name]


def test_reviewer_panels(risk_reviewer, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        panels = workspace_panels(risk_reviewer)
    assert len(panels) == 2


def test_portal_panel(own_client, client_user):
    make_assessment(client=own_client, level="C4")
    panel = portal_panels(client_user)[0]
    assert "C4" in panel["items"][0]["label"]


def test_client_sections_in_three_queries_and_render(
    own_client, advisor, outsider_user, django_assert_max_num_queries
):
    from risk.services import life_event_record

    for level in ("C2", "C3"):
        make_assessment(client=own_client, level=level, status=AssessmentStatus.SUPERSEDED)
    make_assessment(client=own_client, level="C4")
    for kind in ("marriage", "inheritance"):
        life_event_record(client=own_client, actor=advisor, kind=kind, occurred_on=datetime.date(2026, 1, 1))
    # risk profile: 2 queries; life events: 1 query, however many events
    with django_assert_max_num_queries(3):
        sections = client_sections(client=own_client, user=advisor)
    events = sections[1]["context"]["events"]
    assert len(events) == 2
    html = render_to_string(sections[1]["template"], {"ctx": sections[1]["context"]})
    assert reverse("risk:life_event_new", args=[own_client.pk]) in html
    ctx = sections[0]["context"]
    assert ctx["current"].effective_level == "C4" and len(ctx["history"]) == 3
    html = render_to_string(sections[0]["template"], {"ctx": ctx})
    assert "C4" in html and reverse("risk:assessment_new", args=[own_client.pk]) in html
    assert client_sections(client=own_client, user=outsider_user) == []


def test_beat_task_runs_the_sweep(own_client):
    from risk.tasks import assessment_expiry_sweep_task

    make_assessment(client=own_client, valid_until=datetime.date.today() - datetime.timedelta(days=1))
    assert assessment_expiry_sweep_task() == {"reminded": 0, "expired": 1}
    assert assessment_expiry_sweep_task() == {"reminded": 0, "expired": 0}


def test_task_declared_in_schedules():
    from advisory.schedules import PERIODIC_TASKS

    assert "risk.tasks.assessment_expiry_sweep_task" in {t["task"] for t in PERIODIC_TASKS.values()}


def test_admin_published_version_is_read_only(web_as, administrator, version):
    http = web_as(administrator)
    resp = http.get(reverse("admin:risk_questionnaireversion_change", args=[version.pk]))
    assert resp.status_code == 200 and b'name="title"' not in resp.content
    draft = QuestionnaireVersion.objects.create(
        questionnaire=version.questionnaire, number=2, title="Draft", score_bands=version.score_bands
    )
    resp = http.get(reverse("admin:risk_questionnaireversion_change", args=[draft.pk]))
    assert b'name="title"' in resp.content
    assert draft.status == VersionStatus.DRAFT


def test_demo_seed_is_idempotent(advisor, compliance_officer, risk_reviewer, administrator):
    from advisory.roles import Role
    from risk import demo
    from risk.models import Product, Risk, RiskAssessment, SuitabilityException

    clients = [ClientFactory(advisor=advisor) for _ in range(10)]
    ctx = {
        "today": datetime.date.today(),
        "users": {Role.ADMINISTRATOR: administrator, Role.COMPLIANCE: compliance_officer,
                  Role.RISK_REVIEWER: risk_reviewer},
        "advisor": advisor,
        "clients": clients,
    }  # fmt: skip
    demo.seed(ctx)
    counts = (Product.objects.count(), RiskAssessment.objects.count(), Risk.objects.count())
    demo.seed(ctx)
    assert (Product.objects.count(), RiskAssessment.objects.count(), Risk.objects.count()) == counts
    assert counts[0] >= 15 and counts[1] == 10 and counts[2] >= 10
    assert QuestionnaireVersion.objects.filter(status="published").get().questions.count() == 10
    assert RiskAssessment.objects.filter(status="draft").exclude(contradictions=[]).exists()
    assert RiskAssessment.objects.filter(status="expired").exists()
    assert SuitabilityException.objects.filter(status="requested").exists()
    today = ctx["today"]
    assert RiskAssessment.objects.filter(
        status="confirmed", valid_until__range=(today, today + datetime.timedelta(days=30))
    ).exists()
    assert len({r.level for r in Risk.objects.all()}) == 4
    # issue 14: every product has an approved written rating, one re-rating awaits approval,
    # and the life events include one that flags a profile for re-assessment
    from risk.models import LifeEvent, ProductRatingAssessment

    assert not Product.objects.filter(rating_approved_at__isnull=True).exists()
    assert ProductRatingAssessment.objects.filter(status="pending").count() == 1
    assert LifeEvent.objects.count() == 2
    assert RiskAssessment.objects.filter(needs_reassessment=True).exists()
