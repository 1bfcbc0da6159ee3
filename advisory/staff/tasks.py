"""Schedules of the staff area (thin: call one service; declared in advisory/schedules.py).
Every sweep is idempotent through the reminder ledger (advisory.staff.models.StaffReminder)."""

from __future__ import annotations

import logging

from celery import shared_task

from advisory.celery import TRANSIENT_ERRORS

from . import services

logger = logging.getLogger(__name__)

TASK_OPTIONS = {
    "acks_late": True,
    "soft_time_limit": 240,
    "time_limit": 300,
    "max_retries": 3,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
}


@shared_task(**TASK_OPTIONS)
def training_shortfall_sweep_task() -> dict:
    """Monthly: warn staff behind their training plan, and their supervisors."""
    result = services.training_shortfall_sweep()
    logger.info("training_shortfall_sweep_task %s", result)
    return result


@shared_task(**TASK_OPTIONS)
def declaration_due_sweep_task() -> int:
    """Monthly: remind staff who have not made this year's conflict-of-interest declaration."""
    count = services.declaration_due_sweep()
    logger.info("declaration_due_sweep_task reminded=%s", count)
    return count


@shared_task(**TASK_OPTIONS)
def restriction_end_sweep_task() -> int:
    """Daily: tell people whose suspension ended that their permissions are restored."""
    count = services.restriction_end_sweep()
    logger.info("restriction_end_sweep_task told=%s", count)
    return count


@shared_task(**TASK_OPTIONS)
def findings_overdue_sweep_task() -> int:
    """Daily: warn owners and auditors of overdue internal audit findings."""
    count = services.findings_overdue_sweep()
    logger.info("findings_overdue_sweep_task warned=%s", count)
    return count
