import logging

from celery import shared_task

from advisory.celery import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    max_retries=3,
    retry_backoff=True,
    soft_time_limit=300,
    time_limit=360,
    autoretry_for=TRANSIENT_ERRORS,
)
def assessment_expiry_sweep_task() -> dict[str, int]:
    """Remind 30 days before expiry (once per assessment) and mark expired profiles (SPEC §2)."""
    from .services import assessment_expiry_sweep

    counts = assessment_expiry_sweep()
    logger.info("assessment_expiry_sweep_task %s", counts)
    return counts


@shared_task(
    acks_late=True,
    max_retries=3,
    retry_backoff=True,
    soft_time_limit=300,
    time_limit=360,
    autoretry_for=TRANSIENT_ERRORS,
)
def rating_review_sweep_task() -> dict[str, int]:
    """Warn before product rating reviews lapse; lapse expired suitability exceptions (issue 14)."""
    from .services import rating_review_sweep

    counts = rating_review_sweep()
    logger.info("rating_review_sweep_task %s", counts)
    return counts
