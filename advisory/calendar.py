"""Business days and business hours over the firm's holiday calendar.

Every deadline in the product comes from here (CONVENTIONS: time, money, calendars). Dates come
from the `holidays` library, which knows weekends, public holidays and, for mainland China, the
make-up working days on weekends. Business hours (default 09:00-17:00, local time) are modelled
on top, since the library has dates only.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

from django.conf import settings
from django.utils import timezone

SUPPORTED_REGIONS = ("CN", "HK", "TW")


def _parse_hhmm(value: str) -> datetime.time:
    hours, minutes = value.split(":")
    return datetime.time(int(hours), int(minutes))


class BusinessCalendar:
    def __init__(
        self,
        region: str | None = None,
        *,
        opens: datetime.time | str | None = None,
        closes: datetime.time | str | None = None,
        tz: datetime.tzinfo | None = None,
    ) -> None:
        self.region = (region or settings.BUSINESS_CALENDAR_REGION).upper()
        if self.region not in SUPPORTED_REGIONS:
            raise ValueError(f"Unsupported calendar region {self.region!r}; use one of {SUPPORTED_REGIONS}.")
        opens = opens or settings.BUSINESS_HOURS_START
        closes = closes or settings.BUSINESS_HOURS_END
        self.opens = _parse_hhmm(opens) if isinstance(opens, str) else opens
        self.closes = _parse_hhmm(closes) if isinstance(closes, str) else closes
        if self.closes <= self.opens:
            raise ValueError("Business hours must close after they open.")
        self.tz = tz or timezone.get_default_timezone()
        # imported here: the library loads every country's calendar module (a tenth of a second),
        # which processes that never compute a deadline need not pay at start-up
        import holidays

        self._holidays = holidays.country_holidays(self.region)

    # -- days ---------------------------------------------------------------------------------
    def is_business_day(self, day: datetime.date) -> bool:
        return self._holidays.is_working_day(day)

    def holiday_name(self, day: datetime.date) -> str | None:
        return self._holidays.get(day)

    def next_business_day(self, day: datetime.date) -> datetime.date:
        """The first business day strictly after `day`."""
        day += datetime.timedelta(days=1)
        while not self.is_business_day(day):
            day += datetime.timedelta(days=1)
        return day

    def add_business_days(self, day: datetime.date, count: int) -> datetime.date:
        """The `count`-th business day after `day` (day itself not counted)."""
        if count < 0:
            raise ValueError("count must not be negative")
        for _ in range(count):
            day = self.next_business_day(day)
        return day

    def business_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Business days in (start, end]: how many business days have passed from start to end."""
        if end <= start:
            return 0
        days, day = 0, start
        while day < end:
            day += datetime.timedelta(days=1)
            if self.is_business_day(day):
                days += 1
        return days

    def end_of_business(self, day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, self.closes, tzinfo=self.tz)

    def business_day_deadline(self, start: datetime.datetime, count: int) -> datetime.datetime:
        """Close of business on the `count`-th business day after the day of `start`.

        "Within 2 business days of submission": submitted on Friday, due Tuesday at close.
        """
        local_day = start.astimezone(self.tz).date()
        return self.end_of_business(self.add_business_days(local_day, count))

    # -- hours --------------------------------------------------------------------------------
    @property
    def seconds_per_day(self) -> int:
        opens = datetime.datetime.combine(datetime.date(2000, 1, 1), self.opens)
        closes = datetime.datetime.combine(datetime.date(2000, 1, 1), self.closes)
        return int((closes - opens).total_seconds())

    def _day_window(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
        return (
            datetime.datetime.combine(day, self.opens, tzinfo=self.tz),
            datetime.datetime.combine(day, self.closes, tzinfo=self.tz),
        )

    def business_seconds_between(self, start: datetime.datetime, end: datetime.datetime) -> int:
        """Seconds of business time between two instants (0 if end is not after start)."""
        if end <= start:
            return 0
        start_l, end_l = start.astimezone(self.tz), end.astimezone(self.tz)
        total, day = 0, start_l.date()
        while day <= end_l.date():
            if self.is_business_day(day):
                lo, hi = self._day_window(day)
                lo, hi = max(lo, start_l), min(hi, end_l)
                if hi > lo:
                    total += int((hi - lo).total_seconds())
            day += datetime.timedelta(days=1)
        return total

    def add_business_seconds(self, start: datetime.datetime, seconds: int | float) -> datetime.datetime:
        """The instant when `seconds` of business time have passed after `start`."""
        remaining = float(seconds)
        if remaining < 0:
            raise ValueError("seconds must not be negative")
        current = start.astimezone(self.tz)
        day = current.date()
        while True:
            if self.is_business_day(day):
                lo, hi = self._day_window(day)
                begin = max(lo, current)
                if begin < hi:
                    available = (hi - begin).total_seconds()
                    if remaining <= available:
                        return begin + datetime.timedelta(seconds=remaining)
                    remaining -= available
            day += datetime.timedelta(days=1)
            current = datetime.datetime.combine(day, datetime.time(0), tzinfo=self.tz)

    def add_business_hours(self, start: datetime.datetime, hours: int | float) -> datetime.datetime:
        return self.add_business_seconds(start, hours * 3600)


@lru_cache(maxsize=8)
def _cached(region: str, opens: str, closes: str) -> BusinessCalendar:
    return BusinessCalendar(region, opens=opens, closes=closes)


def firm_calendar(region: str | None = None) -> BusinessCalendar:
    """The firm's calendar as configured (BUSINESS_CALENDAR_REGION, BUSINESS_HOURS_*)."""
    return _cached(
        (region or settings.BUSINESS_CALENDAR_REGION).upper(),
        settings.BUSINESS_HOURS_START,
        settings.BUSINESS_HOURS_END,
    )
