"""`socialdesk.periodic`: which period is due, across restarts, catch-up windows, Mondays and DST changes.

Time is an argument. A "restart" is the first call after a gap, and "running every minute" is a
loop over minutes. Exactly-once comes from a Notice key, played here by a set of keys.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from socialdesk.clock import ManualClock
from socialdesk.periodic import ON_TIME_SLACK, PeriodKey, due_periods, latest_instant, period_job

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
EIGHT = time(8, 0)
WINDOW = timedelta(hours=12)


def local(tz: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=tz)


def keys(periods: list[PeriodKey]) -> list[str]:
    return [p.key for p in periods]


def test_a_restart_at_half_past_nine_still_sends_the_eight_oclock_digest_once() -> None:
    restart = local(BERLIN, 2026, 11, 25, 9, 30)
    due = due_periods(restart, at=EIGHT, tz=BERLIN, catch_up=WINDOW)
    assert due == [
        PeriodKey(
            kind="daily",
            period="2026-11-24",  # sent on the 25th, about the 24th
            first_day=date(2026, 11, 24),
            last_day=date(2026, 11, 24),
            scheduled_at=datetime(2026, 11, 25, 7, 0, tzinfo=UTC),  # 08:00 CET
        )
    ]
    assert due[0].key == "daily:2026-11-24"
    # Every later minute of the window names the same period, so one Notice key stops a second send.
    sent: list[str] = []
    now = restart
    while now <= restart + timedelta(hours=3):
        for period in due_periods(now, at=EIGHT, tz=BERLIN, catch_up=WINDOW):
            if period.key not in sent:
                sent.append(period.key)
        now += timedelta(minutes=1)
    assert sent == ["daily:2026-11-24"]


def test_after_the_catch_up_window_nothing_is_due() -> None:
    edge = local(BERLIN, 2026, 11, 25, 20, 0)  # 08:00 + 12 h: still in
    assert keys(due_periods(edge, at=EIGHT, tz=BERLIN, catch_up=WINDOW)) == ["daily:2026-11-24"]
    late = edge + timedelta(seconds=1)
    assert due_periods(late, at=EIGHT, tz=BERLIN, catch_up=WINDOW) == []
    # Before today's time, yesterday's instant (almost a day ago) is long out of the window.
    assert due_periods(local(BERLIN, 2026, 11, 26, 7, 59), at=EIGHT, tz=BERLIN, catch_up=WINDOW) == []


def test_a_longer_window_reaches_back_to_the_most_recent_instant_only() -> None:
    # Down from Tuesday 07:00 to Wednesday 07:30 with a 72 h window: only the latest missed digest
    # (Tuesday's, about Monday) is sent. Older periods are not replayed one by one.
    now = local(BERLIN, 2026, 11, 25, 7, 30)
    assert keys(due_periods(now, at=EIGHT, tz=BERLIN, catch_up=timedelta(hours=72))) == ["daily:2026-11-23"]


def test_no_catch_up_still_lets_the_on_time_run_through() -> None:
    zero = timedelta(0)
    on_time = local(BERLIN, 2026, 11, 25, 8, 0, 40)  # the minute tick lands a little after 08:00
    assert keys(due_periods(on_time, at=EIGHT, tz=BERLIN, catch_up=zero)) == ["daily:2026-11-24"]
    after_slack = local(BERLIN, 2026, 11, 25, 8, 0) + ON_TIME_SLACK + timedelta(seconds=1)
    assert due_periods(after_slack, at=EIGHT, tz=BERLIN, catch_up=zero) == []


def test_exactly_at_the_scheduled_instant_it_is_due_and_a_second_before_it_is_not() -> None:
    instant = local(BERLIN, 2026, 11, 25, 8, 0)
    assert keys(due_periods(instant, at=EIGHT, tz=BERLIN, catch_up=WINDOW)) == ["daily:2026-11-24"]
    assert due_periods(instant - timedelta(seconds=1), at=EIGHT, tz=BERLIN, catch_up=WINDOW) == []


def test_weekly_review_on_mondays_comes_with_the_daily_digest() -> None:
    monday = local(BERLIN, 2026, 11, 30, 8, 0, 30)
    due = due_periods(monday, at=EIGHT, tz=BERLIN, weekly_day="mon", catch_up=WINDOW)
    assert keys(due) == ["daily:2026-11-29", "weekly:2026-W48"]
    weekly = due[1]
    assert (weekly.first_day, weekly.last_day) == (date(2026, 11, 23), date(2026, 11, 29))  # Mon..Sun
    assert weekly.scheduled_at == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    # Tuesday: the daily digest only; the week was Monday's business.
    tuesday = local(BERLIN, 2026, 12, 1, 8, 1)
    assert keys(due_periods(tuesday, at=EIGHT, tz=BERLIN, weekly_day="mon", catch_up=WINDOW)) == [
        "daily:2026-11-30"
    ]
    # Down over Monday 08:00 and back on Monday at 11:00: both still go, once each.
    late_monday = local(BERLIN, 2026, 11, 30, 11, 0)
    assert keys(due_periods(late_monday, at=EIGHT, tz=BERLIN, weekly_day=0, catch_up=WINDOW)) == [
        "daily:2026-11-29",
        "weekly:2026-W48",
    ]


def test_a_weekly_day_other_than_monday_covers_the_seven_days_before_it() -> None:
    friday = local(BERLIN, 2026, 11, 27, 8, 5)
    due = due_periods(friday, at=EIGHT, tz=BERLIN, weekly_day="fri", catch_up=WINDOW)
    assert keys(due) == ["daily:2026-11-26", "weekly:2026-W47"]
    assert (due[1].first_day, due[1].last_day) == (date(2026, 11, 20), date(2026, 11, 26))


@pytest.mark.parametrize("bad", ["someday", 7, -1])
def test_an_unknown_weekly_day_is_refused(bad: str | int) -> None:
    with pytest.raises(ValueError, match="weekly_day"):
        due_periods(local(BERLIN, 2026, 11, 30, 9, 0), at=EIGHT, tz=BERLIN, weekly_day=bad, catch_up=WINDOW)


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due_periods(datetime(2026, 11, 25, 9, 0), at=EIGHT, tz=BERLIN, catch_up=WINDOW)


@pytest.mark.parametrize(
    ("tz", "day", "utc_hour"),
    [
        # Europe/Berlin: summer time ends 2026-10-25, starts 2026-03-29.
        (BERLIN, date(2026, 10, 24), 6),
        (BERLIN, date(2026, 10, 25), 7),
        (BERLIN, date(2026, 3, 28), 7),
        (BERLIN, date(2026, 3, 29), 6),
        # America/New_York: starts 2026-03-08, ends 2026-11-01.
        (NEW_YORK, date(2026, 3, 7), 13),
        (NEW_YORK, date(2026, 3, 8), 12),
        (NEW_YORK, date(2026, 10, 31), 12),
        (NEW_YORK, date(2026, 11, 1), 13),
    ],
)
def test_the_digest_is_due_at_eight_local_on_both_sides_of_a_dst_change(
    tz: ZoneInfo, day: date, utc_hour: int
) -> None:
    expected = datetime(day.year, day.month, day.day, utc_hour, 0, tzinfo=UTC)
    assert expected.astimezone(tz).time() == EIGHT
    due = due_periods(expected + timedelta(minutes=1), at=EIGHT, tz=tz, catch_up=WINDOW)
    assert [(p.key, p.scheduled_at) for p in due] == [
        (f"daily:{(day - timedelta(days=1)).isoformat()}", expected)
    ]
    assert latest_instant(expected - timedelta(seconds=1), at=EIGHT, tz=tz) < expected - timedelta(hours=22)


def test_a_time_skipped_by_the_spring_change_fires_once_just_after_the_gap() -> None:
    # 02:30 does not exist in Berlin on 2026-03-29 (02:00 -> 03:00): that day it is due at 03:30 CEST.
    at = time(2, 30)
    due = due_periods(local(BERLIN, 2026, 3, 29, 4, 0), at=at, tz=BERLIN, catch_up=WINDOW)
    assert [(p.key, p.scheduled_at) for p in due] == [
        ("daily:2026-03-28", datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    ]


def test_a_time_repeated_by_the_autumn_change_fires_at_its_first_occurrence() -> None:
    # 02:30 happens twice in Berlin on 2026-10-25; the first (CEST, 00:30 UTC) is the scheduled one.
    at = time(2, 30)
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert [p.scheduled_at for p in due_periods(second, at=at, tz=BERLIN, catch_up=WINDOW)] == [first]


def test_running_every_minute_for_a_fortnight_across_dst_sends_each_day_once_at_eight_local() -> None:
    """The runner pattern end to end: a tick every minute from Oct 18 to Nov 4 (Berlin and New York
    both change in between). Two stretches of downtime: one ends inside the catch-up window (late
    but sent), one outlasts it (skipped)."""
    down = [
        (local(BERLIN, 2026, 10, 21, 7, 50), local(BERLIN, 2026, 10, 21, 9, 30)),  # back within 12 h
        (local(BERLIN, 2026, 10, 28, 7, 0), local(BERLIN, 2026, 10, 28, 21, 0)),  # back too late
    ]
    sent: dict[str, datetime] = {}  # Notice key -> when it was sent
    now = local(BERLIN, 2026, 10, 18, 0, 0)
    end = local(BERLIN, 2026, 11, 4, 0, 0)
    while now < end:
        if not any(start <= now < stop for start, stop in down):
            for period in due_periods(now, at=EIGHT, tz=BERLIN, weekly_day="mon", catch_up=WINDOW):
                sent.setdefault(period.key, now)  # a second attempt finds the key taken
        now += timedelta(minutes=1)
    daily = {k: v for k, v in sent.items() if k.startswith("daily:")}
    covered = [date(2026, 10, 17) + timedelta(days=i) for i in range(17)]
    assert sorted(daily) == [f"daily:{d.isoformat()}" for d in covered if d != date(2026, 10, 27)]
    for key, at in daily.items():
        if key == "daily:2026-10-20":
            assert at.astimezone(BERLIN).time() == time(9, 30)  # caught up on return
        else:
            assert at.astimezone(BERLIN).time() == EIGHT, key  # on time, summer and winter alike
    assert sorted(k for k in sent if k.startswith("weekly:")) == [
        "weekly:2026-W42",
        "weekly:2026-W43",
        "weekly:2026-W44",
    ]


def test_period_job_is_a_leader_only_minute_job_calling_send_if_due_with_the_clock() -> None:
    clock = ManualClock(datetime(2026, 11, 25, 7, 0, 30, tzinfo=UTC))
    calls: list[datetime] = []
    job = period_job("digest", lambda now: calls.append(now), clock)
    assert (job.id, job.every_seconds, job.cron, job.leader_only) == ("digest", 60, None, True)
    assert job.misfire_grace_seconds == 60
    job.func()
    clock.advance(60)
    job.func()
    assert calls == [
        datetime(2026, 11, 25, 7, 0, 30, tzinfo=UTC),
        datetime(2026, 11, 25, 7, 1, 30, tzinfo=UTC),
    ]
