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
    """Nightly: verify the chain incrementally from the last good signed checkpoint (a full run when
    there is none yet); the outcome is recorded and cached for the compliance panel."""
    from .services import audit_verify_and_record

    result = audit_verify_and_record(actor=None, full=False)
    logger.info("audit_verify_task: %s (%s, %.2f s)", result, result.kind, result.seconds)
    return result.intact


@shared_task(
    acks_late=True,
    soft_time_limit=1800,
    time_limit=2400,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def audit_verify_full_task() -> bool:
    """Weekly: verify every entry from the first (catches what an incremental run does not look at)."""
    from .services import audit_verify_and_record

    result = audit_verify_and_record(actor=None, full=True)
    logger.info("audit_verify_full_task: %s (%.2f s)", result, result.seconds)
    return result.intact


@shared_task(
    acks_late=True,
    soft_time_limit=120,
    time_limit=180,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def audit_checkpoint_task() -> str:
    """Hourly: sign the chain head with the firm key and write the checkpoint outside the database
    (idempotent: nothing is written while the head has not moved)."""
    from .checkpoints import checkpoint_create

    row = checkpoint_create()
    logger.info("audit_checkpoint_task: %s", row.file_name if row else "head unchanged, no checkpoint")
    return row.file_name if row else ""


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


@shared_task(
    acks_late=True,
    soft_time_limit=120,
    time_limit=180,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def audit_chain_task() -> int:
    """Every 30 s (and when a writer hands over): chain committed entries that no on-commit call
    chained — a writer process that died between its commit and its call (audit.sequencer).
    Safe to run concurrently: a second run finds the head locked and leaves."""
    from .sequencer import sequencer_run

    count = sequencer_run(wait=False, max_rounds=200)
    logger.info("audit_chain_task: %s entries chained", count)
    return count


@shared_task(
    acks_late=True,
    soft_time_limit=600,
    time_limit=900,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=5,
)
def audit_partitions_task() -> int:
    """Daily (PostgreSQL): create the trail's partitions for this month and the next
    AUDIT_PARTITION_MONTHS_AHEAD months, and move entries found in the DEFAULT partition into
    partitions of their own months (audit.partitions; idempotent, safe to run concurrently: the
    database function serialises runs on the table lock). A lock wait past 10 s fails and retries."""
    from .partitions import partitions_ensure

    created = partitions_ensure()
    moved = sum(n for _name, n in created)
    logger.info(
        "audit_partitions_task: %s partitions created, %s entries moved from DEFAULT", len(created), moved
    )
    return len(created)
