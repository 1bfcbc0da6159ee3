"""A violation case's notes written by two people at once (advisory.editing): the page never
writes back notes a colleague changed after it was opened."""

import pytest
from django.urls import reverse

from complaints import services
from complaints.models import ViolationCase
from tests.browser_forms import posted
from tests.complaints.factories import make_client, make_complaint

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(advisor, compliance_officer):
    ticket = make_complaint(client=make_client(advisor=advisor, name="Carol Client"), subject="Mis-selling")
    case = services.violation_open(
        complaint=ticket, actor=compliance_officer, staff_member=advisor, summary="Sold an R5 fund to a C2"
    )
    services.violation_update(case=case, actor=compliance_officer, verification_notes="Call recording found")
    return case


def _notes(case) -> ViolationCase:
    return ViolationCase.objects.get(pk=case.pk)


def test_a_colleagues_notes_are_kept_when_another_field_is_saved(
    web_as, case, compliance_officer, supervisor
):
    # given: compliance has the case open; meanwhile the supervisor adds to the verification notes
    http, url = web_as(compliance_officer), reverse("complaints:violation_detail", args=[case.pk])
    page = http.get(url).text
    services.violation_update(
        case=case, actor=supervisor, verification_notes="Call recording found; client statement taken"
    )
    # when: compliance saves the record with only the finding written
    response = http.post(url, posted(page, containing="verification_notes", finding="Advice unsuitable"))
    # then: both stand (the page's older verification notes are not written back)
    assert response.status_code == 302
    saved = _notes(case)
    assert saved.finding == "Advice unsuitable"
    assert saved.verification_notes == "Call recording found; client statement taken"


def test_the_same_notes_changed_by_both_are_refused_on_the_page_then_saved_on_purpose(
    web_as, case, compliance_officer, supervisor
):
    http, url = web_as(compliance_officer), reverse("complaints:violation_detail", args=[case.pk])
    page = http.get(url).text
    services.violation_update(
        case=case, actor=supervisor, verification_notes="Theirs", finding="Their finding"
    )
    # the save is refused on the page, with the person's entry kept and the colleague's shown
    response = http.post(url, posted(page, containing="verification_notes", verification_notes="Mine"))
    assert (
        response.status_code == 200
        and "Nothing was saved" in response.text
        and str(supervisor) in response.text
    )
    assert _notes(case).verification_notes == "Theirs"
    again = posted(response.text, containing="verification_notes")
    assert again["verification_notes"] == ["Mine"] and again["finding"] == ["Their finding"]
    # saving the page as shown again writes the person's notes and keeps the colleague's finding
    assert http.post(url, again).status_code == 302
    saved = _notes(case)
    assert saved.verification_notes == "Mine" and saved.finding == "Their finding"


def test_the_api_answers_with_the_notes_it_saved(api_as, case, compliance_officer):
    response = api_as(compliance_officer).post(
        f"/api/v1/complaints/violations/{case.pk}/update_notes/", {"finding": "Substantiated"}, format="json"
    )
    assert response.status_code == 200 and response.json()["finding"] == "Substantiated"
