"""Screens: who may see and change a client, through the workspace and the portal."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from advisory.texts import render_reason
from audit.models import AuditAction, AuditEntry
from clients import services
from clients.models import Client, OnboardingStep
from tests.clients.conftest import VALID_PRC_ID
from tests.clients.factories import ClientFactory
from tests.clients.kyc_helpers import add_identity_document, make_approvable

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF"


def test_advisor_lists_only_own_book(web_as, advisor, own_client, other_client):
    response = web_as(advisor).get(reverse("clients:list"))
    assert response.status_code == 200
    assert own_client.file_number in response.text and other_client.file_number not in response.text


@pytest.mark.parametrize("role", ["supervisor", "risk_reviewer", "compliance_officer", "administrator"])
def test_oversight_roles_list_all_clients_and_see_pages_read_only(
    request, web_as, role, own_client, other_client
):
    user = request.getfixturevalue(role)
    http = web_as(user)
    listing = http.get(reverse("clients:list"))
    assert own_client.file_number in listing.text and other_client.file_number in listing.text
    page = http.get(reverse("clients:detail", args=[own_client.pk]))
    assert page.status_code == 200
    assert reverse("clients:edit", args=[own_client.pk]) not in page.text
    # and they cannot change it
    before = Client.objects.get(pk=own_client.pk).name
    assert http.post(reverse("clients:edit", args=[own_client.pk]), {"name": "Hacked"}).status_code == 403
    assert Client.objects.get(pk=own_client.pk).name == before


def test_list_search_filters_and_empty_state(web_as, advisor, own_client):
    ClientFactory(advisor=advisor, name="Wang Lei 王磊", kind="institution", wealth_tier="high")
    http = web_as(advisor)
    assert "王磊" in http.get(reverse("clients:list"), {"q": "王"}).text
    assert "王磊" not in http.get(reverse("clients:list"), {"q": "Zhang"}).text
    assert own_client.name in http.get(reverse("clients:list"), {"q": own_client.file_number}).text
    assert (
        "王磊"
        in http.get(reverse("clients:list"), {"kind": "institution", "tier": "high", "sort": "-name"}).text
    )
    assert "No client matches" in http.get(reverse("clients:list"), {"q": "nobody"}).text


def test_advisor_on_another_advisors_client_gets_404_and_nothing_changes(web_as, advisor, other_client):
    http = web_as(advisor)
    for name in (
        "clients:detail",
        "clients:edit",
        "clients:reassign",
        "clients:document_upload",
        "clients:onboarding_start",
    ):
        assert http.get(reverse(name, args=[other_client.pk])).status_code == 404
    assert http.post(reverse("clients:edit", args=[other_client.pk]), {"name": "Mine now"}).status_code == 404
    assert http.post(reverse("clients:reveal", args=[other_client.pk]), {"field": "phone"}).status_code == 404
    other_client.refresh_from_db()
    assert other_client.name == "Colleague's Client"
    assert not AuditEntry.objects.filter(action=AuditAction.REVEAL).exists()


def test_client_users_cannot_reach_the_workspace(web_as, client_user, own_client):
    assert web_as(client_user).get(reverse("clients:detail", args=[own_client.pk])).status_code == 403


def test_create_and_edit_client_through_the_ui(web_as, advisor):
    http = web_as(advisor)
    data = {
        "kind": "individual",
        "name": "Li Si 李四",
        "preferred_language": "zh-hans",
        "id_document_type": "prc_id",
        "id_number": "110105194912310021",  # bad check digit
        "currency": "CNY",
        "investment_years": 0,
        "large_fund_movement_amount": 0,
    }
    response = http.post(reverse("clients:create"), data)
    assert response.status_code == 200 and "check digit" in response.text
    data["id_number"] = VALID_PRC_ID
    data["monthly_income"] = "5000"
    response = http.post(reverse("clients:create"), data)
    client = Client.objects.get(name="Li Si 李四")
    assert response.status_code == 302 and client.wealth_tier == "middle" and client.advisor == advisor
    # edit keeps the identity when the field is left empty
    data.update(id_number="", monthly_income="60000", phone="13800000000")
    assert http.post(reverse("clients:edit", args=[client.pk]), data).status_code == 302
    client.refresh_from_db()
    assert client.id_number == VALID_PRC_ID and client.wealth_tier == "high" and client.phone == "13800000000"


def test_detail_shows_masked_data_and_reveal_is_a_logged_post(
    web_as, advisor, own_client, compliance_officer
):
    http = web_as(advisor)
    page = http.get(reverse("clients:detail", args=[own_client.pk]))
    assert (
        "110105********002X" in page.text and VALID_PRC_ID not in page.text and "13812345678" not in page.text
    )
    assert http.get(reverse("clients:reveal", args=[own_client.pk])).status_code == 405
    revealed = http.post(
        reverse("clients:reveal", args=[own_client.pk]), {"field": "id_number"}, HTTP_HX_REQUEST="true"
    )
    assert VALID_PRC_ID in revealed.text
    entry = AuditEntry.objects.get(action=AuditAction.REVEAL)
    assert entry.actor == advisor and entry.client_id == own_client.pk
    # compliance can find the reveal in the trail (by client id), and may reveal too
    assert (
        web_as(compliance_officer)
        .post(reverse("clients:reveal", args=[own_client.pk]), {"field": "phone"})
        .status_code
        == 200
    )


def test_risk_reviewer_may_not_reveal(web_as, risk_reviewer, own_client):
    assert (
        web_as(risk_reviewer)
        .post(reverse("clients:reveal", args=[own_client.pk]), {"field": "id_number"})
        .status_code
        == 403
    )
    assert not AuditEntry.objects.filter(action=AuditAction.REVEAL).exists()


def test_reassign_through_the_ui(web_as, supervisor, advisor, colleague, own_client):
    assert web_as(advisor).get(reverse("clients:reassign", args=[own_client.pk])).status_code == 403
    response = web_as(supervisor).post(
        reverse("clients:reassign", args=[own_client.pk]), {"advisor": colleague.pk, "reason": "Team change"}
    )
    assert response.status_code == 302
    own_client.refresh_from_db()
    assert own_client.advisor == colleague


def test_upload_and_download_through_the_ui(web_as, advisor, own_client, colleague):
    http = web_as(advisor)
    bad = http.post(
        reverse("clients:document_upload", args=[own_client.pk]),
        {"kind": "other", "file": SimpleUploadedFile("x.pdf", b"GIF89a not a pdf")},
    )
    assert bad.status_code == 400 and "content is not" in bad.text
    ok = http.post(
        reverse("clients:document_upload", args=[own_client.pk]),
        {"kind": "identity", "title": "ID copy", "file": SimpleUploadedFile("id.pdf", PDF)},
    )
    assert ok.status_code == 302
    doc = own_client.documents.get()
    download = http.get(reverse("clients:document_download", args=[doc.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert AuditEntry.objects.filter(action=AuditAction.DOWNLOAD, record_id=str(doc.pk)).exists()
    assert web_as(colleague).get(reverse("clients:document_download", args=[doc.pk])).status_code == 404


def test_onboarding_wizard_through_the_ui(web_as, advisor, supervisor, own_client):
    add_identity_document(own_client, advisor)
    http = web_as(advisor)
    for kind in ("privacy", "risk_disclosure"):
        http.post(
            reverse("clients:consent", args=[own_client.pk]),
            {"kind": kind, "channel": "paper", "version": "2026-01"},
        )
    response = http.post(reverse("clients:onboarding_start", args=[own_client.pk]), {})
    case = own_client.onboarding_cases.get()
    assert response.status_code == 302
    url = reverse("clients:onboarding_transition", args=[case.pk])
    page = http.get(reverse("clients:onboarding_detail", args=[case.pk])).text
    assert (
        ">Confirm identity verified</button>" in page and ">Withdraw</button>" in page
    )  # actions, not states
    assert ">Withdrawn</button>" not in page
    http.post(url, {"action": "verify_identity"})
    bad = http.post(url, {"action": "choose_business_type"})
    assert bad.status_code == 400 and "Choose the business type" in bad.text
    http.post(url, {"action": "choose_business_type", "business_type": "financial_planning"})
    http.post(url, {"action": "submit_for_review"})
    case.refresh_from_db()
    assert case.step == OnboardingStep.INITIAL_REVIEW and case.review_deadline
    page = http.get(reverse("clients:onboarding_detail", args=[case.pk]))
    assert "Review due" in page.text and "Approve" not in page.text
    listing = http.get(reverse("clients:onboarding_list"))
    assert case.acceptance_number in listing.text
    sup = web_as(supervisor)
    assert sup.post(url, {"action": "return"}).status_code == 400  # reason required
    make_approvable(case, supervisor)
    sup.post(url, {"action": "approve"})
    case.refresh_from_db()
    assert case.step == OnboardingStep.REGISTERED
    assert "Onboarding reviews due" in http.get(reverse("workspace:home")).text


def test_portal_profile_shows_own_masked_file_and_records_consent(
    web_as, client_user, outsider_user, own_client, advisor
):
    own_client.user = client_user
    own_client.save()
    http = web_as(client_user)
    page = http.get(reverse("clients_portal:profile"))
    assert page.status_code == 200 and own_client.file_number in page.text
    assert "110105********002X" in page.text and VALID_PRC_ID not in page.text
    http.post(reverse("clients_portal:consent"), {"kind": "privacy"})
    assert services.current_consents(own_client)["privacy"].channel == "portal"
    # another client sees nothing of it
    other = web_as(outsider_user).get(reverse("clients_portal:profile"))
    assert own_client.file_number not in other.text
    doc = services.document_upload(
        client=own_client, actor=advisor, upload=SimpleUploadedFile("a.pdf", PDF), kind="other"
    )
    assert http.get(reverse("clients_portal:document_download", args=[doc.pk])).status_code == 200
    assert (
        web_as(outsider_user).get(reverse("clients_portal:document_download", args=[doc.pk])).status_code
        == 404
    )
    assert web_as(advisor).get(reverse("clients_portal:profile")).status_code == 403


def test_client_sections_hook_renders_sections_from_other_apps(
    web_as, advisor, own_client, monkeypatch, tmp_path, settings
):
    import sys
    import types

    module = types.ModuleType("planning.client_sections")
    module.client_sections = lambda *, client, user: [
        {"title": "Plans", "template": "clients/_revealed.html", "context": {"x": 1}}
    ]
    monkeypatch.setitem(sys.modules, "planning.client_sections", module)
    page = web_as(advisor).get(reverse("clients:detail", args=[own_client.pk]))
    assert "<h2>Plans</h2>" in page.text


def test_list_query_count_does_not_grow_with_clients(
    web_as, advisor, supervisor, django_assert_max_num_queries
):
    ClientFactory.create_batch(5, advisor=advisor)
    http = web_as(advisor)
    http.get(reverse("clients:list"))  # warm up session
    with django_assert_max_num_queries(12) as few:
        http.get(reverse("clients:list"))
    baseline = len(few.captured_queries)
    ClientFactory.create_batch(60, advisor=advisor)
    with django_assert_max_num_queries(baseline) as many:
        response = http.get(reverse("clients:list"), {"q": "Client", "sort": "-created"})
    assert response.status_code == 200 and response.context["page"].paginator.count == 65
    sup = web_as(supervisor)
    sup.get(reverse("clients:list"))
    with django_assert_max_num_queries(baseline + 1):  # + the advisor filter choices
        sup.get(reverse("clients:list"))
    assert many


def test_client_page_query_count_does_not_grow(web_as, advisor, own_client, django_assert_max_num_queries):
    http = web_as(advisor)

    def add_records(n):
        for i in range(n):
            services.related_party_add(
                client=own_client, actor=advisor, relationship="child", name=f"Child {i}"
            )
            services.consent_record(client=own_client, actor=advisor, kind="privacy", channel="paper")
            services.document_upload(
                client=own_client, actor=advisor, upload=SimpleUploadedFile(f"d{i}.pdf", PDF), kind="other"
            )

    add_records(1)
    http.get(reverse("clients:detail", args=[own_client.pk]))
    # the 360° page: the file itself plus the sections of risk, planning, complaints, know your
    # client and the service record, each a fixed few queries
    with django_assert_max_num_queries(30) as first:
        http.get(reverse("clients:detail", args=[own_client.pk]))
    baseline = len(first.captured_queries)
    add_records(5)
    ClientFactory.create_batch(20, advisor=advisor)
    with django_assert_max_num_queries(baseline):
        http.get(reverse("clients:detail", args=[own_client.pk]))


def test_onboarding_list_query_count(web_as, advisor, django_assert_max_num_queries):
    from tests.clients.factories import OnboardingCaseFactory

    OnboardingCaseFactory.create_batch(3, client__advisor=advisor)
    http = web_as(advisor)
    http.get(reverse("clients:onboarding_list"))
    with django_assert_max_num_queries(12) as few:
        http.get(reverse("clients:onboarding_list"))
    OnboardingCaseFactory.create_batch(30, client__advisor=advisor)
    with django_assert_max_num_queries(len(few.captured_queries)):
        http.get(reverse("clients:onboarding_list"))


def test_end_relationship_and_special_flag_through_the_ui(
    web_as, advisor, supervisor, own_client, ready_case
):
    http = web_as(advisor)
    flagged = http.post(
        reverse("clients:onboarding_flag_special", args=[ready_case.pk]),
        {"is_special": "on", "special_reason": "trust"},
    )
    assert flagged.status_code == 302
    ready_case.refresh_from_db()
    assert ready_case.is_special
    assert (
        web_as(supervisor).get(reverse("clients:end_relationship", args=[own_client.pk])).status_code == 403
    )
    http.post(
        reverse("clients:onboarding_transition", args=[ready_case.pk]),
        {"action": "withdraw", "note": "client left"},
    )
    assert (
        http.post(reverse("clients:end_relationship", args=[own_client.pk]), {"reason": "left"}).status_code
        == 302
    )
    own_client.refresh_from_db()
    assert own_client.status == "ended" and own_client.relationship_ended_on


def test_advisor_ends_a_related_party_and_the_record_stays(web_as, advisor, colleague, supervisor):
    from django.urls import reverse

    from clients import services
    from tests.clients.factories import ClientFactory

    client = ClientFactory(advisor=advisor)
    party = services.related_party_add(client=client, actor=advisor, relationship="spouse", name="Li Hua")
    url = reverse("clients:related_party_end", args=[client.pk, party.pk])
    # a reason is required; colleagues see nothing, supervisors may not change
    assert "Say why" in web_as(advisor).post(url, {"reason": " "}, follow=True).content.decode()
    assert web_as(colleague).post(url, {"reason": "x"}).status_code == 404
    assert web_as(supervisor).post(url, {"reason": "x"}).status_code == 403
    party.refresh_from_db()
    assert party.ended_on is None
    # when the advisor ends it
    web_as(advisor).post(url, {"reason": "divorced"})
    # then the row stays, marked ended, with why in its history; ending twice is refused
    party.refresh_from_db()
    assert party.ended_on is not None
    assert (
        render_reason(party.history.first().history_change_reason, language="en")
        == "related party ended: divorced"
    )
    again = web_as(advisor).post(url, {"reason": "again"}, follow=True).content.decode()
    assert "already ended" in again


def test_a_section_without_a_template_fails_loudly(web_as, advisor, own_client, monkeypatch):
    import sys
    import types

    from django.core.exceptions import ImproperlyConfigured

    from clients.sections import client_sections

    module = types.ModuleType("planning.client_sections")
    module.client_sections = lambda *, client, user: [{"title": "Plans", "context": {}}]
    monkeypatch.setitem(sys.modules, "planning.client_sections", module)
    with pytest.raises(ImproperlyConfigured):
        client_sections(client=own_client, user=advisor)
    module.client_sections = lambda *, client, user: [{"title": "Plans", "template": "nowhere/_x.html"}]
    with pytest.raises(ImproperlyConfigured):
        client_sections(client=own_client, user=advisor)


def test_client_page_links_to_the_plan_and_a_new_proposal(web_as, advisor, own_client, supervisor):
    # given the advisor who holds the client
    page = web_as(advisor).get(reverse("clients:detail", args=[own_client.pk])).text
    # then the planning section is there with the way to the plan and a new proposal
    assert reverse("planning:client_plan", args=[own_client.pk]) in page
    assert reverse("planning:proposal_create", args=[own_client.pk]) in page
    # a supervisor sees the plan but may not start a proposal for someone else's client
    page = web_as(supervisor).get(reverse("clients:detail", args=[own_client.pk])).text
    assert reverse("planning:proposal_create", args=[own_client.pk]) not in page


def test_new_client_form_is_in_sections_and_inline_forms_are_labelled(web_as, advisor, own_client):
    http = web_as(advisor)
    page = http.get(reverse("clients:create")).text
    for legend in ("Identity", "Contact", "Financial status", "Investment experience and needs"):
        assert f"<legend>{legend}</legend>" in page
    services.related_party_add(client=own_client, actor=advisor, relationship="child", name="Xiao Ming")
    detail = http.get(reverse("clients:detail", args=[own_client.pk])).text
    # the consent and related-party forms on the client page: every input has its label
    assert "<label>Consent <select" in detail and "<label>Relationship <select" in detail
    assert 'aria-label="Why it ended"' in detail


def test_oversight_client_list_advisor_filter_lists_active_advisors_and_keeps_the_chosen_one(
    web_as, supervisor, advisor, colleague
):
    ClientFactory(advisor=advisor, name="Ann's client")
    ClientFactory(advisor=colleague, name="Carl's client")
    http = web_as(supervisor)

    page = http.get(reverse("clients:list"), {"advisor": colleague.pk})
    body = page.content.decode()

    assert f'<option value="{colleague.pk}" selected>Colleague Carl</option>' in body
    assert f'<option value="{advisor.pk}">Advisor Ann</option>' in body
    assert [c.name for c in page.context["clients"]] == ["Carl's client"]
    colleague.is_active = False
    colleague.save()
    assert f'<option value="{colleague.pk}"' not in http.get(reverse("clients:list")).content.decode()
    # an advisor sees their own book and no advisor filter at all
    assert 'name="advisor"' not in web_as(advisor).get(reverse("clients:list")).content.decode()
