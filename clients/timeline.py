"""The merged client timeline and the advisor calendar, without the clients app importing the
apps above it (CONVENTIONS: dependencies point one way).

Each app that contributes lists its module in TIMELINE_MODULES; the module declares

    TIMELINE_KINDS = {"proposal": _("Proposals"), ...}
    def timeline_events(*, client, user, kinds: set[str], limit: int) -> list[TimelineEvent]
    def calendar_events(*, user, start, end) -> list[CalendarEvent]      # optional

A provider is only called for the kinds asked for, and must answer with a fixed, small number
of queries (one per kind), so the whole timeline costs a bounded number of queries however long
the client's history. A listed module that is missing, or that lacks TIMELINE_KINDS and
timeline_events, raises: a registry entry is never skipped silently.
"""

from __future__ import annotations

import datetime
import importlib
from dataclasses import dataclass
from functools import cache

TIMELINE_MODULES = [
    "clients.client_timeline",
    "risk.client_timeline",
    "planning.client_timeline",
    "complaints.client_timeline",
]


@dataclass(frozen=True)
class TimelineEvent:
    kind: str
    at: datetime.datetime
    title: str
    detail: str = ""
    url: str = ""
    badge: str = ""
    tone: str = ""  # badge colour: green, amber, red, grey


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    start: datetime.datetime | datetime.date
    end: datetime.datetime | datetime.date | None
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    cancelled: bool = False


@cache
def providers() -> list:
    found = []
    for name in TIMELINE_MODULES:
        module = importlib.import_module(name)
        if not isinstance(getattr(module, "TIMELINE_KINDS", None), dict) or not callable(
            getattr(module, "timeline_events", None)
        ):
            raise ImproperlyConfiguredTimeline(f"{name} must define TIMELINE_KINDS and timeline_events()")
        found.append(module)
    return found


class ImproperlyConfiguredTimeline(RuntimeError):
    pass


def timeline_kinds() -> dict[str, str]:
    kinds: dict[str, str] = {}
    for module in providers():
        kinds.update(module.TIMELINE_KINDS)
    return kinds


def client_timeline(*, client, user, kinds: set[str] | None = None, limit: int = 100) -> list[TimelineEvent]:
    """The client's merged history, newest first, at most `limit` events, filtered by kind.
    The caller has checked that `user` may see the client; providers also check their own
    permission and leave out what the user may not see."""
    wanted = set(kinds) if kinds else set(timeline_kinds())
    events: list[TimelineEvent] = []
    for module in providers():
        asked = wanted & set(module.TIMELINE_KINDS)
        if asked:
            events.extend(module.timeline_events(client=client, user=user, kinds=asked, limit=limit))
    events.sort(key=lambda e: e.at, reverse=True)
    return events[:limit]


def advisor_calendar(*, user, start: datetime.datetime, end: datetime.datetime) -> list[CalendarEvent]:
    """Everything that belongs in `user`'s own calendar between start and end."""
    events: list[CalendarEvent] = []
    for module in providers():
        provider = getattr(module, "calendar_events", None)
        if provider is not None:
            events.extend(provider(user=user, start=start, end=end))
    return events
