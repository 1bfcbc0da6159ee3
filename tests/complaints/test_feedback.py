"""Return visits, surveys for all clients (portal and signed email link), suggestions, the
schedules that create them (frozen clock, idempotent), and the dashboard figures."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.roles import Role
from advisory.schedules import PERIODIC_TASKS
from complaints import feedback
from complaints.models import (
    ReturnVisit,
    ReturnVisitStatus,
    SatisfactionSurvey,
    Suggestion,
    SurveyTrigger,
)
from tests.complaints.factories import make_client, staff

NOW = timezone.make_aware(datetime.datetime(2026, 6, 10, 10, 0))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def caller(db):
    return staff(Role.ADVISOR, full_name="Caller Chen", email="caller@example.test")


@pytest.fixture
def own(advisor, client_user):
    c = make_client(advisor=advisor, user=client_user, name="李娜")
    c.email = "lina@example.test"
    c.save()
    return c


def _accepted_proposal(client, advisor, decided_at):
    from planning.models import Proposal

    return Proposal.objects.create(
        number=f"PRP-T-{Proposal.objects.count() + 1:04d}",
        client=client,
        advisor=advisor,
        title="养老规划方案",
        status="accepted",
        decided_at=decided_at,
        total_amount=Decimal("1000000"),
        liquidity_need_amount=Decimal("0"),
        annual_contribution=Decimal("0"),
    )


# -- return visits after events --------------------------------------------------------------------
def test_accepted_proposal_gets_one_return_visit_by_someone_else_and_one_survey(frozen, own, advisor, caller):
    _accepted_proposal(own, advisor, NOW - datetime.timedelta(days=1))
    # when
    first = feedback.service_event_sweep()
    second = feedback.service_event_sweep()  # idempotent
    # then
    assert first["visits"] == 1 and first["surveys"] == 1
    assert second["visits"] == 0 and second["surveys"] == 0
    visit = ReturnVisit.objects.get()
    assert visit.assignee != advisor and visit.assignee.role in (Role.ADVISOR, Role.SUPERVISOR)
    assert visit.questions and visit.status == ReturnVisitStatus.ASSIGNED
    survey = SatisfactionSurvey.objects.get(trigger=SurveyTrigger.PROPOSAL_ACCEPTED)
    assert survey.complaint is None and survey.client == own


def test_old_events_outside_the_look_back_are_left_alone(frozen, own, advisor, caller):
    _accepted_proposal(own, advisor, NOW - datetime.timedelta(days=45))
    assert feedback.service_event_sweep()["events"] == 0


def test_quarterly_sample_is_ten_percent_once_per_quarter(advisor, caller):
    for _ in range(25):
        make_client(advisor=advisor)
    ended = make_client(advisor=advisor)
    ended.status = "ended"
    ended.save()
    with time_machine.travel(NOW, tick=False):
        result = feedback.return_visit_sampling_sweep()
        assert result == {"quarter": "2026Q2", "sampled": 3, "created": 3}  # ceil(25 × 10 %)
        assert feedback.return_visit_sampling_sweep()["created"] == 0
        visits = list(ReturnVisit.objects.filter(trigger="sampling"))
        assert all(v.assignee_id != v.client.advisor_id for v in visits)
        assert all(v.client.status == "active" for v in visits)
        assert all(v.due_on <= datetime.date(2026, 6, 30) for v in visits)
    with time_machine.travel(NOW + datetime.timedelta(days=30), tick=False):  # 2026Q3
        assert feedback.return_visit_sampling_sweep()["quarter"] == "2026Q3"
    assert ReturnVisit.objects.filter(trigger="sampling", source_ref="2026Q3").count() == 3


def test_yearly_survey_on_the_anniversary_once(advisor):
    c = make_client(advisor=advisor)
    c.relationship_started_on = datetime.date(2024, 6, 15)
    c.save()
    with time_machine.travel(NOW, tick=False):  # 10 June: before the anniversary
        assert feedback.survey_annual_sweep()["sent"] == 0
    with time_machine.travel(NOW + datetime.timedelta(days=5), tick=False):
        assert feedback.survey_annual_sweep()["sent"] == 1
        assert feedback.survey_annual_sweep()["sent"] == 0
    assert SatisfactionSurvey.objects.get().source_ref == "annual:2026"


def test_schedules_are_declared_for_every_sweep():
    tasks = {entry["task"] for entry in PERIODIC_TASKS.values()}
    assert {
        "complaints.tasks.service_event_sweep_task",
        "complaints.tasks.return_visit_sampling_task",
        "complaints.tasks.survey_annual_task",
    } <= tasks


# -- recording -------------------------------------------------------------------------------------
def _visit(own, advisor):
    _accepted_proposal(own, advisor, NOW - datetime.timedelta(days=1))
    feedback.service_event_sweep()
    return ReturnVisit.objects.get()


def test_caller_records_answers_others_cannot(frozen, own, advisor, caller, supervisor):
    visit = _visit(own, advisor)
    assert visit.assignee in (caller, supervisor)
    other = supervisor if visit.assignee == caller else caller
    with pytest.raises(NotAllowed):
        feedback.return_visit_record(
            visit=visit, actor=advisor, reached=True, answers=["x"] * len(visit.questions)
        )
    with pytest.raises(NotAllowed):
        feedback.return_visit_record(
            visit=visit, actor=other, reached=True, answers=["x"] * len(visit.questions)
        )
    with pytest.raises(DomainError):
        feedback.return_visit_record(
            visit=visit, actor=visit.assignee, reached=True, answers=["只答了一题"], outcome="x"
        )
    done = feedback.return_visit_record(
        visit=visit,
        actor=visit.assignee,
        reached=True,
        answers=["是"] * len(visit.questions),
        outcome="客户满意",
        issues_found=True,
    )
    assert done.status == ReturnVisitStatus.COMPLETED and done.completed_by == visit.assignee
    assert done.history.count() >= 2


def test_unreachable_after_three_attempts(frozen, own, advisor, caller):
    visit = _visit(own, advisor)
    for _ in range(3):
        visit = feedback.return_visit_record(visit=visit, actor=visit.assignee, reached=False)
    assert visit.status == ReturnVisitStatus.UNREACHABLE and visit.attempts == 3
    with pytest.raises(Conflict):
        feedback.return_visit_record(visit=visit, actor=visit.assignee, reached=False)


def test_never_reassigned_to_the_clients_advisor(frozen, own, advisor, caller, supervisor):
    visit = _visit(own, advisor)
    with pytest.raises(DomainError):
        feedback.return_visit_reassign(visit=visit, actor=supervisor, assignee=advisor, reason="休假")
    with pytest.raises(NotAllowed):
        feedback.return_visit_reassign(visit=visit, actor=caller, assignee=caller, reason="x")


def test_return_visit_screens_scope(frozen, web_as, own, advisor, caller, supervisor, compliance_officer):
    visit = _visit(own, advisor)
    assignee = visit.assignee
    # the client's own advisor does not see the independent check
    assert web_as(advisor).get(reverse("complaints:return_visit_detail", args=[visit.pk])).status_code == 404
    assert (
        visit.client.name not in web_as(advisor).get(reverse("complaints:return_visit_list")).content.decode()
    )
    page = web_as(assignee).get(reverse("complaints:return_visit_detail", args=[visit.pk])).content.decode()
    assert visit.questions[0] in page
    assert (
        web_as(compliance_officer).get(reverse("complaints:return_visit_detail", args=[visit.pk])).status_code
        == 200
    )
    data = {
        "reached": "on",
        "outcome": "已完成",
        **{f"answer_{i}": "是" for i in range(len(visit.questions))},
    }
    assert (
        web_as(compliance_officer)
        .post(reverse("complaints:return_visit_detail", args=[visit.pk]), data)
        .status_code
        == 403
    )
    assert (
        web_as(assignee).post(reverse("complaints:return_visit_detail", args=[visit.pk]), data).status_code
        == 302
    )
    visit.refresh_from_db()
    assert visit.status == ReturnVisitStatus.COMPLETED


def test_return_visit_list_query_count(
    frozen, web_as, advisor, caller, supervisor, django_assert_max_num_queries
):
    for _i in range(15):
        c = make_client(advisor=advisor)
        feedback.return_visit_create(client=c, trigger="sampling", source_ref="2026Q2")
    http = web_as(supervisor)
    with django_assert_max_num_queries(12):
        response = http.get(reverse("complaints:return_visit_list"))
    assert response.status_code == 200


def test_the_platforms_script_is_read_to_each_client_in_their_language(frozen, advisor, caller):
    # given a client who reads Simplified Chinese, one who reads English, and the default script
    chinese = make_client(advisor=advisor)
    chinese.preferred_language = "zh-hans"
    chinese.save()
    english = make_client(advisor=advisor)
    english.preferred_language = "en"
    english.save()
    # when visits are created (by the sweep: no one's language is active but the default)
    zh_visit, _ = feedback.return_visit_create(client=chinese, trigger="review", source_ref="r1")
    en_visit, _ = feedback.return_visit_create(client=english, trigger="review", source_ref="r2")
    # then the caller reads each client the questions in the client's language
    assert zh_visit.script_title == "定期检视后回访"
    assert zh_visit.questions[0] == "您的顾问是否与您一起过了一遍检视结果？"
    assert en_visit.questions[0] == "Did your advisor go through the review with you?"
    assert len(zh_visit.questions) == len(en_visit.questions) == 4
    # and once the firm writes its own script, visits copy the firm's words as written
    script = feedback.return_visit_script(trigger="review")
    script.questions = "您对本次检视满意吗？"
    script.save()
    later, _ = feedback.return_visit_create(client=english, trigger="review", source_ref="r3")
    assert later.questions == ["您对本次检视满意吗？"]


# -- surveys ---------------------------------------------------------------------------------------
def test_email_link_works_once_and_is_signed(frozen, own, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        survey, _ = feedback.survey_send(client=own, trigger=SurveyTrigger.ANNUAL, source_ref="annual:2026")
    assert mail.outbox and own.email in mail.outbox[-1].to
    url = feedback.survey_link(survey)
    assert url in mail.outbox[-1].body
    assert client.get(url).status_code == 200
    assert client.post(url, {"csat": 2, "nps": 11}).status_code == 200  # field error, no 500
    response = client.post(url, {"csat": 5, "nps": 9, "comment": "很好"})
    assert response.status_code == 200
    survey.refresh_from_db()
    assert (survey.csat, survey.nps, survey.answered_via) == (5, 9, "email")
    assert client.get(url).status_code == 410  # single use
    assert client.get(url[:-5] + "xxxx/").status_code == 404


def test_email_link_expires(own, client):
    with time_machine.travel(NOW, tick=False):
        survey, _ = feedback.survey_send(client=own, trigger=SurveyTrigger.ANNUAL, source_ref="annual:2026")
        url = feedback.survey_link(survey)
    with time_machine.travel(NOW + datetime.timedelta(days=31), tick=False):
        assert client.get(url).status_code == 410


def test_portal_survey_only_own(frozen, web_as, own, client_user, outsider_user, advisor):
    survey, _ = feedback.survey_send(client=own, trigger=SurveyTrigger.REVIEW, source_ref="planning.review:1")
    assert (
        web_as(outsider_user).get(reverse("complaints_portal:survey_answer", args=[survey.pk])).status_code
        == 404
    )
    http = web_as(client_user)
    assert "Surveys waiting for you" in http.get(reverse("portal:home")).content.decode()
    response = http.post(reverse("complaints_portal:survey_answer", args=[survey.pk]), {"csat": 4, "nps": 8})
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.answered_via == "portal"
    with pytest.raises(NotAllowed):
        feedback.survey_answer_portal(survey=survey, actor=advisor, csat=5, nps=10)


def test_dashboard_shows_all_clients_and_complainants_separately_with_response_rate(frozen, own, advisor):
    from advisory.oversight.indicators import BY_CODE, Filters
    from tests.complaints.factories import make_complaint

    complaint = make_complaint(client=own)
    SatisfactionSurvey.objects.create(
        client=own, complaint=complaint, sent_at=NOW, answered_at=NOW, csat=2, nps=3
    )
    SatisfactionSurvey.objects.create(
        client=own, trigger="annual", source_ref="annual:2026", sent_at=NOW, answered_at=NOW, csat=5, nps=10
    )
    SatisfactionSurvey.objects.create(
        client=own, trigger="review", source_ref="planning.review:9", sent_at=NOW
    )
    f = Filters(end_month=datetime.date(2026, 6, 1), span=1)
    assert BY_CODE["csat"].compute(f).value == 3.5
    assert BY_CODE["csat_complainants"].compute(f).value == 2.0
    assert BY_CODE["nps"].compute(f).value == 0.0
    assert BY_CODE["nps_complainants"].compute(f).value == -100.0
    assert round(BY_CODE["survey_response_rate"].compute(f).value, 1) == 66.7


def test_survey_results_page_for_supervisors_only(
    frozen, web_as, own, supervisor, advisor, django_assert_max_num_queries
):
    for i in range(12):
        feedback.survey_send(client=own, trigger=SurveyTrigger.ANNUAL, source_ref=f"annual:{2000 + i}")
    http = web_as(supervisor)
    with django_assert_max_num_queries(12):
        assert http.get(reverse("complaints:survey_results")).status_code == 200
    assert web_as(advisor).get(reverse("complaints:survey_results")).status_code == 403


# -- suggestions -----------------------------------------------------------------------------------
def test_suggestion_from_portal_answered_and_closed_by_staff(
    frozen, web_as, own, client_user, advisor, colleague, outsider_user
):
    http = web_as(client_user)
    assert (
        http.post(reverse("complaints_portal:suggestion_create"), {"subject": "", "body": ""}).status_code
        == 200
    )
    response = http.post(
        reverse("complaints_portal:suggestion_create"),
        {"subject": "希望增加微信通知", "body": "报告生成后请微信提醒。"},
    )
    assert response.status_code == 302
    suggestion = Suggestion.objects.get()
    assert not suggestion.client.complaints.exists()  # not a complaint
    assert (
        web_as(outsider_user)
        .get(reverse("complaints_portal:suggestion_detail", args=[suggestion.pk]))
        .status_code
        == 404
    )
    assert (
        web_as(colleague).get(reverse("complaints:suggestion_detail", args=[suggestion.pk])).status_code
        == 404
    )
    staff_http = web_as(advisor)
    staff_http.post(
        reverse("complaints:suggestion_detail", args=[suggestion.pk]),
        {"action": "answer", "answer": "已采纳"},
    )
    staff_http.post(
        reverse("complaints:suggestion_detail", args=[suggestion.pk]), {"action": "close", "note": ""}
    )
    suggestion.refresh_from_db()
    assert (
        suggestion.status == "closed" and suggestion.answer == "已采纳" and suggestion.answered_by == advisor
    )
    assert (
        "已采纳"
        in http.get(reverse("complaints_portal:suggestion_detail", args=[suggestion.pk])).content.decode()
    )
    with pytest.raises(Conflict):
        feedback.suggestion_transition(suggestion=suggestion, actor=advisor, action="answer", text="again")


def test_risk_reviewer_reads_but_does_not_answer_suggestions(frozen, own, client_user, risk_reviewer):
    suggestion = feedback.suggestion_submit(actor=client_user, subject="s", body="b")
    with pytest.raises(NotAllowed):
        feedback.suggestion_transition(suggestion=suggestion, actor=risk_reviewer, action="answer", text="x")
    with pytest.raises(NotAllowed):
        feedback.suggestion_submit(actor=risk_reviewer, subject="s", body="b")


def test_suggestion_list_query_count(
    frozen, web_as, own, client_user, supervisor, django_assert_max_num_queries
):
    for i in range(15):
        feedback.suggestion_submit(actor=client_user, subject=f"建议 {i}", body="内容")
    http = web_as(supervisor)
    with django_assert_max_num_queries(12):
        html = http.get(reverse("complaints:suggestion_list")).content.decode()
    assert "建议 14" in html


# -- API twins -------------------------------------------------------------------------------------
def test_api_twins(frozen, api_as, own, client_user, outsider_user, advisor, caller, supervisor):
    visit = _visit(own, advisor)
    assignee = api_as(visit.assignee)
    assert api_as(advisor).get(f"/api/v1/complaints/return-visits/{visit.pk}/").status_code == 404
    recorded = assignee.post(
        f"/api/v1/complaints/return-visits/{visit.pk}/record/",
        {"reached": True, "answers": ["好"] * len(visit.questions), "outcome": "完成"},
        format="json",
    )
    assert recorded.status_code == 200 and recorded.json()["status"] == "completed"
    survey = SatisfactionSurvey.objects.get(client=own)
    assert (
        api_as(outsider_user)
        .post(f"/api/v1/complaints/surveys/{survey.pk}/answer/", {"csat": 5, "nps": 9})
        .status_code
        == 404
    )
    answered = api_as(client_user).post(
        f"/api/v1/complaints/surveys/{survey.pk}/answer/", {"csat": 5, "nps": 9}
    )
    assert answered.status_code == 200 and answered.json()["answered_via"] == "portal"
    created = api_as(client_user).post(
        "/api/v1/complaints/suggestions/", {"subject": "App", "body": "Dark mode"}
    )
    assert created.status_code == 201
    sid = created.json()["id"]
    assert api_as(outsider_user).get(f"/api/v1/complaints/suggestions/{sid}/").status_code == 404
    answer = api_as(advisor).post(f"/api/v1/complaints/suggestions/{sid}/answer/", {"text": "Planned"})
    assert answer.json()["status"] == "answered"
    assert api_as(supervisor).get("/api/v1/complaints/surveys/").json()["count"] == 1


def test_complaint_survey_also_goes_out_by_email_link(
    frozen, own, client, django_capture_on_commit_callbacks
):
    from complaints import services
    from tests.complaints.factories import make_complaint

    complaint = make_complaint(client=own)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services._send_survey(complaint, NOW)
    survey = SatisfactionSurvey.objects.get(complaint=complaint)
    assert survey.trigger == SurveyTrigger.COMPLAINT
    link_mail = [m for m in mail.outbox if m.to == [own.email]]
    assert len(link_mail) == 1 and complaint.number in link_mail[0].subject
    assert feedback.survey_link(survey) in link_mail[0].body
    assert client.post(feedback.survey_link(survey), {"csat": 3, "nps": 6}).status_code == 200
    survey.refresh_from_db()
    assert survey.answered_via == "email"


def test_completed_review_gets_a_return_visit_and_survey_and_reviews_are_in_the_calendar(
    frozen, own, advisor, caller, client
):
    from clients.service_record import calendar_feed_issue
    from planning.models import Review

    proposal = _accepted_proposal(own, advisor, NOW - datetime.timedelta(days=400))
    Review.objects.create(
        client=own,
        proposal=proposal,
        sequence=1,
        level="C3",
        due_date=NOW.date() - datetime.timedelta(days=2),
        status="completed",
        completed_at=NOW - datetime.timedelta(days=1),
    )
    Review.objects.create(
        client=own,
        proposal=proposal,
        sequence=2,
        level="C3",
        due_date=NOW.date() + datetime.timedelta(days=20),
    )
    result = feedback.service_event_sweep()
    assert (result["visits"], result["surveys"]) == (1, 1)
    assert ReturnVisit.objects.get().trigger == "review"
    # the open review is an all-day event in the advisor's calendar feed
    body = client.get(reverse("calendar_feed", args=[calendar_feed_issue(user=advisor)])).content.decode()
    assert "DTSTART;VALUE=DATE:20260630" in body


def test_supervisor_reassigns_on_the_screen_risk_reviewer_only_reads(
    frozen, web_as, own, advisor, caller, supervisor, risk_reviewer
):
    visit = _visit(own, advisor)
    other = caller if visit.assignee != caller else supervisor
    assert (
        web_as(risk_reviewer).get(reverse("complaints:return_visit_detail", args=[visit.pk])).status_code
        == 200
    )
    web_as(risk_reviewer).post(
        reverse("complaints:return_visit_reassign", args=[visit.pk]), {"assignee": other.pk, "reason": "x"}
    )
    visit.refresh_from_db()
    assert visit.assignee != other
    web_as(supervisor).post(
        reverse("complaints:return_visit_reassign", args=[visit.pk]), {"assignee": other.pk, "reason": "休假"}
    )
    visit.refresh_from_db()
    assert visit.assignee == other


def test_assigned_notification_is_done_once_the_visit_is_made(
    frozen, own, advisor, caller, supervisor, django_capture_on_commit_callbacks
):
    from advisory.models import Notification

    # given a return visit whose caller was notified
    with django_capture_on_commit_callbacks(execute=True):
        visit = _visit(own, advisor)
    assigned = Notification.objects.get(kind="return_visit.assigned", recipient=visit.assignee)
    assert assigned.done_at is None
    # when the caller records the visit
    feedback.return_visit_record(
        visit=visit, actor=visit.assignee, reached=True, answers=["是"] * len(visit.questions), outcome="好"
    )
    # then the notification is marked done
    assigned.refresh_from_db()
    assert assigned.done_at is not None
