"""Celery tasks for clients (thin: call one service)."""

from __future__ import annotations

import logging

from celery import shared_task

from advisory.celery import TRANSIENT_ERRORS

from .services import onboarding_overdue_sweep

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    soft_time_limit=120,
    time_limit=180,
    max_retries=3,
    default_retry_delay=30,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
)
def onboarding_overdue_sweep_task() -> dict[str, int]:
    """SPEC §1: mark onboarding cases past their review deadline and raise warnings (idempotent)."""
    result = onboarding_overdue_sweep()
    logger.info("onboarding_overdue_sweep_task %s", result)
    return result


@shared_task(
    acks_late=True,
    soft_time_limit=600,
    time_limit=900,
    max_retries=3,
    default_retry_delay=60,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
)
def watchlist_rescreen_task(upload_id: int) -> dict[str, int]:
    """Issue 15: after a watch list changed, re-screen every active client, related party and
    beneficial owner (idempotent: a hit already found is not stored twice)."""
    from .kyc_models import WatchListUpload
    from .screening import screening_after_upload

    upload = WatchListUpload.objects.filter(pk=upload_id).first()
    if upload is None:
        logger.warning("watchlist_rescreen_task: upload %s not found", upload_id)
        return {}
    result = screening_after_upload(upload=upload)
    logger.info("watchlist_rescreen_task %s", result)
    return result
