"""Celery task for background exports (thin: load by id, call the service)."""

from __future__ import annotations

from celery import shared_task

from advisory.celery import TRANSIENT_ERRORS


@shared_task(
    name="advisory.exports.tasks.export_job_run_task",
    acks_late=True,
    max_retries=3,
    retry_backoff=True,
    soft_time_limit=600,
    time_limit=660,
    autoretry_for=TRANSIENT_ERRORS,
)
def export_job_run_task(job_id: int) -> bool:
    from .services import export_job_run

    return export_job_run(job_id=job_id)
