"""PDF reports, periodic reviews, warnings, panels and client sections."""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from advisory.documents import document_render
from advisory.models import ArchivedDocument, RiskWarning, WarningKind
from audit.models import AuditAction, AuditEntry
from planning import services
from planning.client_sections import client_sections
from planning.models import Review
from planning.panels import portal_panels, workspace_panels
from tests.planning.factories import ClientFactory, make_profile, make_ready_proposal

pytestmark = pytest.mark.django_db


def _text(doc: ArchivedDocument) -> str:
    with doc.file.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("name", ["Carol Chen", "张三丰"])
def test_proposal_pdf_contains_client_and_allocation(advisor, client_user, name, settings):
    settings.PLANNING_MC_PATHS = 500
    client = ClientFactory(advisor=advisor, user=client_user, name=name)
    make_profile(client=client)
    proposal = make_ready_proposal(client=client, advisor=advisor)
    # when the Celery task body runs
    doc = services.proposal_document_request(
        proposal=proposal, kind=services.DOC_PROPOSAL, actor=advisor, language="en"
    )
    assert doc.status == "pending"
    assert document_render(document_id=doc.pk) is True
    # then
    doc.refresh_from_db()
    assert doc.status == "ready" and len(doc.sha256) == 64
    with doc.file.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"
    text = _text(doc)
    assert name in text
    assert "Allocation" in text
    line = proposal.checks["lines"][0]
    assert line["product"] in text
    assert "1,000,000.00" in text  # the total
    assert "Equities −30%" in text or "Equities" in text


@pytest.mark.parametrize("kind", [services.DOC_FINANCIAL, services.DOC_ALLOCATION, services.DOC_RISK])
def test_every_report_kind_renders(advisor, kind, settings):
    settings.PLANNING_MC_PATHS = 200
    client = ClientFactory(advisor=advisor, name="Report Client")
    make_profile(client=client)
    services.snapshot_create(
        client=client,
        actor=advisor,
        data={
            "monthly_income": Decimal("30000"),
            "monthly_expenses": Decimal("10000"),
            "assets_cash": Decimal("20000"),
        },
    )
    proposal = make_ready_proposal(client=client, advisor=advisor)
    doc = services.proposal_document_request(proposal=proposal, kind=kind, actor=advisor, render_now=True)
    assert doc.status == "ready"
    assert "Report Client" in _text(doc)


def test_regenerating_keeps_earlier_version_and_download_is_audited(web_as, advisor, settings):
    settings.PLANNING_MC_PATHS = 200
    client = ClientFactory(advisor=advisor)
    make_profile(client=client)
    proposal = make_ready_proposal(client=client, advisor=advisor)
    first = services.proposal_document_request(
        proposal=proposal, kind=services.DOC_PROPOSAL, actor=advisor, render_now=True
    )
    second = services.proposal_document_request(
        proposal=proposal, kind=services.DOC_PROPOSAL, actor=advisor, render_now=True
    )
    assert (first.version, second.version) == (1, 2)
    http = web_as(advisor)
    status = http.get(reverse("planning:document_status", args=[second.pk]))
    assert "Download" in status.content.decode()
    response = http.get(reverse("planning:document_download", args=[second.pk]))
    assert response.status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.DOWNLOAD, record_id=str(second.pk)).exists()


def test_pending_document_status_polls(web_as, advisor, settings):
    settings.PLANNING_MC_PATHS = 200
    client = ClientFactory(advisor=advisor)
    make_profile(client=client)
    proposal = make_ready_proposal(client=client, advisor=advisor)
    doc = services.proposal_document_request(proposal=proposal, kind=services.DOC_PROPOSAL, actor=advisor)
    html = web_as(advisor).get(reverse("planning:document_status", args=[doc.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html


def test_client_sees_only_reports_of_own_issued_proposals(
    web_as, advisor, client_user, outsider_user, risk_reviewer, compliance_officer, settings
):
    settings.PLANNING_MC_PATHS = 200
    client = ClientFactory(advisor=advisor, user=client_user)
    make_profile(client=client)
    proposal = make_ready_proposal(client=client, advisor=advisor)
    draft_doc = services.proposal_document_request(
        proposal=proposal, kind=services.DOC_PROPOSAL, actor=advisor, render_now=True
    )
    http = web_as(client_user)
    assert http.get(reverse("planning_portal:document_download", args=[draft_doc.pk])).status_code == 404
    for action, actor in [
        ("submit", advisor),
        ("risk_approve", risk_reviewer),
        ("compliance_approve", compliance_officer),
        ("issue", advisor),
    ]:
        proposal = services.proposal_transition(proposal=proposal, action=action, actor=actor)
    assert http.get(reverse("planning_portal:document_download", args=[draft_doc.pk])).status_code == 200
    assert (
        web_as(outsider_user)
        .get(reverse("planning_portal:document_download", args=[draft_doc.pk]))
        .status_code
        == 404
    )
    assert "PRP-" in http.get(reverse("planning_portal:documents")).content.decode()


def _accepted(advisor, risk_reviewer, compliance_officer, client_user, level="C4"):
    client = ClientFactory(advisor=advisor, user=client_user)
    make_profile(client=client, level=level)
    proposal = make_ready_proposal(client=client, advisor=advisor)
    if level != "C3":
        # a C4 client with the balanced mix: allowed, deviation within limits of C4? keep checks independent
        pass
    for action, actor in [
        ("submit", advisor),
        ("risk_approve", risk_reviewer),
        ("compliance_approve", compliance_officer),
        ("issue", advisor),
    ]:
        proposal = services.proposal_transition(proposal=proposal, action=action, actor=actor)
    return services.proposal_transition(
        proposal=proposal, action="accept", actor=client_user, disclosure_acknowledged=True
    )


def test_review_sweep_opens_14_days_before_due_idempotently_and_flags_overdue(
    advisor, risk_reviewer, compliance_officer, client_user, settings
):
    settings.PLANNING_MC_PATHS = 200
    with time_machine.travel(datetime.datetime(2027, 11, 30, 10, 0, tzinfo=datetime.UTC), tick=False):
        proposal = _accepted(advisor, risk_reviewer, compliance_officer, client_user, level="C3")
    # C3 → semi-annual: first review due 2028-05-30, opened from 2028-05-16
    assert services.review_schedule_sweep(on=datetime.date(2028, 5, 15))["opened"] == 0
    assert services.review_schedule_sweep(on=datetime.date(2028, 5, 16))["opened"] == 1
    assert services.review_schedule_sweep(on=datetime.date(2028, 5, 16))["opened"] == 0
    review = Review.objects.get(proposal=proposal)
    assert review.due_date == datetime.date(2028, 5, 30)
    # overdue → a warning, once
    with time_machine.travel(datetime.datetime(2028, 6, 2, 10, 0, tzinfo=datetime.UTC), tick=False):
        services.review_schedule_sweep()
        services.review_schedule_sweep()
    assert RiskWarning.objects.filter(kind=WarningKind.REVIEW_OVERDUE, is_open=True).count() == 1


def test_review_record_drift_and_rebalancing(
    web_as, advisor, colleague, risk_reviewer, compliance_officer, client_user, settings
):
    settings.PLANNING_MC_PATHS = 200
    proposal = _accepted(advisor, risk_reviewer, compliance_officer, client_user, level="C3")
    review = Review.objects.create(
        client=proposal.client, proposal=proposal, sequence=1, level="C3", due_date=datetime.date(2026, 12, 1)
    )
    url = reverse("planning:review_detail", args=[review.pk])
    assert web_as(advisor).get(url).status_code == 200
    assert web_as(colleague).get(url).status_code == 404
    # C3 target equities 35 %: 41 % equities → drift 6 points → rebalancing proposed
    values = {
        "cash": "100000",
        "bonds": "340000",
        "equities": "410000",
        "real_estate": "100000",
        "alternatives": "50000",
    }
    response = web_as(advisor).post(
        url, {"outcome": "Equities ran up", **{f"value_{k}": v for k, v in values.items()}}
    )
    assert response.status_code == 302
    page = web_as(advisor).get(url)
    assert page.status_code == 200 and "Rebalancing proposed" in page.content.decode()
    review.refresh_from_db()
    assert review.status == "completed"
    assert review.max_drift == Decimal("0.0600")
    assert review.rebalance_proposed
    assert review.drift["equities"]["rebalance_amount"] == "-60000.00"
    warnings = services.warnings_sync()
    assert warnings[WarningKind.PORTFOLIO_DRIFT] == 1


def test_review_within_5_points_needs_no_rebalancing(
    advisor, risk_reviewer, compliance_officer, client_user, settings
):
    settings.PLANNING_MC_PATHS = 200
    proposal = _accepted(advisor, risk_reviewer, compliance_officer, client_user, level="C3")
    review = Review.objects.create(
        client=proposal.client, proposal=proposal, sequence=1, level="C3", due_date=datetime.date(2026, 12, 1)
    )
    values = {
        "cash": Decimal("100000"),
        "bonds": Decimal("350000"),
        "equities": Decimal("400000"),
        "real_estate": Decimal("100000"),
        "alternatives": Decimal("50000"),
    }
    review = services.review_record(review=review, actor=advisor, current_values=values, outcome="Fine")
    assert review.max_drift == Decimal("0.0500")
    assert not review.rebalance_proposed


def test_panels_and_client_sections(
    advisor, risk_reviewer, client_user, django_assert_max_num_queries, settings
):
    settings.PLANNING_MC_PATHS = 200
    client = ClientFactory(advisor=advisor, user=client_user)
    make_profile(client=client)
    proposal = make_ready_proposal(client=client, advisor=advisor)
    services.proposal_transition(proposal=proposal, action="submit", actor=advisor)
    panel = workspace_panels(risk_reviewer)[0]
    assert panel["items"][0]["label"].startswith(proposal.number)
    assert workspace_panels(advisor)[1]["title"] == "Reviews due"
    assert portal_panels(client_user)[0]["items"] == []
    with django_assert_max_num_queries(3):
        sections = client_sections(client=client, user=advisor)
    (plan,) = sections
    assert plan["template"] == "planning/_client_section.html"
    assert plan["context"]["proposals"][0].status == "submitted"
    assert plan["context"]["new_proposal_url"] == reverse("planning:proposal_create", args=[client.pk])


def test_client_requests_a_report_in_the_portal_and_sees_its_progress(
    web_as, advisor, client_user, outsider_user, risk_reviewer, compliance_officer, settings
):
    from advisory.models import ArchivedDocument

    settings.PLANNING_MC_PATHS = 200
    client = ClientFactory(advisor=advisor, user=client_user)
    make_profile(client=client)
    proposal = make_ready_proposal(client=client, advisor=advisor)
    http = web_as(client_user)
    url = reverse("planning_portal:document_request", args=[proposal.pk])
    # a draft is not the client's to see: no report either
    assert http.post(url, {"kind": services.DOC_PROPOSAL}).status_code == 404
    for action, actor in [
        ("submit", advisor),
        ("risk_approve", risk_reviewer),
        ("compliance_approve", compliance_officer),
        ("issue", advisor),
    ]:
        proposal = services.proposal_transition(proposal=proposal, action=action, actor=actor)
    # when the client asks for the investment proposal
    response = http.post(url, {"kind": services.DOC_PROPOSAL})
    # then a report is queued for them and the page polls its progress until it is ready
    assert response.status_code == 302
    doc = ArchivedDocument.objects.get(subject_id=str(proposal.pk), requested_by=client_user)
    page = http.get(reverse("planning_portal:proposal_detail", args=[proposal.pk])).content.decode()
    assert f'id="doc-{doc.pk}"' in page and 'hx-trigger="every 1s"' in page
    # another client cannot ask for it; an unknown kind is refused with a message
    assert web_as(outsider_user).post(url, {"kind": services.DOC_PROPOSAL}).status_code == 404
    refused = http.post(url, {"kind": "nonsense"}, follow=True)
    assert "Unknown report kind" in refused.content.decode()
    assert ArchivedDocument.objects.filter(subject_id=str(proposal.pk)).count() == 1


def test_portal_my_reports_card_lists_the_clients_reports(
    web_as, advisor, client_user, outsider_user, risk_reviewer, compliance_officer, settings
):
    settings.PLANNING_MC_PATHS = 200
    # given a client with no report yet: the card says so
    client = ClientFactory(advisor=advisor, user=client_user, name="Card Client")
    make_profile(client=client)
    proposal = make_ready_proposal(client=client, advisor=advisor)
    assert portal_panels(client_user)[1]["items"] == []
    assert "No reports yet" in web_as(client_user).get("/portal/").content.decode()
    for action, actor in [
        ("submit", advisor),
        ("risk_approve", risk_reviewer),
        ("compliance_approve", compliance_officer),
        ("issue", advisor),
    ]:
        proposal = services.proposal_transition(proposal=proposal, action=action, actor=actor)
    # when one report is ready and another still waits for the worker
    at = datetime.datetime(2026, 11, 30, 3, 52, tzinfo=datetime.UTC)
    with time_machine.travel(at, tick=False):
        ready = services.proposal_document_request(
            proposal=proposal, kind=services.DOC_PROPOSAL, actor=advisor, render_now=True
        )
        waiting = services.proposal_document_request(
            proposal=proposal, kind=services.DOC_FINANCIAL, actor=advisor
        )
    # then the card lists both with their time in the firm's time zone, status, and a download link
    items = portal_panels(client_user)[1]["items"]
    assert {i["label"] for i in items} == {waiting.title, ready.title}
    by_title = {i["label"]: i for i in items}
    assert by_title[ready.title]["url"] == reverse("planning_portal:document_download", args=[ready.pk])
    assert by_title[waiting.title]["url"] == ""
    assert by_title[ready.title]["meta"] == "2026-11-30 11:52"
    page = web_as(client_user).get("/portal/").content.decode()
    assert reverse("planning_portal:document_download", args=[ready.pk]) in page and "11:52" in page
    # and another client sees none of them
    assert portal_panels(outsider_user) == [] or portal_panels(outsider_user)[1]["items"] == []
