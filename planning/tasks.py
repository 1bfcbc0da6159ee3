"""Planning's Celery tasks: thin, idempotent, one service each."""

from __future__ import annotations

import logging

from celery import shared_task

from advisory.celery import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    soft_time_limit=240,
    time_limit=300,
    max_retries=3,
    retry_backoff=True,
    autoretry_for=TRANSIENT_ERRORS,
)
def review_schedule_sweep_task() -> dict:
    """Beat: open reviews 14 days before they are due and refresh overdue/drift warnings."""
    from .services import review_schedule_sweep

    counts = review_schedule_sweep()
    logger.info("review_schedule_sweep_task %s", counts)
    return counts


@shared_task(
    acks_late=True,
    soft_time_limit=600,
    time_limit=660,
    max_retries=3,
    retry_backoff=True,
    autoretry_for=TRANSIENT_ERRORS,
)
def proposal_monitor_sweep_task() -> dict:
    """Beat, nightly: re-check every issued and accepted proposal and sync its warnings (issue 14)."""
    from .services import proposal_monitor_sweep

    counts = proposal_monitor_sweep()
    logger.info("proposal_monitor_sweep_task %s", counts)
    return counts


@shared_task(
    acks_late=True,
    soft_time_limit=600,
    time_limit=660,
    max_retries=3,
    retry_backoff=True,
    autoretry_for=TRANSIENT_ERRORS,
)
def proposals_recheck_task(client_ids: list[int], product_ids: list[int], reason: str = "") -> dict:
    """On change (issue 14): re-check the drafts and issued/accepted proposals that rely on a
    changed profile or product rating. Idempotent: the checks are recomputed from the facts."""
    from .services import proposals_recheck_for

    counts = proposals_recheck_for(client_ids=client_ids, product_ids=product_ids)
    logger.info("proposals_recheck_task (%s) %s", reason, counts)
    return counts
