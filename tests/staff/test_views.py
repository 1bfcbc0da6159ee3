"""Staff screens and API: permissions per role both ways, field errors, query counts for lists."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from advisory.oversight.models import TrainingRecord
from advisory.roles import Role
from advisory.staff import services
from advisory.staff.models import Appraisal, AuditFinding, ConflictDeclaration, InternalAudit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(advisor, colleague, supervisor, compliance_officer, risk_reviewer, administrator):
    return {
        "advisor": advisor,
        "colleague": colleague,
        "supervisor": supervisor,
        "compliance": compliance_officer,
        "risk": risk_reviewer,
        "admin": administrator,
    }


@pytest.fixture
def audit(compliance_officer, supervisor):
    audit = services.internal_audit_plan(
        actor=compliance_officer,
        area="complaints",
        title="Complaint handling",
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 3, 31),
        planned_on=datetime.date(2026, 4, 1),
        auditor=compliance_officer,
    )
    return services.internal_audit_transition(actor=compliance_officer, audit=audit, to="fieldwork")


@pytest.mark.parametrize(
    "who,url,expected",
    [
        ("supervisor", "/app/staff/", 200),
        ("compliance", "/app/staff/", 200),
        ("admin", "/app/staff/", 200),
        ("advisor", "/app/staff/", 403),
        ("risk", "/app/staff/", 403),
        ("advisor", "/app/staff/me/", 200),
        ("risk", "/app/staff/me/", 200),
        ("supervisor", "/app/staff/plans/", 200),
        ("advisor", "/app/staff/plans/", 403),
        ("compliance", "/app/staff/audits/", 200),
        ("advisor", "/app/staff/audits/", 403),
        ("advisor", "/app/staff/declarations/", 200),
        ("advisor", "/app/staff/declarations/new/", 200),
        ("compliance", "/app/staff/evaluations/new/", 200),
        ("advisor", "/app/staff/evaluations/new/", 403),
        ("advisor", "/app/complaints/digests/", 200),
        ("compliance", "/app/staff/audits/new/", 200),
        ("supervisor", "/app/staff/audits/new/", 403),
    ],
)
def test_pages_by_role(web_as, people, who, url, expected):
    assert web_as(people[who]).get(url).status_code == expected


def test_member_page_and_appraisal_both_ways(web_as, advisor, colleague, supervisor):
    assert web_as(supervisor).get(f"/app/staff/{advisor.pk}/").status_code == 200
    assert web_as(colleague).get(f"/app/staff/{advisor.pk}/").status_code == 403
    assert web_as(colleague).get(f"/app/staff/{advisor.pk}/appraisal/").status_code == 403
    # a bad score is a field error, not a 500
    response = web_as(supervisor).post(
        f"/app/staff/{advisor.pk}/appraisal/",
        {
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
            "theory_score": "150",
            "practical_score": "x",
        },
    )
    assert response.status_code == 400
    assert not Appraisal.objects.exists()


def test_failed_person_sees_the_reason_on_their_own_page(web_as, advisor, supervisor):
    services.appraisal_record(
        actor=supervisor,
        staff_member=advisor,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 1, 31),
        theory_score=Decimal("10"),
        practical_score=Decimal("10"),
    )
    body = web_as(advisor).get("/app/staff/me/").content.decode()
    assert "re-assessment passes" in body


def test_declaration_review_by_compliance_only(web_as, advisor, supervisor, compliance_officer):
    web_as(advisor).post("/app/staff/declarations/new/", {"occasion": "yearly", "has_interests": ""})
    d = ConflictDeclaration.objects.get(staff_member=advisor)
    assert (
        web_as(supervisor).post(f"/app/staff/declarations/{d.pk}/", {"status": "cleared"}).status_code == 403
    )
    assert web_as(advisor).post(f"/app/staff/declarations/{d.pk}/", {"status": "cleared"}).status_code == 403
    response = web_as(compliance_officer).post(f"/app/staff/declarations/{d.pk}/", {"status": "cleared"})
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == "cleared"
    # another advisor cannot even read it
    other = UserFactory(role=Role.ADVISOR)
    assert web_as(other).get(f"/app/staff/declarations/{d.pk}/").status_code == 403


def test_finding_owner_reports_remediation_and_others_cannot(
    web_as, audit, compliance_officer, advisor, colleague
):
    finding = services.finding_add(
        actor=compliance_officer,
        audit=audit,
        title="Late acknowledgements",
        severity="high",
        owner=advisor,
        due_on=datetime.date(2030, 1, 1),
    )
    url = f"/app/staff/findings/{finding.pk}/"
    assert web_as(colleague).get(url).status_code == 403
    assert web_as(advisor).post(url, {"op": "remediate", "remediation": "fixed"}).status_code == 302
    finding.refresh_from_db()
    assert finding.status == "remediated"
    assert web_as(advisor).post(url, {"op": "follow_up", "accept": "1"}).status_code == 403
    assert web_as(compliance_officer).post(url, {"op": "follow_up", "accept": "1"}).status_code == 302
    finding.refresh_from_db()
    assert finding.status == "closed"


def test_conduct_list_query_count(web_as, supervisor, django_assert_max_num_queries):
    for i in range(25):
        user = UserFactory(role=Role.ADVISOR, supervisor=supervisor)
        TrainingRecord.objects.create(
            user=user, title=f"c{i}", topic="aml", hours=Decimal("2"), due_on=datetime.date(2026, 1, 1),
            completed_on=datetime.date(2026, 1, 1),
        )  # fmt: skip
    http = web_as(supervisor)
    with django_assert_max_num_queries(25):
        response = http.get("/app/staff/")
    assert response.status_code == 200 and response.content.decode().count("/app/staff/") > 25


def test_audit_and_finding_lists_query_count(
    web_as, audit, compliance_officer, supervisor, django_assert_max_num_queries
):
    for i in range(20):
        services.finding_add(
            actor=compliance_officer, audit=audit, title=f"F{i}", severity="low", owner=supervisor,
            due_on=datetime.date(2030, 1, 1),
        )  # fmt: skip
    http = web_as(compliance_officer)
    with django_assert_max_num_queries(20):
        assert http.get("/app/staff/audits/").status_code == 200
    with django_assert_max_num_queries(20):
        assert http.get("/app/staff/findings/").status_code == 200
    with django_assert_max_num_queries(25):
        assert http.get(f"/app/staff/audits/{audit.pk}/").status_code == 200
    assert AuditFinding.objects.count() == 20


def test_api_twins_by_role(audit, advisor, supervisor, compliance_officer):
    api = APIClient()
    # advisors: no conduct list, no audits; own declarations yes
    api.force_authenticate(advisor)
    assert api.get("/api/v1/staff/conduct/").status_code == 403
    assert api.get("/api/v1/staff/audits/").json()["count"] == 0
    r = api.post("/api/v1/staff/declarations/", {"occasion": "yearly", "has_interests": False}, format="json")
    assert r.status_code == 201, r.content
    r = api.post("/api/v1/staff/declarations/", {"occasion": "bogus"}, format="json")
    assert r.status_code == 400 and "occasion" in r.json()["error"]["fields"]
    # supervisors appraise; the advisor cannot
    payload = {
        "staff_member": advisor.pk, "period_start": "2026-01-01", "period_end": "2026-01-31",
        "theory_score": "30", "practical_score": "30",
    }  # fmt: skip
    assert api.post("/api/v1/staff/appraisals/", payload, format="json").status_code == 403
    api.force_authenticate(supervisor)
    r = api.post("/api/v1/staff/appraisals/", payload, format="json")
    assert r.status_code == 201 and r.json()["passed"] is False
    r = api.get("/api/v1/staff/restrictions/?active=1")
    assert r.json()["count"] == 1 and "re-assessment" in r.json()["results"][0]["reason"]
    # the person sees their own restriction with its reason
    api.force_authenticate(advisor)
    assert api.get("/api/v1/staff/restrictions/").json()["count"] == 1
    # compliance reviews and works the audit
    api.force_authenticate(compliance_officer)
    d = ConflictDeclaration.objects.get(staff_member=advisor)
    assert (
        api.post(
            f"/api/v1/staff/declarations/{d.pk}/review/", {"status": "cleared"}, format="json"
        ).status_code
        == 200
    )
    r = api.post(
        "/api/v1/staff/findings/",
        {
            "audit": audit.pk,
            "title": "x",
            "severity": "medium",
            "owner": supervisor.pk,
            "due_on": "2030-01-01",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    r = api.get("/api/v1/staff/figures/")
    assert r.status_code == 200 and r.json()["findings_open"] == 1
    assert InternalAudit.objects.get(pk=audit.pk).findings.count() == 1


def test_oversight_dashboard_shows_staff_figures(web_as, audit, compliance_officer, supervisor):
    services.finding_add(
        actor=compliance_officer, audit=audit, title="F", severity="critical", owner=supervisor,
        due_on=datetime.date(2030, 1, 1),
    )  # fmt: skip
    body = web_as(supervisor).get("/app/oversight/").content.decode()
    assert 'id="staff-findings"' in body and "Open internal audit findings" in body


def test_declaration_and_digest_lists_query_count(
    web_as, compliance_officer, supervisor, django_assert_max_num_queries
):
    from complaints.models import ConductDigest

    for _ in range(15):
        services.declaration_submit(
            actor=UserFactory(role=Role.ADVISOR), occasion="yearly", has_interests=False
        )
    for month in range(1, 13):
        ConductDigest.objects.create(
            period_start=datetime.date(2025, month, 1), period_end=datetime.date(2025, month, 28),
            published_at=datetime.datetime(2025, month, 28, tzinfo=datetime.UTC), cases=[],
        )  # fmt: skip
    http = web_as(compliance_officer)
    with django_assert_max_num_queries(15):
        response = http.get("/app/staff/declarations/")
    assert response.status_code == 200 and response.content.decode().count("/app/staff/declarations/") >= 15
    with django_assert_max_num_queries(15):
        response = http.get("/app/complaints/digests/")
    assert response.status_code == 200 and response.content.decode().count("/app/complaints/digests/") >= 12


def test_internal_audit_buttons_name_actions(web_as, audit, compliance_officer):
    # given an audit in fieldwork; when compliance opens it
    page = web_as(compliance_officer).get(reverse("staff:audit_detail", args=[audit.pk])).content.decode()
    # then the button says what happens next, not the name of the next stage
    assert ">Report the results</button>" in page and ">Reported</button>" not in page
