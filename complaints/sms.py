"""Acknowledgement by SMS (SPEC §4, issue 19): a complaint that comes in by phone or SMS is
acknowledged at once, by text message, when SMS is configured (SMS_BACKEND) and the client has a
mobile number: the ticket number, the expected answer date (firm time zone) and how to follow it
(the portal link for a client with a portal login, otherwise the complaints line), in the client's
preferred language.

The message is written queued (`OutboundSMS`) in the transaction that files the complaint and
sent by a Celery task through the outbox; a failed send is tried again with back-off through the
outbox, up to SMS_MAX_ATTEMPTS, then marked failed with the gateway's answer. Each outcome is an
audit event on the complaint, and shows on the complaint page.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from advisory.clock import now
from advisory.formats import local_date
from advisory.history import audited_save
from advisory.models import OutboxMessage
from advisory.outbox import outbox_enqueue
from advisory.sms import SmsError, segments, send_sms, sms_enabled
from audit.models import AuditAction
from audit.services import audit_log

from .models import Channel, Complaint, OutboundKind, OutboundSMS, SmsStatus

logger = logging.getLogger(__name__)

SMS_CHANNELS = (Channel.PHONE, Channel.SMS)
SEND_TASK = "complaints.tasks.outbound_sms_send_task"
# Mainland China 1[3-9]xxxxxxxxx, Hong Kong 5/6/9xxxxxxx, Taiwan 09xxxxxxxx, with or without the
# country code. Landlines cannot receive SMS: no message is written for them.
_MOBILE = [
    (re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$"), "+86{}"),
    (re.compile(r"^(?:\+?852)([5679]\d{7})$"), "+852{}"),
    (re.compile(r"^(?:\+?886|0)(9\d{8})$"), "+886{}"),
]


def mobile_number(phone: str | None) -> str | None:
    """The phone number in international form if it is a mobile number, else None."""
    digits = re.sub(r"[\s\-().]", "", phone or "")
    for pattern, template in _MOBILE:
        match = pattern.match(digits)
        if match:
            return template.format(match.group(1))
    return None


def _max_attempts() -> int:
    return int(getattr(settings, "SMS_MAX_ATTEMPTS", 3))


def sms_acknowledgement_text(*, complaint: Complaint, language: str) -> str:
    """The acknowledgement in `language`: ticket number, answer date, how to follow. Kept short:
    in Chinese one segment holds 70 characters, so it takes two or three segments with a link."""
    base = getattr(settings, "PUBLIC_BASE_URL", "").rstrip("/")
    with translation.override(language):
        if complaint.client.user_id:
            follow = _("follow it at %(url)s") % {
                "url": base + reverse("complaints_portal:detail", args=[complaint.pk])
            }
        else:
            follow = _("follow it on %(phone)s") % {"phone": settings.COMPLAINTS_PHONE}
        return _(
            "%(firm)s: we received your complaint %(n)s. We will answer by %(due)s at the latest; %(follow)s"
        ) % {
            "firm": settings.FIRM_NAME,
            "n": complaint.number,
            "due": local_date(complaint.resolve_due_at),
            "follow": follow,
        }


def complaint_acknowledge_by_sms(*, complaint: Complaint) -> OutboundSMS | None:
    """Queue the SMS acknowledgement of a complaint that came in by phone or SMS. Nothing when SMS
    is not configured, the channel is another, the client has no mobile number, or one was already
    written (safe to call twice). Call inside the transaction that files the complaint."""
    if complaint.channel not in SMS_CHANNELS or not sms_enabled():
        return None
    to = mobile_number(complaint.client.phone)
    if to is None:
        logger.info("complaint %s: no SMS acknowledgement, no mobile number on file", complaint.number)
        return None
    if OutboundSMS.objects.filter(complaint=complaint, kind=OutboundKind.ACKNOWLEDGEMENT).exists():
        return None
    language = complaint.client.preferred_language or settings.LANGUAGE_CODE
    text = sms_acknowledgement_text(complaint=complaint, language=language)
    with transaction.atomic():
        sms = audited_save(
            OutboundSMS(
                complaint=complaint,
                kind=OutboundKind.ACKNOWLEDGEMENT,
                to_number=to,
                text=text,
                language=language,
                segments=segments(text),
                created_at=now(),
            ),
            actor=None,
            reason="acknowledgement SMS queued",
        )
        from . import tasks  # noqa: F401  (registers the task, so the outbox sends it by object)

        outbox_enqueue(task=SEND_TASK, args=[sms.pk])
    return sms


def outbound_sms_send(*, sms_id: int) -> bool:
    """Send one queued SMS (the task). Locks the row, so two deliveries of the task never send it
    twice; a sent or failed message is left alone. On a gateway error the attempt and the error are
    kept and a next attempt is scheduled through the outbox (1, 2, 4… minutes), up to
    SMS_MAX_ATTEMPTS; then the message is failed and the complaint page says so."""
    with transaction.atomic():
        sms = (
            OutboundSMS.objects.select_for_update()
            .select_related("complaint")
            .filter(pk=sms_id, status=SmsStatus.QUEUED)
            .first()
        )
        if sms is None:
            return False
        sms.attempts += 1
        try:
            result = send_sms(to=sms.to_number, text=sms.text, reference=sms.complaint.number)
        except SmsError as exc:
            sms.error = str(exc)[:2000]
            final = sms.attempts >= _max_attempts()
            if final:
                sms.status = SmsStatus.FAILED
            audited_save(
                sms, actor=None, reason="acknowledgement SMS failed" if final else "SMS attempt failed"
            )
            if final:
                audit_log(
                    actor=None,
                    action=AuditAction.NOTIFICATION,
                    obj=sms.complaint,
                    reason="acknowledgement SMS failed",
                    changes={"sms": sms.pk, "attempts": sms.attempts, "error": sms.error},
                )
            else:
                OutboxMessage.objects.create(
                    task=SEND_TASK,
                    args=[sms.pk],
                    kwargs={},
                    available_at=now() + timedelta(minutes=2 ** (sms.attempts - 1)),
                )
            logger.warning("SMS %s attempt %d failed: %s", sms.pk, sms.attempts, exc)
            return False
        sms.status, sms.sent_at, sms.error = SmsStatus.SENT, now(), ""
        sms.provider_id = (result.provider_id or "")[:100]
        audited_save(sms, actor=None, reason="acknowledgement SMS sent")
        audit_log(
            actor=None,
            action=AuditAction.NOTIFICATION,
            obj=sms.complaint,
            reason="acknowledgement sent by SMS",
            changes={"sms": sms.pk, "segments": sms.segments, "language": sms.language},
        )
    return True
