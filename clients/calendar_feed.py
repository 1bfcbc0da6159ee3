"""The advisor's calendar as an iCalendar (RFC 5545) feed, built with the `icalendar` package:
meetings, visits and calls from the service record and periodic reviews from planning, from
90 days back to a year ahead. Times are written in UTC (every calendar app converts them)."""

from __future__ import annotations

import datetime

from django.conf import settings

from advisory.clock import now

from .timeline import advisor_calendar

PAST_DAYS = 90
FUTURE_DAYS = 366


def calendar_feed_ics(*, user, base_url: str = "") -> bytes:
    # imported here: icalendar loads its time-zone tables (a third of a second), and every web
    # process imports this module with the URLconf while only the feed needs it
    from icalendar import Calendar, Event

    current = now()
    events = advisor_calendar(
        user=user,
        start=current - datetime.timedelta(days=PAST_DAYS),
        end=current + datetime.timedelta(days=FUTURE_DAYS),
    )
    cal = Calendar()
    cal.add("prodid", "-//Advisory platform//service record//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{user.full_name or user.email} · {getattr(settings, 'FIRM_NAME', 'Advisory')}")
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", current)
        event.add("dtstart", item.start)
        if item.end is not None:
            event.add("dtend", item.end)
        event.add("summary", item.summary)
        if item.description:
            event.add("description", item.description)
        if item.location:
            event.add("location", item.location)
        if item.url:
            event.add("url", base_url + item.url)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()
