"""Compliance screens and API: who may use them, what they show, and fixed query counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from advisory.history import audited_save
from audit.models import AuditAction, AuditEntry, AuditExport, LegalHold, RetentionRule
from audit.services import audit_log, disposal_propose
from clients.models import ConsentKind

from .factories import AuditExportFactory

pytestmark = pytest.mark.django_db

DENIED_ROLES = ["advisor", "supervisor", "risk_reviewer", "client_user"]


def _pages(seq: int, batch_pk: int, hold_pk: int, rule_pk: int, export_pk: int) -> list[str]:
    return [
        reverse("audit:browser"),
        reverse("audit:entry_detail", args=[seq]),
        reverse("audit:client_timeline", args=[7]),
        reverse("audit:as_of"),
        reverse("audit:verify"),
        reverse("audit:export_csv"),
        reverse("audit:export_detail", args=[export_pk]),
        reverse("audit:retention"),
        reverse("audit:rule_edit", args=[rule_pk]),
        reverse("audit:hold_create"),
        reverse("audit:batch_detail", args=[batch_pk]),
    ]


API = [
    "/api/v1/audit/entries/",
    "/api/v1/audit/verify/",
    "/api/v1/audit/as-of/?record_type=audit.auditexport&record_id={export_pk}&at=2100-01-01",
    "/api/v1/audit/clients/7/history/",
    "/api/v1/audit/exports/",
    "/api/v1/audit/exports/csv/",
    "/api/v1/audit/holds/",
    "/api/v1/audit/retention-rules/",
    "/api/v1/audit/disposal-batches/",
]


@pytest.fixture
def world(compliance_officer):
    AuditExportFactory(completed_at=datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC))
    export = AuditExportFactory()
    batch = disposal_propose()[0]
    hold = LegalHold.objects.create(
        scope="client", client_id=7, reason="x", placed_by=compliance_officer, placed_at=timezone.now()
    )
    entry = audit_log(actor=compliance_officer, action=AuditAction.OTHER, record_type="t.t", client_id=7)
    return {
        "seq": entry.sequence,
        "batch_pk": batch.pk,
        "hold_pk": hold.pk,
        "rule_pk": RetentionRule.objects.first().pk,
        "export_pk": export.pk,
    }


@pytest.mark.parametrize("role", DENIED_ROLES)
def test_other_roles_get_403_on_every_screen(role, request, web_as, world):
    user = request.getfixturevalue(role)
    http = web_as(user)
    before = AuditEntry.objects.filter(action=AuditAction.EXPORT).count()
    for url in _pages(**world):
        response = http.get(url)
        assert response.status_code == 403, url
    for url in [
        reverse("audit:export_pdf"),
        reverse("audit:batch_propose"),
        reverse("audit:hold_release", args=[world["hold_pk"]]),
    ]:
        assert http.post(url, {"reason": "x"}).status_code == 403, url
    response = http.post(reverse("audit:batch_detail", args=[world["batch_pk"]]), {"decision": "approve"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == before
    assert LegalHold.objects.get(pk=world["hold_pk"]).released_at is None


@pytest.mark.parametrize("role", DENIED_ROLES)
def test_other_roles_get_403_on_every_endpoint(role, request, api_as, world):
    api = api_as(request.getfixturevalue(role))
    for url in [u.format(**world) for u in API] + [
        f"/api/v1/audit/entries/{world['seq']}/",
        f"/api/v1/audit/disposal-batches/{world['batch_pk']}/",
    ]:
        assert api.get(url).status_code == 403, url
    b = world["batch_pk"]
    assert api.post(f"/api/v1/audit/disposal-batches/{b}/approve/", {}).status_code == 403
    assert api.post(f"/api/v1/audit/disposal-batches/{b}/reject/", {"note": "x"}).status_code == 403
    assert api.post("/api/v1/audit/disposal-batches/propose/", {}).status_code == 403
    assert (
        api.post("/api/v1/audit/holds/", {"scope": "client", "client_id": 3, "reason": "x"}).status_code
        == 403
    )
    assert api.post(f"/api/v1/audit/holds/{world['hold_pk']}/release/", {"reason": "x"}).status_code == 403
    assert api.patch(f"/api/v1/audit/retention-rules/{world['rule_pk']}/", {"years": 1}).status_code == 403
    assert api.post("/api/v1/audit/verify/").status_code == 403
    assert api.post("/api/v1/audit/exports/", {"format": "pdf"}, format="json").status_code == 403
    assert LegalHold.objects.count() == 1


@pytest.mark.parametrize("role", ["compliance_officer", "administrator"])
def test_compliance_and_admin_may_use_every_screen_and_endpoint(role, request, web_as, api_as, world):
    user = request.getfixturevalue(role)
    http = web_as(user)
    for url in _pages(**world):
        assert http.get(url).status_code == 200, url
    api = api_as(user)
    for url in [u.format(**world) for u in API]:
        assert api.get(url).status_code == 200, url


def test_browser_filters_and_query_count_does_not_grow(
    web_as, compliance_officer, django_assert_max_num_queries
):
    for i in range(5):
        audit_log(
            actor=compliance_officer,
            action=AuditAction.REVEAL,
            record_type="t.t",
            record_id=str(i),
            client_id=3,
        )
    http = web_as(compliance_officer)
    url = reverse("audit:browser") + "?client_id=3&action=reveal"
    with django_assert_max_num_queries(12) as small:
        response = http.get(url)
    assert response.status_code == 200
    assert len(response.context["page"].rows) == 5
    for i in range(120):
        audit_log(
            actor=compliance_officer,
            action=AuditAction.REVEAL,
            record_type="t.t",
            record_id=str(i),
            client_id=3,
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = http.get(url)
    page = response.context["page"]
    assert len(page.rows) == 50 and page.has_next
    # keyset: the next page starts below the last sequence shown
    older = http.get(url + f"&before={page.next_before}")
    assert all(e.sequence < page.next_before for e in older.context["page"].rows)


def test_browser_rejects_bad_filters_without_error(web_as, compliance_officer):
    response = web_as(compliance_officer).get(
        reverse("audit:browser") + "?client_id=abc&date_from=2026-13-01"
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def test_api_entries_filters_and_query_count(api_as, compliance_officer, django_assert_max_num_queries):
    for i in range(60):
        audit_log(
            actor=compliance_officer,
            action=AuditAction.DOWNLOAD,
            record_type="t.t",
            record_id=str(i),
            client_id=9,
        )
    api = api_as(compliance_officer)
    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/audit/entries/?client_id=9&action=download")
    body = response.json()
    assert len(body["results"]) == 50 and body["next_before"]
    response = api.get(f"/api/v1/audit/entries/?client_id=9&action=download&before={body['next_before']}")
    assert len(response.json()["results"]) == 10
    assert api.get("/api/v1/audit/entries/?date_from=nonsense").status_code == 400


def test_entry_detail_shows_diff(web_as, compliance_officer):
    rule = RetentionRule(record_type="diffy", name="Diffy", years=2, trigger="t")
    audited_save(rule, actor=compliance_officer, reason="new")
    rule.years = 3
    audited_save(rule, actor=compliance_officer, reason="longer")
    entry = AuditEntry.objects.filter(record_type="audit.retentionrule", action="update").first()
    response = web_as(compliance_officer).get(reverse("audit:entry_detail", args=[entry.sequence]))
    assert {
        "label": "Years kept after the trigger",
        "field": "years",
        "old": "2",
        "new": "3",
    } in response.context["diff"]


def test_entry_detail_names_fields_and_values_in_the_readers_language(web_as, compliance_officer, advisor):
    from clients.models import Consent
    from tests.complaints.factories import make_client

    client = make_client(advisor=advisor)
    consent = Consent(
        client=client, kind="privacy", channel="paper", recorded_by=advisor, given_at=timezone.now()
    )
    audited_save(consent, actor=advisor, reason="signed")
    entry = AuditEntry.objects.filter(record_type="clients.consent").latest("id")
    entry.refresh_from_db()
    html = (
        web_as(compliance_officer)
        .get(reverse("audit:entry_detail", args=[entry.sequence]), HTTP_ACCEPT_LANGUAGE="zh-hans")
        .content.decode()
    )
    # the field by its name (the stored name beside it), the choice by its label, not "privacy"
    with translation.override("zh-hans"):
        kind = str(Consent._meta.get_field("kind").verbose_name)
        privacy = str(ConsentKind.PRIVACY.label)
    assert f"<td>{kind[:1].upper()}{kind[1:]}<br>" in html and "<code>kind</code>" in html
    assert f"<ins>{privacy}</ins>" in html and "<ins>privacy</ins>" not in html


def test_client_timeline_spans_record_types(web_as, compliance_officer):
    audit_log(
        actor=compliance_officer,
        action=AuditAction.CREATE,
        record_type="clients.client",
        record_id="7",
        client_id=7,
    )
    audit_log(
        actor=compliance_officer,
        action=AuditAction.TRANSITION,
        record_type="planning.proposal",
        record_id="3",
        client_id=7,
    )
    audit_log(
        actor=compliance_officer,
        action=AuditAction.CREATE,
        record_type="clients.client",
        record_id="8",
        client_id=8,
    )
    response = web_as(compliance_officer).get(reverse("audit:client_timeline", args=[7]))
    types = {e.record_type for e in response.context["page"].rows}
    assert types == {"clients.client", "planning.proposal"}


def test_csv_export_streams_and_is_itself_audited(web_as, compliance_officer):
    audit_log(
        actor=compliance_officer,
        action=AuditAction.REVEAL,
        record_type="t.t",
        record_id="1",
        client_id=4,
        reason="why",
    )
    response = web_as(compliance_officer).get(reverse("audit:export_csv") + "?client_id=4")
    body = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    assert body.splitlines()[0].startswith("Sequence,Time,Actor,Action")
    assert "Revealed masked data" in body and "why" in body
    # the old address goes through the shared export mechanism (advisory.exports)
    from advisory.models import ExportJob

    export = ExportJob.objects.get()
    assert export.params == {"client_id": "4"} and export.requested_by == compliance_officer
    assert export.list_name == "audit.trail" and export.row_count == 1
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, record_id=str(export.pk)).exists()


def test_pdf_export_is_queued_audited_and_shows_progress(web_as, compliance_officer):
    from advisory.documents import document_render

    audit_log(
        actor=compliance_officer, action=AuditAction.REVEAL, record_type="t.t", record_id="1", client_id=4
    )
    http = web_as(compliance_officer)
    response = http.post(reverse("audit:export_pdf"), {"client_id": "4"})
    export = AuditExport.objects.get()
    assert response.status_code == 302 and export.document is not None
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, record_id=str(export.pk)).exists()
    page = http.get(reverse("audit:export_detail", args=[export.pk]))
    assert b"progress" in page.content
    document_render(document_id=export.document_id)
    partial = http.get(reverse("audit:export_detail", args=[export.pk]), HTTP_HX_REQUEST="true")
    assert b"Download PDF" in partial.content
    download = http.get(reverse("audit:export_download", args=[export.pk]))
    assert download.status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.DOWNLOAD).exists()


def test_point_in_time_view_screen_and_api(web_as, api_as, compliance_officer):
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 1, 10, 12, tzinfo=datetime.UTC), tick=False):
        rule = RetentionRule(record_type="pit", name="Point", years=2, trigger="t")
        audited_save(rule, actor=compliance_officer, reason="new")
    with time_machine.travel(datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC), tick=False):
        rule.years = 9
        audited_save(rule, actor=compliance_officer, reason="longer")
    response = api_as(compliance_officer).get(
        f"/api/v1/audit/as-of/?record_type=audit.retentionrule&record_id={rule.pk}&at=2026-02-01T00:00"
    )
    assert response.status_code == 200
    assert response.json()["fields"]["years"] == 2
    page = web_as(compliance_officer).get(
        reverse("audit:as_of"),
        {"record_type": "audit.retentionrule", "record_id": rule.pk, "at": "2026-04-01T00:00"},
    )
    values = {f["name"]: f["value"] for f in page.context["result"].fields}
    assert values["years"] == 9
    early = api_as(compliance_officer).get(
        f"/api/v1/audit/as-of/?record_type=audit.retentionrule&record_id={rule.pk}&at=2025-01-01"
    )
    assert early.json()["exists"] is False


def test_verify_screen_and_api_report_intact(web_as, api_as, compliance_officer):
    audit_log(actor=compliance_officer, action=AuditAction.OTHER)
    response = web_as(compliance_officer).post(reverse("audit:verify"))
    assert response.context["result"].intact
    body = api_as(compliance_officer).post("/api/v1/audit/verify/").json()
    assert body["intact"] is True and body["broken_sequence"] is None


def test_hold_and_disposal_via_api(
    api_as, compliance_officer, administrator, django_capture_on_commit_callbacks
):
    AuditExportFactory(completed_at=datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC), client_id=11)
    api = api_as(compliance_officer)
    created = api.post(
        "/api/v1/audit/holds/", {"scope": "client", "client_id": 12, "reason": "Inquiry"}, format="json"
    )
    assert created.status_code == 201
    assert (
        api.post("/api/v1/audit/holds/", {"scope": "client", "reason": ""}, format="json").status_code == 400
    )
    released = api.post(
        f"/api/v1/audit/holds/{created.json()['id']}/release/", {"reason": "done"}, format="json"
    )
    assert released.json()["released_at"]
    proposed = api.post("/api/v1/audit/disposal-batches/propose/").json()["batches"]
    assert len(proposed) == 1
    # the proposer cannot approve (four eyes), an administrator can
    assert api.post(f"/api/v1/audit/disposal-batches/{proposed[0]}/approve/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        ok = api_as(administrator).post(
            f"/api/v1/audit/disposal-batches/{proposed[0]}/approve/", {"note": "ok"}
        )
    # approval is recorded at once; the disposal itself runs in the worker (eager in tests)
    assert ok.status_code == 200 and ok.json()["status"] == "disposing"
    assert api.get(f"/api/v1/audit/disposal-batches/{proposed[0]}/").json()["status"] == "approved"
    detail = api.get(f"/api/v1/audit/disposal-batches/{proposed[0]}/").json()
    assert detail["items"][0]["state"] == "disposed"


def test_retention_screen_hold_and_review_forms(web_as, compliance_officer, administrator):
    AuditExportFactory(completed_at=datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC))
    http = web_as(compliance_officer)
    response = http.post(
        reverse("audit:hold_create"), {"scope": "client", "client_id": "5", "reason": "Inquiry"}
    )
    assert response.status_code == 302 and LegalHold.objects.filter(client_id=5).exists()
    http.post(reverse("audit:batch_propose"))
    batch_pk = AuditEntry.objects.filter(record_type="audit.disposalbatch").first().record_id
    # the proposer is refused with a message, not an error
    response = http.post(reverse("audit:batch_detail", args=[batch_pk]), {"decision": "approve"}, follow=True)
    assert response.status_code == 200
    assert any("Four-eyes" in str(m) for m in response.context["messages"])
    response = web_as(administrator).post(
        reverse("audit:batch_detail", args=[batch_pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    page = http.get(reverse("audit:retention"))
    assert page.status_code == 200


def test_compliance_panel(compliance_officer, advisor, django_assert_max_num_queries):
    from audit.panels import workspace_panels

    assert workspace_panels(advisor) == []
    with django_assert_max_num_queries(2):
        panels = workspace_panels(compliance_officer)
    assert panels[0]["title"] == "Audit archive"


def test_browser_finds_a_client_by_name_or_file_number(web_as, compliance_officer, advisor):
    from tests.clients.factories import ClientFactory

    # given two clients with history in the trail
    wang = ClientFactory(advisor=advisor, name="Wang Lei 王磊")
    ClientFactory(advisor=advisor, name="Wang Fang 王芳")
    audit_log(actor=compliance_officer, action=AuditAction.REVEAL, obj=wang, reason="inspection")
    http = web_as(compliance_officer)
    # when searching by the file number, only that client's entries are listed
    page = http.get(reverse("audit:browser"), {"client": wang.file_number})
    assert page.status_code == 200 and not page.context["form"].errors
    entries = page.context["page"].rows
    assert entries and {e.client_id for e in entries} == {wang.pk}
    # an ambiguous name asks for more, naming the matches; an unknown one says so
    ambiguous = http.get(reverse("audit:browser"), {"client": "Wang"})
    assert "2 clients match" in str(ambiguous.context["form"].errors)
    unknown = http.get(reverse("audit:browser"), {"client": "Nobody"})
    assert "No client in the trail matches" in str(unknown.context["form"].errors)


def test_browser_offers_every_staff_member_by_name_and_keeps_the_chosen_one(web_as, compliance_officer):
    # given a staff member whose name needs escaping and an entry they wrote
    from tests.factories import UserFactory

    odd = UserFactory(role="advisor", full_name="<b>Ann & Co</b>")
    audit_log(actor=odd, action=AuditAction.OTHER, record_type="t.t", record_id="1")

    # when the trail is filtered by that person
    body = web_as(compliance_officer).get(reverse("audit:browser"), {"actor_id": odd.pk}).content.decode()

    # then the select lists staff by name, escaped, with that person selected
    assert f'<option value="{odd.pk}" selected>&lt;b&gt;Ann &amp; Co&lt;/b&gt;</option>' in body
    assert f'<option value="{compliance_officer.pk}">Compliance Cleo</option>' in body
    assert 'name="actor_id"' in body and "<b>Ann" not in body
