"""Violations with teeth: several accountability actions, measures that block evaluation and warn
when overdue, the regulator report of a major case, the outcome letter and the digest."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from rest_framework.test import APIClient

from advisory.documents import document_render
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.models import ArchivedDocument, DocumentStatus, Notification
from advisory.staff.models import PermissionRestriction, StaffReminder
from complaints import services, violations
from complaints.models import (
    AccountabilityAction,
    ConductDigest,
    DigestReading,
    MeasureStatus,
    ViolationSanction,
    ViolationStage,
)
from tests.complaints.factories import make_client, make_complaint

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 10, 2, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def case(advisor, compliance_officer, client_user):
    client = make_client(advisor=advisor, user=client_user, name="王女士")
    complaint = make_complaint(client=client, actor=compliance_officer)
    case = services.violation_open(
        complaint=complaint, actor=compliance_officer, staff_member=advisor, summary="Mis-selling"
    )
    services.violation_update(
        case=case,
        actor=compliance_officer,
        verification_notes="v",
        investigation_notes="i",
        finding="Sold an R4 product to a C2 client.",
        substantiated=True,
    )
    for _ in range(3):
        case = services.violation_advance(case=case, actor=compliance_officer)
    return case


def test_a_case_carries_several_actions_and_a_suspension_creates_a_restriction(
    case, compliance_officer, advisor
):
    # when
    violations.sanction_add(
        case=case,
        actor=compliance_officer,
        action=AccountabilityAction.SUSPENSION,
        starts_on=datetime.date(2026, 6, 10),
        ends_on=datetime.date(2026, 6, 20),
    )
    violations.sanction_add(case=case, actor=compliance_officer, action=AccountabilityAction.BONUS_DEDUCTION)
    # then
    assert ViolationSanction.objects.filter(case=case).count() == 2
    restriction = PermissionRestriction.objects.get(staff_member=advisor)
    assert restriction.case_ref == f"VC-{case.pk}"
    assert restriction.blocks_submission and restriction.blocks_approval and restriction.blocks_clients
    case = services.violation_advance(case=case, actor=compliance_officer)
    assert case.stage == ViolationStage.RECTIFICATION


def test_suspension_needs_its_period_and_a_substantiated_case(case, compliance_officer):
    with pytest.raises(DomainError) as missing:
        violations.sanction_add(case=case, actor=compliance_officer, action=AccountabilityAction.SUSPENSION)
    assert missing.value.fields.get("ends_on")


def test_advisor_cannot_decide_actions(case, colleague):
    with pytest.raises(NotAllowed):
        violations.sanction_add(case=case, actor=colleague, action=AccountabilityAction.VERBAL_WARNING)


def test_open_measure_blocks_evaluation_and_overdue_measure_warns_once(
    frozen, case, compliance_officer, supervisor
):
    # given
    violations.sanction_add(case=case, actor=compliance_officer, action=AccountabilityAction.WRITTEN_WARNING)
    case = services.violation_advance(case=case, actor=compliance_officer)
    measure = services.measure_add(
        case=case,
        actor=compliance_officer,
        description="Retrain",
        owner=supervisor,
        due_on=datetime.date(2026, 6, 12),
    )
    # then: the case cannot move to evaluation while the measure is open
    with pytest.raises(Conflict) as blocked:
        services.violation_advance(case=case, actor=compliance_officer)
    assert "still open" in blocked.value.message
    # when: the due date passes
    frozen.move_to(datetime.datetime(2026, 6, 13, 2, 0, tzinfo=datetime.UTC))
    assert violations.measures_overdue_sweep() == 1
    assert violations.measures_overdue_sweep() == 0
    assert Notification.objects.filter(recipient=supervisor, kind="complaints.measure_overdue").count() == 1
    assert StaffReminder.objects.filter(kind="measure_overdue").count() == 1
    # when: it is done
    services.measure_set_status(measure=measure, actor=supervisor, status=MeasureStatus.DONE)
    case = services.violation_advance(case=case, actor=compliance_officer)
    assert case.stage == ViolationStage.EVALUATION
    assert violations.measures_overdue_sweep() == 0


def _to_evaluation(case, compliance_officer, supervisor):
    violations.sanction_add(case=case, actor=compliance_officer, action=AccountabilityAction.WRITTEN_WARNING)
    case = services.violation_advance(case=case, actor=compliance_officer)
    m = services.measure_add(
        case=case,
        actor=compliance_officer,
        description="Retrain",
        owner=supervisor,
        due_on=datetime.date(2026, 7, 1),
    )
    services.measure_set_status(measure=m, actor=supervisor, status=MeasureStatus.DONE)
    case = services.violation_advance(case=case, actor=compliance_officer)
    services.violation_update(
        case=case, actor=compliance_officer, evaluation_notes="Sampled 20 sales: clean."
    )
    return case


def test_major_violation_closes_only_with_regulator_report(case, compliance_officer, supervisor):
    violations.violation_set_severity(case=case, actor=compliance_officer, severity="major")
    case = _to_evaluation(case, compliance_officer, supervisor)
    with pytest.raises(Conflict) as blocked:
        services.violation_advance(case=case, actor=compliance_officer)
    assert "regulator" in blocked.value.message
    with pytest.raises(DomainError):
        violations.regulator_report_record(
            case=case, actor=compliance_officer, reported_on=datetime.date(2026, 6, 11), reference="R-1"
        )  # in the future
    violations.regulator_report_record(
        case=case,
        actor=compliance_officer,
        reported_on=datetime.date(2026, 6, 10),
        reference="监管报告-2026-017",
    )
    case = services.violation_advance(case=case, actor=compliance_officer)
    assert case.stage == ViolationStage.CLOSED
    assert case.regulator_reference == "监管报告-2026-017"


def test_a_closed_case_keeps_its_measures_as_closed(case, compliance_officer, supervisor):
    from complaints.models import RectificationMeasure

    case = _to_evaluation(case, compliance_officer, supervisor)
    measure = RectificationMeasure.objects.get(case=case)
    case = services.violation_advance(case=case, actor=compliance_officer)
    assert case.stage == ViolationStage.CLOSED
    with pytest.raises(Conflict, match="closed"):
        services.measure_set_status(measure=measure, actor=supervisor, status=MeasureStatus.OPEN)
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.DONE and measure.completed_on


def test_a_measure_status_is_set_on_the_measure_as_it_is_now(case, compliance_officer, supervisor):
    from complaints.models import RectificationMeasure

    violations.sanction_add(case=case, actor=compliance_officer, action=AccountabilityAction.WRITTEN_WARNING)
    case = services.violation_advance(case=case, actor=compliance_officer)
    measure = services.measure_add(
        case=case, actor=compliance_officer, description="Retrain", owner=supervisor,
        due_on=datetime.date(2026, 7, 1),
    )  # fmt: skip
    on_the_page = RectificationMeasure.objects.get(pk=measure.pk)
    measure.description = "Retrain the whole team"  # corrected meanwhile (admin inline)
    audited_save(measure, actor=compliance_officer, reason="measure corrected")
    services.measure_set_status(measure=on_the_page, actor=supervisor, status=MeasureStatus.DONE)
    measure.refresh_from_db()
    assert (measure.status, measure.description) == (MeasureStatus.DONE, "Retrain the whole team")


def test_outcome_fed_back_to_client_with_letter_and_apology(
    case, compliance_officer, supervisor, client_user
):
    # given
    case = _to_evaluation(case, compliance_officer, supervisor)
    # when
    violations.violation_feedback_send(
        case=case, actor=compliance_officer, message="We found the complaint justified."
    )
    # then: a portal notification and a rendered letter in the archive, with the apology
    note = Notification.objects.get(recipient=client_user, kind="complaints.violation_outcome")
    assert "/portal/complaints/" in note.url
    doc = ArchivedDocument.objects.get(kind=violations.LETTER_KIND, subject_id=str(case.pk))
    assert doc.client_id == case.client_id and doc.params["apology"] is True
    document_render(document_id=doc.pk)
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.READY and doc.size_bytes > 1000


def test_feedback_refused_before_evaluation(case, compliance_officer):
    with pytest.raises(Conflict):
        violations.violation_feedback_send(case=case, actor=compliance_officer, message="x")


def test_digest_of_closed_cases_is_anonymised_published_once_and_reading_tracked(
    case, compliance_officer, supervisor, advisor, colleague
):
    # given: a closed case
    case = _to_evaluation(case, compliance_officer, supervisor)
    services.violation_advance(case=case, actor=compliance_officer)
    # when
    digest = violations.conduct_digest_publish(
        period_start=datetime.date(2026, 6, 1), period_end=datetime.date(2026, 6, 30)
    )
    again = violations.conduct_digest_publish(
        period_start=datetime.date(2026, 6, 1), period_end=datetime.date(2026, 6, 30)
    )
    # then
    assert again is None and ConductDigest.objects.count() == 1
    entry = digest.cases[0]
    assert entry["role"] == "advisor" and "Advisor Ann" not in str(entry) and "王女士" not in str(entry)
    assert Notification.objects.filter(kind="complaints.conduct_digest", recipient=colleague).exists()
    violations.digest_mark_read(digest=digest, reader=colleague)
    violations.digest_mark_read(digest=digest, reader=colleague)
    assert DigestReading.objects.filter(digest=digest).count() == 1
    read, unread = violations.digest_readers(digest=digest)
    assert colleague in read and advisor in unread


def test_digest_task_publishes_last_month(frozen, case, compliance_officer, supervisor):
    from complaints.tasks import conduct_digest_task

    case = _to_evaluation(case, compliance_officer, supervisor)
    services.violation_advance(case=case, actor=compliance_officer)
    frozen.move_to(datetime.datetime(2026, 7, 1, 0, 0, tzinfo=datetime.UTC))
    pk = conduct_digest_task.apply().get()
    assert ConductDigest.objects.get(pk=pk).period_start == datetime.date(2026, 6, 1)
    assert conduct_digest_task.apply().get() is None


def test_api_sanctions_and_digest_read(case, compliance_officer, advisor, colleague):
    api = APIClient()
    api.force_authenticate(compliance_officer)
    r = api.post(
        f"/api/v1/complaints/violations/{case.pk}/sanctions/",
        {"action": "suspension", "starts_on": "2026-06-10", "ends_on": "2026-06-12"},
        format="json",
    )
    assert r.status_code == 201, r.content
    r = api.post(f"/api/v1/complaints/violations/{case.pk}/sanctions/", {"action": "nonsense"}, format="json")
    assert r.status_code == 400 and "action" in r.json()["error"]["fields"]
    # an advisor may not decide actions (and does not see violation cases)
    api.force_authenticate(colleague)
    r = api.post(
        f"/api/v1/complaints/violations/{case.pk}/sanctions/", {"action": "verbal_warning"}, format="json"
    )
    assert r.status_code == 403
    digest = ConductDigest.objects.create(
        period_start=datetime.date(2026, 5, 1),
        period_end=datetime.date(2026, 5, 31),
        published_at=NOW,
        cases=[],
    )
    r = api.post(f"/api/v1/complaints/digests/{digest.pk}/read/")
    assert r.status_code == 200 and r.json()["read_by_me"] is True


def test_client_downloads_the_outcome_letter_and_outsider_cannot(
    web_as, case, compliance_officer, supervisor, client_user, outsider_user
):
    # given
    case = _to_evaluation(case, compliance_officer, supervisor)
    violations.violation_feedback_send(
        case=case, actor=compliance_officer, message="Justified; we apologise."
    )
    doc = ArchivedDocument.objects.get(kind=violations.LETTER_KIND)
    document_render(document_id=doc.pk)
    url = f"/portal/complaints/{case.complaint_id}/letters/{doc.pk}/"
    # then
    page = web_as(client_user).get(f"/portal/complaints/{case.complaint_id}/").content.decode()
    assert url in page
    response = web_as(client_user).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content)[:4] == b"%PDF"
    assert web_as(outsider_user).get(url).status_code == 404


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_outcome_letter_in_the_chosen_language(case, compliance_officer, supervisor, language):
    import subprocess

    from django.utils import translation

    # given a case in evaluation for a client who prefers Simplified Chinese
    case = _to_evaluation(case, compliance_officer, supervisor)
    # when compliance sends the outcome choosing the letter's language
    violations.violation_feedback_send(
        case=case, actor=compliance_officer, message="Justified.", language=language
    )
    # then the letter is stored in that language, titled and written in it
    doc = ArchivedDocument.objects.get(kind=violations.LETTER_KIND, subject_id=str(case.pk))
    assert doc.language == language
    document_render(document_id=doc.pk)
    doc.refresh_from_db()
    text = subprocess.run(["pdftotext", doc.file.path, "-"], capture_output=True, check=True).stdout.decode()
    with translation.override(language):
        heading = translation.gettext("What we have changed")
        title = translation.gettext("Outcome of your complaint %(n)s") % {"n": case.complaint.number}
    assert heading in text and doc.title == title and title in text  # the running header
    assert "complaints." not in text and "{%" not in text
