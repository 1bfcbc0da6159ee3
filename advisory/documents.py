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
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.db.models import Max

from .clock import now
from .models import ArchivedDocument, DocumentStatus, User
from .pdf import render_pdf

logger = logging.getLogger(__name__)

Renderer = Callable[[ArchivedDocument], tuple[str, dict[str, Any]]]
_RENDERERS: dict[str, Renderer] = {}


def register_renderer(kind: str, renderer: Renderer) -> None:
    _RENDERERS[kind] = renderer


def subject_key(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def document_request(
    *,
    kind: str,
    subject: models.Model,
    title: str,
    actor: User | None,
    client_id: int | None = None,
    language: str = "en",
    params: dict | None = None,
    render_now: bool = False,
) -> ArchivedDocument:
    """Queue a new version of a document. SPEC §3: regenerating keeps the earlier versions."""
    if kind not in _RENDERERS:
        raise ValueError(f"No renderer registered for {kind!r}")
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
            break
        except IntegrityError:  # two requests raced for the same version number: take the next
            continue
    else:
        raise RuntimeError("Could not allocate a document version")
    if render_now:
        document_render(document_id=doc.pk)
        doc.refresh_from_db()
    else:
        from .tasks import document_render_task

        transaction.on_commit(lambda: document_render_task.delay(doc.pk))
    return doc


def document_render(*, document_id: int) -> bool:
    """Render a queued document. Returns False if another worker has it or it is done."""
    claimed = ArchivedDocument.objects.filter(
        pk=document_id, status__in=[DocumentStatus.PENDING, DocumentStatus.FAILED]
    ).update(status=DocumentStatus.RENDERING, progress=10, error="")
    if claimed != 1:
        return False
    doc = ArchivedDocument.objects.get(pk=document_id)
    try:
        from django.utils import translation

        with translation.override(doc.language):
            template, context = _RENDERERS[doc.kind](doc)
            ArchivedDocument.objects.filter(pk=doc.pk).update(progress=40)
            pdf = render_pdf(template, {"document": doc, **context})
    except Exception as exc:
        logger.exception("document %s failed to render", document_id)
        ArchivedDocument.objects.filter(pk=doc.pk).update(status=DocumentStatus.FAILED, error=str(exc)[:2000])
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
    )
    logger.info("document %s rendered: %s bytes sha256=%s", document_id, len(pdf), digest)
    return True


def document_verify(*, document: ArchivedDocument) -> bool:
    """True if the stored file still has the archived SHA-256."""
    if not document.file:
        return False
    with document.file.open("rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest() == document.sha256
