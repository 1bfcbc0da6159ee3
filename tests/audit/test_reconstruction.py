"""Reconstruct a record as it stood (SPEC §5): encrypted values revealable by the roles allowed
to reveal, each reveal recorded; a proposal with its lines and goal links; refusals to delete say
why and until when on every path."""

import datetime

import pytest
import time_machine

from audit.models import AuditAction, AuditEntry
from audit.selectors import record_as_of
from clients import services as client_services
from clients.models import Client
from planning.models import Goal
from tests.clients.factories import ClientFactory
from tests.planning.factories import make_ready_proposal

pytestmark = pytest.mark.django_db
T1 = datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC)
T2 = datetime.datetime(2026, 2, 5, 9, tzinfo=datetime.UTC)
T3 = datetime.datetime(2026, 3, 5, 9, tzinfo=datetime.UTC)


@pytest.fixture
def file_with_old_phone(advisor):
    with time_machine.travel(T1, tick=False):
        client = ClientFactory(
            advisor=advisor, phone="13800001111", bank_account_number="6222020200112233445"
        )
    with time_machine.travel(T2, tick=False):
        client_services.client_update(
            client=client, actor=advisor, data={"phone": "13912345678"}, reason="new"
        )
    return client


def test_point_in_time_shows_old_encrypted_value_masked_and_reveals_it_with_an_audit_entry(
    file_with_old_phone, compliance_officer, web_as
):
    client = file_with_old_phone
    at = datetime.datetime(2026, 1, 20, 12, tzinfo=datetime.UTC)
    # when: compliance looks at the file as of January
    result = record_as_of(
        user=compliance_officer, record_type="clients.client", record_id=str(client.pk), at=at
    )
    phone = next(f for f in result.fields if f["name"] == "phone")
    # then: masked (not "[encrypted]"), and the reveal is offered
    assert phone["encrypted"] and phone["value"].endswith("1111") and phone["value"] != "13800001111"
    assert result.can_reveal
    page = web_as(compliance_officer).get(
        "/app/audit/as-of/",
        {"record_type": "clients.client", "record_id": client.pk, "at": "2026-01-20T12:00"},
    )
    assert b"Reveal" in page.content and b"13800001111" not in page.content
    # when: the old phone is revealed
    response = web_as(compliance_officer).post(
        "/app/audit/as-of/reveal/",
        {"record_type": "clients.client", "record_id": client.pk, "at": "2026-01-20T12:00", "field": "phone"},
    )
    # then: the value as it was, and a REVEAL entry like the file's own reveal
    assert response.status_code == 200 and b"13800001111" in response.content
    entry = AuditEntry.objects.filter(action=AuditAction.REVEAL, record_id=str(client.pk)).first()
    assert entry.actor == compliance_officer and entry.client_id == client.pk
    assert entry.changes["field"] == "phone" and entry.changes["as_of"].startswith("2026-01-20")


def test_reveal_as_of_via_api(file_with_old_phone, compliance_officer, api_as):
    client = file_with_old_phone
    api = api_as(compliance_officer)
    data = api.get(
        "/api/v1/audit/as-of/", {"record_type": "clients.client", "record_id": client.pk, "at": "2026-01-20"}
    ).json()
    assert (
        "phone" in data["encrypted_fields"]
        and data["fields"]["phone"].endswith("1111")
        and data["can_reveal"]
    )
    response = api.post(
        "/api/v1/audit/as-of/reveal/",
        {
            "record_type": "clients.client",
            "record_id": client.pk,
            "at": "2026-01-20T12:00:00Z",
            "field": "phone",
        },
        format="json",
    )
    assert response.json() == {"field": "phone", "value": "13800001111"}


def test_administrator_without_the_reveal_rule_sees_masked_only(
    file_with_old_phone, administrator, web_as, api_as
):
    client = file_with_old_phone
    result = record_as_of(user=administrator, record_type="clients.client", record_id=str(client.pk), at=T3)
    assert not result.can_reveal
    response = web_as(administrator).post(
        "/app/audit/as-of/reveal/",
        {"record_type": "clients.client", "record_id": client.pk, "at": "2026-01-20T12:00", "field": "phone"},
    )
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.REVEAL).exists()


def test_proposal_as_of_includes_its_lines_and_goal_links(advisor, compliance_officer):
    # given: a proposal with lines in January, a goal linked in February
    with time_machine.travel(T1, tick=False):
        client = ClientFactory(advisor=advisor)
        proposal = make_ready_proposal(client=client, advisor=advisor)
        goal = Goal.objects.create(
            client=client,
            kind="retirement",
            name="Retire",
            target_amount=1000,
            target_date=datetime.date(2040, 1, 1),
            current_funding=0,
        )
    with time_machine.travel(T2, tick=False):
        proposal.goals.add(goal)
    # when / then: as of January: the lines, no goal; as of March: the goal link
    jan = record_as_of(
        user=compliance_officer,
        record_type="planning.proposal",
        record_id=str(proposal.pk),
        at=datetime.datetime(2026, 1, 20, tzinfo=datetime.UTC),
    )
    lines = next(p for p in jan.children if p["record_type"] == "planning.proposalline")
    assert len(lines["items"]) == proposal.lines.count() > 0
    assert next(f for f in jan.fields if f["name"] == "goals")["value"] == []
    mar = record_as_of(
        user=compliance_officer, record_type="planning.proposal", record_id=str(proposal.pk), at=T3
    )
    assert next(f for f in mar.fields if f["name"] == "goals")["value"] == [goal.pk]


def test_api_delete_of_a_client_says_why_and_until_when(advisor, api_as, retention_rules):
    with time_machine.travel(T1, tick=False):
        client = ClientFactory(
            advisor=advisor, relationship_ended_on=datetime.date(2025, 6, 30), status="ended"
        )
        response = api_as(advisor).delete(f"/api/v1/clients/{client.pk}/")
    assert response.status_code == 409
    error = response.json()["error"]
    assert (
        error["code"] == "retained"
        and "Retained until 2030-06-30 under the 5-year client-file rule" in error["message"]
    )
    assert Client.objects.filter(pk=client.pk).exists()
    # past retention: still not by DELETE, only by an approved disposal batch
    with time_machine.travel(datetime.datetime(2031, 1, 5, tzinfo=datetime.UTC), tick=False):
        response = api_as(advisor).delete(f"/api/v1/clients/{client.pk}/")
    assert response.status_code == 403 and "disposal batch" in response.json()["error"]["message"]


def test_admin_delete_of_a_client_says_why_and_until_when(advisor, administrator, web_as, retention_rules):
    with time_machine.travel(T1, tick=False):
        client = ClientFactory(
            advisor=advisor, relationship_ended_on=datetime.date(2025, 6, 30), status="ended"
        )
        http = web_as(administrator)
        page = http.get(f"/admin/clients/client/{client.pk}/delete/", follow=True)
        assert "Retained until 2030-06-30" in page.content.decode()
        bulk = http.post(
            "/admin/clients/client/",
            {"action": "delete_selected", "_selected_action": [client.pk], "post": "yes"},
            follow=True,
        )
        assert "Retained until 2030-06-30" in bulk.content.decode()
    assert Client.objects.filter(pk=client.pk).exists()


def test_orm_delete_says_why_and_until_when(advisor, retention_rules):
    from audit.retention import RetentionConflict

    with time_machine.travel(T1, tick=False):
        client = ClientFactory(
            advisor=advisor, relationship_ended_on=datetime.date(2025, 6, 30), status="ended"
        )
        with pytest.raises(
            RetentionConflict, match="Retained until 2030-06-30 under the 5-year client-file rule"
        ):
            Client.objects.filter(pk=client.pk).delete()
