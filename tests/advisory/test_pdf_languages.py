"""Every PDF renders in the language chosen for it — title, running header, footer, legends — and
nothing of the template or the document's code reaches the page margins (issue 13). Checked on
the text poppler's pdftotext reads from the file, in Traditional Chinese and in English."""

import datetime
import shutil
import subprocess

import pytest
from django.utils import translation

from advisory.documents import document_render
from advisory.models import ArchivedDocument
from advisory.oversight import services as oversight_services
from audit.models import AuditExport
from audit.retention import disposal_approve, disposal_propose
from audit.selectors import EntryFilters
from audit.services import audit_export_pdf
from planning import services as planning_services
from tests.audit.factories import AuditExportFactory
from tests.planning.factories import ClientFactory, make_profile, make_ready_proposal

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed"),
]
LANGUAGES = ["zh-hant", "en"]
# What may never be printed: template syntax, HTML entities, codes of kinds and records.
LEAKS = ["{%", "{{", "%}", "&#x27;", "&quot;", "&amp;", "planning.", "audit.", "oversight.", "_report"]


def _text(doc: ArchivedDocument) -> str:
    doc.refresh_from_db()
    assert doc.status == "ready", doc.error
    out = subprocess.run(["pdftotext", "-layout", doc.file.path, "-"], capture_output=True, check=True)
    return out.stdout.decode()


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def _assert_margins_clean(text: str, language: str) -> None:
    for leak in LEAKS:
        assert leak not in text, leak
    pages = text.count("\f")
    page = _in(language, "Page %(page)s / %(pages)s") % {"page": 1, "pages": pages}
    assert "".join(page.split()) in "".join(text.split())  # pdftotext drops spaces beside CJK
    assert _in(language, "Confidential") in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "kind",
    [
        planning_services.DOC_PROPOSAL,
        planning_services.DOC_FINANCIAL,
        planning_services.DOC_ALLOCATION,
        planning_services.DOC_RISK,
    ],
)
def test_planning_reports_in_the_chosen_language(advisor, kind, language, settings):
    settings.PLANNING_MC_PATHS = 200
    # given a client who prefers Simplified Chinese
    client = ClientFactory(advisor=advisor, name="O'Brien 陳", preferred_language="zh-hans")
    make_profile(client=client)
    proposal = make_ready_proposal(client=client, advisor=advisor)
    # when the advisor asks for the report in another language
    doc = planning_services.proposal_document_request(
        proposal=proposal, kind=kind, actor=advisor, language=language, render_now=True
    )
    # then the document is stored and rendered in that language
    assert doc.language == language
    text = _text(doc)
    titles = {
        planning_services.DOC_PROPOSAL: "Investment proposal",
        planning_services.DOC_FINANCIAL: "Financial report",
        planning_services.DOC_ALLOCATION: "Asset-allocation plan",
        planning_services.DOC_RISK: "Risk-assessment report",
    }
    title = _in(language, titles[kind])
    assert title in text
    if language != "en":
        assert titles[kind] not in text
        assert _in(language, "Risk level") in text
    if kind == planning_services.DOC_PROPOSAL:  # the chart's legend: asset classes in that language
        assert _in(language, "Equities") in text
    assert "O'Brien 陳" in text  # a quote in a name is printed as itself, in the body and the header
    _assert_margins_clean(text, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_quality_report_in_the_chosen_language(language):
    doc = oversight_services.quality_report_request(
        actor=None, month=datetime.date(2026, 10, 1), render_now=True, language=language
    )
    text = _text(doc)
    assert _in(language, "Monthly quality report") in text
    assert _in(language, "How many complaints we receive for every 100 active clients.")[:12] in text
    if language != "en":
        assert "Monthly quality report" not in text and "Quality report" not in text
        assert "green" not in text and "grey" not in text
    _assert_margins_clean(text, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_inspection_export_in_the_chosen_language(compliance_officer, language):
    export = audit_export_pdf(actor=compliance_officer, filters=EntryFilters(), language=language)
    export = AuditExport.objects.select_related("document").get(pk=export.pk)
    assert export.document.language == language
    assert document_render(document_id=export.document_id)
    text = _text(export.document)
    assert _in(language, "Audit trail export for inspection") in text
    assert (_in(language, "Audit trail export #%(n)s") % {"n": export.pk}) in text  # running header
    if language != "en":  # (the entries' own stored reasons are another matter: shown as recorded)
        assert "Audit trail export for inspection" not in text and "Audit trail export #" not in text
    _assert_margins_clean(text, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_destruction_certificate_in_the_approvers_language(
    compliance_officer, language, django_capture_on_commit_callbacks
):
    # given records past their retention
    AuditExportFactory(completed_at=datetime.datetime(2010, 5, 1, tzinfo=datetime.UTC), client_id=1)
    batch = disposal_propose()[0]
    # when compliance approves the batch choosing the certificate's language
    with django_capture_on_commit_callbacks(execute=True):
        disposal_approve(batch=batch, actor=compliance_officer, note="ok", language=language)
    batch.refresh_from_db()
    document_render(document_id=batch.certificate_id)
    text = _text(batch.certificate)
    # then the certificate is in that language, with human record names instead of codes
    assert _in(language, "Certificate of destruction") in text
    assert batch.certificate.title == _in(language, "Destruction certificate — disposal batch #%(n)s") % {
        "n": batch.pk
    }
    assert "auditexport" not in text
    if language != "en":
        assert "Certificate of destruction" not in text
    _assert_margins_clean(text, language)
