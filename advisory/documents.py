"""The archive of generated documents (SPEC §3 deliverables, §5 certificates and exports).

Apps register a renderer per document kind in their AppConfig.ready():

    register_renderer("planning.proposal", render_proposal)   # (document) -> (template, context)

`document_request` creates the next version and queues rendering after commit; the Celery task
calls `document_render`, which claims the row with a conditional UPDATE (safe to run twice),
renders, stores the file with its SHA-256 and marks it ready. Earlier versions stay.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.db.models import F, Max, Q
from django.utils import translation

from .clock import now
from .models import ArchivedDocument, DocumentStatus, OutboxMessage, User
from .outbox import outbox_enqueue
from .pdf import render_pdf
from .texts import stored_reason, text

logger = logging.getLogger(__name__)

Renderer = Callable[[ArchivedDocument], tuple[str, dict[str, Any]]]
_RENDERERS: dict[str, Renderer] = {}


def document_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def document_language(choice: str | None, *, default: str | None = None) -> str:
    """The language a document is rendered in: the one chosen for it if it is one we translate,
    else `default` (client-facing documents: the client's preferred language; internal ones: the
    requester's, which views pass as `request.LANGUAGE_CODE`), else the site's. Never the thread's
    active language: a task or command has none of its own, and a stale one would leak in."""
    known = document_languages()
    for candidate in (choice, default, settings.LANGUAGE_CODE):
        if candidate and candidate.lower() in known:
            return candidate.lower()
    return known[0]


def register_renderer(kind: str, renderer: Renderer) -> None:
    _RENDERERS[kind] = renderer


def subject_key(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def document_request(
    *,
    kind: str,
    subject: models.Model,
    title: str | Callable[[], str],
    actor: User | None,
    client_id: int | None = None,
    language: str | None = None,
    params: dict | None = None,
    render_now: bool = False,
) -> ArchivedDocument:
    """Queue a new version of a document. SPEC §3: regenerating keeps the earlier versions.

    The document is stored with its language and rendered in it; a `title` given as a callable
    (e.g. `lambda: _("Quality report %(m)s") % {...}`) is worded in that language too."""
    if kind not in _RENDERERS:
        raise ValueError(f"No renderer registered for {kind!r}")
    language = document_language(language)
    if callable(title):
        with translation.override(language):
            title = str(title())
    subject_type, subject_id = subject_key(subject)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                latest = ArchivedDocument.objects.filter(
                    kind=kind, subject_type=subject_type, subject_id=subject_id
                ).aggregate(v=Max("version"))["v"]
                doc = ArchivedDocument.objects.create(
                    kind=kind,
                    title=title[:200],
                    subject_type=subject_type,
                    subject_id=subject_id,
                    client_id=client_id,
                    version=(latest or 0) + 1,
                    language=language,
                    requested_by=actor,
                    params=params or {},
                )
                if not render_now:  # in the same transaction: the job exists iff the row does
                    outbox_enqueue(task="advisory.tasks.document_render_task", args=[doc.pk])
            break
        except IntegrityError:  # two requests raced for the same version number: take the next
            continue
    else:
        raise RuntimeError("Could not allocate a document version")
    if render_now:
        document_render(document_id=doc.pk)
        doc.refresh_from_db()
    return doc


def _lease() -> timedelta:
    return timedelta(seconds=settings.DOCUMENT_RENDER_LEASE_SECONDS)


def document_render(*, document_id: int) -> bool:
    """Render a queued document. Returns False if another worker holds it or it is done.

    The claim is a conditional UPDATE that also takes over a render whose lease has run out (its
    worker was killed or hung): the redelivered or re-queued task finishes the job.
    """
    at = now()
    claimed = (
        ArchivedDocument.objects.filter(pk=document_id, attempts__lt=settings.DOCUMENT_RENDER_MAX_ATTEMPTS)
        .filter(
            Q(status__in=[DocumentStatus.PENDING, DocumentStatus.FAILED])
            | Q(status=DocumentStatus.RENDERING, lease_expires_at__lt=at)
        )
        .update(
            status=DocumentStatus.RENDERING,
            progress=10,
            error="",
            lease_expires_at=at + _lease(),
            attempts=F("attempts") + 1,
        )
    )
    if claimed != 1:
        return False
    doc = ArchivedDocument.objects.get(pk=document_id)
    try:
        with translation.override(doc.language):
            template, context = _RENDERERS[doc.kind](doc)
            # Heartbeat: progress, and a fresh lease for the slow part.
            ArchivedDocument.objects.filter(pk=doc.pk).update(progress=40, lease_expires_at=now() + _lease())
            pdf = render_pdf(template, {"document": doc, **context})
    except Exception as exc:
        logger.exception("document %s failed to render", document_id)
        ArchivedDocument.objects.filter(pk=doc.pk).update(
            status=DocumentStatus.FAILED, error=str(exc)[:2000], lease_expires_at=None
        )
        raise
    digest = hashlib.sha256(pdf).hexdigest()
    doc.file.save(
        f"{doc.kind.replace('.', '-')}-{doc.subject_id}-v{doc.version}.pdf", ContentFile(pdf), save=False
    )
    ArchivedDocument.objects.filter(pk=doc.pk).update(
        file=doc.file.name,
        sha256=digest,
        size_bytes=len(pdf),
        status=DocumentStatus.READY,
        progress=100,
        completed_at=now(),
        lease_expires_at=None,
    )
    logger.info("document %s rendered: %s bytes sha256=%s", document_id, len(pdf), digest)
    return True


def document_recover_stalled() -> dict[str, int]:
    """Periodic: no document waits forever.

    - "Generating" past its lease (the worker died or hung): queued again through the outbox, or,
      after DOCUMENT_RENDER_MAX_ATTEMPTS tries, marked failed with the reason.
    - "Waiting for the queue" for longer than DOCUMENT_QUEUE_STALE_SECONDS with no outbox message
      still to send (the broker lost it): queued again.
    """
    at = now()
    requeued = failed = 0
    stalled = ArchivedDocument.objects.filter(status=DocumentStatus.RENDERING, lease_expires_at__lt=at)
    for doc_id, attempts in stalled.order_by("pk").values_list("pk", "attempts"):
        if attempts >= settings.DOCUMENT_RENDER_MAX_ATTEMPTS:
            # a code, read in each reader's language (advisory.texts: document.render_stalled)
            reason = stored_reason(text("document.render_stalled", attempts=attempts))
            failed += ArchivedDocument.objects.filter(
                pk=doc_id, status=DocumentStatus.RENDERING, lease_expires_at__lt=at
            ).update(status=DocumentStatus.FAILED, error=reason, lease_expires_at=None)
            continue
        with transaction.atomic():
            # Back to the queue, only if still stalled (conditional UPDATE: safe to run twice).
            if ArchivedDocument.objects.filter(
                pk=doc_id, status=DocumentStatus.RENDERING, lease_expires_at__lt=at
            ).update(status=DocumentStatus.PENDING, progress=0, lease_expires_at=None):
                outbox_enqueue(task="advisory.tasks.document_render_task", args=[doc_id])
                requeued += 1
    waiting_since = at - timedelta(seconds=settings.DOCUMENT_QUEUE_STALE_SECONDS)
    pending_in_outbox = OutboxMessage.objects.filter(
        task="advisory.tasks.document_render_task", dispatched_at__isnull=True
    ).values_list("args", flat=True)
    undispatched = {args[0] for args in pending_in_outbox if args}
    lost = ArchivedDocument.objects.filter(status=DocumentStatus.PENDING, created_at__lt=waiting_since)
    for doc_id in lost.order_by("pk").values_list("pk", flat=True)[:500]:
        if doc_id not in undispatched:
            with transaction.atomic():
                outbox_enqueue(task="advisory.tasks.document_render_task", args=[doc_id])
            requeued += 1
    if requeued or failed:
        logger.warning("stalled documents: %d queued again, %d marked failed", requeued, failed)
    return {"requeued": requeued, "failed": failed}


def document_verify(*, document: ArchivedDocument) -> bool:
    """True if the stored file still has the archived SHA-256."""
    if not document.file:
        return False
    with document.file.open("rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest() == document.sha256
