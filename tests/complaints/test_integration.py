"""Warnings, panels, the client section and demo data."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from advisory.clock import now
from advisory.models import WarningKind
from advisory.roles import Role
from complaints import demo, services
from complaints.client_sections import client_sections
from complaints.models import Complaint, ComplaintEscalation, SatisfactionSurvey, State, ViolationCase
from complaints.panels import portal_panels, workspace_panels
from complaints.warnings import active_warnings
from tests.complaints.factories import make_client, make_complaint


@pytest.fixture
def client_file(advisor, client_user):
    return make_client(advisor=advisor, user=client_user)


def test_overdue_complaints_become_warnings(client_file):
    with time_machine.travel(now() - datetime.timedelta(days=40), tick=False):
        late = make_complaint(client=client_file)
    make_complaint(client=client_file)
    warnings = active_warnings()[WarningKind.COMPLAINT_OVERDUE]
    assert list(warnings) == [("complaints.complaint", str(late.pk))]
    assert warnings[("complaints.complaint", str(late.pk))].client_id == client_file.pk


def test_unacknowledged_complaint_past_its_acknowledgement_deadline_is_a_warning(client_file):
    from zoneinfo import ZoneInfo

    sh = ZoneInfo("Asia/Shanghai")
    received = datetime.datetime(2026, 11, 17, 10, 0, tzinfo=sh)  # Tuesday; 24 business hours = Fri 10:00
    # given two low-priority tickets received on Tuesday, only one of them acknowledged
    with time_machine.travel(received, tick=False):
        silent = make_complaint(client=client_file, priority="low")
        answered = make_complaint(client=client_file, priority="low")
        services.complaint_transition(
            complaint=answered, actor=client_file.advisor, to_state=State.ACKNOWLEDGED
        )
    # when the warnings are collected the next Monday
    with time_machine.travel(datetime.datetime(2026, 11, 23, 10, 0, tzinfo=sh), tick=False):
        warnings = active_warnings()[WarningKind.COMPLAINT_OVERDUE]
    # then only the silent ticket is flagged, for its acknowledgement
    key = ("complaints.complaint", str(silent.pk))
    assert key in warnings and "not been acknowledged" in str(warnings[key].message)
    assert ("complaints.complaint", str(answered.pk)) not in warnings


def test_panels(client_file, advisor, supervisor, client_user, django_assert_max_num_queries):
    with time_machine.travel(now() - datetime.timedelta(days=40), tick=False):
        make_complaint(client=client_file)
    services.complaint_escalation_sweep()
    with django_assert_max_num_queries(2):
        mine = workspace_panels(advisor)
    assert mine[0]["count"] == 1 and mine[0]["items"][0]["tone"] == "red"
    escalated = workspace_panels(supervisor)[1]
    assert escalated["count"] == 1
    assert portal_panels(client_user)[0]["count"] == 1
    assert portal_panels(advisor) == []


def test_client_section(client_file, advisor, client_user, outsider_user):
    c = make_complaint(client=client_file)
    section = client_sections(client=client_file, user=advisor)[0]
    assert section["template"] == "complaints/_client_section.html"
    assert section["context"]["items"][0]["url"] == reverse("complaints:detail", args=[c.pk])
    assert client_sections(client=client_file, user=outsider_user) == []


def test_demo_seed_is_idempotent(advisor, colleague, supervisor, compliance_officer, client_user):
    clients = [make_client(advisor=advisor, user=client_user)] + [
        make_client(advisor=colleague) for _ in range(3)
    ]
    english = clients[3]
    english.preferred_language = "en"
    english.save(update_fields=["preferred_language"])
    ctx = {
        "clients": clients,
        "demo_client": clients[0],
        "advisor": advisor,
        "users": {Role.SUPERVISOR: supervisor, Role.COMPLIANCE: compliance_officer, Role.ADVISOR: advisor},
        "today": now().date(),
    }
    demo.seed(ctx)
    count = Complaint.objects.count()
    demo.seed(ctx)
    assert Complaint.objects.count() == count == 30
    assert set(Complaint.objects.values_list("state", flat=True)) == set(State.values)
    assert ComplaintEscalation.objects.exists()
    assert SatisfactionSurvey.objects.filter(csat__isnull=False).exists()
    assert ViolationCase.objects.exclude(stage="closed").get().measures.count() == 2
    conduct = ViolationCase.objects.get(stage="closed")  # the major case followed through
    assert conduct.sanctions.count() == 2 and conduct.regulator_reference and conduct.client_feedback_at
    months = {d.strftime("%Y-%m") for d in Complaint.objects.values_list("received_at", flat=True)}
    assert len(months) >= 10
    # each ticket is written in its client's language (a mainland firm, one English-speaking client)
    for ticket in Complaint.objects.select_related("client"):
        chinese = any("\u4e00" <= ch <= "\u9fff" for ch in ticket.subject + ticket.description)
        assert chinese == (ticket.client_id != english.pk), (ticket.client.preferred_language, ticket.subject)
    assert Complaint.objects.filter(client=english).exists()


def test_demo_skips_without_clients(db):
    demo.seed({})
    assert not Complaint.objects.exists()
