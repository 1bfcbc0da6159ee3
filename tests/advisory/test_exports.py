"""Spreadsheets out (issue 19): one mechanism for every staff list (advisory.exports)."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from advisory.exports import registry
from advisory.models import ExportJob, ExportStatus
from audit.models import AuditEntry
from tests.clients.factories import ClientFactory

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
