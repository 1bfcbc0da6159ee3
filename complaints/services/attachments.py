"""Attachments on a complaint: upload checks, storage and the recorded download (SPEC §4–5)."""

from __future__ import annotations

import os
from collections.abc import Iterable

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from advisory.errors import DomainError
from advisory.history import audited_save
from advisory.models import User
from audit.models import AuditAction
from audit.services import audit_log

from ..models import Complaint, ComplaintAttachment

ALLOWED_UPLOAD_TYPES = {
    "pdf": {"application/pdf"},
    "png": {"image/png"},
    "jpg": {"image/jpeg"},
    "jpeg": {"image/jpeg"},
}


MAGIC = {"pdf": b"%PDF", "png": b"\x89PNG", "jpg": b"\xff\xd8\xff", "jpeg": b"\xff\xd8\xff"}


def validate_attachment(upload: UploadedFile) -> str:
    """Server-side check of an upload: extension, declared type, first bytes and size."""
    name = os.path.basename(upload.name or "")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = {e.lower() for e in settings.UPLOAD_ALLOWED_EXTENSIONS}
    if ext not in allowed or ext not in ALLOWED_UPLOAD_TYPES:
        raise DomainError(
            _("Files of type .%(ext)s are not accepted. Use PDF, PNG or JPEG.") % {"ext": ext or "?"},
            field="attachment",
        )
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise DomainError(
            _("The file is larger than %(mb)d MB.") % {"mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
            field="attachment",
        )
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(MAGIC[ext]):
        raise DomainError(
            _("The file's content does not match its .%(ext)s name.") % {"ext": ext}, field="attachment"
        )
    content_type = (getattr(upload, "content_type", "") or "").split(";")[0]
    if content_type and content_type not in ALLOWED_UPLOAD_TYPES[ext] | {"application/octet-stream"}:
        raise DomainError(_("The file type %(t)s is not accepted.") % {"t": content_type}, field="attachment")
    return ext


def _store_attachments(
    complaint: Complaint, files: Iterable[UploadedFile], *, actor: User, internal: bool
) -> None:
    for upload in files:
        ext = validate_attachment(upload)
        row = ComplaintAttachment(
            complaint=complaint,
            original_name=os.path.basename(upload.name)[:200],
            content_type=ALLOWED_UPLOAD_TYPES[ext].copy().pop(),
            size_bytes=upload.size,
            is_internal=internal,
            uploaded_by=actor,
        )
        row.file.save(f"{complaint.number}-{os.path.basename(upload.name)}", upload, save=False)
        audited_save(row, actor=actor, reason="attachment uploaded")


def attachment_download_log(*, attachment: ComplaintAttachment, actor: User) -> None:
    """Downloading an attachment is a recorded sensitive read (SPEC §5). The caller found the
    attachment through the actor's own scope (staff: the complaint's rules; the client: their
    own complaint and never an internal attachment)."""
    audit_log(
        actor=actor,
        action=AuditAction.DOWNLOAD,
        obj=attachment.complaint,
        reason="attachment downloaded",
        changes={"attachment": attachment.pk, "internal": attachment.is_internal},
    )
