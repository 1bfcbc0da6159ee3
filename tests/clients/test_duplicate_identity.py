"""A duplicate identity number entered outside one's book names no other file; compliance is told."""

import pytest

from advisory.models import Notification
from advisory.texts import stored_reason
from audit.models import AuditAction, AuditEntry
from tests.clients.conftest import VALID_PRC_ID

pytestmark = pytest.mark.django_db

BODY = {"name": "Li Si", "id_document_type": "prc_id", "id_number": VALID_PRC_ID}


def test_colleague_entering_an_existing_clients_number_learns_nothing_of_the_other_file(
    api_as, own_client, colleague, compliance_officer
):
    # given a client of `advisor` with an identity number
    # when a colleague opens a file with the same number
    response = api_as(colleague).post("/api/v1/clients/", BODY, format="json")
    # then the refusal says the person is already a client, without the other file's number
    assert response.status_code == 409
    error = response.json()["error"]
    assert "already a client of the firm" in error["message"] and "id_number" in error["fields"]
    assert own_client.file_number not in response.content.decode()
    # and compliance is notified with the details; the attempt is in the audit trail
    note = Notification.objects.get(recipient=compliance_officer, kind="clients.duplicate_identity")
    assert own_client.file_number in note.subject_text and "Colleague Carl" in note.body_text
    assert AuditEntry.objects.filter(
        action=AuditAction.OTHER,
        record_id=str(own_client.pk),
        reason=stored_reason(
            "identity number of this client entered by an advisor outside the book; refused"
        ),
    ).exists()


def test_colleague_editing_own_client_to_that_number_is_refused_the_same_way(
    api_as, own_client, other_client, colleague, compliance_officer
):
    response = api_as(colleague).patch(
        f"/api/v1/clients/{other_client.pk}/",
        {"id_document_type": "prc_id", "id_number": VALID_PRC_ID},
        format="json",
    )
    assert response.status_code == 409 and own_client.file_number not in response.content.decode()
    assert (
        Notification.objects.filter(recipient=compliance_officer, kind="clients.duplicate_identity").count()
        == 1
    )


def test_the_responsible_advisor_is_told_which_file_it_is(api_as, own_client, advisor, compliance_officer):
    response = api_as(advisor).post("/api/v1/clients/", BODY, format="json")
    assert response.status_code == 409 and own_client.file_number in response.json()["error"]["message"]
    assert not Notification.objects.filter(kind="clients.duplicate_identity").exists()
