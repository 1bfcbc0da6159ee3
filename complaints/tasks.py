"""Celery tasks for complaints (thin: call one service; declared in advisory/schedules.py)."""

from __future__ import annotations

import logging

from celery import shared_task

from advisory.celery import TRANSIENT_ERRORS

from . import services

logger = logging.getLogger(__name__)

# Every complaints task: acknowledged late, bounded in time, retried on transient errors.
_SWEEP = {
    "acks_late": True,
    "soft_time_limit": 240,
    "time_limit": 300,
    "ignore_result": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "max_retries": 3,
}


@shared_task(**_SWEEP)
def complaint_escalation_sweep_task() -> dict:
    """SPEC §4: escalate tickets whose next threshold passed (safe to run twice, concurrently)."""
    result = services.complaint_escalation_sweep()
    logger.info("complaint_escalation_sweep_task %s", result)
    return result


@shared_task(**_SWEEP)
def complaint_autoclose_sweep_task() -> dict:
    result = services.complaint_autoclose_sweep()
    logger.info("complaint_autoclose_sweep_task %s", result)
    return result


@shared_task(
    acks_late=True,
    soft_time_limit=240,
    time_limit=300,
    ignore_result=True,
    max_retries=3,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
)
def complaint_notification_emails_task(notification_ids: list[int]) -> int:
    """Send the emails of escalation notifications created by a sweep (queued after commit)."""
    sent = services.notification_emails_send(notification_ids=notification_ids)
    logger.info("complaint_notification_emails_task sent=%d", sent)
    return sent


@shared_task(**_SWEEP)
def mailbox_poll_task() -> dict:
    """SPEC §4: complaints and replies by email (each message once, even if two polls overlap)."""
    from .mailbox import mailboxes_poll

    result = mailboxes_poll()
    logger.info("mailbox_poll_task %s", result)
    return result


@shared_task(**_SWEEP)
def measures_overdue_sweep_task() -> int:
    """Daily: warn about rectification measures past their due date (once per measure)."""
    from .violations import measures_overdue_sweep

    count = measures_overdue_sweep()
    logger.info("measures_overdue_sweep_task warned=%s", count)
    return count


@shared_task(**_SWEEP)
def conduct_digest_task() -> int | None:
    """Monthly (1st): publish the digest of last month's closed violation cases (once a month)."""
    import datetime

    from advisory.clock import today

    from .violations import conduct_digest_publish

    first = today().replace(day=1)
    end = first - datetime.timedelta(days=1)
    digest = conduct_digest_publish(period_start=end.replace(day=1), period_end=end)
    logger.info("conduct_digest_task published=%s", digest.pk if digest else None)
    return digest.pk if digest else None


@shared_task(**_SWEEP)
def service_event_sweep_task() -> dict:
    """Return visits and surveys after accepted proposals and completed reviews (idempotent)."""
    from .feedback import service_event_sweep

    result = service_event_sweep()
    logger.info("service_event_sweep_task %s", result)
    return result


@shared_task(**_SWEEP)
def return_visit_sampling_task() -> dict:
    """The quarter's sample of return visits, once per quarter (daily run, idempotent)."""
    from .feedback import return_visit_sampling_sweep

    result = return_visit_sampling_sweep()
    logger.info("return_visit_sampling_task %s", result)
    return result


@shared_task(**_SWEEP)
def survey_annual_task() -> dict:
    """Yearly satisfaction surveys on the relationship anniversary (idempotent)."""
    from .feedback import survey_annual_sweep

    result = survey_annual_sweep()
    logger.info("survey_annual_task %s", result)
    return result


@shared_task(
    name="complaints.tasks.outbound_sms_send_task",
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def outbound_sms_send_task(sms_id: int) -> bool:
    """Send one queued SMS (the acknowledgement of a phone or SMS complaint); gateway errors are
    retried through the outbox by the service, with back-off."""
    from .sms import outbound_sms_send

    return outbound_sms_send(sms_id=sms_id)
