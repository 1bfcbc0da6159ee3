import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from advisory.calendar import BusinessCalendar

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def cn():
    return BusinessCalendar("CN", opens="09:00", closes="17:00", tz=SH)


def test_weekend_is_not_a_business_day(cn):
    assert not cn.is_business_day(dt.date(2026, 11, 21))  # Saturday
    assert cn.is_business_day(dt.date(2026, 11, 23))  # Monday


def test_china_national_day_and_make_up_working_sunday(cn):
    assert not cn.is_business_day(dt.date(2026, 10, 1))
    assert cn.is_business_day(dt.date(2026, 9, 20))  # a Sunday that is a make-up working day


def test_add_business_days_skips_the_weekend(cn):
    assert cn.add_business_days(dt.date(2026, 11, 20), 2) == dt.date(2026, 11, 24)  # Fri + 2 -> Tue


def test_add_business_days_skips_the_national_day_week(cn):
    # 2026-09-30 (Wed) + 1 business day lands after the Golden Week holiday
    result = cn.add_business_days(dt.date(2026, 9, 30), 1)
    assert result > dt.date(2026, 10, 7)
    assert cn.is_business_day(result)


def test_deadline_is_close_of_business_on_the_nth_day(cn):
    submitted = dt.datetime(2026, 11, 20, 16, 30, tzinfo=SH)  # Friday afternoon
    assert cn.business_day_deadline(submitted, 2) == dt.datetime(2026, 11, 24, 17, 0, tzinfo=SH)


def test_business_seconds_between_counts_only_open_hours(cn):
    start = dt.datetime(2026, 11, 20, 16, 0, tzinfo=SH)  # Fri 16:00
    end = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)  # Mon 10:00
    assert cn.business_seconds_between(start, end) == 2 * 3600


def test_add_business_hours_rolls_over_the_weekend(cn):
    start = dt.datetime(2026, 11, 20, 15, 0, tzinfo=SH)  # Fri 15:00
    # Fri 2h + Mon 8h + Tue 8h + Wed 6h
    assert cn.add_business_hours(start, 24) == dt.datetime(2026, 11, 25, 15, 0, tzinfo=SH)


def test_add_business_seconds_from_outside_hours_starts_at_opening(cn):
    start = dt.datetime(2026, 11, 21, 22, 0, tzinfo=SH)  # Saturday night
    assert cn.add_business_hours(start, 1) == dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)


def test_round_trip_between_add_and_between(cn):
    start = dt.datetime(2026, 9, 28, 11, 17, tzinfo=SH)
    end = cn.add_business_seconds(start, 50 * 3600)
    assert cn.business_seconds_between(start, end) == 50 * 3600


def test_hong_kong_and_taiwan_calendars():
    hk = BusinessCalendar("HK", tz=ZoneInfo("Asia/Hong_Kong"))
    tw = BusinessCalendar("TW", tz=ZoneInfo("Asia/Taipei"))
    assert not hk.is_business_day(dt.date(2026, 12, 25))  # Christmas Day
    assert not tw.is_business_day(dt.date(2026, 10, 9))  # National Day (observed, 10/10 is a Saturday)
    assert hk.is_business_day(dt.date(2026, 11, 23))


def test_unknown_region_is_refused():
    with pytest.raises(ValueError, match="Unsupported calendar region"):
        BusinessCalendar("XX")
