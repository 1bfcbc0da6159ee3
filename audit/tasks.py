import logging

from celery import shared_task

from advisory.celery import TRANSIENT_ERRORS

from .retention import disposal_propose

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    soft_time_limit=600,
    time_limit=900,
    max_retries=2,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
)
def disposal_proposal_task() -> int:
    """Nightly (advisory/schedules.py): propose disposal batches; idempotent."""
    batches = disposal_propose(actor=None)
    count = sum(b.items.count() for b in batches)
    logger.info("disposal_proposal_task: %s batches, %s records proposed", len(batches), count)
    return count


@shared_task(
    acks_late=True,
    soft_time_limit=600,
    time_limit=900,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def audit_verify_task() -> bool:
    """Verify the chain and cache the outcome for the compliance panel (schedule it daily)."""
    from .services import audit_verify_and_record

    result = audit_verify_and_record(actor=None)
    logger.info("audit_verify_task: %s", result)
    return result.intact


@shared_task(
    acks_late=True,
    soft_time_limit=3000,
    time_limit=3600,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=5,
)
def disposal_execute_task(batch_id: int) -> int:
    """Dispose of an approved batch, record by record (resumable: a rerun continues)."""
    from .retention import disposal_execute

    count = disposal_execute(batch_id=batch_id)
    logger.info("disposal_execute_task: batch %s, %s records processed", batch_id, count)
    return count
