import logging

from celery import shared_task

from .celery import TRANSIENT_ERRORS
from .documents import document_render

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
