import logging

from celery import shared_task

from .celery import TRANSIENT_ERRORS
from .documents import document_render
from .exports.tasks import export_job_run_task  # noqa: F401  (registered with the worker)

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=3,
    retry_backoff=True,
    soft_time_limit=120,
    time_limit=180,
    autoretry_for=TRANSIENT_ERRORS,
)
def document_render_task(self, document_id: int) -> bool:
    return document_render(document_id=document_id)


@shared_task(
    acks_late=True,
    max_retries=3,
    retry_backoff=True,
    soft_time_limit=30,
    time_limit=60,
    autoretry_for=TRANSIENT_ERRORS,
)
def notification_send_task(user_id: int, kind: str, subject: str, body: str = "", url: str = "") -> int:
    """Send one notification from outside a request (e.g. from another service's queue)."""
    from .models import User
    from .notifications import notify

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        logger.info("notification_send_task: user %s not found or inactive", user_id)
        return 0
    return len(notify(recipients=[user], kind=kind, subject=subject, body=body, url=url))


@shared_task(
    acks_late=True,
    max_retries=3,
    retry_backoff=True,
    soft_time_limit=120,
    time_limit=180,
    autoretry_for=TRANSIENT_ERRORS,
    ignore_result=True,
)
def outbox_dispatch_task() -> dict[str, int]:
    """Periodic: hand every due outbox message to the broker; queue stalled documents again."""
    from .documents import document_recover_stalled
    from .outbox import outbox_dispatch_pending, outbox_purge_dispatched

    recovered = document_recover_stalled()
    counts = outbox_dispatch_pending()
    purged = outbox_purge_dispatched()
    from .exports.services import export_purge_files, export_recover_stalled

    export_files = export_purge_files()
    recovered = {**recovered, "exports_requeued": export_recover_stalled()}
    logger.info(
        "outbox_dispatch_task %s recovered=%s purged=%d export files=%d",
        counts,
        recovered,
        purged,
        export_files,
    )
    return {**counts, **recovered, "purged": purged, "export_files_purged": export_files}


@shared_task(
    acks_late=True,
    max_retries=3,
    retry_backoff=True,
    soft_time_limit=60,
    time_limit=90,
    autoretry_for=TRANSIENT_ERRORS,
    ignore_result=True,
)
def notification_emails_task(notification_ids: list[int]) -> int:
    """Send the email twin of in-app notifications (queued through the outbox)."""
    from .notifications import notification_emails_send

    sent = notification_emails_send(notification_ids=notification_ids)
    logger.info("notification_emails_task sent=%d", sent)
    return sent
