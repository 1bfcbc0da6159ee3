"""Spreadsheets out (issue 19): one mechanism for every staff list (advisory.exports)."""

from __future__ import annotations

import csv
import datetime
import io
import itertools

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from advisory.exports import registry
from advisory.models import ExportJob, ExportStatus, RiskWarning
from audit.models import AuditEntry
from tests.clients.factories import ClientFactory, OnboardingCaseFactory
from tests.complaints.factories import make_client, make_complaint

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def xlsx_rows(response) -> list[list]:
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(r) for r in book.active.iter_rows(values_only=True)]


def export(http, name: str, fmt: str, query: str = ""):
    return http.get(reverse("exports:download", args=[name, fmt]) + (f"?{query}" if query else ""))


def test_every_listed_export_has_columns_and_a_list_page():
    lists = registry.registered()
    assert {
        "clients.clients",
        "clients.onboarding",
        "planning.proposals",
        "complaints.complaints",
        "oversight.warnings",
        "oversight.dashboard",
        "audit.trail",
    } <= set(lists)
    for spec in lists.values():
        reverse(spec.list_url)  # the list page exists
        assert spec.header()


# -- clients ---------------------------------------------------------------------------------------


def test_client_export_applies_the_filters_and_labels(web_as, advisor):
    # given
    ClientFactory(advisor=advisor, name="Active A", status="active")
    ClientFactory(advisor=advisor, name="Prospect P", status="prospect")
    # when
    response = export(web_as(advisor), "clients.clients", "csv", "status=active")
    # then
    rows = csv_rows(response)
    assert rows[0][:3] == ["File number", "Name", "Kind"]
    assert [r[1] for r in rows[1:]] == ["Active A"]
    assert rows[1][3] == "Active"  # the label, not the code
    entry = AuditEntry.objects.get(action="export", record_type="advisory.exportjob")
    assert entry.actor == advisor
    assert entry.changes["rows"] == 1 and entry.changes["format"] == "csv"
    assert entry.changes["filters_in_words"] == ["Status: Active"]


def test_advisor_exports_only_their_own_book(web_as, advisor, colleague, compliance_officer):
    ClientFactory(advisor=advisor, name="Mine")
    ClientFactory(advisor=colleague, name="Theirs")
    mine = csv_rows(export(web_as(advisor), "clients.clients", "csv"))
    assert [r[1] for r in mine[1:]] == ["Mine"]
    everyone = csv_rows(export(web_as(compliance_officer), "clients.clients", "csv"))
    assert sorted(r[1] for r in everyone[1:]) == ["Mine", "Theirs"]


def test_a_client_cannot_reach_any_staff_export(web_as, client_user):
    http = web_as(client_user)
    for name in registry.registered():
        for fmt in ("csv", "xlsx"):
            assert export(http, name, fmt).status_code == 403, name
    assert not ExportJob.objects.exists()


def test_xlsx_in_chinese_with_firm_time_zone(web_as, advisor):
    # given a client opened at 23:30 UTC, which is the next morning in Shanghai
    opened = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    with time_machine.travel(opened, tick=False):
        ClientFactory(advisor=advisor, name="王五")
    http = web_as(advisor)
    http.cookies["django_language"] = "zh-hans"
    # when
    response = export(http, "clients.clients", "xlsx")
    # then
    assert response.status_code == 200
    rows = xlsx_rows(response)
    assert rows[0][:2] == ["档案编号", "姓名"] and rows[0][-1] == "开立时间"
    local = timezone.localtime(opened, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M")
    assert local.startswith("2026-03-02")
    assert rows[1][-1] == local


def test_formula_values_are_neutralised_in_both_formats(web_as, advisor):
    ClientFactory(advisor=advisor, name='=cmd|" /C calc"!A0')
    http = web_as(advisor)
    rows = csv_rows(export(http, "clients.clients", "csv"))
    assert rows[1][1] == '\'=cmd|" /C calc"!A0'
    book = load_workbook(io.BytesIO(export(http, "clients.clients", "xlsx").content))
    cell = book.active.cell(row=2, column=2)
    assert cell.value == '\'=cmd|" /C calc"!A0' and cell.data_type == "s"


def test_export_queries_do_not_grow_with_rows(web_as, advisor, django_assert_max_num_queries):
    http = web_as(advisor)
    ClientFactory.create_batch(3, advisor=advisor)
    with django_assert_max_num_queries(40) as few:
        b"".join(export(http, "clients.clients", "csv").streaming_content)
    ClientFactory.create_batch(30, advisor=advisor)
    with django_assert_max_num_queries(len(few.captured_queries)):
        b"".join(export(http, "clients.clients", "csv").streaming_content)


# -- background exports ----------------------------------------------------------------------------


def test_large_export_runs_in_celery_with_progress_and_an_audited_download(
    web_as, advisor, colleague, settings, django_capture_on_commit_callbacks
):
    # given more rows than the threshold (tasks run eagerly in tests)
    settings.EXPORT_BACKGROUND_THRESHOLD = 3
    ClientFactory.create_batch(5, advisor=advisor)
    http = web_as(advisor)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = export(http, "clients.clients", "xlsx", "sort=name")
    # then the export became a job, written by the task
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("exports:job_detail", args=[job.pk])
    assert job.is_background and job.status == ExportStatus.DONE and job.progress == 100
    assert job.row_count == 5 and job.params == {"sort": "name"} and job.sha256
    page = http.get(reverse("exports:job_detail", args=[job.pk]))
    assert (
        b"progress" in page.content
        and reverse("exports:job_download", args=[job.pk]).encode() in page.content
    )
    assert job.pk in [j.pk for j in http.get(reverse("exports:jobs")).context["jobs"]]
    # the file is the person's own: a colleague gets a 404
    assert web_as(colleague).get(reverse("exports:job_download", args=[job.pk])).status_code == 404
    download = http.get(reverse("exports:job_download", args=[job.pk]))
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True)
    assert len(list(book.active.iter_rows())) == 6
    actions = list(
        AuditEntry.objects.filter(record_type="advisory.exportjob", record_id=str(job.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == ["export", "download"]


def test_progress_page_polls_while_the_job_waits(web_as, advisor):
    job = ExportJob.objects.create(
        requested_by=advisor,
        list_name="clients.clients",
        format="csv",
        created_at=timezone.now(),
        is_background=True,
        total_rows=10,
        progress=40,
        status=ExportStatus.RUNNING,
    )
    http = web_as(advisor)
    fragment = http.get(reverse("exports:job_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 2s"' in fragment.content and b"40%" in fragment.content


# -- the other lists: filter applied → exported rows match ------------------------------------------


def test_onboarding_export_applies_the_step_filter(web_as, advisor):
    OnboardingCaseFactory(
        client=ClientFactory(advisor=advisor), step="initial_review", acceptance_number="ACC-1"
    )
    OnboardingCaseFactory(
        client=ClientFactory(advisor=advisor), step="identity_verification", acceptance_number="ACC-2"
    )
    rows = csv_rows(export(web_as(advisor), "clients.onboarding", "csv", "step=initial_review"))
    assert [r[0] for r in rows[1:]] == ["ACC-1"]
    assert rows[1][3] == "Initial review"


def test_proposal_export_applies_search_and_tab(web_as, advisor, colleague):
    from tests.planning.factories import make_ready_proposal

    mine = make_ready_proposal(client=ClientFactory(advisor=advisor, status="active"), advisor=advisor)
    make_ready_proposal(client=ClientFactory(advisor=colleague, status="active"), advisor=colleague)
    rows = csv_rows(export(web_as(advisor), "planning.proposals", "csv", f"tab=all&q={mine.number}"))
    assert [r[0] for r in rows[1:]] == [mine.number]
    assert rows[1][8] == "Draft"


def test_complaint_export_applies_the_priority_filter(web_as, advisor, colleague):
    client = make_client(advisor=advisor)
    make_complaint(client=client, priority="urgent", subject="Urgent one")
    make_complaint(client=client, priority="normal", subject="Normal one")
    make_complaint(client=make_client(advisor=colleague), priority="urgent", subject="Not my book")
    rows = csv_rows(export(web_as(advisor), "complaints.complaints", "csv", "priority=urgent"))
    assert [r[2] for r in rows[1:]] == ["Urgent one"]
    assert rows[1][5] == "Urgent" and rows[1][4] == "Phone"


def test_warning_export_is_scoped_and_filtered(web_as, advisor, colleague, supervisor):
    at = timezone.now()
    for who, kind, msg in [
        (advisor, "review_overdue", "mine-overdue"),
        (advisor, "profile_expired", "mine-expired"),
        (colleague, "review_overdue", "theirs"),
    ]:
        RiskWarning.objects.create(
            kind=kind, subject_type="t", subject_id=msg, advisor=who, message=msg, opened_at=at
        )
    rows = csv_rows(export(web_as(advisor), "oversight.warnings", "csv", "kind=review_overdue"))
    assert [r[0] for r in rows[1:]] == ["mine-overdue"]
    everyone = csv_rows(export(web_as(supervisor), "oversight.warnings", "csv", "kind=review_overdue"))
    assert sorted(r[0] for r in everyone[1:]) == ["mine-overdue", "theirs"]


def test_dashboard_export_has_one_row_per_indicator_and_the_months(web_as, compliance_officer, advisor):
    from advisory.oversight.indicators import INDICATORS

    response = export(web_as(compliance_officer), "oversight.dashboard", "xlsx", "month=2026-06&span=6")
    rows = xlsx_rows(response)
    assert rows[0][:2] == ["Code", "Indicator"] and rows[0][-1] == "2026-06" and rows[0][-12] == "2025-07"
    assert len(rows) == 1 + len(INDICATORS)
    assert (
        web_as(advisor).get(reverse("exports:download", args=["oversight.dashboard", "csv"])).status_code
        == 403
    )


def test_audit_trail_export_applies_the_filters(web_as, compliance_officer, advisor):
    from audit.services import audit_log

    audit_log(actor=advisor, action="reveal", record_type="t.t", record_id="1", client_id=4, reason="why")
    audit_log(actor=advisor, action="reveal", record_type="t.t", record_id="2", client_id=5, reason="other")
    rows = csv_rows(export(web_as(compliance_officer), "audit.trail", "csv", "client_id=4"))
    reason = rows[0].index("Reason")
    assert [r[reason] for r in rows[1:]] == ["why"]
    assert rows[1][rows[0].index("Action")] == "Revealed masked data"
    assert web_as(advisor).get(reverse("exports:download", args=["audit.trail", "csv"])).status_code == 403


# -- API twins -------------------------------------------------------------------------------------


def test_api_lists_what_the_user_may_export(api_as, advisor, compliance_officer, client_user):
    names = {r["name"] for r in api_as(advisor).get("/api/v1/exports/lists/").json()["results"]}
    assert "clients.clients" in names and "audit.trail" not in names
    names = {r["name"] for r in api_as(compliance_officer).get("/api/v1/exports/lists/").json()["results"]}
    assert "audit.trail" in names
    assert api_as(client_user).get("/api/v1/exports/lists/").status_code == 403
    assert api_as(client_user).get("/api/v1/exports/lists/clients.clients/").status_code == 403


def test_api_export_streams_small_and_queues_large(
    api_as, advisor, settings, django_capture_on_commit_callbacks
):
    ClientFactory(advisor=advisor, status="active", name="Alpha")
    ClientFactory(advisor=advisor, status="prospect", name="Beta")
    api = api_as(advisor)
    response = api.get("/api/v1/exports/lists/clients.clients/?file_format=csv&status=active")
    assert response.status_code == 200 and response["X-Export-Rows"] == "1"
    settings.EXPORT_BACKGROUND_THRESHOLD = 1
    with django_capture_on_commit_callbacks(execute=True):
        queued = api.get("/api/v1/exports/lists/clients.clients/?file_format=xlsx")
    assert queued.status_code == 202
    job = api.get(f"/api/v1/exports/jobs/{queued.json()['id']}/").json()
    assert job["status"] == "done" and job["row_count"] == 2 and job["download_url"]
    assert api.get(job["download_url"]).status_code == 200
    assert api.get("/api/v1/exports/lists/nope.nope/").status_code == 404
    assert api.get("/api/v1/exports/lists/clients.clients/?file_format=pdf").status_code == 400


def test_api_post_runs_in_the_background(api_as, advisor, colleague, django_capture_on_commit_callbacks):
    ClientFactory(advisor=advisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(advisor).post(
            "/api/v1/exports/jobs/",
            {"list": "clients.clients", "file_format": "csv", "filters": {"status": "active"}},
            format="json",
        )
    assert response.status_code == 202 and response.json()["is_background"]
    job_id = response.json()["id"]
    assert api_as(colleague).get(f"/api/v1/exports/jobs/{job_id}/").status_code == 404
    assert [j["id"] for j in api_as(advisor).get("/api/v1/exports/jobs/").json()["results"]] == [job_id]


def test_openapi_documents_the_export_endpoints(api_as, advisor):
    schema = api_as(advisor).get("/api/schema/?format=json").json()
    assert "/api/v1/exports/lists/{name}/" in schema["paths"]
    assert "/api/v1/exports/jobs/{id}/download/" in schema["paths"]


# -- the other staff lists of the menu -------------------------------------------------------------


@pytest.fixture
def cast(advisor, risk_reviewer, compliance_officer, supervisor, administrator):
    return [compliance_officer, supervisor, administrator, advisor, risk_reviewer]


def test_every_list_exports_in_both_formats_for_someone_who_may_see_it(web_as, cast):
    from advisory.rules import can

    for name, spec in registry.registered().items():
        user = next(u for u in cast if can(u, spec.perm))
        http = web_as(user)
        rows = csv_rows(export(http, name, "csv"))
        assert rows[0] == spec.header(), name
        assert xlsx_rows(export(http, name, "xlsx"))[0] == spec.header(), name


def test_product_export_applies_the_rating_filter(web_as, advisor):
    from tests.planning.factories import ProductFactory

    ProductFactory(code="LOW1", risk_rating="R1")
    ProductFactory(code="HIGH5", risk_rating="R5")
    rows = csv_rows(export(web_as(advisor), "risk.products", "csv", "rating=R5&q=HIGH"))
    assert [r[0] for r in rows[1:]] == ["HIGH5"]


def test_staff_and_action_exports_apply_their_filters(web_as, supervisor, advisor):
    from tests.oversight.factories import ImprovementActionFactory

    rows = csv_rows(export(web_as(supervisor), "oversight.staff", "csv", "role=advisor"))
    assert {r[0] for r in rows[1:]} == {advisor.full_name}
    ImprovementActionFactory(title="Open one", status="do", owner=advisor)
    ImprovementActionFactory(title="Closed one", status="closed", owner=advisor)
    rows = csv_rows(export(web_as(supervisor), "oversight.actions", "csv", "status=do"))
    assert [r[0] for r in rows[1:]] == ["Open one"]


def test_violation_export_applies_the_stage_filter(web_as, compliance_officer, advisor):
    from tests.oversight.factories import make_violation

    complaint = make_complaint(client=make_client(advisor=advisor))
    case = make_violation(
        complaint=complaint, staff_member=advisor, opened_by=compliance_officer, opened_at=timezone.now()
    )
    assert (
        csv_rows(export(web_as(compliance_officer), "complaints.violations", "csv", "stage=finding"))[1:]
        == []
    )
    rows = csv_rows(export(web_as(compliance_officer), "complaints.violations", "csv", f"stage={case.stage}"))
    assert [r[0] for r in rows[1:]] == [f"VC-{case.pk}"]
    assert (
        web_as(advisor).get(reverse("exports:download", args=["complaints.violations", "csv"])).status_code
        == 403
    )


_ids = itertools.count(1000)


def _add_rows(name: str, advisor, n: int) -> None:
    from audit.services import audit_log

    for _ in range(n):
        if name == "clients.onboarding":
            OnboardingCaseFactory(client=ClientFactory(advisor=advisor), step="initial_review")
        elif name == "complaints.complaints":
            make_complaint(client=make_client(advisor=advisor))
        elif name == "oversight.warnings":
            RiskWarning.objects.create(
                kind="review_overdue", subject_type="t", subject_id=str(next(_ids)), advisor=advisor, message="m",
                opened_at=timezone.now(),
            )  # fmt: skip
        elif name == "audit.trail":
            audit_log(actor=advisor, action="reveal", record_type="t.t", record_id="1", reason="r")
        elif name == "clients.screening":
            _listed_client(advisor, "王大明")


def _listed_client(advisor, name: str, *, list_name: str = "制裁名单"):
    """An active client whose name is on a watch list, screened: one open hit."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from advisory.models import User
    from clients import screening
    from clients.kyc_models import WatchListEntry

    compliance = User.objects.filter(role="compliance").first()
    if not WatchListEntry.objects.filter(name=name, watch_list__name=list_name, is_active=True).exists():
        body = f"name,aliases,date_of_birth,id_numbers,list_name\n{name},,,,{list_name}\n"
        staged = screening.watchlist_stage(
            actor=compliance, upload=SimpleUploadedFile("l.csv", body.encode(), content_type="text/csv")
        )
        screening.watchlist_import(actor=compliance, token=staged["token"])
    client = ClientFactory(advisor=advisor, name=name, status="active")
    screening.screening_run(client_ids=[client.pk], actor=compliance)
    return client


@pytest.mark.parametrize(
    "name",
    ["clients.onboarding", "complaints.complaints", "oversight.warnings", "audit.trail", "clients.screening"],
)
def test_queries_do_not_grow_with_rows(
    name, web_as, advisor, compliance_officer, django_assert_max_num_queries
):
    user = compliance_officer if name in ("audit.trail", "clients.screening") else advisor
    http = web_as(user)
    _add_rows(name, advisor, 2)
    for fmt in ("csv", "xlsx"):
        with django_assert_max_num_queries(60) as few:
            response = export(http, name, fmt)
            b"".join(response.streaming_content) if response.streaming else response.content
        _add_rows(name, advisor, 12)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = export(http, name, fmt)
            rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
        assert len(rows) > 12


def test_service_record_export_is_scoped_and_filtered(web_as, advisor, colleague):
    from clients.service_models import Activity

    for who, kind, subject in [
        (advisor, "call", "My call"),
        (advisor, "meeting", "My meeting"),
        (colleague, "call", "Their call"),
    ]:
        Activity.objects.create(
            client=ClientFactory(advisor=who), kind=kind, channel="phone", starts_at=timezone.now(),
            subject=subject, executor=who,
        )  # fmt: skip
    rows = csv_rows(export(web_as(advisor), "clients.activities", "csv", "kind=call"))
    assert [r[4] for r in rows[1:]] == ["My call"]
    assert rows[1][2] == "Phone call"


def test_suggestion_export_applies_the_status_filter(web_as, supervisor, advisor):
    from complaints.feedback_models import Suggestion

    client = make_client(advisor=advisor)
    Suggestion.objects.create(client=client, subject="Open idea", body="b", status="open")
    Suggestion.objects.create(client=client, subject="Closed idea", body="b", status="closed")
    rows = csv_rows(export(web_as(supervisor), "complaints.suggestions", "csv", "status=open"))
    assert [r[2] for r in rows[1:]] == ["Open idea"]


def test_an_export_whose_worker_died_is_written_again(advisor, django_capture_on_commit_callbacks):
    from advisory.exports.services import export_recover_stalled

    ClientFactory.create_batch(2, advisor=advisor)
    started = timezone.now() - datetime.timedelta(minutes=30)
    job = ExportJob.objects.create(
        requested_by=advisor, list_name="clients.clients", format="csv", created_at=started,
        started_at=started, is_background=True, total_rows=2, progress=40, status=ExportStatus.RUNNING,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert export_recover_stalled() == 1
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.row_count == 2 and job.file


def test_screening_export_applies_its_filters_in_the_reader_language_and_is_for_compliance_and_supervisors(
    web_as, compliance_officer, supervisor, advisor, client_user
):
    from clients.kyc_models import ScreeningHit
    from clients.screening import screening_hit_dispose

    # given two open hits on two lists, and one cleared
    first = _listed_client(advisor, "王大明")
    _listed_client(advisor, "李小龙", list_name="PEP")
    cleared = _listed_client(advisor, "赵敏")
    screening_hit_dispose(
        hit=ScreeningHit.objects.get(client=cleared), actor=compliance_officer, status="false_positive",
        reason="出生日期不符",
    )  # fmt: skip
    # when compliance exports the open hits of one list, in Chinese
    http = web_as(compliance_officer)
    http.cookies["django_language"] = "zh-hans"
    rows = csv_rows(export(http, "clients.screening", "csv", "status=open&q=王大明"))
    # then one row, with labels in Chinese
    assert rows[0][:3] == ["被筛查姓名", "客户", "命中对象"]
    assert [(r[0], r[1], r[4]) for r in rows[1:]] == [("王大明", first.file_number, "制裁名单")]
    assert rows[1][7] == "待处理"
    # the cleared hit, with who cleared it and why
    rows = csv_rows(export(http, "clients.screening", "csv", "status=false_positive"))
    assert [(r[0], r[9], r[11]) for r in rows[1:]] == [("赵敏", compliance_officer.full_name, "出生日期不符")]
    # a supervisor may export it too; an advisor and a client may not
    assert csv_rows(export(web_as(supervisor), "clients.screening", "csv"))[1:]
    for refused in (advisor, client_user):
        url = reverse("exports:download", args=["clients.screening", "csv"])
        assert web_as(refused).get(url).status_code == 403


def test_the_file_name_is_stamped_on_the_firm_clock(web_as, advisor):
    # 18:31 UTC on 30 November is 02:31 on 1 December in Shanghai, the firm's time zone
    with time_machine.travel(datetime.datetime(2026, 11, 30, 18, 31, tzinfo=datetime.UTC), tick=False):
        response = export(web_as(advisor), "clients.clients", "csv")
    assert 'filename="clients-clients-20261201-0231.csv"' in response["Content-Disposition"]
