"""One way to write a date or a time for a person, whatever the output (page, PDF, CSV, warning,
notification, email, record label): in the firm's time zone, `2026-11-30 11:52` in every locale.

Templates use the same pattern (`|date:"Y-m-d H:i"`, which converts to the current — the firm's —
time zone); Python code that builds text uses these helpers, never `f"{value:%H:%M}"` on an
aware datetime, which would print UTC.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M"


def local_datetime(value: datetime.datetime | None, default: str = "—") -> str:
    if value is None:
        return default
    if value.utcoffset() is not None:  # aware
        value = value.astimezone(timezone.get_default_timezone())
    # DATETIME_FORMAT, written as the first 16 characters of the ISO form: half the time of
    # strftime, which a sweep's notifications call once per ticket
    return value.isoformat(" ")[:16]


def local_date(value: datetime.date | datetime.datetime | None, default: str = "—") -> str:
    if value is None:
        return default
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, timezone.get_default_timezone())
        value = value.date()
    return value.strftime(DATE_FORMAT)
