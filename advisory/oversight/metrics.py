"""Prometheus metrics an operator watches, collected at scrape time (`/metrics`).

Request rates and latencies per view, database and cache timings come from django-prometheus
(its middleware and database/cache wrappers, see settings). This collector adds what it cannot
know: Celery's queue length, task runs, failures and durations (counted by every worker into the
shared cache, see advisory.observability), and the business clocks that matter — complaints past
their deadline, escalations today, PDFs waiting, and the last audit verification.
"""

from __future__ import annotations

import datetime
import hmac
import logging
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_prometheus.exports import ExportToDjangoView
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from advisory.clock import now
from advisory.observability import task_stats
from advisory.roles import Role

logger = logging.getLogger(__name__)
QUEUES = ("celery",)


def queue_lengths() -> dict[str, int]:
    """Messages waiting in each Celery queue, on Redis or on the file-system broker."""
    url = settings.CELERY_BROKER_URL
    if url.startswith("redis://") or url.startswith("rediss://"):
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        return {q: int(client.llen(q)) for q in QUEUES}
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        count = sum(1 for p in folder.glob("*") if p.is_file()) if folder.exists() else 0
        return {"celery": count}
    return {}


def business_clocks() -> dict[str, float]:
    from advisory.models import ArchivedDocument, DocumentStatus
    from audit.selectors import last_verification
    from complaints.models import CLOCK_RUNNING_STATES, Complaint, ComplaintEscalation

    at = now()
    today_start = timezone.make_aware(
        datetime.datetime.combine(timezone.localtime(at).date(), datetime.time()),
        timezone.get_default_timezone(),
    )
    figures = {
        "complaints_past_deadline": Complaint.objects.filter(
            state__in=list(CLOCK_RUNNING_STATES), resolve_due_at__lt=at
        ).count(),
        "escalations_today": ComplaintEscalation.objects.filter(escalated_at__gte=today_start).count(),
        "documents_pending": ArchivedDocument.objects.filter(
            status__in=[DocumentStatus.PENDING, DocumentStatus.RENDERING]
        ).count(),
    }
    figures.update(audit_chain_figures(at))
    last = last_verification() or {}
    if last.get("at"):
        figures["audit_last_verification_timestamp"] = datetime.datetime.fromisoformat(last["at"]).timestamp()
        figures["audit_last_verification_intact"] = 1.0 if last.get("intact") else 0.0
    return figures


def audit_chain_figures(at: datetime.datetime) -> dict[str, float]:
    """The sequencer's backlog (docs/audit.md "Chaining after commit"): entries written but not
    chained yet and the age of the oldest — a few, for a moment, are normal — and, with
    AUDIT_CHAIN_MODE = "listener", how many listening sequencer processes are connected (0 means
    the beat job's run every 30 seconds is all that chains)."""
    from django.db.models import Count, Min

    from audit.models import AuditEntry
    from audit.sequencer import chain_mode, listening_sequencers

    pending = AuditEntry.objects.filter(sequence__isnull=True).aggregate(
        n=Count("id"), oldest=Min("occurred_at")
    )
    figures = {
        "audit_entries_unchained": float(pending["n"]),
        "audit_oldest_unchained_seconds": max((at - pending["oldest"]).total_seconds(), 0.0)
        if pending["oldest"]
        else 0.0,
    }
    if chain_mode() == "listener":
        figures["audit_sequencer_listeners"] = float(len(listening_sequencers()))
    return figures


class PlatformCollector(Collector):
    def describe(self):
        # Without this the registry would call collect() — and query the database — on import.
        return []

    def collect(self):
        stats = task_stats()
        runs = CounterMetricFamily("advisory_task_runs", "Celery task runs.", labels=["task"])
        failures = CounterMetricFamily(
            "advisory_task_failures", "Celery task runs that failed.", labels=["task"]
        )
        seconds = CounterMetricFamily(
            "advisory_task_duration_seconds", "Total time spent in each Celery task.", labels=["task"]
        )
        last_ok = GaugeMetricFamily(
            "advisory_task_last_success_timestamp_seconds",
            "When each task last finished without error (Unix time).",
            labels=["task"],
        )
        for name, s in stats.items():
            runs.add_metric([name], s["runs"])
            failures.add_metric([name], s["failures"])
            seconds.add_metric([name], s["ms"] / 1000)
            if s["last_success"]:
                last_ok.add_metric([name], s["last_success"])
        yield from (runs, failures, seconds, last_ok)

        queue = GaugeMetricFamily(
            "advisory_celery_queue_length", "Messages waiting in a queue.", labels=["queue"]
        )
        try:
            for name, length in queue_lengths().items():
                queue.add_metric([name], length)
        except Exception:  # a broker outage shows as a missing series, and the health check says 503
            logger.warning("could not read the queue length", exc_info=True)
        yield queue

        try:
            clocks = business_clocks()
        except Exception:
            logger.warning("could not read the business clocks", exc_info=True)
            return
        described = {
            "complaints_past_deadline": "Open complaints past their resolution deadline.",
            "escalations_today": "Complaint escalations since midnight in the firm's time zone.",
            "documents_pending": "PDF documents queued or being generated.",
            "audit_last_verification_timestamp": "When the audit chain was last verified (Unix time).",
            "audit_last_verification_intact": "1 when the last audit verification found the chain intact.",
            "audit_entries_unchained": "Audit entries written and not chained yet.",
            "audit_oldest_unchained_seconds": "Age of the oldest audit entry not chained yet (0 when none).",
            "audit_sequencer_listeners": "Listening audit sequencer processes connected (listener mode).",
        }
        for key, value in clocks.items():
            yield GaugeMetricFamily(f"advisory_{key}", described[key], value=value)


_registered = False


def register_collector() -> None:
    global _registered
    if _registered:
        return
    from prometheus_client import REGISTRY

    REGISTRY.register(PlatformCollector())
    _registered = True


def metrics_view(request: HttpRequest) -> HttpResponse:
    """`/metrics`: for a scraper with `Authorization: Bearer <METRICS_TOKEN>`, or a signed-in
    administrator. Everyone else gets 404, so the endpoint does not advertise itself."""
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    by_token = bool(token) and hmac.compare_digest(header.encode(), f"Bearer {token}".encode())
    user = getattr(request, "user", None)
    by_admin = bool(user and user.is_authenticated and getattr(user, "role", "") == Role.ADMINISTRATOR)
    if not (by_token or by_admin):
        return HttpResponse(status=404)
    response = ExportToDjangoView(request)
    response["Cache-Control"] = "no-store"
    return response
