"""Oversight background work (SPEC §6, §7): the risk warnings sweep and the monthly report."""

from __future__ import annotations

import logging

from celery import shared_task

from advisory.celery import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    soft_time_limit=240,
    time_limit=300,
    max_retries=2,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
)
def risk_warning_sweep_task() -> dict:
    """Beat task: raise and close automatic risk warnings (idempotent; safe to run twice)."""
    from .services import risk_warning_sweep

    results = risk_warning_sweep()
    logger.info(
        "risk_warning_sweep_task: opened=%s closed=%s open=%s",
        sum(r["opened"] for r in results.values()),
        sum(r["closed"] for r in results.values()),
        sum(r["open"] for r in results.values()),
    )
    return results


@shared_task(
    acks_late=True,
    soft_time_limit=240,
    time_limit=300,
    max_retries=2,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
)
def monthly_quality_report_task(month: str | None = None) -> int:
    """Beat task (1st of the month): queue the quality report of the previous month. A second
    run adds a new archived version (nothing is overwritten)."""
    import datetime

    from advisory.clock import today

    from .indicators import add_months, month_start
    from .services import quality_report_request

    target = datetime.date.fromisoformat(month) if month else add_months(month_start(today()), -1)
    doc = quality_report_request(actor=None, month=target)
    logger.info("monthly_quality_report_task: queued document %s for %s", doc.pk, target)
    return doc.pk


@shared_task(
    acks_late=True,
    soft_time_limit=240,
    time_limit=300,
    max_retries=2,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
)
def indicator_rollup_task() -> int:
    """Beat task: rebuild the 12-month indicator snapshots the dashboard reads (idempotent)."""
    from .services import indicator_rollup_refresh

    rows = indicator_rollup_refresh()
    logger.info("indicator_rollup_task: %s snapshot rows", rows)
    return rows
