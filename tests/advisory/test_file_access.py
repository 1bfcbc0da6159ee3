"""No file without its view: no /media/ route, random stored names, and every kind of stored file
is served only by a view that checks the rules (another tenant gets 404, an anonymous visitor
never the bytes) and records the download."""

from __future__ import annotations

import datetime
import importlib
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import clear_url_caches, reverse

from advisory.models import ArchivedDocument, DocumentStatus
from audit.models import AuditAction, AuditEntry
from clients import services as client_services
from complaints.models import ComplaintAttachment
from risk.models import ProfessionalInvestorClassification
from tests.complaints.factories import make_client, make_complaint

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF"
RANDOM = r"[0-9a-f]{32}\.pdf"


@pytest.fixture
def stored(advisor, client_user):
    """One stored file of every kind, all belonging to the advisor's client (whose portal login is
    client_user)."""
    client = make_client(advisor=advisor, user=client_user)
    identity = client_services.document_upload(
        client=client, actor=advisor, upload=SimpleUploadedFile("zhang-san-id.pdf", PDF), kind="identity"
    )
    complaint = make_complaint(client=client, actor=advisor)
    attachment = ComplaintAttachment(
        complaint=complaint,
        original_name="statement.pdf",
        content_type="application/pdf",
        size_bytes=len(PDF),
    )
    attachment.file.save("statement.pdf", ContentFile(PDF), save=True)
    evidence = ProfessionalInvestorClassification(
        client=client, evidence="assets", recorded_by=advisor, valid_from=datetime.date(2026, 1, 1)
    )
    evidence.evidence_document.save("bank-statement.pdf", ContentFile(PDF), save=True)
    report = ArchivedDocument.objects.create(
        kind="planning.financial_report",
        title="Plan",
        subject_type="planning.proposal",
        subject_id="1",
        client_id=client.pk,
        status=DocumentStatus.READY,
    )
    report.file.save("planning-financial_report-1-v1.pdf", ContentFile(PDF), save=True)
    return {
        "client": client,
        "identity": identity,
        "complaint": complaint,
        "attachment": attachment,
        "evidence": evidence,
        "report": report,
    }


def _staff_urls(s) -> dict[str, str]:
    return {
        "identity document": reverse("clients:document_download", args=[s["identity"].pk]),
        "identity document (API)": f"/api/v1/clients/documents/{s['identity'].pk}/download/",
        "complaint attachment": reverse(
            "complaints:attachment", args=[s["complaint"].pk, s["attachment"].pk]
        ),
        "professional evidence": reverse("risk:professional_evidence", args=[s["evidence"].pk]),
        "report PDF": reverse("planning:document_download", args=[s["report"].pk]),
    }


def _portal_urls(s) -> dict[str, str]:
    return {
        "identity document": reverse("clients_portal:document_download", args=[s["identity"].pk]),
        "complaint attachment": reverse(
            "complaints_portal:attachment", args=[s["complaint"].pk, s["attachment"].pk]
        ),
    }


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_stored_file_names_are_random(stored):
    assert re.fullmatch(rf"clients/{RANDOM}", stored["identity"].file.name)
    assert re.fullmatch(rf"complaints/{RANDOM}", stored["attachment"].file.name)
    assert re.fullmatch(rf"risk/professional/{RANDOM}", stored["evidence"].evidence_document.name)
    assert re.fullmatch(rf"archive/planning-financial_report/{RANDOM}", stored["report"].file.name)


def test_there_is_no_media_route_even_in_debug(stored, settings):
    import advisory.urls

    settings.DEBUG = True
    try:
        importlib.reload(advisory.urls)
        clear_url_caches()
        assert not any("media" in str(p.pattern) for p in advisory.urls.urlpatterns)
        for name in [stored["identity"].file.name, stored["report"].file.name]:
            assert HttpClient().get(f"/media/{name}").status_code == 404
    finally:
        settings.DEBUG = False
        importlib.reload(advisory.urls)
        clear_url_caches()


def test_the_owner_downloads_every_kind_and_each_download_is_audited(stored, web_as, advisor, client_user):
    for who, urls in [(advisor, _staff_urls(stored)), (client_user, _portal_urls(stored))]:
        http = web_as(who)
        for kind, url in urls.items():
            before = AuditEntry.objects.filter(action=AuditAction.DOWNLOAD, actor=who).count()
            response = http.get(url)
            assert response.status_code == 200, (who, kind)
            assert _body(response) == PDF, kind
            assert AuditEntry.objects.filter(action=AuditAction.DOWNLOAD, actor=who).count() == before + 1, (
                kind
            )


def test_another_tenant_gets_404_for_every_kind(stored, web_as, colleague, outsider_user):
    make_client(advisor=colleague, user=outsider_user)  # the outsider is a client of another advisor
    for who, urls in [(colleague, _staff_urls(stored)), (outsider_user, _portal_urls(stored))]:
        http = web_as(who)
        for kind, url in urls.items():
            assert http.get(url).status_code == 404, (who, kind)
    assert not AuditEntry.objects.filter(action=AuditAction.DOWNLOAD).exists()


def test_anonymous_visitors_never_get_a_file(stored):
    http = HttpClient()
    for kind, url in {
        **_staff_urls(stored),
        **{f"portal {k}": v for k, v in _portal_urls(stored).items()},
    }.items():
        response = http.get(url)
        assert response.status_code in (302, 401, 403, 404), kind
        assert PDF not in _body(response), kind


def test_client_never_gets_an_internal_attachment(stored, web_as, client_user):
    attachment = stored["attachment"]
    attachment.is_internal = True
    attachment.save(update_fields=["is_internal"])
    url = reverse("complaints_portal:attachment", args=[stored["complaint"].pk, attachment.pk])
    assert web_as(client_user).get(url).status_code == 404
