"""Acknowledgement by SMS of complaints that come in by phone or SMS (issue 19, complaints/sms.py)."""

from __future__ import annotations

import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.urls import reverse

from advisory import sms as sms_module
from advisory.formats import local_date
from advisory.models import OutboxMessage
from advisory.texts import stored_reason
from audit.models import AuditEntry
from complaints.models import Channel, OutboundSMS, SmsStatus
from complaints.sms import (
    complaint_acknowledge_by_sms,
    mobile_number,
    outbound_sms_send,
    sms_acknowledgement_text,
)
from tests.complaints.factories import make_client, make_complaint

pytestmark = pytest.mark.django_db

# A Monday morning in Shanghai (01:30 UTC = 09:30 CST).
NOW = datetime.datetime(2026, 11, 30, 1, 30, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.SMS_BACKEND = "locmem"
    sms_module.outbox.clear()
    yield
    sms_module.outbox.clear()


def client_with_mobile(advisor, *, phone="138 1234 5678", language="zh-hans", portal_user=None):
    client = make_client(advisor=advisor, user=portal_user)
    client.phone = phone
    client.preferred_language = language
    client.save()
    return client


def file_by_phone(client, channel=Channel.PHONE, capture=None):
    if capture is None:
        return make_complaint(client=client, channel=channel)
    with capture(execute=True):
        return make_complaint(client=client, channel=channel)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("138 1234 5678", "+8613812345678"),
        ("+86 13812345678", "+8613812345678"),
        ("+852 9123 4567", "+85291234567"),
        ("0912-345-678", "+886912345678"),
        ("010-12345678", None),  # a Beijing landline
        ("", None),
        (None, None),
    ],
)
def test_only_mobile_numbers_receive_sms(raw, expected):
    assert mobile_number(raw) == expected


def test_phone_complaint_is_acknowledged_at_once_by_sms_in_the_clients_language(
    advisor, django_capture_on_commit_callbacks
):
    # given a client with a mobile number who prefers Simplified Chinese
    client = client_with_mobile(advisor)
    # when the complaint is logged from a phone call
    complaint = file_by_phone(client, capture=django_capture_on_commit_callbacks)
    # then one SMS went out through the outbox at once
    sms = OutboundSMS.objects.get(complaint=complaint)
    assert sms.status == SmsStatus.SENT and sms.attempts == 1 and sms.sent_at == NOW
    assert [m.to for m in sms_module.outbox] == ["+8613812345678"]
    text = sms_module.outbox[0].text
    assert complaint.number in text and local_date(complaint.resolve_due_at) in text
    assert "我们已收到您的投诉" in text and "400-000-0000" in text  # no portal login: the phone line
    assert sms.segments == sms_module.segments(text) and sms.segments >= 1
    assert AuditEntry.objects.filter(
        record_id=str(complaint.pk), reason=stored_reason("acknowledgement sent by SMS")
    ).exists()


def test_portal_clients_get_the_portal_link_in_english_when_they_prefer_it(advisor, client_user, settings):
    client = client_with_mobile(advisor, language="en", portal_user=client_user)
    complaint = make_complaint(client=client, channel=Channel.SMS)
    text = sms_acknowledgement_text(complaint=complaint, language="en")
    assert text.startswith(f"{settings.FIRM_NAME}: we received your complaint {complaint.number}.")
    assert reverse("complaints_portal:detail", args=[complaint.pk]) in text
    assert local_date(complaint.resolve_due_at) in text


def test_answer_date_is_in_the_firm_time_zone(advisor):
    complaint = make_complaint(client=client_with_mobile(advisor), channel=Channel.PHONE)
    # 16:30 UTC on 14 December is 00:30 on 15 December in Shanghai
    complaint.resolve_due_at = datetime.datetime(2026, 12, 14, 16, 30, tzinfo=datetime.UTC)
    text = sms_acknowledgement_text(complaint=complaint, language="zh-hans")
    assert "2026-12-15" in text and "2026-12-14" not in text


def test_no_sms_without_a_mobile_number_another_channel_or_a_backend(advisor, settings):
    landline = make_complaint(client=client_with_mobile(advisor, phone="010-12345678"), channel=Channel.PHONE)
    assert complaint_acknowledge_by_sms(complaint=landline) is None
    email = make_complaint(client=client_with_mobile(advisor), channel=Channel.EMAIL)
    assert complaint_acknowledge_by_sms(complaint=email) is None
    settings.SMS_BACKEND = "none"
    phone = make_complaint(client=client_with_mobile(advisor), channel=Channel.PHONE)
    assert complaint_acknowledge_by_sms(complaint=phone) is None
    assert not OutboundSMS.objects.exists()


def test_acknowledging_twice_writes_one_message_and_sends_it_once(advisor):
    complaint = make_complaint(client=client_with_mobile(advisor), channel=Channel.PHONE)
    complaint_acknowledge_by_sms(complaint=complaint)  # the intake has already written it
    assert complaint_acknowledge_by_sms(complaint=complaint) is None
    sms = OutboundSMS.objects.get(complaint=complaint)
    assert outbound_sms_send(sms_id=sms.pk) is True
    assert outbound_sms_send(sms_id=sms.pk) is False  # already sent: nothing more
    assert len(sms_module.outbox) == 1


# -- the HTTP gateway, against a real local server ---------------------------------------------------


class _Gateway(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):  # noqa: N802
        length = int(self.headers["Content-Length"])
        type(self).received.append(
            {"auth": self.headers["Authorization"], "body": json.loads(self.rfile.read(length))}
        )
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(
            json.dumps({"id": "gw-42"} if type(self).status == 200 else {"error": "busy"}).encode()
        )

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    _Gateway.received, _Gateway.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.SMS_GATEWAY_TOKEN = "secret-token"
    yield _Gateway
    server.shutdown()
    server.server_close()


def test_http_gateway_receives_json_with_the_token(advisor, gateway, django_capture_on_commit_callbacks):
    complaint = file_by_phone(client_with_mobile(advisor), capture=django_capture_on_commit_callbacks)
    sms = OutboundSMS.objects.get(complaint=complaint)
    assert sms.status == SmsStatus.SENT and sms.provider_id == "gw-42"
    [call] = gateway.received
    assert call["auth"] == "Bearer secret-token"
    assert call["body"]["to"] == "+8613812345678" and complaint.number in call["body"]["text"]
    assert call["body"]["reference"] == complaint.number


def test_gateway_errors_are_retried_with_back_off_then_failed(advisor, gateway, settings):
    # given a gateway that answers 503
    gateway.status = 503
    settings.SMS_MAX_ATTEMPTS = 2
    complaint = make_complaint(client=client_with_mobile(advisor), channel=Channel.PHONE)
    sms = complaint_acknowledge_by_sms(complaint=complaint) or OutboundSMS.objects.get(complaint=complaint)
    OutboxMessage.objects.all().delete()
    # when the first attempt fails
    assert outbound_sms_send(sms_id=sms.pk) is False
    sms.refresh_from_db()
    # then it stays queued with the error, and a next attempt waits in the outbox
    assert sms.status == SmsStatus.QUEUED and sms.attempts == 1 and "503" in sms.error
    retry = OutboxMessage.objects.get(task="complaints.tasks.outbound_sms_send_task")
    assert retry.args == [sms.pk] and retry.available_at == NOW + datetime.timedelta(minutes=1)
    # when the last attempt fails too, the message is failed and the page says so
    assert outbound_sms_send(sms_id=sms.pk) is False
    sms.refresh_from_db()
    assert sms.status == SmsStatus.FAILED and sms.attempts == 2
    assert AuditEntry.objects.filter(
        record_id=str(complaint.pk), reason=stored_reason("acknowledgement SMS failed")
    ).exists()


def test_complaint_page_and_admin_show_the_sms(
    web_as, advisor, administrator, django_capture_on_commit_callbacks
):
    complaint = file_by_phone(client_with_mobile(advisor), capture=django_capture_on_commit_callbacks)
    page = web_as(advisor).get(reverse("complaints:detail", args=[complaint.pk]))
    assert b"Acknowledgement by SMS" in page.content and b"sms-acknowledgements" in page.content
    sms = OutboundSMS.objects.get(complaint=complaint)
    admin = web_as(administrator)
    assert admin.get(reverse("admin:complaints_outboundsms_changelist")).status_code == 200
    assert admin.get(reverse("admin:complaints_outboundsms_change", args=[sms.pk])).status_code == 200


def test_segments_count_chinese_and_latin_text():
    assert sms_module.segments("a" * 160) == 1 and sms_module.segments("a" * 161) == 2
    assert sms_module.segments("投" * 70) == 1 and sms_module.segments("投" * 71) == 2
