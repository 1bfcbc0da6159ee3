"""Staff qualifications and training, improvement actions (PDCA), targets and the report."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.models import ArchivedDocument, StaffQualification
from advisory.oversight import services
from advisory.oversight.models import ImprovementAction, QualityTarget, TrainingRecord
from audit.models import AuditEntry
from tests.factories import StaffQualificationFactory

from .factories import (
    ImprovementActionFactory,
    TrainingRecordFactory,
    aware,
    make_client,
    make_complaint,
    make_violation,
)

NOW = aware(2026, 6, 15, 12)
TODAY = datetime.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


# --- staff ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "compliance_officer", "administrator"])
def test_oversight_roles_add_a_qualification(request, web_as, advisor, who):
    actor = request.getfixturevalue(who)
    response = web_as(actor).post(
        reverse("oversight:qualification_add", args=[advisor.pk]),
        {
            "kind": "cfa",
            "number": f"CFA-{who}",
            "issued_on": "2024-01-01",
            "expires_on": "2027-01-01",
            "qualifies_for_advice": "on",
        },
    )
    assert response.status_code == 302
    q = StaffQualification.objects.get(number=f"CFA-{who}")
    assert q.user == advisor
    assert AuditEntry.objects.filter(
        record_type="advisory.staffqualification", record_id=str(q.pk), actor=actor
    ).exists()


@pytest.mark.parametrize("who", ["advisor", "risk_reviewer"])
def test_other_staff_cannot_manage_staff(request, web_as, api_as, colleague, who):
    actor = request.getfixturevalue(who)
    before = StaffQualification.objects.count()
    http = web_as(actor)
    assert http.get(reverse("oversight:staff_list")).status_code == 403
    assert http.get(reverse("oversight:staff_detail", args=[colleague.pk])).status_code == 403
    assert (
        http.post(
            reverse("oversight:qualification_add", args=[colleague.pk]),
            {"kind": "cfa", "number": "X", "issued_on": "2024-01-01"},
        ).status_code
        == 403
    )
    assert (
        api_as(actor)
        .post(
            "/api/v1/oversight/qualifications/",
            {"user": colleague.pk, "kind": "cfa", "number": "Y", "issued_on": "2024-01-01"},
        )
        .status_code
        == 403
    )
    assert StaffQualification.objects.count() == before


def test_qualification_rules(supervisor, advisor, client_user):
    with pytest.raises(DomainError):
        services.qualification_create(
            actor=supervisor,
            user=advisor,
            kind="cfa",
            number="N1",
            issued_on=TODAY,
            expires_on=TODAY - datetime.timedelta(days=1),
        )
    services.qualification_create(
        actor=supervisor, user=advisor, kind="cfa", number="N1", issued_on=TODAY, expires_on=None
    )
    with pytest.raises(Conflict):
        services.qualification_create(
            actor=supervisor, user=advisor, kind="cfa", number="N1", issued_on=TODAY, expires_on=None
        )
    with pytest.raises(DomainError):
        services.qualification_create(
            actor=supervisor, user=client_user, kind="cfa", number="N2", issued_on=TODAY, expires_on=None
        )


def test_staff_pages_and_query_counts(
    web_as, compliance_officer, supervisor, advisor, colleague, django_assert_max_num_queries
):
    for i in range(8):
        TrainingRecordFactory(user=advisor, completed_on=TODAY - datetime.timedelta(days=i), hours=2)
        StaffQualificationFactory(user=colleague, kind="other")
    client = make_client(advisor=advisor)
    complaint = make_complaint(client=client, received_at=aware(2026, 6, 1))
    make_violation(
        complaint=complaint, staff_member=advisor, opened_by=compliance_officer, opened_at=aware(2026, 6, 2)
    )
    http = web_as(compliance_officer)
    with django_assert_max_num_queries(12):
        body = http.get(reverse("oversight:staff_list")).content.decode()
    assert "Advisor Ann" in body
    assert re.search(r"<td>16(\.0)?</td>", body)
    with django_assert_max_num_queries(16):
        body = http.get(reverse("oversight:staff_detail", args=[advisor.pk])).content.decode()
    assert "Conduct violations" in body and "VC-" in body
    api = http.get("/api/v1/oversight/staff/")
    assert api.status_code == 200


def test_training_recorded_through_api(api_as, supervisor, advisor):
    response = api_as(supervisor).post(
        "/api/v1/oversight/training/",
        {"user": advisor.pk, "title": "AML refresher", "hours": "3.5", "due_on": "2026-07-01"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert TrainingRecord.objects.get(title="AML refresher").user == advisor
    bad = api_as(supervisor).post(
        "/api/v1/oversight/training/",
        {
            "user": advisor.pk,
            "title": "x",
            "hours": "1",
            "due_on": "2026-07-01",
            "completed_on": "2026-12-01",
        },
        format="json",
    )
    assert bad.status_code == 400 and "completed_on" in bad.json()["error"]["fields"]


# --- improvement actions ----------------------------------------------------------------------


def test_pdca_flow_with_effectiveness_check(supervisor, advisor):
    # given
    action = services.action_create(
        actor=supervisor,
        title="Faster acknowledgements",
        link_type="indicator",
        link_ref="first_response",
        owner=advisor,
        due_on=TODAY,
    )
    # when: the owner does the work
    services.action_transition(actor=advisor, action=action, to="do")
    services.action_transition(actor=advisor, action=action, to="check")
    # then: it cannot be closed before the effectiveness check
    with pytest.raises(Conflict):
        services.action_transition(actor=supervisor, action=action, to="act")
    with pytest.raises(NotAllowed):
        services.action_check(actor=advisor, action=action, effectiveness="effective", note="x")
    services.action_check(actor=supervisor, action=action, effectiveness="effective", note="FRT down to 10 h")
    services.action_transition(actor=supervisor, action=action, to="act")
    with pytest.raises(NotAllowed):
        services.action_transition(actor=advisor, action=action, to="closed")
    services.action_transition(actor=supervisor, action=action, to="closed")
    action.refresh_from_db()
    assert action.status == "closed" and action.completed_on == TODAY and action.checked_by == supervisor
    assert (
        AuditEntry.objects.filter(action="transition", record_type="oversight.improvementaction").count() == 4
    )
    with pytest.raises(Conflict):
        services.action_transition(actor=supervisor, action=action, to="plan")


def _action_being_checked(supervisor, advisor):
    """An action at the check step, and a copy of it as its edit form read it."""
    action = services.action_create(
        actor=supervisor, title="Faster acknowledgements", link_type="indicator",
        link_ref="first_response", owner=advisor, due_on=TODAY,
    )  # fmt: skip
    for step in ("do", "check"):
        services.action_transition(actor=advisor, action=action, to=step)
    return action, ImprovementAction.objects.get(pk=action.pk)


def test_editing_an_action_keeps_a_close_saved_while_the_form_was_open(supervisor, advisor):
    # given the owner opened the edit form of an action that is being checked
    action, on_the_form = _action_being_checked(supervisor, advisor)
    # when the supervisor checks and closes it before the owner saves
    services.action_check(actor=supervisor, action=action, effectiveness="effective", note="FRT down")
    services.action_transition(actor=supervisor, action=action, to="act")
    services.action_transition(actor=supervisor, action=action, to="closed")
    # then the owner's save is refused as on a closed action, and the close and the check stand
    with pytest.raises(Conflict):
        services.action_update(
            actor=advisor, action=on_the_form, title="Renamed", description="", owner=advisor, due_on=TODAY
        )
    action.refresh_from_db()
    assert (action.status, action.effectiveness, action.checked_by) == ("closed", "effective", supervisor)
    assert action.title == "Faster acknowledgements"


def test_editing_an_action_keeps_a_check_saved_while_the_form_was_open(supervisor, advisor):
    action, on_the_form = _action_being_checked(supervisor, advisor)
    services.action_check(actor=supervisor, action=action, effectiveness="effective", note="FRT down")
    services.action_update(
        actor=advisor, action=on_the_form, title="Renamed", description="d", owner=advisor, due_on=TODAY
    )
    action.refresh_from_db()
    assert action.title == "Renamed"
    assert (action.status, action.effectiveness, action.checked_by) == ("check", "effective", supervisor)


def test_action_links_to_complaint_and_violation(supervisor, advisor, compliance_officer):
    complaint = make_complaint(client=make_client(advisor=advisor), received_at=aware(2026, 6, 1))
    a = services.action_create(
        actor=supervisor,
        title="t",
        link_type="complaint",
        link_ref=complaint.number,
        owner=advisor,
        due_on=TODAY,
    )
    assert a.link_ref == str(complaint.pk)
    v = make_violation(
        complaint=complaint, staff_member=advisor, opened_by=compliance_officer, opened_at=aware(2026, 6, 2)
    )
    b = services.action_create(
        actor=supervisor, title="t", link_type="violation", link_ref=str(v.pk), owner=advisor, due_on=TODAY
    )
    assert b.link_ref == str(v.pk)
    with pytest.raises(DomainError):
        services.action_create(
            actor=supervisor, title="t", link_type="complaint", link_ref="999999", owner=advisor, due_on=TODAY
        )
    with pytest.raises(DomainError):
        services.action_create(
            actor=supervisor, title="t", link_type="indicator", link_ref="nope", owner=advisor, due_on=TODAY
        )


def test_owner_sees_only_own_actions(
    web_as, api_as, advisor, colleague, supervisor, django_assert_max_num_queries
):
    mine = ImprovementActionFactory(owner=advisor)
    theirs = ImprovementActionFactory(owner=colleague)
    for _ in range(10):
        ImprovementActionFactory(owner=colleague)
    assert web_as(advisor).get(reverse("oversight:action_detail", args=[theirs.pk])).status_code == 404
    assert web_as(advisor).get(reverse("oversight:action_detail", args=[mine.pk])).status_code == 200
    ids = [a["id"] for a in api_as(advisor).get("/api/v1/oversight/actions/").json()["results"]]
    assert ids == [mine.pk]
    assert api_as(advisor).post("/api/v1/oversight/actions/", {}).status_code == 403
    http = web_as(supervisor)
    with django_assert_max_num_queries(12):
        assert http.get(reverse("oversight:action_list")).status_code == 200


def test_action_screens(web_as, supervisor, advisor):
    http = web_as(supervisor)
    response = http.post(
        reverse("oversight:action_add"),
        {
            "title": "Coach on disclosures",
            "link_type": "indicator",
            "link_ref": "csat",
            "owner": advisor.pk,
            "due_on": "2026-07-31",
        },
    )
    assert response.status_code == 302
    action = ImprovementAction.objects.get(title="Coach on disclosures")
    http.post(reverse("oversight:action_detail", args=[action.pk]), {"to": "do"})
    action.refresh_from_db()
    assert action.status == "do"
    # a forbidden step is a message, not an error page
    response = http.post(reverse("oversight:action_detail", args=[action.pk]), {"to": "closed"}, follow=True)
    assert response.status_code == 200 and "cannot move" in response.content.decode()


# --- targets ----------------------------------------------------------------------------------


def test_targets_are_editable_by_oversight_only(web_as, api_as, supervisor, advisor):
    response = web_as(supervisor).post(
        reverse("oversight:targets"),
        {"indicator": "csat", "csat-target": "4.5", "csat-direction": "higher", "csat-amber_band": "0.2"},
    )
    assert response.status_code == 302
    assert QualityTarget.objects.get(indicator="csat").target == pytest.approx(4.5)
    assert web_as(advisor).post(reverse("oversight:targets"), {"indicator": "csat"}).status_code == 403
    r = api_as(supervisor).post(
        "/api/v1/oversight/targets/",
        {"indicator": "nps", "target": "40", "direction": "higher", "amber_band": "5"},
    )
    assert r.status_code == 201
    assert api_as(advisor).get("/api/v1/oversight/targets/").status_code == 403


def test_indicator_api_with_filters(api_as, supervisor):
    r = api_as(supervisor).get("/api/v1/oversight/indicators/?month=2026-05&span=3")
    assert r.status_code == 200
    body = r.json()
    assert body["period"] == {"end_month": "2026-05-01", "span": 3}
    assert {row["code"] for row in body["results"]} >= {"csat", "nps", "complaint_rate"}
    one = api_as(supervisor).get("/api/v1/oversight/indicators/csat/")
    assert one.status_code == 200 and one.json()["code"] == "csat"


# --- monthly report ---------------------------------------------------------------------------


def test_monthly_report_pdf_is_generated_and_archived(web_as, supervisor, django_capture_on_commit_callbacks):
    http = web_as(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(
            reverse("oversight:report_generate"), {"month": "2026-05"}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    doc = ArchivedDocument.objects.get(kind=services.REPORT_KIND)
    assert doc.status == "ready" and len(doc.sha256) == 64 and doc.version == 1
    status = http.get(reverse("oversight:report_status", args=[doc.pk])).content.decode()
    assert "Download PDF" in status
    download = http.get(reverse("oversight:report_download", args=[doc.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:4] == b"%PDF"


def test_monthly_report_task_adds_a_version(db, django_capture_on_commit_callbacks):
    from advisory.oversight.tasks import monthly_quality_report_task

    with django_capture_on_commit_callbacks(execute=True):
        monthly_quality_report_task()
        monthly_quality_report_task()
    versions = list(
        ArchivedDocument.objects.filter(kind=services.REPORT_KIND).values_list("version", flat=True)
    )
    assert sorted(versions) == [1, 2]
    assert ArchivedDocument.objects.filter(subject_id__isnull=False).first().params["month"] == "2026-05-01"


def test_advisor_cannot_generate_report(web_as, advisor):
    assert web_as(advisor).post(reverse("oversight:report_generate"), {"month": "2026-05"}).status_code == 403
    assert not ArchivedDocument.objects.exists()


def test_action_step_buttons_name_actions(web_as, supervisor, advisor):
    # given an improvement action in its "check" stage
    http = web_as(supervisor)
    http.post(
        reverse("oversight:action_add"),
        {
            "title": "Buttons",
            "link_type": "indicator",
            "link_ref": "csat",
            "owner": advisor.pk,
            "due_on": "2026-07-31",
        },
    )
    action = ImprovementAction.objects.get(title="Buttons")
    for to in ("do", "check"):
        http.post(reverse("oversight:action_detail", args=[action.pk]), {"to": to})
    # when it is opened
    page = http.get(reverse("oversight:action_detail", args=[action.pk])).content.decode()
    # then the buttons name the two ways on (forward and back), not the stages
    assert ">Act on the result</button>" in page and ">Back to doing</button>" in page
    assert ">Act</button>" not in page and ">Do</button>" not in page


def test_report_status_shows_the_hash_once_ready(web_as, supervisor):
    import datetime

    # given a report that finished rendering while its status was being polled
    doc = services.quality_report_request(actor=None, month=datetime.date(2026, 5, 1), render_now=True)
    # when the page polls its status
    status = web_as(supervisor).get(reverse("oversight:report_status", args=[doc.pk])).content.decode()
    # then the download link and the SHA-256 are there, without reloading the page
    assert "Download PDF" in status and f"SHA-256 {doc.sha256}" in status and "hx-get" not in status
