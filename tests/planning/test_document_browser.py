"""In a real browser: when a report finishes rendering, its SHA-256 and download link appear on
the proposal page without a reload (the htmx poll swaps the status and, out of band, the hash)."""

import pytest

from advisory.documents import document_render
from advisory.models import ArchivedDocument
from advisory.roles import Role
from planning import services
from tests.factories import UserFactory
from tests.planning.factories import ClientFactory, make_profile, make_ready_proposal


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_hash_and_download_appear_when_the_report_is_ready(browser, live_server, settings):
    settings.PLANNING_MC_PATHS = 200
    # given a proposal whose report was requested and waits for the worker
    advisor = UserFactory(role=Role.ADVISOR, full_name="Hash Advisor", email="hash@smoke.test")
    client = ClientFactory(advisor=advisor, name="Hash Client")
    make_profile(client=client)
    proposal = make_ready_proposal(client=client, advisor=advisor)
    # (queued without the outbox, so that no eager worker renders it before the page is open)
    doc = ArchivedDocument.objects.create(
        kind=services.DOC_PROPOSAL,
        title="Investment proposal",
        subject_type="planning.proposal",
        subject_id=str(proposal.pk),
        client_id=client.pk,
        version=1,
        language="en",
        requested_by=advisor,
    )
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(f"{live_server.url}/account/login/")
        page.fill("input[name=username]", advisor.email)
        page.fill("input[name=password]", "pass-word-123")
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(f"{live_server.url}/app/planning/proposals/{proposal.pk}/")
        assert page.text_content(f"#doc-{doc.pk}-sha").strip() == ""
        # when the worker finishes the document while the page is open
        assert document_render(document_id=doc.pk) is True
        doc.refresh_from_db()
        # then, without a reload, the row shows the hash and the download link
        page.wait_for_selector(f"#doc-{doc.pk} a:has-text('Download')", timeout=10_000)
        page.wait_for_function(
            f"document.getElementById('doc-{doc.pk}-sha').textContent.trim().length > 0", timeout=5_000
        )
        shown = page.text_content(f"#doc-{doc.pk}-sha").strip()
        assert doc.sha256.startswith(shown.rstrip("…"))
        assert page.get_attribute(f"#doc-{doc.pk}-sha", "title") == f"SHA-256 {doc.sha256}"
    finally:
        page.close()
