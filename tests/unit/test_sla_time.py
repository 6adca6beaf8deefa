"""Working-time arithmetic: targets count only business hours when a team has them, wall-clock time
otherwise; across nights, weekends, holidays and DST changes (local 09:00 stays 09:00)."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialdesk.config import BusinessHours, SlaTargets
from socialdesk.domain.enums import Platform, Priority
from socialdesk.domain.sla import add_working_time, first_response_due, resolution_due, working_time_between

LONDON = ZoneInfo("Europe/London")
OFFICE = BusinessHours()  # Monday to Friday, 09:00-17:00, in the zone passed along


def local(text: str, zone: ZoneInfo = LONDON) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)


def test_no_business_hours_is_wall_clock_time() -> None:
    start = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)  # a Saturday night
    assert add_working_time(start, 90, None, "Europe/London") == start + timedelta(minutes=90)
    assert working_time_between(start, start + timedelta(hours=50), None, "UTC") == timedelta(hours=50)
    assert working_time_between(start, start - timedelta(hours=1), None, "UTC") == timedelta(0)


def test_friday_afternoon_target_lands_on_monday_morning() -> None:
    friday = local("2026-11-27T16:50")
    assert add_working_time(friday, 60, OFFICE, "Europe/London") == local("2026-11-30T09:50")
    assert working_time_between(friday, local("2026-11-30T09:50"), OFFICE, "Europe/London") == timedelta(
        minutes=60
    )
    # Exactly at closing time the target ends then, not on Monday at 09:00.
    assert add_working_time(local("2026-11-27T16:00"), 60, OFFICE, "Europe/London") == local(
        "2026-11-27T17:00"
    )


def test_nights_and_early_starts() -> None:
    assert add_working_time(local("2026-11-24T16:30"), 60, OFFICE, "Europe/London") == local(
        "2026-11-25T09:30"
    )
    assert add_working_time(local("2026-11-24T06:10"), 30, OFFICE, "Europe/London") == local(
        "2026-11-24T09:30"
    )
    assert add_working_time(local("2026-11-28T11:00"), 15, OFFICE, "Europe/London") == local(
        "2026-11-30T09:15"
    )
    # Two full days and a bit: 16 h of work from Tuesday 10:00 is Thursday 10:00.
    assert add_working_time(local("2026-11-24T10:00"), 16 * 60, OFFICE, "Europe/London") == local(
        "2026-11-26T10:00"
    )
    assert working_time_between(
        local("2026-11-27T16:00"), local("2026-11-30T10:00"), OFFICE, "Europe/London"
    ) == timedelta(hours=2)


def test_holidays_do_not_count() -> None:
    hours = BusinessHours(holidays=[dt.date(2026, 12, 25), dt.date(2026, 12, 28)])
    thursday = local("2026-12-24T16:50")
    # Friday 25th and Monday 28th are holidays, the weekend between them too: Tuesday 29th it is.
    assert add_working_time(thursday, 60, hours, "Europe/London") == local("2026-12-29T09:50")
    assert working_time_between(thursday, local("2026-12-29T09:50"), hours, "Europe/London") == timedelta(
        minutes=60
    )


def test_dst_spring_forward_keeps_local_office_hours() -> None:
    # Clocks go forward on Sunday 29 March 2026: Friday is GMT (UTC+0), Monday BST (UTC+1).
    friday = local("2026-03-27T16:30")
    monday = add_working_time(friday, 60, OFFICE, "Europe/London")
    assert monday == local("2026-03-30T09:30") == datetime(2026, 3, 30, 8, 30, tzinfo=UTC)


def test_dst_autumn_back_and_a_window_that_spans_the_jump() -> None:
    # Clocks go back on Sunday 25 October 2026: Friday is BST, Monday GMT.
    assert add_working_time(local("2026-10-23T16:30"), 60, OFFICE, "Europe/London") == datetime(
        2026, 10, 26, 9, 30, tzinfo=UTC
    )
    # A night shift 00:30-03:00 local on the spring-forward night is only 1 h 30 min of real time.
    night = BusinessHours(days=["sun"], start=dt.time(0, 30), end=dt.time(3, 0))
    day_start, day_end = local("2026-03-29T00:00"), local("2026-03-29T23:00")
    assert working_time_between(day_start, day_end, night, "Europe/London") == timedelta(minutes=90)
    assert add_working_time(day_start, 90, night, "Europe/London") == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)


def test_team_hours_use_their_own_zone() -> None:
    new_york = BusinessHours(timezone="America/New_York")
    start = datetime(2026, 11, 27, 21, 50, tzinfo=UTC)  # Friday 16:50 in New York
    due = add_working_time(start, 60, new_york, "Europe/London")
    assert due == local("2026-11-30T09:50", ZoneInfo("America/New_York"))


def test_due_times_from_the_config_targets() -> None:
    sla = SlaTargets(
        first_response={Platform.X: {"P1": 10, "default": 15}},
        resolution={Platform.X: {"default": 240}},
    )
    posted = local("2026-11-27T16:50")
    assert first_response_due(
        sla, platform=Platform.X, priority=Priority.P1, posted_at=posted
    ) == posted + timedelta(minutes=10)
    assert first_response_due(
        sla, platform=Platform.X, priority=Priority.P3, posted_at=posted, hours=OFFICE, tz="Europe/London"
    ) == local("2026-11-30T09:05")
    assert resolution_due(
        sla, platform=Platform.X, priority=Priority.P3, opened_at=posted, hours=OFFICE, tz="Europe/London"
    ) == local("2026-11-30T12:50")
    assert resolution_due(sla, platform=Platform.FACEBOOK, priority=Priority.P3, opened_at=posted) is None


def test_run_out_of_working_days_is_an_error_not_a_hang() -> None:
    every_day_off = BusinessHours(
        days=["mon"], holidays=[dt.date(2026, 11, 30) + timedelta(weeks=w) for w in range(600)]
    )
    with pytest.raises(ValueError, match="no working time"):
        add_working_time(local("2026-11-27T10:00"), 60, every_day_off, "Europe/London")


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    minutes=st.integers(min_value=1, max_value=5 * 24 * 60),
)
def test_adding_then_measuring_gives_the_target_back(start: datetime, minutes: int) -> None:
    hours = BusinessHours(days=["mon", "tue", "wed", "thu", "fri", "sat"], start=dt.time(8), end=dt.time(20))
    due = add_working_time(start, minutes, hours, "Europe/London")
    assert working_time_between(start, due, hours, "Europe/London") == timedelta(minutes=minutes)
    # Splitting a target in two gives the same end (the resolution clock is pushed on in parts).
    half = add_working_time(start, minutes / 2, hours, "Europe/London")
    assert add_working_time(half, minutes / 2, hours, "Europe/London") == due
