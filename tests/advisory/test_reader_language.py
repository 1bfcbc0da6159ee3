"""Texts people read in their own language where they were fixed before: the error page, API
refusals, the point-in-time notes, compliance's duplicate-identity notice, the calendar feed, an
activity's duration and the platform's own SLA policy."""

import datetime

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from advisory.models import Notification
from clients import service_record
from complaints.models import SLAPolicy
from complaints.services.common import default_policy
from tests.clients.conftest import VALID_PRC_ID
from tests.clients.factories import ClientFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 30, 2, 0, tzinfo=datetime.UTC)


def test_the_error_page_speaks_the_readers_language():
    with translation.override("zh-hans"):
        html = render_to_string("500.html")
    assert "出了点问题" in html and "Something went wrong" not in html


def test_a_client_calling_a_staff_endpoint_is_refused_in_their_language(api_as, client_user):
    response = api_as(client_user).get("/api/v1/clients/", HTTP_ACCEPT_LANGUAGE="zh-hant")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "此介面僅供本公司員工使用。"


def test_no_published_questionnaire_is_said_in_the_readers_language(api_as, advisor):
    response = api_as(advisor).get("/api/v1/risk/questionnaires/current/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "尚未发布风险测评问卷。"


def test_compliance_reads_where_a_duplicate_identity_was_entered_in_its_own_language(
    api_as, advisor, colleague, compliance_officer
):
    from clients import services

    services.client_create(
        actor=advisor, data={"name": "Li Si", "id_document_type": "prc_id", "id_number": VALID_PRC_ID}
    )
    with translation.override("en"):  # the colleague works in English
        api_as(colleague).post(
            "/api/v1/clients/",
            {"name": "Li Si", "id_document_type": "prc_id", "id_number": VALID_PRC_ID},
            format="json",
        )
    note = Notification.objects.get(recipient=compliance_officer, kind="clients.duplicate_identity")
    assert "新客户档案" in note.texts_in("zh-hans")[1]
    assert "a new client file" in note.texts_in("en")[1]


def test_the_calendar_feed_is_written_in_its_owners_language(client, advisor):
    from icalendar import Calendar

    advisor.language = "zh-hans"
    advisor.save(update_fields=["language"])
    book = ClientFactory(advisor=advisor, status="active", name="王小明")
    with time_machine.travel(NOW, tick=False):
        service_record.activity_log(
            client=book,
            actor=advisor,
            kind="meeting",
            channel="in_person",
            starts_at=NOW + datetime.timedelta(days=1),
            subject="签约会议",
            planned=True,
        )
        token = service_record.calendar_feed_issue(user=advisor)
        # the calendar app asks in English (or nothing at all): the feed stays in the owner's language
        response = client.get(reverse("calendar_feed", args=[token]), HTTP_ACCEPT_LANGUAGE="en")
    (summary,) = [str(e.get("summary")) for e in Calendar.from_ical(response.content).walk("VEVENT")]
    with translation.override("zh-hans"):
        meeting = str(translation.gettext("Meeting"))
    assert summary.startswith(f"{meeting}:") and meeting != "Meeting"


def test_the_platforms_own_sla_policy_is_named_in_the_readers_language():
    policy = default_policy()
    with translation.override("zh-hant"):
        assert str(policy) == "標準"
    with translation.override("en"):
        assert str(policy) == "Standard"
    own = SLAPolicy.objects.create(name="贵宾客户")
    with translation.override("en"):
        assert str(own) == "贵宾客户"
