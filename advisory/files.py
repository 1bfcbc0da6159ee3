"""Stored files (docs/security.md, file access): names nobody can guess, and one way out.

Uploads and generated documents are stored under a random name (uuid4) — never the original
file name, a client number or a sequence. There is no /media/ route: a file leaves only through
a view that checks the rules and records the download, streamed through Django's storage API
(`FieldFile.open`), so switching `STORAGES["default"]` to object storage changes nothing here.
"""

from __future__ import annotations

import os
import uuid

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def random_name(prefix: str, filename: str) -> str:
    """`prefix/<32 hex>.ext`: the extension is kept (content type), nothing else of the name."""
    ext = os.path.splitext(filename or "")[1].lower()
    ext = ext if ext[1:].isalnum() and len(ext) <= 6 else ""
    return f"{prefix}/{uuid.uuid4().hex}{ext}"


def file_response(field_file: FieldFile, *, filename: str, content_type: str | None = None) -> FileResponse:
    """Stream a stored file as a download. A missing file is a 404, never a 500."""
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
