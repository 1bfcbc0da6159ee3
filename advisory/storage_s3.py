"""S3-compatible object storage with Object Lock for archived records (docs/operations.md)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from storages.backends.s3 import S3Storage

from advisory.storage import DEFAULT_UNLOCKED_PREFIXES


class ArchiveS3Storage(S3Storage):
    """S3 storage that writes archived records under Object Lock (WORM) when configured.

    Each object written outside the unlocked prefixes gets `ObjectLockMode` and a retain-until
    date `S3_OBJECT_LOCK_DAYS` from now: the bucket refuses to overwrite or delete that version
    before then, whatever the application or its credentials do. The lock period is a floor set
    by the firm (the shortest retention rule); the application's own retention rules still decide
    when a record may be disposed of (docs/operations.md, "Object storage").
    """

    def __init__(self, **settings: Any) -> None:
        self.object_lock_mode = settings.pop("object_lock_mode", "")
        self.object_lock_days = settings.pop("object_lock_days", 0)
        self.unlocked_prefixes = tuple(settings.pop("unlocked_prefixes", DEFAULT_UNLOCKED_PREFIXES))
        super().__init__(**settings)

    def locks(self, name: str) -> bool:
        """True when `name` (the key, with or without the S3_PREFIX location) is an archived record."""
        location = (self.location or "").strip("/")
        if location and name.startswith(location + "/"):
            name = name[len(location) + 1 :]
        return bool(self.object_lock_mode) and not name.startswith(self.unlocked_prefixes)

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        params = super().get_object_parameters(name)
        if self.locks(name):
            params["ObjectLockMode"] = self.object_lock_mode
            params["ObjectLockRetainUntilDate"] = timezone.now().astimezone(
                datetime.UTC
            ) + datetime.timedelta(days=self.object_lock_days)
        return params
