"""Celery tasks of the imports: thin, idempotent, one service each (dispatched via the outbox)."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from advisory.celery import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    soft_time_limit=600,
    time_limit=660,
    max_retries=3,
    retry_backoff=True,
    autoretry_for=TRANSIENT_ERRORS,
)
def import_batch_check_task(batch_id: int) -> dict:
    """The dry run of a large file. Running it twice changes nothing more."""
    from .services import batch_check, batch_fail

    try:
        batch = batch_check(batch_id=batch_id)
    except SoftTimeLimitExceeded:
        batch_fail(batch_id=batch_id, failure="the check took too long")
        raise
    logger.info(
        "import_batch_check_task %s rows=%s errors=%s", batch.number, batch.row_count, batch.error_row_count
    )
    return {"batch": batch.pk, "state": batch.state}


@shared_task(
    acks_late=True,
    soft_time_limit=1500,
    time_limit=1560,
    max_retries=3,
    retry_backoff=True,
    autoretry_for=TRANSIENT_ERRORS,
)
def import_batch_run_task(batch_id: int) -> dict:
    """Write a confirmed batch in chunks; a retry continues after the last committed chunk."""
    from .services import batch_run

    batch = batch_run(batch_id=batch_id)
    logger.info("import_batch_run_task %s state=%s rows_done=%s", batch.number, batch.state, batch.rows_done)
    return {"batch": batch.pk, "state": batch.state}


@shared_task(
    acks_late=True,
    soft_time_limit=1500,
    time_limit=1560,
    max_retries=3,
    retry_backoff=True,
    autoretry_for=TRANSIENT_ERRORS,
)
def import_batch_screen_task(batch_id: int) -> dict:
    """After related parties were imported: screen their clients against the watch list."""
    from .services import batch_screen

    batch = batch_screen(batch_id=batch_id)
    screened = (batch.result or {}).get("screening") or {}
    logger.info("import_batch_screen_task %s %s", batch.number, screened)
    return {"batch": batch.pk, "screening": screened}
