"""The ticket's action buttons (through advisory.views_actions): each one either does its one
service call and says so, or says why not and changes nothing."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from complaints import services
from complaints.models import ComplaintEvent, EventKind, State, ViolationCase
from tests.complaints.factories import make_client, make_complaint


@pytest.fixture
def ticket(advisor, client_user):
    return make_complaint(client=make_client(advisor=advisor, user=client_user))


def _said(response) -> list[str]:
    return [str(m.message) for m in get_messages(response.wsgi_request)]


def test_reply_is_saved_and_said(web_as, advisor, ticket):
    # when
    response = web_as(advisor).post(reverse("complaints:reply", args=[ticket.pk]), {"body": "On it"})

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:detail", args=[ticket.pk])
    assert _said(response) == ["Saved."]
    assert ComplaintEvent.objects.filter(complaint=ticket, kind=EventKind.REPLY, body="On it").exists()


def test_empty_reply_is_refused_with_its_message_and_writes_nothing(web_as, advisor, ticket):
    before = ComplaintEvent.objects.filter(complaint=ticket).count()

    response = web_as(advisor).post(reverse("complaints:reply", args=[ticket.pk]), {"body": ""})

    assert response.status_code == 302
    assert _said(response) == ["Write a message."]
    assert ComplaintEvent.objects.filter(complaint=ticket).count() == before


def test_priority_change_names_the_invalid_field(web_as, advisor, ticket):
    response = web_as(advisor).post(reverse("complaints:priority", args=[ticket.pk]), {"priority": "nope"})

    assert response.status_code == 302
    assert len(_said(response)) == 1 and _said(response)[0].startswith("Priority: ")
    ticket.refresh_from_db()
    assert ticket.priority == "normal"


def test_resolving_a_ticket_not_under_investigation_is_refused(web_as, advisor, ticket):
    data = {"root_cause": "Double charge", "resolution_answer": "Refunded", "compensation_currency": "CNY"}

    response = web_as(advisor).post(reverse("complaints:resolve", args=[ticket.pk]), data)

    assert _said(response) == ["Only a ticket under investigation can be resolved."]
    ticket.refresh_from_db()
    assert ticket.state == State.RECEIVED


def test_resolving_under_investigation_resolves(web_as, advisor, ticket):
    services.complaint_act(complaint=ticket, actor=advisor, action="acknowledge")
    services.complaint_act(complaint=ticket, actor=advisor, action="investigate")
    data = {"root_cause": "Double charge", "resolution_answer": "Refunded", "compensation_currency": "CNY"}

    response = web_as(advisor).post(reverse("complaints:resolve", args=[ticket.pk]), data)

    assert _said(response) == ["Resolved; the answer was sent to the client."]
    ticket.refresh_from_db()
    assert ticket.state == State.RESOLVED


def test_reassign_to_a_colleague(web_as, advisor, colleague, ticket):
    response = web_as(advisor).post(
        reverse("complaints:reassign", args=[ticket.pk]), {"assignee": colleague.pk, "note": "holiday"}
    )

    assert _said(response) == ["Reassigned."]
    ticket.refresh_from_db()
    assert ticket.assignee_id == colleague.pk


def test_violation_case_opens_on_its_own_page(web_as, compliance_officer, advisor, ticket):
    response = web_as(compliance_officer).post(
        reverse("complaints:violation_open", args=[ticket.pk]),
        {"staff_member": advisor.pk, "summary": "Mis-selling"},
    )

    case = ViolationCase.objects.get(complaint=ticket)
    assert response["Location"] == reverse("complaints:violation_detail", args=[case.pk])


def test_violation_case_without_a_summary_goes_back_with_the_reason(
    web_as, compliance_officer, advisor, ticket
):
    response = web_as(compliance_officer).post(
        reverse("complaints:violation_open", args=[ticket.pk]), {"staff_member": advisor.pk}
    )

    assert response["Location"] == reverse("complaints:detail", args=[ticket.pk])
    assert _said(response) == ["Choose the staff member and describe the misconduct."]
    assert not ViolationCase.objects.exists()


def test_an_advisor_cannot_open_a_violation_case(web_as, advisor, ticket):
    response = web_as(advisor).post(
        reverse("complaints:violation_open", args=[ticket.pk]),
        {"staff_member": advisor.pk, "summary": "Mis-selling"},
    )

    assert response.status_code == 403
    assert not ViolationCase.objects.exists()


def test_a_colleague_outside_the_book_cannot_act(web_as, colleague, ticket):
    response = web_as(colleague).post(reverse("complaints:reply", args=[ticket.pk]), {"body": "Hi"})

    assert response.status_code == 404
    assert not ComplaintEvent.objects.filter(complaint=ticket, body="Hi").exists()


def test_client_cannot_confirm_an_unresolved_ticket(web_as, client_user, ticket):
    response = web_as(client_user).post(reverse("complaints_portal:confirm", args=[ticket.pk]))

    assert response["Location"] == reverse("complaints_portal:detail", args=[ticket.pk])
    assert len(_said(response)) == 1
    ticket.refresh_from_db()
    assert ticket.state == State.RECEIVED


def test_action_buttons_refuse_a_get(web_as, advisor, ticket):
    assert web_as(advisor).get(reverse("complaints:reply", args=[ticket.pk])).status_code == 405
