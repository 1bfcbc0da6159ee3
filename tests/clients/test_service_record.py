"""The service record: activities on the standard template, attachments, follow-ups and their
warnings, the merged timeline, the calendar feed — with permissions both ways."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.models import RiskWarning, WarningKind
from audit.models import AuditEntry
from audit.registry import registered
from clients import service_record
from clients.models import Activity, ActivityStatus, ClientDocument, FollowUpTask
from clients.timeline import client_timeline, providers, timeline_kinds
from tests.clients.factories import ClientFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF"
NOW = timezone.make_aware(datetime.datetime(2026, 6, 10, 10, 0))  # a Wednesday


def _log(client, actor, **kw):
    values = {
        "kind": "meeting",
        "channel": "in_person",
        "starts_at": NOW - datetime.timedelta(hours=2),
        "subject": "年度资产配置回顾",
        "content": "讨论了养老目标和风险承受能力。",
        "participants": "配偶",
        "client_feedback": "希望降低波动",
        "next_step": "发送修订方案",
    }
    values.update(kw)
    return service_record.activity_log(client=client, actor=actor, **values)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def book(advisor):
    return ClientFactory(advisor=advisor, status="active", name="王小明")


# -- services ----------------------------------------------------------------------------------
def test_activity_on_the_standard_template_is_recorded_with_history_and_follow_up(frozen, book, advisor):
    # when
    activity = _log(book, advisor, follow_up_due_on=NOW.date() + datetime.timedelta(days=3))
    # then
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.COMPLETED and activity.completed_at == NOW
    assert activity.executor == advisor and activity.participants == "配偶"
    assert activity.history.count() == 1
    task = FollowUpTask.objects.get(activity=activity)
    assert (
        task.title == "发送修订方案"
        and task.assignee == advisor
        and task.due_on == datetime.date(2026, 6, 13)
    )
    assert AuditEntry.objects.filter(record_type="clients.activity", record_id=str(activity.pk)).exists()


def test_completed_activity_needs_content_and_cannot_be_in_the_future(frozen, book, advisor):
    with pytest.raises(DomainError) as exc:
        _log(book, advisor, content="")
    assert "content" in exc.value.fields
    with pytest.raises(DomainError) as exc:
        _log(book, advisor, starts_at=NOW + datetime.timedelta(days=1))
    assert "starts_at" in exc.value.fields


def test_colleague_and_supervisor_cannot_log_for_someone_elses_book(frozen, book, colleague, supervisor):
    for outsider in (colleague, supervisor):
        with pytest.raises(NotAllowed):
            _log(book, outsider)
    assert not Activity.objects.exists()


def test_planned_meeting_is_completed_or_cancelled_once(frozen, book, advisor):
    planned = _log(book, advisor, planned=True, content="", starts_at=NOW + datetime.timedelta(days=2))
    assert planned.status == ActivityStatus.PLANNED and planned.completed_at is None
    with pytest.raises(DomainError):
        service_record.activity_transition(activity=planned, actor=advisor, action="cancel", reason="")
    done = service_record.activity_transition(
        activity=planned,
        actor=advisor,
        action="complete",
        content="提前见面，确认方案",
        client_feedback="满意",
    )
    assert done.status == ActivityStatus.COMPLETED
    assert done.starts_at <= NOW  # held earlier than planned: the record says when
    with pytest.raises(Conflict):
        service_record.activity_transition(activity=done, actor=advisor, action="cancel", reason="x")


def test_attachment_goes_through_the_validated_document_upload(frozen, book, advisor):
    activity = _log(book, advisor)
    link = service_record.activity_attach(
        activity=activity, actor=advisor, upload=SimpleUploadedFile("notes.pdf", PDF, "application/pdf")
    )
    assert link.document.client == book and len(link.document.sha256) == 64
    # the client (王小明, who reads 简体) sees the title in their language, whatever the advisor's
    assert link.document.title == "附件：年度资产配置回顾"
    with pytest.raises(DomainError) as exc:
        service_record.activity_attach(
            activity=activity,
            actor=advisor,
            upload=SimpleUploadedFile("evil.pdf", b"MZ\x90\x00", "application/pdf"),
        )
    assert "file" in exc.value.fields
    assert ClientDocument.objects.filter(client=book).count() == 1


def test_service_records_are_registered_for_three_year_retention():
    reg = registered()
    for label in ("clients.activity", "clients.followuptask", "clients.activityattachment"):
        assert reg[label].retention == "service_record", label


def test_overdue_follow_up_raises_a_warning_until_done(book, advisor):
    from advisory.oversight.services import risk_warning_sweep

    with time_machine.travel(NOW, tick=False):
        task = service_record.follow_up_create(
            client=book, actor=advisor, title="致电确认", due_on=datetime.date(2026, 6, 11)
        )
        risk_warning_sweep()
        assert not RiskWarning.objects.filter(kind=WarningKind.FOLLOW_UP_OVERDUE).exists()
    with time_machine.travel(NOW + datetime.timedelta(days=2), tick=False):  # Friday: due Thursday
        risk_warning_sweep()
        risk_warning_sweep()  # idempotent
        warning = RiskWarning.objects.get(kind=WarningKind.FOLLOW_UP_OVERDUE, is_open=True)
        assert warning.advisor == advisor and warning.client_id == book.pk
        service_record.follow_up_transition(task=task, actor=advisor, action="done")
        risk_warning_sweep()
        assert not RiskWarning.objects.filter(kind=WarningKind.FOLLOW_UP_OVERDUE, is_open=True).exists()


def test_follow_up_is_closed_only_by_the_advisor_or_assignee(frozen, book, advisor, colleague):
    task = service_record.follow_up_create(client=book, actor=advisor, title="寄送资料", due_on=NOW.date())
    with pytest.raises(NotAllowed):
        service_record.follow_up_transition(task=task, actor=colleague, action="done")
    with pytest.raises(DomainError):
        service_record.follow_up_transition(task=task, actor=advisor, action="cancel", note="")


# -- timeline ----------------------------------------------------------------------------------
def test_every_timeline_provider_is_usable_and_kinds_cover_the_issue():
    assert len(providers()) == 4
    assert {"activity", "onboarding", "assessment", "proposal", "review", "complaint"} <= set(
        timeline_kinds()
    )


def test_timeline_merges_kinds_newest_first_and_filters(frozen, book, advisor):
    from tests.complaints.factories import make_complaint

    _log(book, advisor, starts_at=NOW - datetime.timedelta(days=3), subject="电话沟通")
    make_complaint(client=book, actor=advisor, received_at=NOW - datetime.timedelta(days=1))
    events = client_timeline(client=book, user=advisor)
    assert [e.kind for e in events] == ["complaint", "activity"]
    only = client_timeline(client=book, user=advisor, kinds={"activity"})
    assert [e.kind for e in only] == ["activity"]


def test_timeline_page_costs_a_bounded_number_of_queries(
    frozen, web_as, book, advisor, django_assert_max_num_queries
):
    for i in range(30):
        _log(book, advisor, starts_at=NOW - datetime.timedelta(hours=3 + i), subject=f"活动 {i}")
    http = web_as(advisor)
    with django_assert_max_num_queries(25):
        response = http.get(reverse("clients:timeline", args=[book.pk]))
    assert response.status_code == 200 and "活动 29" in response.content.decode()


def test_colleague_gets_no_timeline_of_another_book(frozen, web_as, book, colleague, compliance_officer):
    assert web_as(colleague).get(reverse("clients:timeline", args=[book.pk])).status_code == 404
    assert web_as(compliance_officer).get(reverse("clients:timeline", args=[book.pk])).status_code == 200


# -- screens -----------------------------------------------------------------------------------
def test_advisor_logs_activity_on_the_screen_and_bad_input_is_a_field_error(frozen, web_as, book, advisor):
    http = web_as(advisor)
    url = reverse("clients:activity_create", args=[book.pk])
    data = {
        "kind": "call",
        "channel": "phone",
        "starts_at": "2026-06-10T09:00",
        "duration_minutes": 15,
        "subject": "电话回访",
        "content": "",
    }
    response = http.post(url, data)
    assert response.status_code == 200 and "field-error" in response.content.decode()
    data["content"] = "确认已收到报告"
    data["attachment"] = SimpleUploadedFile("r.pdf", PDF, "application/pdf")
    response = http.post(url, data)
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.attachments.count() == 1
    detail = http.get(reverse("clients:activity_detail", args=[activity.pk])).content.decode()
    assert "确认已收到报告" in detail


def test_client_page_shows_the_service_record_section(frozen, web_as, book, advisor):
    _log(book, advisor, subject="季度沟通")
    html = web_as(advisor).get(reverse("clients:detail", args=[book.pk])).content.decode()
    assert 'id="service-record"' in html and "季度沟通" in html


def test_activity_list_is_scoped_and_costs_fixed_queries(
    frozen, web_as, advisor, colleague, book, django_assert_max_num_queries
):
    other = ClientFactory(advisor=colleague, status="active")
    for i in range(20):
        _log(book, advisor, subject=f"mine {i}", starts_at=NOW - datetime.timedelta(hours=i + 1))
    _log(other, colleague, subject="theirs")
    http = web_as(advisor)
    with django_assert_max_num_queries(15):
        html = http.get(reverse("clients:activity_list")).content.decode()
    assert "mine 0" in html and "theirs" not in html
    activity = Activity.objects.get(subject="theirs")
    assert http.get(reverse("clients:activity_detail", args=[activity.pk])).status_code == 404


def test_follow_ups_on_home_page_and_list(frozen, web_as, book, advisor, django_assert_max_num_queries):
    for i in range(12):
        service_record.follow_up_create(client=book, actor=advisor, title=f"任务 {i}", due_on=NOW.date())
    http = web_as(advisor)
    home = http.get(reverse("workspace:home")).content.decode()
    assert "任务 0" in home
    with django_assert_max_num_queries(15):
        response = http.get(reverse("clients:follow_up_list"))
    assert "任务 11" in response.content.decode()


# -- calendar feed -----------------------------------------------------------------------------
def test_calendar_feed_serves_meetings_and_can_be_revoked_and_regenerated(frozen, client, book, advisor):
    _log(
        book,
        advisor,
        planned=True,
        content="",
        starts_at=NOW + datetime.timedelta(days=1),
        subject="签约会议",
    )
    token = service_record.calendar_feed_issue(user=advisor)
    url = reverse("calendar_feed", args=[token])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    from icalendar import Calendar

    cal = Calendar.from_ical(response.content)
    summaries = [str(e.get("summary")) for e in cal.walk("VEVENT")]
    assert any("签约会议" in s for s in summaries)
    new_token = service_record.calendar_feed_issue(user=advisor)  # regenerate: the old URL dies
    assert client.get(url).status_code == 404
    assert client.get(reverse("calendar_feed", args=[new_token])).status_code == 200
    service_record.calendar_feed_revoke(user=advisor)
    assert client.get(reverse("calendar_feed", args=[new_token])).status_code == 404
    assert client.get(reverse("calendar_feed", args=["guess"])).status_code == 404


def test_clients_cannot_have_a_calendar_feed(client_user):
    with pytest.raises(NotAllowed):
        service_record.calendar_feed_issue(user=client_user)


def test_calendar_settings_page_shows_the_address_once(frozen, web_as, advisor):
    http = web_as(advisor)
    html = http.post(reverse("clients:calendar_settings"), {"action": "issue"}).content.decode()
    assert "/calendar/" in html and ".ics" in html
    assert ".ics" not in http.get(reverse("clients:calendar_settings")).content.decode()


# -- API ---------------------------------------------------------------------------------------
def test_api_activity_create_list_scope_and_timeline(frozen, api_as, book, advisor, colleague):
    api = api_as(advisor)
    response = api.post(
        "/api/v1/clients/activities/",
        {
            "client": book.pk,
            "kind": "email",
            "channel": "email",
            "starts_at": (NOW - datetime.timedelta(hours=1)).isoformat(),
            "subject": "Annual statement",
            "content": "Sent the statement and explained the fees.",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert api.get("/api/v1/clients/activities/").json()["count"] == 1
    assert api_as(colleague).get(f"/api/v1/clients/activities/{pk}/").status_code == 404
    bad = api.post(
        "/api/v1/clients/activities/",
        {
            "client": book.pk,
            "kind": "email",
            "channel": "email",
            "starts_at": NOW.isoformat(),
            "subject": "x",
        },
        format="json",
    )
    assert bad.status_code == 400 and "content" in bad.json()["error"]["fields"]
    timeline = api.get(f"/api/v1/clients/{book.pk}/timeline/?kind=activity").json()
    assert timeline[0]["kind"] == "activity"
    assert api_as(colleague).get(f"/api/v1/clients/{book.pk}/timeline/").status_code == 404


def test_api_follow_up_and_calendar_feed(frozen, api_as, book, advisor, colleague):
    api = api_as(advisor)
    created = api.post(
        "/api/v1/clients/follow-ups/",
        {"client": book.pk, "title": "回电", "due_on": "2026-06-12"},
        format="json",
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    assert (
        api_as(colleague).post(f"/api/v1/clients/follow-ups/{pk}/transition/", {"action": "done"}).status_code
        == 404
    )
    done = api.post(f"/api/v1/clients/follow-ups/{pk}/transition/", {"action": "done"}, format="json")
    assert done.json()["status"] == "done"
    issued = api.post("/api/v1/clients/calendar-feed/")
    assert issued.status_code == 201 and issued.json()["url"].endswith(".ics")
    assert api.delete("/api/v1/clients/calendar-feed/").json() == {"revoked": 1}


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("advisor", 200, 200),
        ("colleague", 404, 404),
        ("supervisor", 200, 403),
        ("compliance_officer", 200, 403),
        ("risk_reviewer", 200, 403),
        ("administrator", 200, 403),
    ],
)
def test_each_role_reads_and_writes_the_service_record_as_allowed(
    frozen, request, web_as, book, advisor, role, read, write
):
    activity = _log(book, advisor)
    http = web_as(request.getfixturevalue(role))
    assert http.get(reverse("clients:activity_detail", args=[activity.pk])).status_code == read
    assert http.get(reverse("clients:activity_create", args=[book.pk])).status_code == write


def test_clients_never_reach_the_service_record(frozen, web_as, book, advisor, client_user, api_as):
    activity = _log(book, advisor)
    assert web_as(client_user).get(reverse("clients:activity_detail", args=[activity.pk])).status_code == 403
    assert api_as(client_user).get("/api/v1/clients/activities/").status_code == 403


def test_timeline_shows_onboarding_steps_and_the_client_page_embeds_it(
    ready_case, own_client, advisor, web_as
):
    # given: an onboarding case opened and moved through two steps (clients/conftest.py)
    events = client_timeline(client=own_client, user=advisor, kinds={"onboarding"})
    assert len(events) == 3 and all(e.kind == "onboarding" for e in events)  # opened + two steps
    assert ready_case.acceptance_number in events[0].title
    # then: the client page loads the newest events (htmx fragment) and links to filter by kind
    http = web_as(advisor)
    html = http.get(reverse("clients:detail", args=[own_client.pk])).content.decode()
    url = reverse("clients:timeline", args=[own_client.pk])
    assert f'hx-get="{url}?limit=10"' in html and url + "?kind=complaint" in html
    fragment = http.get(url + "?limit=10", HTTP_HX_REQUEST="true").content.decode()
    assert ready_case.acceptance_number in fragment and "<html" not in fragment
