"""The one place the product asks for the time. Tests freeze it with time-machine."""

import datetime

from django.utils import timezone


def now() -> datetime.datetime:
    return timezone.now()


def today() -> datetime.date:
    return timezone.localdate(now())


def local(dt: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(dt)
