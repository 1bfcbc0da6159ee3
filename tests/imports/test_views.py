"""Import screens and API twins: the flow upload → preview → confirm, permissions per role both
ways, the batch list's search (incl. SHA-256), filters, sorting, empty state and query count."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients.models import Client
from imports import services
from imports.models import ImportBatch, ImportState
from tests.imports.helpers import client_row, to_csv

pytestmark = pytest.mark.django_db
API = "/api/v1/imports/batches/"
REFUSED = ["advisor", "risk_reviewer", "supervisor", "client_user"]
ALLOWED = ["compliance_officer", "administrator"]


def _file(advisor, n=3, name="legacy.csv", **over):
    rows = [client_row(i, advisor.email, **over) for i in range(1, n + 1)]
    return SimpleUploadedFile(name, to_csv(rows), content_type="text/csv")


# -- web flow --------------------------------------------------------------------------------------------
def test_upload_preview_confirm_on_the_screens(
    web_as, compliance_officer, advisor, django_capture_on_commit_callbacks
):
    http = web_as(compliance_officer)
    # given: the upload screen with the column help and template links
    page = http.get(reverse("imports:upload"))
    assert page.status_code == 200
    assert reverse("imports:template", args=["clients", "xlsx"]) in page.content.decode()
    # when: a file is uploaded
    resp = http.post(reverse("imports:upload"), {"kind": "clients", "file": _file(advisor)})
    batch = ImportBatch.objects.get()
    assert resp.status_code == 302 and resp.url == reverse("imports:detail", args=[batch.pk])
    detail = http.get(resp.url).content.decode()
    assert batch.sha256 in detail and "Every row passed the checks" in detail
    assert not Client.objects.exists()
    # then: confirming runs the import
    with django_capture_on_commit_callbacks(execute=True):
        resp = http.post(reverse("imports:confirm", args=[batch.pk]), {})
    assert resp.status_code == 302
    assert Client.objects.count() == 3
    page = http.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "Completed" in page and "clients: 3" in page


def test_preview_lists_row_errors_in_words(web_as, compliance_officer, advisor):
    http = web_as(compliance_officer)
    http.post(reverse("imports:upload"), {"kind": "clients", "file": _file(advisor, monthly_income="abc")})
    batch = ImportBatch.objects.get()
    page = http.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "monthly_income: “abc” is not an amount of zero or more." in page
    assert "cannot be imported" in page
    resp = http.post(reverse("imports:confirm", args=[batch.pk]), {})
    assert resp.status_code == 400 and not Client.objects.exists()


def test_wrong_file_type_is_a_form_error(web_as, compliance_officer):
    resp = web_as(compliance_officer).post(
        reverse("imports:upload"), {"kind": "clients", "file": SimpleUploadedFile("a.pdf", b"%PDF")}
    )
    assert resp.status_code == 200 and "Upload a .csv or .xlsx file." in resp.content.decode()


def test_progress_fragment_polls_while_running(web_as, compliance_officer, advisor, settings):
    settings.IMPORTS_INLINE_MAX_BYTES = 10  # checked in Celery: still "validating" until the task runs
    http = web_as(compliance_officer)
    http.post(reverse("imports:upload"), {"kind": "clients", "file": _file(advisor)})
    batch = ImportBatch.objects.get()
    assert batch.state == ImportState.VALIDATING  # on_commit not run in this test
    frag = http.get(reverse("imports:progress", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert "every 2s" in frag.content.decode() and "HX-Refresh" not in frag
    services.batch_check(batch_id=batch.pk)
    frag = http.get(reverse("imports:progress", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert frag["HX-Refresh"] == "true"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_templates_have_the_documented_header_and_an_example(web_as, compliance_officer, fmt):
    from imports.kinds import KINDS
    from imports.reader import read_table

    resp = web_as(compliance_officer).get(reverse("imports:template", args=["clients", fmt]))
    assert resp.status_code == 200
    table = read_table(resp.content, fmt)
    assert table.header == KINDS["clients"].names
    assert len([r for r in table.rows if any(r[1])]) == 1


@pytest.mark.parametrize("role", REFUSED)
def test_screens_refuse_other_roles(request, web_as, role, compliance_officer, advisor):
    batch = services.batch_upload(
        actor=compliance_officer, kind="clients", name="a.csv", data=to_csv([client_row(1, advisor.email)])
    )
    http = web_as(request.getfixturevalue(role))
    for url in (
        reverse("imports:list"),
        reverse("imports:upload"),
        reverse("imports:detail", args=[batch.pk]),
        reverse("imports:template", args=["clients", "csv"]),
    ):
        assert http.get(url).status_code == 403, url
    assert http.post(reverse("imports:confirm", args=[batch.pk]), {}).status_code == 403
    assert (
        http.post(reverse("imports:upload"), {"kind": "clients", "file": _file(advisor)}).status_code == 403
    )
    assert ImportBatch.objects.get(pk=batch.pk).state == ImportState.PREVIEWED


@pytest.mark.parametrize("role", ALLOWED)
def test_screens_open_for_compliance_and_administrators(request, web_as, role):
    http = web_as(request.getfixturevalue(role))
    assert http.get(reverse("imports:list")).status_code == 200
    assert http.get(reverse("imports:upload")).status_code == 200


# -- list -------------------------------------------------------------------------------------------------------
def test_list_empty_state(web_as, compliance_officer):
    page = web_as(compliance_officer).get(reverse("imports:list")).content.decode()
    assert "Nothing has been imported yet" in page


def test_list_search_by_sha256_filters_and_sorting(web_as, compliance_officer, advisor):
    a = services.batch_upload(
        actor=compliance_officer, kind="clients", name="a.csv", data=to_csv([client_row(1, advisor.email)])
    )
    b = services.batch_upload(
        actor=compliance_officer,
        kind="related_parties",
        name="b.csv",
        data=b"client_file_number,relationship,name\nCL-1,spouse,X\n",
    )
    http = web_as(compliance_officer)
    page = http.get(reverse("imports:list"), {"q": a.sha256[:16]})
    assert [x.pk for x in page.context["page"].object_list] == [a.pk]
    page = http.get(reverse("imports:list"), {"kind": "related_parties"})
    assert [x.pk for x in page.context["page"].object_list] == [b.pk]
    page = http.get(reverse("imports:list"), {"state": "completed"})
    assert "No import matches these filters." in page.content.decode()
    page = http.get(reverse("imports:list"), {"sort": "number"})
    assert [x.pk for x in page.context["page"].object_list] == [a.pk, b.pk]


def test_list_query_count_does_not_grow_with_rows(
    web_as, compliance_officer, advisor, django_assert_max_num_queries
):
    http = web_as(compliance_officer)
    for i in range(3):
        services.batch_upload(
            actor=compliance_officer,
            kind="clients",
            name=f"{i}.csv",
            data=to_csv([client_row(i, advisor.email)]),
        )
    with django_assert_max_num_queries(12) as small:
        http.get(reverse("imports:list"))
    for i in range(3, 30):
        services.batch_upload(
            actor=compliance_officer,
            kind="clients",
            name=f"{i}.csv",
            data=to_csv([client_row(i, advisor.email)]),
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        http.get(reverse("imports:list"))


# -- API -----------------------------------------------------------------------------------------------------------
def test_api_upload_detail_confirm_list(
    api_as, compliance_officer, advisor, django_capture_on_commit_callbacks
):
    api = api_as(compliance_officer)
    # upload: the dry run comes back with the row errors in words
    bad = io.BytesIO(
        to_csv(
            [client_row(1, advisor.email), client_row(2, advisor.email, relationship_started_on="2020-13-01")]
        )
    )
    bad.name = "bad.csv"
    resp = api.post(API, {"kind": "clients", "file": bad}, format="multipart")
    assert resp.status_code == 201
    body = resp.json()
    assert body["state"] == "previewed" and body["error_row_count"] == 1
    assert body["row_errors"][0]["line"] == 3 and "not a date" in body["row_errors"][0]["messages"][0]
    resp = api.post(f"{API}{body['id']}/confirm/", {}, format="json")
    assert resp.status_code == 400 and "error" in resp.json()
    # a good file
    good = io.BytesIO(to_csv([client_row(1, advisor.email)]))
    good.name = "good.csv"
    batch_id = api.post(API, {"kind": "clients", "file": good}, format="multipart").json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        resp = api.post(f"{API}{batch_id}/confirm/", {}, format="json")
    assert resp.status_code == 202
    detail = api.get(f"{API}{batch_id}/").json()
    assert detail["state"] == "completed" and detail["result"]["created"] == {"clients.client": 1}
    # confirming twice: 409
    assert api.post(f"{API}{batch_id}/confirm/", {}, format="json").status_code == 409
    # list, searched by SHA-256
    listed = api.get(API, {"search": detail["sha256"]}).json()
    assert [r["id"] for r in listed["results"]] == [batch_id]


@pytest.mark.parametrize("role", REFUSED)
def test_api_refuses_other_roles(request, api_as, role, compliance_officer, advisor):
    batch = services.batch_upload(
        actor=compliance_officer, kind="clients", name="a.csv", data=to_csv([client_row(1, advisor.email)])
    )
    api = api_as(request.getfixturevalue(role))
    assert api.get(API).status_code == 403
    assert api.get(f"{API}{batch.pk}/").status_code in (403, 404)
    assert api.post(f"{API}{batch.pk}/confirm/", {}, format="json").status_code in (403, 404)
    upload = io.BytesIO(to_csv([client_row(2, advisor.email)]))
    upload.name = "x.csv"
    assert api.post(API, {"kind": "clients", "file": upload}, format="multipart").status_code == 403
    assert ImportBatch.objects.count() == 1


def test_api_administrator_may_list(api_as, administrator):
    assert api_as(administrator).get(API).status_code == 200
