"""Screens and API of know your client: who may and may not, field errors, query counts."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients import screening, services
from clients.kyc_models import HitStatus, IdentityDocument, KycRefresh, ScreeningHit, WatchListEntry
from tests.clients.factories import ClientFactory
from tests.clients.kyc_helpers import CDD_LOW, PDF, add_identity_document, id_copy

HEADER = "name,aliases,date_of_birth,id_numbers,list_name\n"
API = "/api/v1/clients/"


def csv_upload(body: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("list.csv", (HEADER + body).encode(), content_type="text/csv")


@pytest.fixture
def hits(compliance_officer, own_client, other_client):
    """A list with entries matching the advisor's client (张三) and a colleague's client."""
    other_client.name = "李四"
    other_client.save()
    preview = screening.watchlist_stage(
        actor=compliance_officer, upload=csv_upload("Zhang San,,,,制裁名单\n李四,Li Si,,,PEP名单\n")
    )
    screening.watchlist_import(actor=compliance_officer, token=preview["token"])
    screening.screening_run()
    return list(ScreeningHit.objects.order_by("pk"))


# -- identity documents ----------------------------------------------------------------------------
def test_advisor_records_identity_document_through_the_form(web_as, advisor, own_client):
    http = web_as(advisor)
    url = reverse("clients:identity_document_add", args=[own_client.pk])
    assert http.get(url).status_code == 200
    bad = http.post(
        url,
        {
            "document_type": "hkm_permit",
            "number": "X1",
            "issued_on": "2024-01-01",
            "expires_on": "2034-01-01",
            "verification_method": "video",
            "copy": SimpleUploadedFile("c.pdf", PDF),
        },
    )
    assert bad.status_code == 400 and "H (Hong Kong)" in bad.text
    ok = http.post(
        url,
        {
            "document_type": "hkm_permit",
            "number": "H12345678",
            "issued_on": "2024-01-01",
            "expires_on": "2034-01-01",
            "verification_method": "video",
            "copy": SimpleUploadedFile("c.pdf", PDF),
        },
    )
    assert ok.status_code == 302
    doc = IdentityDocument.objects.get()
    assert doc.document_type == "hkm_permit" and doc.verified_by == advisor
    page = http.get(reverse("clients:detail", args=[own_client.pk]))
    assert "H******78" in page.text and "Know your client" in page.text and "H12345678" not in page.text


def test_others_cannot_record_identity(web_as, colleague, compliance_officer, client_user, own_client):
    url = reverse("clients:identity_document_add", args=[own_client.pk])
    assert web_as(colleague).get(url).status_code == 404
    assert web_as(compliance_officer).get(url).status_code == 403
    assert web_as(client_user).get(url).status_code in (403, 404)


def test_identity_api_both_ways(api_as, advisor, colleague, compliance_officer, client_user, own_client):
    data = {
        "client": own_client.pk,
        "document_type": "prc_id",
        "number": "11010519491231002X",
        "issued_on": "2020-01-01",
        "expires_on": "2040-01-01",
        "verification_method": "online_check",
    }
    assert api_as(colleague).post(f"{API}identity-documents/", {**data, "copy": id_copy()}).status_code == 404
    assert (
        api_as(compliance_officer).post(f"{API}identity-documents/", {**data, "copy": id_copy()}).status_code
        == 403
    )
    bad = api_as(advisor).post(f"{API}identity-documents/", {**data, "number": "123", "copy": id_copy()})
    assert bad.status_code == 400 and "number" in bad.json()["error"]["fields"]
    created = api_as(advisor).post(f"{API}identity-documents/", {**data, "copy": id_copy()})
    assert created.status_code == 201 and created.json()["masked_number"].startswith("110105")
    assert "number" not in created.json()
    assert api_as(colleague).get(f"{API}identity-documents/").json()["count"] == 0
    assert api_as(compliance_officer).get(f"{API}identity-documents/").json()["count"] == 1
    assert api_as(client_user).get(f"{API}identity-documents/").status_code == 403


# -- refresh ---------------------------------------------------------------------------------------
def test_refresh_through_the_screens(web_as, advisor, supervisor, own_client):
    add_identity_document(own_client, advisor)
    http = web_as(advisor)
    response = http.post(reverse("clients:kyc_refresh_start", args=[own_client.pk]))
    refresh = KycRefresh.objects.get()
    assert response.status_code == 302 and response.url == reverse("clients:kyc_refresh", args=[refresh.pk])
    bad = http.post(reverse("clients:kyc_refresh_submit", args=[refresh.pk]), {"aml_risk": "low"})
    assert bad.status_code == 400 and "Confirm this before submitting" in bad.text
    services.client_update(client=own_client, actor=advisor, data={"email": "new@example.test"})
    page = http.get(reverse("clients:kyc_refresh", args=[refresh.pk]))
    assert "new@example.test" in page.text
    http.post(
        reverse("clients:kyc_refresh_submit", args=[refresh.pk]),
        {
            "identity_confirmed": "on",
            "contact_confirmed": "on",
            "financial_confirmed": "on",
            "aml_risk": "low",
        },
    )
    refresh.refresh_from_db()
    assert refresh.status == "submitted"
    assert (
        web_as(advisor)
        .post(reverse("clients:kyc_refresh_review", args=[refresh.pk]), {"action": "approve"})
        .status_code
        == 403
    )
    web_as(supervisor).post(reverse("clients:kyc_refresh_review", args=[refresh.pk]), {"action": "approve"})
    refresh.refresh_from_db()
    assert refresh.status == "completed" and refresh.reviewed_by == supervisor


def test_refresh_api_both_ways(api_as, advisor, colleague, supervisor, own_client):
    add_identity_document(own_client, advisor)
    assert (
        api_as(colleague).post(f"{API}kyc-refreshes/", {"client": own_client.pk}, format="json").status_code
        == 404
    )
    started = api_as(advisor).post(f"{API}kyc-refreshes/", {"client": own_client.pk}, format="json")
    assert started.status_code == 201
    pk = started.json()["id"]
    missing = api_as(advisor).post(f"{API}kyc-refreshes/{pk}/submit/", {"aml_risk": "low"}, format="json")
    assert missing.status_code == 400 and "contact_confirmed" in missing.json()["error"]["fields"]
    done = api_as(advisor).post(
        f"{API}kyc-refreshes/{pk}/submit/",
        {
            "identity_confirmed": True,
            "contact_confirmed": True,
            "financial_confirmed": True,
            "aml_risk": "high",
        },
        format="json",
    )
    assert done.json()["status"] == "submitted"
    assert (
        api_as(advisor)
        .post(f"{API}kyc-refreshes/{pk}/review/", {"action": "approve"}, format="json")
        .status_code
        == 403
    )
    back = api_as(supervisor).post(f"{API}kyc-refreshes/{pk}/review/", {"action": "return"}, format="json")
    assert back.status_code == 400 and "note" in back.json()["error"]["fields"]
    ok = api_as(supervisor).post(
        f"{API}kyc-refreshes/{pk}/review/", {"action": "approve", "note": "核实"}, format="json"
    )
    assert ok.json()["status"] == "completed"


# -- due diligence -----------------------------------------------------------------------------------
def test_due_diligence_screen_and_second_review(web_as, ready_case, advisor, supervisor, compliance_officer):
    case = services.onboarding_transition(case=ready_case, action="submit_for_review", actor=advisor)
    url = reverse("clients:due_diligence", args=[case.pk])
    assert web_as(advisor).get(url).status_code == 403
    http = web_as(supervisor)
    bad = http.post(url, {"ml_risk": "high"})
    assert bad.status_code == 400 and "Describe the source of funds" in bad.text
    ok = http.post(
        url,
        {
            **{k: v for k, v in CDD_LOW.items() if k != "identity_verified"},
            "identity_verified": "on",
            "ml_risk": "high",
        },
    )
    assert ok.status_code == 302
    page = web_as(compliance_officer).get(reverse("clients:onboarding_detail", args=[case.pk]))
    assert "Second review (high risk)" in page.text
    assert (
        "Second review (high risk)" not in http.get(reverse("clients:onboarding_detail", args=[case.pk])).text
    )
    web_as(compliance_officer).post(
        reverse("clients:edd_review", args=[case.pk]), {"decision": "approve", "note": "来源核实"}
    )
    case.due_diligence.refresh_from_db()
    assert case.due_diligence.edd_status == "approved"


def test_due_diligence_api(api_as, ready_case, advisor, supervisor, compliance_officer, colleague):
    case = services.onboarding_transition(case=ready_case, action="submit_for_review", actor=advisor)
    url = f"{API}due-diligence/{case.pk}/"
    assert api_as(supervisor).get(url).status_code == 404
    assert api_as(advisor).put(url, CDD_LOW, format="json").status_code == 403
    assert api_as(colleague).put(url, CDD_LOW, format="json").status_code == 404
    bad = api_as(supervisor).put(url, {"ml_risk": "low"}, format="json")
    assert bad.status_code == 400 and "source_of_funds" in bad.json()["error"]["fields"]
    ok = api_as(supervisor).put(url, {**CDD_LOW, "ml_risk": "high"}, format="json")
    assert ok.status_code == 200 and ok.json()["edd_status"] == "pending"
    assert (
        api_as(supervisor)
        .post(f"{url}enhanced-review/", {"decision": "approve", "note": "x"}, format="json")
        .status_code
        == 403
    )
    edd = api_as(compliance_officer).post(
        f"{url}enhanced-review/", {"decision": "approve", "note": "核实"}, format="json"
    )
    assert edd.json()["edd_status"] == "approved"
    assert api_as(advisor).get(url).json()["ml_risk"] == "high"


# -- screening queue -------------------------------------------------------------------------------
def test_screening_queue_permissions(
    web_as, hits, advisor, supervisor, compliance_officer, risk_reviewer, client_user
):
    url = reverse("clients:screening_queue")
    page = web_as(compliance_officer).get(url)
    assert page.status_code == 200 and "Zhang San" in page.text and "李四" in page.text
    assert web_as(supervisor).get(url).status_code == 200
    for user in (advisor, risk_reviewer, client_user):
        assert web_as(user).get(url).status_code in (302, 403)


def test_screening_queue_filters_and_search(web_as, hits, compliance_officer):
    http = web_as(compliance_officer)
    url = reverse("clients:screening_queue")
    assert "李四" not in http.get(url, {"q": "张三"}).text
    # (the screening run creates its hits in no set order: pick the PEP list's by name)
    pep_list = next(h.entry.watch_list_id for h in hits if h.entry.watch_list.name == "PEP名单")
    only_pep = http.get(url, {"list": pep_list}).text
    assert "李四" in only_pep and "Zhang San<" not in only_pep
    assert "No screening hit matches" in http.get(url, {"status": "confirmed"}).text
    assert "李四" in http.get(url, {"subject": "client", "min_score": "90", "sort": "-score"}).text


def test_screening_queue_query_count_is_fixed(web_as, compliance_officer, django_assert_max_num_queries):
    # given 60 hits across two lists
    clients = [ClientFactory(name=f"王芳{i}", status="active") for i in range(60)]
    preview = screening.watchlist_stage(
        actor=compliance_officer,
        upload=csv_upload("".join(f"王芳{i},,,,名单{i % 2}\n" for i in range(60))),
    )
    screening.watchlist_import(actor=compliance_officer, token=preview["token"])
    screening.screening_run()
    assert ScreeningHit.objects.count() >= len(clients)
    http = web_as(compliance_officer)
    with django_assert_max_num_queries(14):
        response = http.get(reverse("clients:screening_queue"))
    assert response.status_code == 200 and "Page 1 of" in response.text


def test_advisor_sees_own_clients_hits_on_the_client_page_not_others(
    web_as, hits, advisor, colleague, own_client, other_client
):
    page = web_as(advisor).get(reverse("clients:detail", args=[own_client.pk]))
    assert "Watch-list screening" in page.text and "制裁名单" in page.text
    hit = next(h for h in hits if h.client_id == own_client.pk)
    other = next(h for h in hits if h.client_id == other_client.pk)
    assert web_as(advisor).get(reverse("clients:screening_hit", args=[hit.pk])).status_code == 200
    assert web_as(advisor).get(reverse("clients:screening_hit", args=[other.pk])).status_code == 404
    assert (
        web_as(advisor)
        .post(reverse("clients:screening_hit", args=[hit.pk]), {"status": "confirmed", "reason": "x"})
        .status_code
        == 403
    )


def test_risk_reviewer_sees_kyc_but_not_screening_on_the_client_page(web_as, hits, risk_reviewer, own_client):
    page = web_as(risk_reviewer).get(reverse("clients:detail", args=[own_client.pk]))
    assert "Know your client" in page.text and "Watch-list screening" not in page.text


def test_compliance_decides_a_hit_on_its_page(web_as, hits, compliance_officer):
    http = web_as(compliance_officer)
    url = reverse("clients:screening_hit", args=[hits[0].pk])
    bad = http.post(url, {"status": "false_positive", "reason": ""})
    assert bad.status_code == 400 and "Give the reason" in bad.text
    assert http.post(url, {"status": "false_positive", "reason": "证件号不符"}).status_code == 302
    hits[0].refresh_from_db()
    assert hits[0].status == HitStatus.FALSE_POSITIVE and "证件号不符" in http.get(url).text


def test_screening_api_both_ways(
    api_as, hits, advisor, colleague, compliance_officer, client_user, own_client
):
    assert api_as(compliance_officer).get(f"{API}screening-hits/").json()["count"] == 2
    mine = api_as(advisor).get(f"{API}screening-hits/").json()
    assert mine["count"] == 1 and mine["results"][0]["client"] == own_client.pk
    assert api_as(colleague).get(f"{API}screening-hits/?client={own_client.pk}").json()["count"] == 0
    assert api_as(client_user).get(f"{API}screening-hits/").status_code == 403
    hit = mine["results"][0]["id"]
    assert (
        api_as(advisor)
        .post(f"{API}screening-hits/{hit}/dispose/", {"status": "confirmed", "reason": "x"}, format="json")
        .status_code
        == 403
    )
    bad = api_as(compliance_officer).post(
        f"{API}screening-hits/{hit}/dispose/", {"status": "maybe"}, format="json"
    )
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]
    done = api_as(compliance_officer).post(
        f"{API}screening-hits/{hit}/dispose/", {"status": "confirmed", "reason": "一致"}, format="json"
    )
    assert done.json()["status"] == "confirmed" and done.json()["reviewed_by"] == compliance_officer.pk


def test_screening_list_api_query_count(api_as, hits, compliance_officer, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert api_as(compliance_officer).get(f"{API}screening-hits/").status_code == 200


# -- watch-list upload -------------------------------------------------------------------------------
def test_watch_list_upload_preview_then_import(
    web_as, compliance_officer, advisor, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(screening, "_queue_rescreen", lambda pk: None)
    http = web_as(compliance_officer)
    assert http.get(reverse("clients:watch_lists")).status_code == 200
    bad = http.post(reverse("clients:watch_list_upload"), {"file": csv_upload("张伟,,1970-02-30,,L\n")})
    assert bad.status_code == 400 and "Row 2" in bad.text and "1970-02-30" in bad.text
    preview = http.post(
        reverse("clients:watch_list_upload"), {"file": csv_upload("张伟,Zhang Wei,,,制裁名单\n")}
    )
    assert preview.status_code == 200 and "制裁名单" in preview.text and not WatchListEntry.objects.exists()
    token = preview.context["preview"]["token"]
    with django_capture_on_commit_callbacks(execute=True):
        done = http.post(reverse("clients:watch_list_import"), {"token": token, "original_name": "list.csv"})
    assert done.status_code == 302 and WatchListEntry.objects.count() == 1
    assert "制裁名单" in http.get(reverse("clients:watch_lists")).text
    assert web_as(advisor).get(reverse("clients:watch_lists")).status_code == 403
    assert (
        web_as(advisor)
        .post(reverse("clients:watch_list_upload"), {"file": csv_upload("A,,,,L\n")})
        .status_code
        == 403
    )


def test_watch_list_api(api_as, compliance_officer, supervisor, advisor, monkeypatch):
    monkeypatch.setattr(screening, "_queue_rescreen", lambda pk: None)
    bad = api_as(compliance_officer).post(f"{API}watch-list-uploads/", {"file": csv_upload(",,,,L\n")})
    assert bad.status_code == 400 and bad.json()["error"]["fields"]["file"][0].startswith("Row 2")
    preview = api_as(compliance_officer).post(
        f"{API}watch-list-uploads/", {"file": csv_upload("张伟,,,,L\n"), "preview": "true"}
    )
    assert preview.status_code == 200 and preview.json()["lists"]["L"]["added"] == 1
    assert not WatchListEntry.objects.exists()
    created = api_as(compliance_officer).post(
        f"{API}watch-list-uploads/", {"file": csv_upload("张伟,,,,L\n")}
    )
    assert created.status_code == 201 and created.json()["added"] == 1
    assert (
        api_as(supervisor).post(f"{API}watch-list-uploads/", {"file": csv_upload("A,,,,L\n")}).status_code
        == 403
    )
    assert api_as(supervisor).get(f"{API}watch-lists/").json()["count"] == 1
    assert api_as(advisor).get(f"{API}watch-lists/").status_code == 403


def test_client_page_query_count_with_kyc(web_as, advisor, own_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    http = web_as(advisor)
    url = reverse("clients:detail", args=[own_client.pk])
    add_identity_document(own_client, advisor)
    http.get(url)
    with CaptureQueriesContext(connection) as one:
        http.get(url)
    for year in (2021, 2022, 2023):
        add_identity_document(own_client, advisor, issued_on=datetime.date(year, 1, 1))
    with CaptureQueriesContext(connection) as four:
        assert http.get(url).status_code == 200
    assert len(four) == len(one) <= 30


def test_identity_documents_table_wraps_between_dates_not_inside_the_type(web_as, advisor, own_client):
    add_identity_document(own_client, advisor)
    page = web_as(advisor).get(reverse("clients:detail", args=[own_client.pk])).text
    # the table scrolls inside its half-width column; the type column keeps a minimum width, and
    # the validity range may break between its two dates (never the whole range on one line)
    assert '<div class="table-wrap"><table class="table kyc-documents">' in page
    assert '<td><span class="nowrap">' in page and '</span> <span class="nowrap">' in page
