"""Timeline lines the platform writes are stored as text codes and read in the reader's language;
what people write stays as written (complaints.ComplaintEvent.body_code / body)."""

import importlib

import pytest
from django.apps import apps
from django.utils import translation

from complaints import services
from complaints.models import ComplaintEvent, EventKind
from tests.complaints.factories import make_client, make_complaint

pytestmark = pytest.mark.django_db

migration = importlib.import_module("complaints.migrations.0014_event_body_code")


@pytest.fixture
def ticket(advisor):
    return make_complaint(client=make_client(advisor=advisor))


def _read(event: ComplaintEvent, language: str) -> str:
    with translation.override(language):
        return ComplaintEvent.objects.get(pk=event.pk).body_text


def test_a_reassignment_reads_in_english_and_chinese_from_the_same_row(ticket, advisor, colleague):
    # when
    services.complaint_reassign(complaint=ticket, actor=advisor, assignee=colleague, note="on holiday")
    # then
    event = ticket.events.get(kind=EventKind.ASSIGNMENT)
    assert event.body == "" and event.body_code == "event.reassigned_note"
    assert event.body_params["note"] == "on holiday"
    old, new = str(advisor), str(colleague)
    assert _read(event, "en") == f"Reassigned from {old} to {new}. on holiday"
    assert _read(event, "zh-hans") == f"已从 {old} 重新分配给 {new}。on holiday"
    assert _read(event, "zh-hant") == f"已從 {old} 重新分配給 {new}。on holiday"


def test_a_priority_change_shows_priorities_by_their_label_in_each_language(ticket, advisor):
    # when
    services.complaint_change_sla(complaint=ticket, actor=advisor, priority="high")
    # then
    event = ticket.events.get(kind=EventKind.PRIORITY)
    assert event.body == "" and event.body_code == "event.sla_changed"
    assert _read(event, "en") == "Changed: priority Normal → High."
    assert _read(event, "zh-hans") == "已变更：优先级 普通 → 高。"
    # and the audit reason is a code too, no longer a Python dict
    entry = ticket.history.order_by("-history_id").first()
    assert entry.history_change_reason.startswith('{"code":"audit.sla_changed"')
    with translation.override("zh-hans"):
        from advisory.texts import render_reason

        assert render_reason(entry.history_change_reason) == "处理时限变更：优先级 普通 → 高"


def test_a_reply_stays_as_the_person_wrote_it(ticket, advisor):
    event = services.complaint_reply(complaint=ticket, actor=advisor, body="We are on it.", internal=True)
    assert event.body == "We are on it." and event.body_code == ""
    assert _read(event, "zh-hans") == "We are on it."


def test_the_portal_and_the_api_read_the_timeline_in_the_readers_language(ticket, advisor, colleague, api_as):
    services.complaint_reassign(complaint=ticket, actor=advisor, assignee=colleague)
    api = api_as(advisor)
    rows = api.get(f"/api/v1/complaints/{ticket.pk}/timeline/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    line = next(r for r in rows if r["kind"] == EventKind.ASSIGNMENT)
    assert line["body"] == "" and line["body_text"] == f"已从 {advisor} 重新分配给 {colleague}。"


def _legacy(ticket, kind: str, body: str) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        complaint=ticket, kind=kind, body=body, is_internal=True, created_at=ticket.received_at
    )


def test_the_migration_converts_english_and_chinese_bodies_and_leaves_peoples_words(ticket):
    # given lines as an earlier release wrote them, in the writer's language
    english = _legacy(ticket, EventKind.ASSIGNMENT, "Reassigned from Advisor Ann to Colleague Carl. holiday")
    chinese = _legacy(ticket, EventKind.RESOLUTION, "根本原因：系统重复扣费")
    no_note = _legacy(ticket, EventKind.ASSIGNMENT, "Reassigned from — to Colleague Carl. ")
    priority = _legacy(
        ticket, EventKind.PRIORITY, "priority: normal → urgent, policy: Standard → Strict. VIP"
    )
    closed = _legacy(
        ticket, EventKind.TRANSITION, "客户 7 天未回复，已自动关闭。"
    )  # zh-hans, written by the sweep
    typed_note = _legacy(ticket, EventKind.NOTE, "Root cause: the client misread the statement")
    reply = _legacy(ticket, EventKind.CLIENT_REPLY, "Reassigned from A to B. why?")
    # when (twice: safe to run again)
    migration.event_bodies_to_codes(apps, None)
    migration.event_bodies_to_codes(apps, None)
    # then
    for row in (english, chinese, no_note, priority, closed, typed_note, reply):
        row.refresh_from_db()
    assert english.body_code == "event.reassigned_note" and english.body == ""
    assert english.body_params == {"a": "Advisor Ann", "b": "Colleague Carl", "note": "holiday"}
    assert _read(english, "zh-hans") == "已从 Advisor Ann 重新分配给 Colleague Carl。holiday"
    assert chinese.body_code == "event.root_cause" and chinese.body_params == {"cause": "系统重复扣费"}
    assert _read(chinese, "en") == "Root cause: 系统重复扣费"
    assert no_note.body_code == "event.reassigned"
    assert _read(no_note, "en") == "Reassigned from — to Colleague Carl."
    assert priority.body_code == "event.sla_changed_note"
    assert _read(priority, "en") == "Changed: priority Normal → Urgent; SLA policy Standard → Strict. VIP"
    assert _read(priority, "zh-hant") == "已變更：優先級 普通 → 緊急；處理時限規則 Standard → Strict。VIP"
    assert closed.body_code == "event.closed_automatically" and closed.body_params == {"d": "7"}
    assert _read(closed, "en") == "Closed automatically after 7 days without a reply from the client."
    # an internal note and a client's reply are people's words, whatever they read like
    assert typed_note.body_code == "" and typed_note.body == "Root cause: the client misread the statement"
    assert reply.body_code == "" and reply.body == "Reassigned from A to B. why?"


def test_the_purge_blanks_the_parameters_of_system_texts(ticket, advisor, colleague):
    services.complaint_reassign(complaint=ticket, actor=advisor, assignee=colleague, note="private")
    services.complaint_purge_personal(ticket)
    event = ticket.events.get(kind=EventKind.ASSIGNMENT)
    assert event.body_params == {} and "private" not in _read(event, "en")
