"""Exporting a list: check, count, then stream at once or hand to Celery (issue 19).

Every export is one audit event (action "export") naming who, which list, the filters in words,
the format and the row count, attached to its `ExportJob`. Downloading a background export's file
is a second event ("download"). Rows come from the list's own `rows` function, scoped to the user
(an advisor exports only their book), read in chunks so memory and queries stay flat.
"""

from __future__ import annotations

import hashlib
import io
import logging
import tempfile
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _

from advisory.clock import now
from advisory.errors import DomainError, NotAllowed, NotFound
from advisory.models import ExportFormat, ExportJob, ExportStatus, User
from advisory.rules import can

from . import registry
from .cells import csv_lines, xlsx_write
from .registry import ExportList

logger = logging.getLogger(__name__)

CHUNK = 2000
CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BOM = "\ufeff"  # Excel opens UTF-8 CSV with Chinese text correctly only with it


def threshold() -> int:
    return int(getattr(settings, "EXPORT_BACKGROUND_THRESHOLD", 5000))


def export_list_get(*, user: User, name: str) -> ExportList:
    """The list, if it exists and this user may export it. Staff only: a client never reaches a
    staff export, whatever the list's own permission says."""
    spec = registry.get(name)
    if spec is None:
        raise NotFound(_("There is no list to export under that name."))
    if not can(user, "advisory.use_workspace") or not can(user, spec.perm):
        raise NotAllowed(_("You may not export this list."))
    return spec


def export_lists_for(*, user: User) -> list[ExportList]:
    if not can(user, "advisory.use_workspace"):
        return []
    return [s for s in registry.registered().values() if can(user, s.perm)]


def _rows(spec: ExportList, *, user: User, params: dict[str, str]) -> Any:
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query[key] = value
    return spec.rows(user=user, params=query)


def _count(rows: Any) -> int:
    return rows.count() if isinstance(rows, QuerySet) else len(rows)


def _iterate(rows: Any) -> Iterable[Any]:
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=CHUNK)
    return rows


def _audit(*, job: ExportJob, actor: User, action: str = "export", reason: str) -> None:
    from audit.labels import record_label_of
    from audit.models import AuditAction
    from audit.services import audit_log

    spec = registry.get(job.list_name)
    with translation.override("en"):  # the filters are recorded in one language
        words = spec.filters_in_words(job.params) if spec else []
    # the label in every language (audit.labels): the list's title as each reader names it
    label = format_lazy("{} ({})", spec.title if spec else job.list_name, job.format)
    audit_log(
        actor=actor,
        action=AuditAction.EXPORT if action == "export" else action,
        obj=job,
        record_label=record_label_of(label),
        reason=reason,
        changes={
            "list": job.list_name,
            "format": job.format,
            "filters": job.params,
            "filters_in_words": words,
            "rows": job.row_count,
            "background": job.is_background,
        },
    )


def _new_job(
    *, spec: ExportList, user: User, fmt: str, params: dict, total: int, background: bool
) -> ExportJob:
    return ExportJob.objects.create(
        requested_by=user,
        list_name=spec.name,
        format=fmt,
        params=params,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        is_background=background,
        total_rows=total,
        created_at=now(),
    )


def export_start(
    *, user: User, name: str, fmt: str, params: Any, force_background: bool = False
) -> tuple[ExportJob, Any]:
    """Start an export of the list `name` with the list's query parameters `params`.

    Returns (job, rows): `rows` is the header and rows to write now (a small export, already
    audited), or None when the export was queued for Celery (more rows than
    EXPORT_BACKGROUND_THRESHOLD, or `force_background`): the job then shows its progress."""
    if fmt not in ExportFormat.values:
        raise DomainError(_("Choose CSV or Excel."))
    spec = export_list_get(user=user, name=name)
    kept = spec.params_kept(params)
    rows = _rows(spec, user=user, params=kept)
    total = _count(rows)
    if force_background or total > threshold():
        from advisory.outbox import outbox_enqueue

        from . import tasks  # noqa: F401  (registers the task, so the outbox sends it by object)

        with transaction.atomic():
            job = _new_job(spec=spec, user=user, fmt=fmt, params=kept, total=total, background=True)
            outbox_enqueue(task="advisory.exports.tasks.export_job_run_task", args=[job.pk])
        return job, None
    with transaction.atomic():
        job = _new_job(spec=spec, user=user, fmt=fmt, params=kept, total=total, background=False)
        job.status, job.progress, job.row_count = ExportStatus.DONE, 100, total
        job.started_at = job.completed_at = now()
        job.save(update_fields=["status", "progress", "row_count", "started_at", "completed_at"])
        _audit(job=job, actor=user, reason="List exported")
    return job, spec.lines(_iterate(rows), kept)


def export_filename(job: ExportJob) -> str:
    """`<list>-<date>-<time>.<format>`, stamped on the firm's clock like everything a person reads."""
    stamp = timezone.localtime(now()).strftime("%Y%m%d-%H%M")
    return f"{job.list_name.replace('.', '-')}-{stamp}.{job.format}"


def csv_stream(lines: Iterable[list]) -> Iterator[str]:
    yield BOM
    yield from csv_lines(lines)


def xlsx_bytes(lines: Iterable[list], *, title: str) -> bytes:
    buffer = io.BytesIO()
    xlsx_write(buffer, lines, title=title)
    return buffer.getvalue()


# --- background exports -------------------------------------------------------------------------


def export_job_run(*, job_id: int) -> bool:
    """Write a queued export's file (the Celery task). Claims the job with a conditional UPDATE, so
    a second delivery of the task does nothing; writes in the requester's language, with progress
    updated about every tenth of the rows; records the export event with the row count."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.PENDING).update(
        status=ExportStatus.RUNNING, started_at=now(), progress=1
    )
    if claimed != 1:
        return False
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    user = job.requested_by
    try:
        with translation.override(job.language):
            spec = export_list_get(user=user, name=job.list_name)
            rows = _rows(spec, user=user, params=job.params)
            total = max(job.total_rows, 1)
            step = max(1, total // 10)
            written = 0

            def counted(source: Iterable[Any]) -> Iterator[Any]:
                nonlocal written
                for row in source:
                    yield row
                    written += 1
                    if written % step == 0:
                        ExportJob.objects.filter(pk=job_id).update(
                            progress=min(99, 1 + written * 98 // total)
                        )

            lines = spec.lines(counted(_iterate(rows)), job.params)
            with tempfile.TemporaryFile() as tmp:
                if job.format == ExportFormat.CSV:
                    for text in csv_stream(lines):
                        tmp.write(text.encode())
                else:
                    xlsx_write(tmp, lines, title=str(spec.title))
                tmp.seek(0)
                digest = hashlib.sha256()
                for chunk in iter(lambda: tmp.read(1 << 20), b""):
                    digest.update(chunk)
                size = tmp.tell()
                tmp.seek(0)
                job.file.save(export_filename(job), File(tmp), save=False)
    except Exception as exc:  # a failed export says why on its page; the task is not retried
        logger.exception("export job %s failed", job_id)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportStatus.FAILED, error=f"{exc.__class__.__name__}: {exc}"[:2000], completed_at=now()
        )
        return False
    with transaction.atomic():
        job.status, job.progress, job.row_count = ExportStatus.DONE, 100, written
        job.size_bytes, job.sha256, job.completed_at = size, digest.hexdigest(), now()
        job.save(
            update_fields=["status", "progress", "row_count", "size_bytes", "sha256", "completed_at", "file"]
        )
        _audit(job=job, actor=user, reason="List exported in the background")
    logger.info("export job %s: %s rows of %s as %s", job_id, written, job.list_name, job.format)
    return True


def export_job_list(*, user: User) -> QuerySet[ExportJob]:
    """The user's own exports, newest first."""
    return ExportJob.objects.filter(requested_by=user).order_by("-created_at", "-id")


def export_job_get(*, user: User, pk: int) -> ExportJob:
    job = ExportJob.objects.filter(pk=pk).first()
    if job is None or not can(user, "advisory.view_export", job):
        raise NotFound(_("No such export."))
    return job


def export_job_download(*, user: User, job: ExportJob) -> ExportJob:
    """Check and record the download of a background export's file (audited)."""
    if not can(user, "advisory.download_export", job):
        raise NotAllowed(_("Only the person who asked for this export can download it."))
    if job.status != ExportStatus.DONE or not job.file:
        raise DomainError(_("This export is not ready yet."))
    ExportJob.objects.filter(pk=job.pk).update(downloaded_at=now())
    _audit(job=job, actor=user, action="download", reason="Export file downloaded")
    return job


def export_recover_stalled(*, minutes: int = 20) -> int:
    """Queue again the background exports whose worker died while writing (running for longer than
    the task's hard time limit allows): back to pending, through the outbox (the periodic
    outbox_dispatch_task calls this)."""
    from advisory.outbox import outbox_enqueue

    from . import tasks  # noqa: F401

    cutoff = now() - timedelta(minutes=minutes)
    recovered = 0
    for pk in ExportJob.objects.filter(status=ExportStatus.RUNNING, started_at__lt=cutoff).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            if ExportJob.objects.filter(pk=pk, status=ExportStatus.RUNNING, started_at__lt=cutoff).update(
                status=ExportStatus.PENDING, progress=0
            ):
                outbox_enqueue(task="advisory.exports.tasks.export_job_run_task", args=[pk])
                recovered += 1
    return recovered


def export_purge_files(*, days: int | None = None) -> int:
    """Delete the files of background exports older than EXPORT_FILE_DAYS (the job row stays as
    the record of the export; the audit trail keeps the events)."""
    keep = days if days is not None else int(getattr(settings, "EXPORT_FILE_DAYS", 7))
    purged = 0
    for job in ExportJob.objects.filter(created_at__lt=now() - timedelta(days=keep)).exclude(file=""):
        job.file.delete(save=False)
        ExportJob.objects.filter(pk=job.pk).update(file="")
        purged += 1
    return purged
