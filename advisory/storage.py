"""Where files live: local disk (default) or S3-compatible object storage (docs/operations.md).

Every upload and every generated PDF goes through Django's storage API (`FieldFile.save`,
`FieldFile.open`), and every download streams from `STORAGES["default"]`, so web and worker hosts
see the same files once `FILE_STORAGE=s3` points them at one bucket. `storages_setting()` builds
the `STORAGES` setting from the environment without importing boto3 (settings load fast); `advisory.storage_s3.ArchiveS3Storage` adds S3 Object Lock retention to
archived records when `S3_OBJECT_LOCK_MODE` is set.
"""

from __future__ import annotations

from typing import Any

LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"
S3_BACKEND = "advisory.storage_s3.ArchiveS3Storage"
# Never locked: transient files (import uploads, export spreadsheets, the health probe).
DEFAULT_UNLOCKED_PREFIXES = ("health_check_storage_test/", "imports/", "exports/", "tmp/")


class FileStorageMisconfigured(ValueError):
    """FILE_STORAGE names an unknown backend or S3 lacks its bucket."""


def storages_setting(env: Any, *, staticfiles_backend: str) -> dict[str, dict[str, Any]]:
    """The `STORAGES` setting: `FILE_STORAGE=local` (default) or `s3`, read from `env` (django-environ)."""
    kind = env.str("FILE_STORAGE", default="local").strip().lower()
    staticfiles = {"BACKEND": staticfiles_backend}
    if kind == "local":
        return {"default": {"BACKEND": LOCAL_BACKEND}, "staticfiles": staticfiles}
    if kind != "s3":
        raise FileStorageMisconfigured(f"FILE_STORAGE must be 'local' or 's3', not {kind!r}")
    bucket = env.str("S3_BUCKET", default="")
    if not bucket:
        raise FileStorageMisconfigured("FILE_STORAGE=s3 needs S3_BUCKET")
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("S3_REGION", default="") or None,
        "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
        "location": env.str("S3_PREFIX", default=""),
        # Private objects; nothing is served from the bucket directly, only through the views.
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
        "object_parameters": {"ServerSideEncryption": env.str("S3_SERVER_SIDE_ENCRYPTION", default="AES256")}
        if env.str("S3_SERVER_SIDE_ENCRYPTION", default="AES256")
        else {},
        "object_lock_mode": env.str("S3_OBJECT_LOCK_MODE", default="").upper(),
        "object_lock_days": env.int("S3_OBJECT_LOCK_DAYS", default=0),
        "unlocked_prefixes": tuple(env.list("S3_UNLOCKED_PREFIXES", default=list(DEFAULT_UNLOCKED_PREFIXES))),
    }
    if options["object_lock_mode"] not in ("", "GOVERNANCE", "COMPLIANCE"):
        raise FileStorageMisconfigured("S3_OBJECT_LOCK_MODE must be GOVERNANCE or COMPLIANCE")
    if options["object_lock_mode"] and options["object_lock_days"] <= 0:
        raise FileStorageMisconfigured("S3_OBJECT_LOCK_MODE needs S3_OBJECT_LOCK_DAYS > 0")
    return {"default": {"BACKEND": S3_BACKEND, "OPTIONS": options}, "staticfiles": staticfiles}
