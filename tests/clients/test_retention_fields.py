"""Retention-relevant fields of a client change only through services, with a reason and, for a
backdated end of relationship, a second person (SPEC §5)."""

import datetime

import pytest
import time_machine

from advisory.errors import DomainError, NotAllowed
from audit.models import AuditEntry, HoldScope, LegalHold
from audit.selectors import retention_status
from audit.services import hold_place
from clients import services

from .factories import ClientFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.datetime(2026, 3, 10, 9, tzinfo=datetime.UTC)


@pytest.fixture
def file(advisor):
    return ClientFactory(advisor=advisor, status="active", relationship_started_on=datetime.date(2020, 1, 1))


@time_machine.travel(TODAY, tick=False)
def test_backdated_end_runs_the_clock_from_the_recorded_day_until_a_second_person_approves(
    file, advisor, supervisor, retention_rules
):
    # when: the advisor ends the relationship "as of" last year
    services.client_end_relationship(
        client=file, actor=advisor, reason="client left in 2025", ended_on=datetime.date(2025, 1, 31)
    )
    # then: the clock runs from today, the earlier date waits for a decision
    file.refresh_from_db()
    assert file.relationship_ended_on == datetime.date(2026, 3, 10)
    assert file.backdate_requested_on == datetime.date(2025, 1, 31)
    assert retention_status(file).until == datetime.date(2031, 3, 10)
    # the one who asked cannot approve, nor can an advisor
    with pytest.raises(NotAllowed):
        services.client_backdate_decide(client=file, actor=advisor, approve=True, note="me")
    # when: a supervisor approves with a reason
    services.client_backdate_decide(
        client=file, actor=supervisor, approve=True, note="termination letter seen"
    )
    # then: the clock runs from the earlier date, and the decision is in the trail
    file.refresh_from_db()
    assert file.relationship_ended_on == datetime.date(2025, 1, 31) and file.backdate_requested_on is None
    assert retention_status(file).until == datetime.date(2030, 1, 31)
    assert any(
        "approved: termination letter" in entry.reason_text
        for entry in AuditEntry.objects.filter(record_type="clients.client", record_id=str(file.pk))
    )


@time_machine.travel(TODAY, tick=False)
def test_rejected_backdate_keeps_the_recorded_day(file, advisor, compliance_officer, retention_rules):
    services.client_end_relationship(
        client=file, actor=advisor, reason="x", ended_on=datetime.date(2024, 5, 1)
    )
    with pytest.raises(DomainError):
        services.client_backdate_decide(client=file, actor=compliance_officer, approve=False, note=" ")
    services.client_backdate_decide(client=file, actor=compliance_officer, approve=False, note="no evidence")
    file.refresh_from_db()
    assert file.relationship_ended_on == datetime.date(2026, 3, 10) and file.backdate_requested_on is None


@time_machine.travel(TODAY, tick=False)
def test_end_today_needs_no_second_person_and_future_is_refused(file, advisor):
    with pytest.raises(DomainError):
        services.client_end_relationship(
            client=file, actor=advisor, reason="x", ended_on=datetime.date(2026, 4, 1)
        )
    services.client_end_relationship(client=file, actor=advisor, reason="x")
    file.refresh_from_db()
    assert file.relationship_ended_on == datetime.date(2026, 3, 10) and file.backdate_requested_on is None


@time_machine.travel(TODAY, tick=False)
def test_backdate_decision_via_web_and_api(file, advisor, supervisor, colleague, web_as, api_as):
    services.client_end_relationship(
        client=file, actor=advisor, reason="x", ended_on=datetime.date(2025, 6, 1)
    )
    page = web_as(supervisor).get(f"/app/clients/{file.pk}/")
    assert b"backdate" in page.content and b"Record decision" in page.content
    assert api_as(colleague).post(
        f"/api/v1/clients/{file.pk}/end-relationship/backdate/", {"approve": True, "note": "x"}
    ).status_code in (403, 404)
    response = api_as(supervisor).post(
        f"/api/v1/clients/{file.pk}/end-relationship/backdate/",
        {"approve": True, "note": "letter"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["relationship_ended_on"] == "2025-06-01"


def test_admin_cannot_edit_retention_fields(file, administrator, web_as):
    http = web_as(administrator)
    page = http.get(f"/admin/clients/client/{file.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    for name in ("status", "advisor", "relationship_started_on", "relationship_ended_on"):
        assert name not in form.fields, name


def test_legal_holds_are_read_only_in_the_admin(compliance_officer, administrator, web_as):
    hold = hold_place(actor=compliance_officer, scope=HoldScope.CLIENT, client_id=7, reason="Inquiry")
    http = web_as(administrator)
    assert http.get("/admin/audit/legalhold/add/").status_code == 403
    http.post(f"/admin/audit/legalhold/{hold.pk}/change/", {"reason": "edited", "scope": "client"})
    assert http.post(f"/admin/audit/legalhold/{hold.pk}/delete/", {"post": "yes"}).status_code == 403
    hold.refresh_from_db()
    assert (
        hold.reason == "Inquiry" and LegalHold.objects.filter(pk=hold.pk, released_at__isnull=True).exists()
    )
