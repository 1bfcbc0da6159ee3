"""Complaints and replies by email, against a real IMAP server (Debian's dovecot, started for the
test session by tests/complaints/imap_server.py)."""

from __future__ import annotations

import datetime
import imaplib
import io
import time
import zipfile
from email.message import EmailMessage

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from advisory.errors import NotAllowed
from complaints import mailbox as intake
from complaints.models import (
    Channel,
    Complaint,
    EventKind,
    InboundEmail,
    InboundStatus,
    Mailbox,
    MailboxSecurity,
    OutboundEmail,
    State,
)
from complaints.services import complaint_reply
from tests.complaints import imap_server
from tests.complaints.factories import make_client

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="session")
def imap():
    reason = imap_server.available()
    if reason:
        pytest.skip(reason)
    server = imap_server.start()
    yield server
    server.stop()


@pytest.fixture
def inbox(imap, db):
    """An empty INBOX and a Mailbox row pointing at it."""
    conn = imaplib.IMAP4(imap.host, imap.port)
    conn.login(imap.username, imap.password)
    status, data = conn.select("INBOX")
    if int(data[0] or 0):
        conn.store("1:*", "+FLAGS", "\\Deleted")
        conn.expunge()
    box = Mailbox.objects.create(
        name=f"Complaints {time.monotonic_ns()}",
        host=imap.host,
        port=imap.port,
        security=MailboxSecurity.NONE,
        username=imap.username,
        password=imap.password,
        reply_address="complaints@harbour.example",
    )
    box.conn = conn
    yield box
    conn.logout()


def deliver(box: Mailbox, raw: bytes, at: datetime.datetime | None = None) -> None:
    stamp = (at or datetime.datetime.now(datetime.UTC)).timestamp()
    status, _ = box.conn.append("INBOX", None, imaplib.Time2Internaldate(stamp), raw)
    assert status == "OK"


def message(
    *,
    sender: str,
    subject: str,
    body: str = "管理费被重复扣收，请尽快处理。",
    msg_id: str = "",
    headers=None,
    attachments=(),
    html: str = "",
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "complaints@harbour.example"
    msg["Subject"] = subject
    msg["Message-ID"] = msg_id or f"<{time.monotonic_ns()}@client.example>"
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    for name, ctype, content in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def test_a_known_clients_email_becomes_a_complaint_acknowledged_at_once(
    inbox, advisor, django_capture_on_commit_callbacks
):
    # given a client whose email is on file, who writes with a PDF and a zip attached
    client = make_client(advisor=advisor, name="王芳")
    client.email = "wang.fang@client.example"
    client.save()
    arrived = datetime.datetime(2026, 11, 27, 2, 30, tzinfo=datetime.UTC)  # Friday 10:30 in Shanghai
    deliver(
        inbox,
        message(
            sender="王芳 <Wang.Fang@client.example>",
            subject="管理费重复扣收",
            attachments=[
                ("statement.pdf", "application/pdf", PDF),
                ("archive.zip", "application/zip", b"PK\x03\x04"),
            ],
        ),
        at=arrived,
    )
    # when the mailbox is polled
    with django_capture_on_commit_callbacks(execute=True):
        counts = intake.mailbox_poll(mailbox=inbox)
    # then one complaint by email exists, its clock started when the message arrived
    assert counts == {"taken": 1, "skipped": 0, "quarantined": 0}
    complaint = Complaint.objects.get(client=client)
    assert complaint.channel == Channel.EMAIL and complaint.received_at == arrived
    assert complaint.subject == "管理费重复扣收"
    assert [a.original_name for a in complaint.attachments.all()] == ["statement.pdf"]
    # the description is the client's words; the refused attachment is named, never opened, on
    # the first timeline line, in each reader's language
    assert complaint.description == "管理费被重复扣收，请尽快处理。"
    created = complaint.events.get(kind=EventKind.CREATED)
    assert created.body == "" and created.body_code == "event.email_reply_refused"
    with translation.override("zh-hans"):
        assert "未保留的附件" in created.body_text and "archive.zip" in created.body_text
    with translation.override("en"):
        assert "Attachments not kept" in created.body_text and "管理费被重复扣收" in created.body_text
    # why the zip was not kept is written in the client's language (简体), not the worker's
    why = created.body_params["list"].split("archive.zip: ", 1)[1]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in why), why
    inbound = InboundEmail.objects.get()
    assert inbound.status == InboundStatus.FILED and inbound.complaint == complaint
    # and the acknowledgement went out at once with the number, the answer date and how to follow
    (ack,) = [m for m in mail.outbox if m.to == ["wang.fang@client.example"]]
    assert complaint.number in ack.subject
    assert complaint.number in ack.body and "2026-12-" in ack.body
    assert ack.extra_headers["In-Reply-To"] == inbound.message_id
    assert OutboundEmail.objects.get().kind == "acknowledgement"


def test_an_email_without_text_is_filed_and_reads_no_text_in_each_language(inbox, advisor, client):
    # given a known client who sends only an attachment, no text
    customer = make_client(advisor=advisor, name="李雷")
    customer.email = "li.lei@client.example"
    customer.save()
    deliver(
        inbox,
        message(
            sender="li.lei@client.example",
            subject="账单",
            body="",
            attachments=[("statement.pdf", "application/pdf", PDF)],
        ),
    )
    # when the mailbox is polled (in whatever language the worker runs)
    with translation.override("en"):
        intake.mailbox_poll(mailbox=inbox)
    # then the complaint stores no platform words: the description is empty, the timeline's first
    # line is a code
    complaint = Complaint.objects.get(client=customer)
    assert complaint.description == ""
    created = complaint.events.get(kind=EventKind.CREATED)
    assert (created.body, created.body_code) == ("", "event.no_text")
    # and each reader sees "(no text)" in their language, on the ticket and its timeline
    client.force_login(advisor)
    page = client.get(
        reverse("complaints:detail", args=[complaint.pk]), HTTP_ACCEPT_LANGUAGE="zh-hant"
    ).content.decode()
    assert page.count("（無內文）") == 2 and "(no text)" not in page
    with translation.override("zh-hans"):
        assert created.body_text == "（无正文）"


def test_polling_twice_or_after_a_crash_takes_each_message_once(inbox, advisor):
    client = make_client(advisor=advisor)
    client.email = "once@client.example"
    client.save()
    deliver(inbox, message(sender="once@client.example", subject="Twice?"))
    # a first poll takes the message
    assert intake.mailbox_poll(mailbox=inbox)["taken"] == 1
    # a second poll finds nothing new
    inbox.refresh_from_db()
    assert intake.mailbox_poll(mailbox=inbox) == {"taken": 0, "skipped": 0, "quarantined": 0}
    # a poller that crashed before saving its position reads the message again, and skips it
    intake._set_position(Mailbox.objects.filter(pk=inbox.pk), last_uid=0)
    inbox.refresh_from_db()
    assert intake.mailbox_poll(mailbox=inbox)["skipped"] == 1
    assert Complaint.objects.filter(client=client).count() == 1
    # the same message copied into another mailbox (same Message-ID) is not taken again either
    raw = bytes(InboundEmail.objects.get().raw.read())
    other = Mailbox.objects.create(
        name="Other",
        host=inbox.host,
        port=inbox.port,
        security=MailboxSecurity.NONE,
        username=inbox.username,
        password=inbox.password,
        reply_address="x@harbour.example",
    )
    assert (
        intake.inbound_take(
            mailbox=other,
            uid_validity=1,
            uid=1,
            raw=raw,
            size=len(raw),
            received_at=datetime.datetime.now(datetime.UTC),
        )
        is None
    )
    assert InboundEmail.objects.count() == 1


def test_unknown_sender_waits_for_staff_to_link_a_client(
    inbox, advisor, compliance_officer, supervisor, django_capture_on_commit_callbacks
):
    arrived = datetime.datetime(2026, 11, 26, 8, 0, tzinfo=datetime.UTC)
    deliver(inbox, message(sender="someone@unknown.example", subject="投诉顾问服务态度"), at=arrived)
    with django_capture_on_commit_callbacks(execute=True):
        intake.mailbox_poll(mailbox=inbox)
    inbound = InboundEmail.objects.get()
    # the message waits, with a ticket number reserved and quoted in the acknowledgement
    assert inbound.status == InboundStatus.AWAITING_LINK and inbound.ticket_number.startswith("CP-2026-")
    assert inbound.ticket_number in mail.outbox[0].subject
    # written in Chinese by a stranger: the acknowledgement answers in Chinese, on the firm's clock
    assert "我们已收到您的投诉" in mail.outbox[0].subject and "2026-11-26 16:00" in mail.outbox[0].body
    sent = inbound.answers.get()
    assert sent.language == "zh-hans" and sent.subject_code == "email.complaint_received"
    with translation.override("en"):
        assert sent.subject_text == f"[{inbound.ticket_number}] We received your complaint"
    assert not Complaint.objects.exists()
    client = make_client(advisor=advisor, name="李雷")
    # an advisor may not handle the intake
    with pytest.raises(NotAllowed):
        intake.inbound_link(inbound=inbound, client=client, actor=advisor)
    # compliance links it: the complaint keeps the reserved number and the time of arrival
    complaint = intake.inbound_link(inbound=inbound, client=client, actor=compliance_officer)
    assert complaint.number == inbound.ticket_number and complaint.received_at == arrived
    assert complaint.channel == Channel.EMAIL
    inbound.refresh_from_db()
    assert inbound.status == InboundStatus.FILED and inbound.handled_by == compliance_officer
    # linking twice is refused with the reason
    from advisory.errors import Conflict

    with pytest.raises(Conflict):
        intake.inbound_link(inbound=inbound, client=client, actor=supervisor)


def test_staff_reply_goes_out_by_email_and_the_answer_threads_back(
    inbox, advisor, django_capture_on_commit_callbacks
):
    client = make_client(advisor=advisor, name="Emily Carter")
    client.email = "emily@client.example"
    client.save()
    deliver(inbox, message(sender="emily@client.example", subject="Fee charged twice", body="Please refund."))
    with django_capture_on_commit_callbacks(execute=True):
        intake.mailbox_poll(mailbox=inbox)
    complaint = Complaint.objects.get()
    mail.outbox.clear()
    # when the advisor replies to the client
    with django_capture_on_commit_callbacks(execute=True):
        complaint_reply(complaint=complaint, actor=advisor, body="We are checking the March statement.")
    (sent,) = mail.outbox
    assert f"[{complaint.number}]" in sent.subject and sent.to == ["emily@client.example"]
    reply_id = sent.extra_headers["Message-ID"]
    # and the client answers that email (In-Reply-To names our message)
    inbox.refresh_from_db()
    deliver(
        inbox,
        message(
            sender="emily@client.example",
            subject=f"Re: {sent.subject}",
            body="Thank you, here is more detail.",
            headers={"In-Reply-To": reply_id, "References": reply_id},
        ),
    )
    intake.mailbox_poll(mailbox=inbox)
    # then the answer is the client's reply on the same ticket, not a new complaint
    assert Complaint.objects.count() == 1
    answer = complaint.events.get(kind=EventKind.CLIENT_REPLY)
    assert "more detail" in answer.body
    assert InboundEmail.objects.filter(status=InboundStatus.REPLY, complaint=complaint).exists()


def test_a_ticket_number_from_a_stranger_does_not_reach_the_ticket(inbox, advisor):
    client = make_client(advisor=advisor)
    client.email = "owner@client.example"
    client.save()
    deliver(inbox, message(sender="owner@client.example", subject="Original"))
    intake.mailbox_poll(mailbox=inbox)
    complaint = Complaint.objects.get()
    inbox.refresh_from_db()
    deliver(inbox, message(sender="mallory@evil.example", subject=f"Re: [{complaint.number}] add this"))
    intake.mailbox_poll(mailbox=inbox)
    assert not complaint.events.filter(kind=EventKind.CLIENT_REPLY).exists()
    assert InboundEmail.objects.filter(status=InboundStatus.AWAITING_LINK).count() == 1


def test_hostile_and_broken_messages_are_quarantined_and_the_run_goes_on(inbox, advisor, settings):
    settings.MAILBOX_MAX_MESSAGE_BYTES = 200_000
    client = make_client(advisor=advisor)
    client.email = "fine@client.example"
    client.save()
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.bin", b"\0" * 5_000_000)  # 5 MB of zeros in a few kB
    deliver(inbox, message(sender="fine@client.example", subject="Huge", body="x" * 300_000))  # too large
    deliver(inbox, b"Subject: no sender\r\n\r\nhello\r\n")  # no From
    deliver(
        inbox,
        b"From: fine@client.example\r\nSubject: =?x-unknown?B?5oqV6K+J?=\r\nMessage-ID: <enc@x>\r\n"
        b"Content-Type: text/plain; charset=x-unknown\r\n\r\n\xff\xfe\xfa broken bytes\r\n",
    )
    deliver(
        inbox,
        message(
            sender="fine@client.example",
            subject="HTML",
            body="",
            html="<html><head><script>steal()</script></head><body><p>服务<b>太差</b></p><script>x()</script></body></html>",
            attachments=[("bomb.zip", "application/zip", bomb.getvalue())],
        ),
    )
    counts = intake.mailbox_poll(mailbox=inbox)
    assert counts == {"taken": 2, "skipped": 0, "quarantined": 2}
    quarantined = InboundEmail.objects.filter(status=InboundStatus.QUARANTINED).order_by("uid")
    assert "larger than the" in quarantined[0].reason and not quarantined[0].raw
    assert "sender" in quarantined[1].reason
    texts = [c.description for c in Complaint.objects.order_by("pk")]
    assert "broken bytes" in texts[0]
    assert "服务" in texts[1] and "太差" in texts[1] and "steal" not in texts[1] and "x()" not in texts[1]
    refused = Complaint.objects.order_by("pk")[1].events.get(kind=EventKind.CREATED)
    assert refused.body_code == "event.email_reply_refused" and "bomb.zip" in refused.body_params["list"]


def test_an_unreachable_server_is_recorded_not_raised(db):
    box = Mailbox.objects.create(
        name="Down",
        host="127.0.0.1",
        port=1,
        security=MailboxSecurity.NONE,
        username="u",
        password="p",
        reply_address="c@harbour.example",
    )
    assert intake.mailbox_poll(mailbox=box)["error"] == 1
    box.refresh_from_db()
    assert box.last_error and box.last_polled_at


def test_html_to_text_drops_scripts_and_styles():
    text = intake.html_to_text("<style>p{}</style><p>A&amp;B</p><script>alert(1)</script><div>C</div>")
    assert text == "A&B\nC" or text.split() == ["A&B", "C"]


def test_intake_screens_are_for_supervisors_and_compliance(
    inbox, web_as, advisor, compliance_officer, supervisor, client_user, django_assert_max_num_queries
):
    for n in range(3):
        deliver(inbox, message(sender=f"stranger{n}@unknown.example", subject=f"陌生人投诉 {n}"))
    intake.mailbox_poll(mailbox=inbox)
    url = reverse("complaints:intake_list")
    assert web_as(advisor).get(url).status_code == 403
    assert web_as(client_user).get(url).status_code in (302, 403)
    http = web_as(compliance_officer)
    http.get(url)
    with django_assert_max_num_queries(12) as few:
        page = http.get(url)
    assert page.status_code == 200 and "陌生人投诉 0" in page.text
    for n in range(3, 10):
        deliver(inbox, message(sender=f"stranger{n}@unknown.example", subject=f"陌生人投诉 {n}"))
    inbox.refresh_from_db()
    intake.mailbox_poll(mailbox=inbox)
    with django_assert_max_num_queries(len(few.captured_queries)):
        http.get(url)
    # link from the detail screen
    inbound = InboundEmail.objects.filter(status=InboundStatus.AWAITING_LINK).first()
    client = make_client(advisor=advisor)
    detail = reverse("complaints:intake_detail", args=[inbound.pk])
    assert web_as(advisor).get(detail).status_code == 403
    original = reverse("complaints:intake_original", args=[inbound.pk])
    assert web_as(advisor).get(original).status_code == 403
    download = web_as(supervisor).get(original)
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"From:")
    response = web_as(supervisor).post(
        reverse("complaints:intake_link", args=[inbound.pk]), {"file_number": client.file_number}
    )
    assert response.status_code == 302
    inbound.refresh_from_db()
    assert inbound.complaint.client == client and inbound.complaint.state == State.RECEIVED
    # a wrong file number is a field error, nothing changes
    other = InboundEmail.objects.filter(status=InboundStatus.AWAITING_LINK).first()
    bad = web_as(supervisor).post(
        reverse("complaints:intake_link", args=[other.pk]), {"file_number": "CL-NOPE"}
    )
    assert bad.status_code == 200 and "No client file" in bad.text
    other.refresh_from_db()
    assert other.status == InboundStatus.AWAITING_LINK


def test_intake_api_lists_and_links(inbox, api_as, advisor, compliance_officer):
    deliver(inbox, message(sender="api@unknown.example", subject="API"))
    intake.mailbox_poll(mailbox=inbox)
    inbound = InboundEmail.objects.get()
    assert api_as(advisor).get("/api/v1/complaints/intake/").status_code == 403
    body = api_as(compliance_officer).get("/api/v1/complaints/intake/").json()
    assert body["count"] == 1 and body["results"][0]["status"] == "awaiting_link"
    client = make_client(advisor=advisor)
    bad = api_as(compliance_officer).post(
        f"/api/v1/complaints/intake/{inbound.pk}/link/", {"client": 0}, format="json"
    )
    assert bad.status_code == 400
    ok = api_as(compliance_officer).post(
        f"/api/v1/complaints/intake/{inbound.pk}/link/", {"client": client.pk}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["complaint_number"] == inbound.ticket_number


def test_an_email_without_a_subject_is_titled_in_the_clients_language(inbox, advisor):
    # given a client whose file says they read Traditional Chinese, writing without a subject
    customer = make_client(advisor=advisor, name="陳大文")
    customer.email = "chan.tai.man@client.example"
    customer.preferred_language = "zh-hant"
    customer.save()
    deliver(inbox, message(sender="chan.tai.man@client.example", subject=""))
    # when the worker (in English) files it
    with translation.override("en"):
        intake.mailbox_poll(mailbox=inbox)
    # then the ticket's title, which the client reads in the portal and in our replies, is theirs
    with translation.override("zh-hant"):
        expected = translation.gettext("Complaint by email")
    assert Complaint.objects.get(client=customer).subject == expected != "Complaint by email"
