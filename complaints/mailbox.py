"""Complaints and replies by email (SPEC §4: intake from every channel).

A periodic task polls every active mailbox over IMAP. Each new message is read exactly once —
even with two pollers, or a poller that crashes after reading — because the row recording it is
unique on (mailbox, UIDVALIDITY, UID) and on Message-ID, and is written in the same transaction
as what the message becomes:

- an answer to one of our messages (In-Reply-To/References name a Message-ID we sent), or a
  message whose subject carries a ticket number and comes from that ticket's client: the client's
  reply on the ticket;
- a message from a known client (sender address matches exactly one client file): a new complaint,
  channel email, whose SLA clock starts when the message reached the mailbox;
- otherwise: it waits for staff to link a client; its ticket number is reserved at once so the
  automatic acknowledgement can quote it, and the complaint keeps the time of receipt.

A message that is too large, unreadable or hostile is quarantined with the reason and never breaks
the run. Attachments pass the same checks as uploads (type, size, first bytes); archives are never
opened. HTML is reduced to text (scripts and styles dropped). Every new complaint by email is
acknowledged at once by email, with the ticket number, the expected answer date and how to follow
it; staff replies to the client go out by email with the ticket number in the subject and the
thread headers, so the client's answer comes back to the same ticket.
"""

from __future__ import annotations

import contextlib
import datetime
import email
import email.policy
import email.utils
import html.parser
import imaplib
import logging
import re
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advisory.clock import now
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.formats import local_date
from advisory.history import audited_save
from advisory.numbering import next_number
from advisory.rules import can
from advisory.texts import Text, client_language, in_language, text
from audit.managers import allow_bulk_writes
from audit.models import AuditAction
from audit.services import audit_log

from .models import (
    Category,
    Channel,
    Complaint,
    EventKind,
    InboundEmail,
    InboundStatus,
    Mailbox,
    MailboxSecurity,
    OutboundEmail,
    OutboundKind,
    State,
)

logger = logging.getLogger(__name__)

TICKET_NUMBER = re.compile(r"\bCP-\d{4}-\d{6}\b")
MAX_PARTS = 100
MAX_BODY_CHARS = 50_000
IMAP_TIMEOUT = 30


def _max_message_bytes() -> int:
    return getattr(settings, "MAILBOX_MAX_MESSAGE_BYTES", 20 * 1024 * 1024)


# -- reading a message ---------------------------------------------------------------------------


class _TextFromHtml(html.parser.HTMLParser):
    """Visible text of an HTML body: tags dropped, script and style content never kept."""

    SKIP = {"script", "style", "head", "title"}
    BREAK = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "table"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BREAK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextFromHtml()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"\n\s*\n+", "\n\n", re.sub(r"[ \t]+", " ", text)).strip()


class Quarantine(Exception):
    """This message cannot be taken in; the reason is for the person who looks at it."""


@dataclass
class ParsedMessage:
    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    from_address: str = ""
    from_name: str = ""
    subject: str = ""
    body: str = ""
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)  # name, type, content


def _header(msg: email.message.EmailMessage, name: str) -> str:
    try:
        value = msg.get(name, "")
    except Exception:  # a header so broken that the parser cannot even decode it
        return ""
    return str(value or "").replace("\x00", "").strip()


def _part_text(part: email.message.EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError, AssertionError, ValueError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse a raw RFC 5322 message defensively; raise Quarantine with a reason when it cannot be
    taken in as it is."""
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # noqa: BLE001 - any parser failure is a reason to quarantine
        raise Quarantine(_("The message could not be read: %(e)s") % {"e": type(exc).__name__}) from exc
    parsed = ParsedMessage(
        message_id=_header(msg, "Message-ID")[:300],
        in_reply_to=_header(msg, "In-Reply-To")[:300],
        references=_header(msg, "References").split()[:50],
        subject=_header(msg, "Subject")[:300],
    )
    name, address = email.utils.parseaddr(_header(msg, "From"))
    parsed.from_name, parsed.from_address = name[:200], address.strip().lower()[:254]
    if not parsed.from_address or "@" not in parsed.from_address:
        raise Quarantine(_("The message has no usable sender address."))
    plain, markup, count = [], [], 0
    for part in msg.walk():
        count += 1
        if count > MAX_PARTS:
            raise Quarantine(_("The message has more than %(n)d parts.") % {"n": MAX_PARTS})
        if part.is_multipart():
            continue
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        if filename or disposition == "attachment":
            content = part.get_payload(decode=True) or b""
            parsed.attachments.append(((filename or "attachment")[:200], part.get_content_type(), content))
        elif part.get_content_type() == "text/plain":
            plain.append(_part_text(part))
        elif part.get_content_type() == "text/html":
            markup.append(_part_text(part))
    text = "\n\n".join(plain).strip() or html_to_text("\n".join(markup))
    parsed.body = text.replace("\x00", "").strip()[:MAX_BODY_CHARS]
    return parsed


def _kept_attachments(parsed: ParsedMessage, language: str) -> tuple[list[SimpleUploadedFile], list[str]]:
    """Attachments that pass the upload checks, and a line for each one that did not, written in
    `language`: the sender's, who reads on the ticket's timeline why a file was not kept."""
    from .services import validate_attachment

    kept, refused = [], []
    for name, content_type, content in parsed.attachments:
        upload = SimpleUploadedFile(name, content, content_type=content_type)
        try:
            with translation.override(language):
                validate_attachment(upload)
        except DomainError as exc:
            refused.append(f"{name}: {exc.message}")
            continue
        kept.append(upload)
    return kept, refused


# -- matching ------------------------------------------------------------------------------------


def _client_for_address(address: str):
    from clients.selectors import client_by_email

    return client_by_email(email=address)


def _thread_ticket(parsed: ParsedMessage, client) -> Complaint | None:
    """The ticket this message answers: one of our Message-IDs in its thread headers (not
    guessable), or a ticket number in the subject when the sender is that ticket's client."""
    ids = [i for i in [parsed.in_reply_to, *parsed.references] if i]
    if ids:
        sent = OutboundEmail.objects.filter(message_id__in=ids).select_related("complaint").first()
        if sent is not None and sent.complaint is not None:
            return sent.complaint
        earlier = InboundEmail.objects.filter(message_id__in=ids, complaint__isnull=False).first()
        if earlier is not None:
            return earlier.complaint
    match = TICKET_NUMBER.search(parsed.subject)
    if match and client is not None:
        return Complaint.objects.filter(number=match.group(0), client=client).first()
    return None


# -- the intake ----------------------------------------------------------------------------------


def inbound_take(
    *,
    mailbox: Mailbox,
    uid_validity: int,
    uid: int,
    raw: bytes | None,
    size: int,
    received_at: datetime.datetime,
) -> InboundEmail | None:
    """Take in one message (raw None: too large to fetch). Returns None when this message was
    already taken in — by this poller earlier or by another one — and changes nothing then."""
    try:
        with transaction.atomic():
            inbound = _take(
                mailbox=mailbox, uid_validity=uid_validity, uid=uid, raw=raw, size=size, at=received_at
            )
    except IntegrityError:
        if not _already_taken(mailbox=mailbox, uid_validity=uid_validity, uid=uid, raw=raw):
            raise  # not the uniqueness that makes intake exactly-once: a real error
        return None
    _set_position(Mailbox.objects.filter(pk=mailbox.pk, last_uid__lt=uid), last_uid=uid)
    return inbound


def _already_taken(*, mailbox: Mailbox, uid_validity: int, uid: int, raw: bytes | None) -> bool:
    if InboundEmail.objects.filter(mailbox=mailbox, uid_validity=uid_validity, uid=uid).exists():
        return True
    if raw is None:
        return False
    try:
        message_id = parse_message(raw).message_id
    except Quarantine:
        return False
    return bool(message_id) and InboundEmail.objects.filter(message_id=message_id).exists()


def _take(
    *, mailbox: Mailbox, uid_validity: int, uid: int, raw: bytes | None, size: int, at: datetime.datetime
) -> InboundEmail:
    inbound = InboundEmail(
        mailbox=mailbox, uid_validity=uid_validity, uid=uid, received_at=at, size_bytes=min(size, 2**31 - 1)
    )
    try:
        if raw is None or size > _max_message_bytes():
            raise Quarantine(
                _("The message (%(size)s) is larger than the %(limit)s allowed; it was not downloaded.")
                % {"size": filesizeformat(size), "limit": filesizeformat(_max_message_bytes())}
            )
        parsed = parse_message(raw)
    except Quarantine as reason:
        inbound.status, inbound.reason = InboundStatus.QUARANTINED, str(reason)
        if raw is not None and size <= _max_message_bytes():
            inbound.raw.save("message.eml", ContentFile(raw), save=False)
        audited_save(inbound, actor=None, reason="email quarantined")
        logger.warning("mailbox %s uid %s quarantined: %s", mailbox.pk, uid, reason)
        return inbound
    inbound.message_id = parsed.message_id
    inbound.in_reply_to = parsed.in_reply_to
    inbound.from_address, inbound.from_name = parsed.from_address, parsed.from_name
    inbound.subject, inbound.body = parsed.subject, parsed.body
    inbound.raw.save("message.eml", ContentFile(raw), save=False)
    # Claim the message before acting on it: a second poller stops here (unique constraints).
    inbound.status = InboundStatus.AWAITING_LINK
    audited_save(inbound, actor=None, reason="email received")
    client = _client_for_address(parsed.from_address)
    ticket = _thread_ticket(parsed, client)
    sender = ticket.client if ticket is not None else client
    attachments, refused = _kept_attachments(
        parsed, client_language(sender) if sender is not None else _language_for(None, inbound)
    )
    if ticket is not None:
        _take_reply(inbound, ticket, parsed, attachments, refused)
    elif client is not None:
        complaint = _file_from_email(
            inbound, client=client, attachments=attachments, refused=refused, actor=None
        )
        acknowledge_by_email(inbound=inbound, complaint=complaint)
    else:
        inbound.ticket_number = next_number(prefix="CP", year=timezone.localtime(at).year)
        inbound.reason = "; ".join(refused)
        audited_save(
            inbound, actor=None, reason="email from an unknown sender: waiting for a client to be linked"
        )
        acknowledge_by_email(inbound=inbound, complaint=None)
    return inbound


def _client_words(body: str, refused: list[str]) -> str | Text:
    """What the client wrote stays as written; what the platform adds (no text, attachments not
    kept) is stored as a code and reads in each reader's language."""
    said: str | Text = body or text("event.no_text")
    if refused:
        said = text("event.email_reply_refused", text=said, list="; ".join(refused))
    return said


def _take_reply(
    inbound: InboundEmail, ticket: Complaint, parsed: ParsedMessage, attachments, refused
) -> None:
    from .services import _event, _store_attachments, complaint_transition, notify_client_reply

    said = _client_words(parsed.body, refused)
    _event(ticket, kind=EventKind.CLIENT_REPLY, actor=None, body=said, at=inbound.received_at)
    _store_attachments(ticket, attachments, actor=None, internal=False)
    if ticket.state == State.WAITING_ON_CLIENT:
        complaint_transition(
            complaint=ticket,
            actor=None,
            to_state=State.INVESTIGATING,
            note=text("event.client_replied_by_email"),
        )
    notify_client_reply(complaint=ticket, body=said)
    inbound.status, inbound.complaint, inbound.client = InboundStatus.REPLY, ticket, ticket.client
    audited_save(
        inbound, actor=None, reason=text("audit.client_reply_by_email_on_number", number=ticket.number)
    )


def _file_from_email(inbound: InboundEmail, *, client, attachments, refused, actor) -> Complaint:
    from .services import complaint_create

    subject = inbound.subject
    if not subject:
        # a message without a subject: the ticket's title is the client's own (their portal, the
        # subject of the replies we email them), so it is written in their language, not in the
        # worker's or the filing staff member's
        subject = in_language(client_language(client), gettext_lazy("Complaint by email"))
    complaint = complaint_create(
        actor=actor,
        client=client,
        channel=Channel.EMAIL,
        category=Category.OTHER,
        subject=subject,
        description=inbound.body,  # the client's words only; an empty one reads "(no text)"
        first_event=_client_words(inbound.body, refused),
        received_at=inbound.received_at,  # the SLA clock starts when the message arrived
        attachments=attachments,
        number=inbound.ticket_number,
    )
    inbound.status, inbound.complaint, inbound.client = InboundStatus.FILED, complaint, client
    inbound.ticket_number = complaint.number
    audited_save(
        inbound, actor=actor, reason=text("audit.filed_as_complaint_number", number=complaint.number)
    )
    return complaint


# -- what staff do with the intake -----------------------------------------------------------------


def _check_intake(actor) -> None:
    if not can(actor, "complaints.manage_intake"):
        raise NotAllowed(_("Only supervisors and compliance officers handle the email intake."))


def inbound_link(*, inbound: InboundEmail, client, actor) -> Complaint:
    """Link a message from an unknown sender to a client file: the complaint is filed with the
    ticket number quoted in the acknowledgement and the time the message arrived."""
    _check_intake(actor)
    if not can(actor, "complaints.file_complaint", client):
        raise NotAllowed(_("You may not log complaints for this client."))
    with transaction.atomic():
        locked = InboundEmail.objects.select_for_update().get(pk=inbound.pk)
        if locked.status != InboundStatus.AWAITING_LINK:
            raise Conflict(
                _("This message was already handled (%(s)s).") % {"s": locked.get_status_display()}
            )
        parsed = parse_message(locked.raw.read()) if locked.raw else ParsedMessage()
        attachments, refused = _kept_attachments(parsed, client_language(client))
        complaint = _file_from_email(
            locked, client=client, attachments=attachments, refused=refused, actor=actor
        )
        locked.handled_by, locked.handled_at = actor, now()
        audited_save(
            locked,
            actor=actor,
            reason=text("audit.linked_to_client_and_filed_as_number", number=complaint.number),
        )
    return complaint


def inbound_dismiss(*, inbound: InboundEmail, actor, reason: str) -> InboundEmail:
    """Set aside a message that is not a complaint (advertising, an out-of-office reply …) or a
    quarantined one after inspection, with the reason."""
    _check_intake(actor)
    if not reason.strip():
        raise DomainError(_("Say why the message is set aside."), field="reason")
    with transaction.atomic():
        locked = InboundEmail.objects.select_for_update().get(pk=inbound.pk)
        if locked.status not in (InboundStatus.AWAITING_LINK, InboundStatus.QUARANTINED):
            raise Conflict(
                _("This message was already handled (%(s)s).") % {"s": locked.get_status_display()}
            )
        locked.status, locked.handled_by, locked.handled_at = InboundStatus.DISMISSED, actor, now()
        locked.reason = (locked.reason + "\n" if locked.reason else "") + reason.strip()
        audited_save(locked, actor=actor, reason=text("audit.email_set_aside_reason", reason=reason.strip()))
    return locked


# -- sending ---------------------------------------------------------------------------------------


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1] if "@" in address else "advisory.local"


def _send(
    *,
    kind: str,
    to: str,
    subject: Text,
    body: Text | str,
    language: str,
    sender: str,
    complaint: Complaint | None,
    inbound: InboundEmail | None,
    reply_to_ids: list[str],
) -> OutboundEmail:
    """Send in the recipient's `language`; the row keeps the subject as a text code (shown to
    staff in their language) and the subject as it was sent."""
    with translation.override(language):
        subject_sent = str(subject)
        body_sent = str(body)
    message_id = email.utils.make_msgid(idstring=kind[:3], domain=_domain(sender))
    headers = {
        "Message-ID": message_id,
        "Auto-Submitted": "auto-replied" if kind == OutboundKind.ACKNOWLEDGEMENT else "no",
    }
    if reply_to_ids:
        headers["In-Reply-To"] = reply_to_ids[-1]
        headers["References"] = " ".join(reply_to_ids[-10:])
    row = OutboundEmail.objects.create(
        complaint=complaint,
        inbound=inbound,
        kind=kind,
        message_id=message_id,
        to_address=to,
        subject=subject_sent[:300],
        subject_code=subject.code,
        subject_params=subject.params,
        language=language,
        sent_at=now(),
    )
    message = EmailMessage(subject=subject_sent, body=body_sent, from_email=sender, to=[to], headers=headers)

    def deliver() -> None:
        try:
            message.send(fail_silently=False)
        except Exception:  # the record stays; operations see the failure in the logs and metrics
            logger.exception("could not send %s email %s", kind, message_id)

    transaction.on_commit(deliver)
    return row


def _sender_for(complaint: Complaint | None, inbound: InboundEmail | None) -> str:
    if inbound is not None:
        return inbound.mailbox.reply_address
    first = (
        InboundEmail.objects.filter(complaint=complaint)
        .select_related("mailbox")
        .order_by("received_at")
        .first()
        if complaint is not None
        else None
    )
    if first is not None:
        return first.mailbox.reply_address
    mailbox = Mailbox.objects.filter(is_active=True).order_by("pk").first()
    return mailbox.reply_address if mailbox else settings.DEFAULT_FROM_EMAIL


_CJK = re.compile(r"[\u3400-\u9fff]")
_TRADITIONAL_ONLY = re.compile(r"[們這個來時會為說對還與無於經過點開關門問題當後從]")


def _language_for(complaint: Complaint | None, inbound: InboundEmail | None) -> str:
    """The recipient's language: the client's preferred one when the ticket has a client, else
    the language the message was written in (Chinese, Traditional when it uses Traditional-only
    characters), else the firm's default."""
    client = getattr(complaint, "client", None) if complaint is not None else None
    if client is not None and client.preferred_language:
        return client.preferred_language.lower()
    written = f"{getattr(inbound, 'subject', '')} {getattr(inbound, 'body', '')}" if inbound else ""
    if _CJK.search(written):
        return "zh-hant" if _TRADITIONAL_ONLY.search(written) else "zh-hans"
    return settings.LANGUAGE_CODE


def acknowledge_by_email(*, inbound: InboundEmail, complaint: Complaint | None) -> OutboundEmail | None:
    """At once, on receipt: the ticket number, the expected answer date and how to follow it."""
    number = complaint.number if complaint is not None else inbound.ticket_number
    if complaint is not None:
        due = local_date(complaint.resolve_due_at)
    else:
        from .sla import expected_answer_by

        due = local_date(expected_answer_by(received_at=inbound.received_at))
    return _send(
        kind=OutboundKind.ACKNOWLEDGEMENT,
        to=inbound.from_address,
        subject=text("email.complaint_received", n=number),
        body=text(
            "email.complaint_received_body",
            received=inbound.received_at,
            n=number,
            due=due,
            firm=settings.FIRM_NAME,
        ),
        language=_language_for(complaint, inbound),
        sender=inbound.mailbox.reply_address,
        complaint=complaint,
        inbound=inbound,
        reply_to_ids=[inbound.message_id] if inbound.message_id else [],
    )


def reply_by_email(*, complaint: Complaint, body: str) -> OutboundEmail | None:
    """A staff reply to the client, for tickets that came by email: to the address the client
    wrote from, with the ticket number in the subject and the thread headers."""
    last_in = (
        InboundEmail.objects.filter(complaint=complaint)
        .exclude(from_address="")
        .order_by("-received_at")
        .first()
    )
    if complaint.channel != Channel.EMAIL and last_in is None:
        return None
    to = last_in.from_address if last_in is not None else (getattr(complaint.client, "email", "") or "")
    if not to:
        return None
    thread = list(
        OutboundEmail.objects.filter(complaint=complaint)
        .order_by("sent_at")
        .values_list("message_id", flat=True)
    )
    if last_in is not None and last_in.message_id:
        thread.append(last_in.message_id)
    return _send(
        kind=OutboundKind.REPLY,
        to=to,
        subject=text("email.complaint_reply", n=complaint.number, subject=complaint.subject),
        body=body,
        language=_language_for(complaint, last_in),
        sender=_sender_for(complaint, last_in),
        complaint=complaint,
        inbound=last_in,
        reply_to_ids=thread,
    )


# -- polling ---------------------------------------------------------------------------------------


def _set_position(rows, **fields) -> None:
    """The poll position and status (UIDVALIDITY, last UID, last poll, last error) are the
    poller's bookkeeping, excluded from the mailbox's history; a conditional UPDATE keeps two
    pollers from moving the position backwards."""
    with allow_bulk_writes():
        rows.update(**fields)


@contextlib.contextmanager
def _connect(mailbox: Mailbox) -> Iterator[imaplib.IMAP4]:
    if mailbox.security == MailboxSecurity.SSL:
        conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=ssl.create_default_context(), timeout=IMAP_TIMEOUT
        )
    else:
        conn = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=IMAP_TIMEOUT)
        if mailbox.security == MailboxSecurity.STARTTLS:
            conn.starttls(ssl_context=ssl.create_default_context())
    try:
        conn.login(mailbox.username, mailbox.password)
        yield conn
    finally:
        with contextlib.suppress(Exception):
            conn.logout()


def _ok(result: tuple[str, list]) -> list:
    status, data = result
    if status != "OK":
        raise imaplib.IMAP4.error(f"IMAP answered {status}: {data!r}"[:300])
    return data


_FETCH_META = re.compile(rb"UID (\d+).*?RFC822\.SIZE (\d+).*?INTERNALDATE \"([^\"]+)\"", re.S)
_FETCH_META_ALT = re.compile(rb"INTERNALDATE \"([^\"]+)\".*?RFC822\.SIZE (\d+).*?UID (\d+)", re.S)


def _meta(line: bytes) -> tuple[int, int, datetime.datetime]:
    m = _FETCH_META.search(line)
    if m:
        uid, size, date = int(m.group(1)), int(m.group(2)), m.group(3)
    else:
        m = _FETCH_META_ALT.search(line)
        if not m:
            raise imaplib.IMAP4.error("unexpected FETCH answer")
        date, size, uid = m.group(1), int(m.group(2)), int(m.group(3))
    stamp = imaplib.Internaldate2tuple(b'INTERNALDATE "' + date + b'"')
    # Internaldate2tuple answers in this host's local time: through the epoch it stays exact.
    received = datetime.datetime.fromtimestamp(time.mktime(stamp), tz=datetime.UTC) if stamp else now()
    return uid, size, received


def mailbox_poll(*, mailbox: Mailbox, batch: int = 200) -> dict[str, int]:
    """Read what arrived since the last UID, oldest first. Safe to run twice at once."""
    counts = {"taken": 0, "skipped": 0, "quarantined": 0}
    try:
        with _connect(mailbox) as conn:
            _ok(conn.select(f'"{mailbox.folder}"', readonly=True))
            validity = int(conn.untagged_responses.get("UIDVALIDITY", [b"0"])[0])
            if mailbox.uid_validity != validity:
                # A new UIDVALIDITY renumbers the folder: start again; Message-IDs keep it once.
                _set_position(Mailbox.objects.filter(pk=mailbox.pk), uid_validity=validity, last_uid=0)
                mailbox.uid_validity, mailbox.last_uid = validity, 0
            data = _ok(conn.uid("SEARCH", None, f"UID {mailbox.last_uid + 1}:*"))
            uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > mailbox.last_uid)[:batch]
            for uid in uids:
                meta = _ok(conn.uid("FETCH", str(uid), "(UID RFC822.SIZE INTERNALDATE)"))
                _, size, received = _meta(meta[0] if isinstance(meta[0], bytes) else meta[0][0])
                raw = None
                if size <= _max_message_bytes():
                    fetched = _ok(conn.uid("FETCH", str(uid), "(BODY.PEEK[])"))
                    raw = next((part[1] for part in fetched if isinstance(part, tuple)), b"")
                inbound = inbound_take(
                    mailbox=mailbox, uid_validity=validity, uid=uid, raw=raw, size=size, received_at=received
                )
                if inbound is None:
                    counts["skipped"] += 1
                elif inbound.status == InboundStatus.QUARANTINED:
                    counts["quarantined"] += 1
                else:
                    counts["taken"] += 1
        _set_position(Mailbox.objects.filter(pk=mailbox.pk), last_polled_at=now(), last_error="")
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
        _set_position(Mailbox.objects.filter(pk=mailbox.pk), last_polled_at=now(), last_error=str(exc)[:500])
        logger.warning("mailbox %s: %s", mailbox.pk, exc)
        counts["error"] = 1
    logger.info("mailbox %s polled: %s", mailbox.pk, counts)
    return counts


def mailboxes_poll() -> dict[str, int]:
    totals: dict[str, int] = {}
    for mailbox in Mailbox.objects.filter(is_active=True).order_by("pk"):
        for key, value in mailbox_poll(mailbox=mailbox).items():
            totals[key] = totals.get(key, 0) + value
    return totals


def mailbox_audit_download(*, inbound: InboundEmail, actor) -> None:
    audit_log(actor=actor, action=AuditAction.DOWNLOAD, obj=inbound, reason="original email opened")


__all__ = [
    "Quarantine",
    "acknowledge_by_email",
    "html_to_text",
    "inbound_dismiss",
    "inbound_link",
    "inbound_take",
    "mailbox_poll",
    "mailboxes_poll",
    "parse_message",
    "reply_by_email",
]
