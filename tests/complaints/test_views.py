"""Screens: who sees what (UI), internal notes never to clients, fixed query counts."""

import pytest
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, State, ViolationCase
from tests.complaints.factories import make_client, make_complaint


@pytest.fixture
def client_file(advisor, client_user):
    return make_client(advisor=advisor, user=client_user, name="Carol Client")


@pytest.fixture
def ticket(client_file, advisor):
    c = make_complaint(client=client_file, subject="Fee charged twice")
    services.complaint_reply(complaint=c, actor=advisor, body="SECRET-INTERNAL-NOTE", internal=True)
    services.complaint_reply(complaint=c, actor=advisor, body="We are looking into it", internal=False)
    return c


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("advisor", 200),
        ("supervisor", 200),
        ("compliance_officer", 200),
        ("risk_reviewer", 200),
        ("administrator", 200),
        ("colleague", 404),
    ],
)
def test_staff_ticket_page_per_role(request, web_as, ticket, who, status):
    user = request.getfixturevalue(who)
    response = web_as(user).get(reverse("complaints:detail", args=[ticket.pk]))
    assert response.status_code == status
    if status == 200:
        assert b"SECRET-INTERNAL-NOTE" in response.content


def test_assignee_outside_the_book_sees_the_ticket(web_as, ticket, colleague, advisor):
    services.complaint_reassign(complaint=ticket, actor=advisor, assignee=colleague)
    assert web_as(colleague).get(reverse("complaints:detail", args=[ticket.pk])).status_code == 200


def test_clients_cannot_reach_the_staff_queue(web_as, client_user):
    assert web_as(client_user).get(reverse("complaints:list")).status_code == 403


def test_client_sees_own_ticket_without_internal_notes(web_as, ticket, client_user):
    response = web_as(client_user).get(reverse("complaints_portal:detail", args=[ticket.pk]))
    assert response.status_code == 200
    assert b"We are looking into it" in response.content
    assert b"SECRET-INTERNAL-NOTE" not in response.content


def test_other_client_cannot_see_the_ticket(web_as, ticket, outsider_user):
    http = web_as(outsider_user)
    assert http.get(reverse("complaints_portal:detail", args=[ticket.pk])).status_code == 404
    assert http.post(reverse("complaints_portal:reply", args=[ticket.pk]), {"body": "hi"}).status_code == 404
    assert b"Fee charged twice" not in http.get(reverse("complaints_portal:list")).content
    assert ticket.events.filter(kind="client_reply").count() == 0


def test_client_files_a_complaint_in_the_portal(web_as, client_file, client_user):
    response = web_as(client_user).post(
        reverse("complaints_portal:create"),
        {"category": "fees", "subject": "Wrong fee", "description": "Twice"},
    )
    c = Complaint.objects.get(subject="Wrong fee")
    assert response.status_code == 302 and c.channel == "portal" and c.client == client_file


def test_portal_upload_of_wrong_type_is_refused(web_as, client_file, client_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    response = web_as(client_user).post(
        reverse("complaints_portal:create"),
        {"category": "fees", "subject": "Wrong fee", "description": "Twice", "attachment": bad},
    )
    assert response.status_code == 200 and b"not accepted" in response.content
    assert not Complaint.objects.exists()


def test_staff_logs_a_phone_complaint(web_as, client_file, advisor):
    response = web_as(advisor).post(
        reverse("complaints:create"),
        {"client": client_file.pk, "channel": "phone", "category": "service_attitude", "priority": "high",
         "subject": "Rude call", "description": "Client says the advisor was rude"},
    )  # fmt: skip
    c = Complaint.objects.get(subject="Rude call")
    assert response.status_code == 302 and c.channel == "phone" and c.priority == "high"


def test_forbidden_transition_shows_a_message_not_a_500(web_as, ticket, advisor):
    response = web_as(advisor).post(
        reverse("complaints:action", args=[ticket.pk]), {"action": "close"}, follow=True
    )
    assert response.status_code == 200
    assert b"not possible" in response.content
    ticket.refresh_from_db()
    assert ticket.state == State.RECEIVED


def test_invalid_priority_change_explains_and_changes_nothing(web_as, ticket, advisor):
    # given a ticket with its current priority
    before = ticket.priority
    # when the posted priority is not one of the choices
    response = web_as(advisor).post(
        reverse("complaints:priority", args=[ticket.pk]), {"priority": "whenever", "note": "x"}, follow=True
    )
    # then the page says what was wrong and the ticket is unchanged
    assert response.status_code == 200
    assert b"whenever is not one of the available choices" in response.content
    ticket.refresh_from_db()
    assert ticket.priority == before


def test_risk_reviewer_cannot_change_a_ticket(web_as, ticket, risk_reviewer):
    web_as(risk_reviewer).post(reverse("complaints:action", args=[ticket.pk]), {"action": "acknowledge"})
    ticket.refresh_from_db()
    assert ticket.state == State.RECEIVED
    assert web_as(risk_reviewer).get(reverse("complaints:create")).status_code == 403


def test_client_confirms_and_answers_survey_in_portal(web_as, ticket, advisor, client_user):
    services.complaint_act(complaint=ticket, actor=advisor, action="acknowledge")
    services.complaint_act(complaint=ticket, actor=advisor, action="investigate")
    services.complaint_resolve(
        complaint=ticket, actor=advisor, root_cause="bug", resolution_answer="refunded"
    )
    http = web_as(client_user)
    http.post(reverse("complaints_portal:confirm", args=[ticket.pk]))
    http.post(reverse("complaints_portal:survey", args=[ticket.pk]), {"csat": "5", "nps": "10"})
    ticket.refresh_from_db()
    assert ticket.state == State.CLOSED and ticket.survey.csat == 5 and ticket.survey.nps == 10


@pytest.mark.parametrize(
    ("who", "status"),
    [("compliance_officer", 200), ("supervisor", 200), ("advisor", 403), ("risk_reviewer", 403)],
)
def test_violation_pages_per_role(request, web_as, ticket, compliance_officer, advisor, who, status):
    case = services.violation_open(
        complaint=ticket, actor=compliance_officer, staff_member=advisor, summary="Rude"
    )
    http = web_as(request.getfixturevalue(who))
    assert http.get(reverse("complaints:violation_list")).status_code == status
    assert http.get(reverse("complaints:violation_detail", args=[case.pk])).status_code == status


def test_advisor_cannot_see_violation_section_on_ticket(web_as, ticket, compliance_officer, advisor):
    services.violation_open(
        complaint=ticket, actor=compliance_officer, staff_member=advisor, summary="RUDE-ALLEGATION"
    )
    assert ViolationCase.objects.count() == 1
    assert (
        b"Open a violation case"
        not in web_as(advisor).get(reverse("complaints:detail", args=[ticket.pk])).content
    )


def _many(client_file, n):
    for i in range(n):
        make_complaint(client=client_file, subject=f"Ticket {i}")


def test_queue_query_count_does_not_grow_with_rows(
    web_as, client_file, supervisor, django_assert_max_num_queries
):
    _many(client_file, 3)
    http = web_as(supervisor)
    http.get(reverse("complaints:list"))  # warm the session
    with django_assert_max_num_queries(12) as small:
        assert http.get(reverse("complaints:list")).status_code == 200
    _many(client_file, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = http.get(reverse("complaints:list") + "?priority=normal&sort=-received")
    assert response.status_code == 200 and b"Ticket 29" in response.content


def test_queue_filters_and_overdue(web_as, client_file, advisor):
    import datetime

    import time_machine

    from advisory.clock import now

    with time_machine.travel(now() - datetime.timedelta(days=40), tick=False):
        make_complaint(client=client_file, subject="OLD-BREACHED")
    make_complaint(client=client_file, subject="FRESH-ONE")
    body = web_as(advisor).get(reverse("complaints:list") + "?overdue=on").content
    assert b"OLD-BREACHED" in body and b"FRESH-ONE" not in body
    assert b"badge-red" in body


def test_portal_list_query_count(web_as, client_file, client_user, django_assert_max_num_queries):
    _many(client_file, 20)
    http = web_as(client_user)
    http.get(reverse("complaints_portal:list"))
    with django_assert_max_num_queries(12):
        assert http.get(reverse("complaints_portal:list")).status_code == 200


def test_admin_edits_policy_and_open_tickets_get_new_deadlines(web_as, ticket, administrator):
    # given an open normal ticket under the default policy
    policy = ticket.policy
    before = ticket.resolve_due_at
    # when the administrator shortens normal resolution to 3 days in the admin
    url = reverse("admin:complaints_slapolicy_change", args=[policy.pk])
    data = {
        "name": policy.name, "is_default": "on", "ack_business_hours": 8, "urgent_days": 2, "high_days": 5,
        "normal_days": 3, "low_days": 15, "warning_percent": 75, "compliance_percent": 150, "autoclose_days": 7,
        "ack_time_basis": "business", "resolution_time_basis": "business",
    }  # fmt: skip
    response = web_as(administrator).post(url, data)
    # then
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.resolve_due_at < before


def test_detail_pages_render_a_finished_ticket(web_as, client_file, advisor, client_user, compliance_officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("statement.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    c = services.complaint_file(
        actor=client_user, client=client_file, channel="portal", category="fees",
        subject="Fee", description="Twice", attachments=[pdf],
    )  # fmt: skip
    services.complaint_act(complaint=c, actor=advisor, action="acknowledge")
    services.complaint_act(complaint=c, actor=advisor, action="investigate")
    services.complaint_resolve(
        complaint=c, actor=advisor, root_cause="bug", resolution_answer="REFUNDED-ANSWER",
        remedy_apology=True, compensation_amount=__import__("decimal").Decimal("88.50"),
    )  # fmt: skip
    services.complaint_transition(complaint=c, actor=client_user, to_state=State.CLOSED)
    services.survey_answer(survey=c.survey, actor=client_user, csat=4, nps=8)
    case = services.violation_open(complaint=c, actor=compliance_officer, staff_member=advisor, summary="x")
    staff_page = web_as(compliance_officer).get(reverse("complaints:detail", args=[c.pk]))
    assert (
        staff_page.status_code == 200
        and b"REFUNDED-ANSWER" in staff_page.content
        and b"CSAT 4/5" in staff_page.content
    )
    portal_page = web_as(client_user).get(reverse("complaints_portal:detail", args=[c.pk]))
    assert portal_page.status_code == 200 and b"statement.pdf" in portal_page.content
    assert (
        web_as(compliance_officer).get(reverse("complaints:violation_detail", args=[case.pk])).status_code
        == 200
    )


def test_ticket_buttons_name_actions_not_states(web_as, ticket, advisor):
    # given a ticket just received; when its handler opens it
    page = web_as(advisor).get(reverse("complaints:detail", args=[ticket.pk])).content.decode()
    # then the button says what it does, in words (not the raw action code)
    assert ">Acknowledge</button>" in page
    services.complaint_transition(complaint=ticket, actor=advisor, to_state=State.ACKNOWLEDGED)
    page = web_as(advisor).get(reverse("complaints:detail", args=[ticket.pk])).content.decode()
    assert ">Start investigating</button>" in page and "Investigate</button>" not in page
