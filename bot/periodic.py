"""Period jobs: work due at a local time of day (the daily digest, the weekly review) that must be done
once per period, even across restarts, missed runs and several replicas.

APScheduler's own misfire handling is in memory. It does not help after a restart, and a cron job
whose process was down at 08:00 never fires for that morning. So period work is not a cron job. It
is a `Job` that runs every minute on the leader and asks two questions:

1. Which period is due now? `due_periods(now, ...)` answers. It is pure: the most recent scheduled
   instant <= now, if it is no older than the catch-up window.
2. Was it sent already? A `Notice` keyed by the period answers that (`socialdesk.store.notices_repo`).
   The key is claimed in the same transaction that queues the message.

With both, a restart at 09:30 still sends the 08:00 digest, once. A restart after the window sends
nothing (a stale digest is noise). A second replica, or a second run in the same minute, finds the
key taken. The contract for services:

    def send_if_due(self, now: datetime) -> bool:   # idempotent: True only if this call sent
        for period in due_periods(now, at=..., tz=..., weekly_day=..., catch_up=...):
            with session_scope(writer(engine)) as s:
                if claim_notice(s, f"digest:{period.key}", "digest", now):
                    enqueue(s, ...)

    runtime.jobs["digest"] = period_job("digest", digest.send_if_due, clock)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

from socialdesk.clock import Clock
from socialdesk.jobs import Job

PeriodKind = Literal["daily", "weekly"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How often the leader asks period jobs whether something is due.
PERIOD_TICK_SECONDS = 60
# The smallest catch-up window that still works. The runner ticks every minute, so a run is never
# exactly at the scheduled instant. `catch_up_hours: 0` ("no catch-up after an outage") must still
# let the on-time run through.
ON_TIME_SLACK = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class PeriodKey:
    """One period that is due: which kind, what it covers, and when it was scheduled.

    `period` names what the report covers, not when it is sent. The daily digest sent on Nov 25 at
    08:00 covers "2026-11-24". The weekly review sent on Monday Nov 30 covers the week before, ISO
    "2026-W48". `key` ("daily:2026-11-24") is the part that goes into Notice keys.
    """

    kind: PeriodKind
    period: str
    first_day: date  # the local days covered, inclusive
    last_day: date
    scheduled_at: datetime  # the instant it was due, in UTC

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.period}"


def _zone(tz: tzinfo | str) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _weekday_index(day: str | int) -> int:
    if isinstance(day, int):
        if not 0 <= day <= 6:
            raise ValueError(f"weekly_day must be 0 (Monday) to 6 (Sunday), got {day}")
        return day
    try:
        return WEEKDAYS.index(day.lower()[:3])
    except ValueError:
        raise ValueError(f"weekly_day must be one of {', '.join(WEEKDAYS)}, got {day!r}") from None


def local_instant(day: date, at: time, tz: tzinfo) -> datetime:
    """`at` on local `day`, as a UTC instant.

    A wall time that does not exist (skipped at the spring change) resolves forward by the size of
    the gap. A wall time that happens twice (autumn) is the first one (fold=0). Either way there is
    one instant per day.
    """
    return datetime.combine(day, at.replace(tzinfo=None), tzinfo=tz).astimezone(UTC)


def latest_instant(now: datetime, *, at: time, tz: tzinfo | str, weekday: int | None = None) -> datetime:
    """The most recent scheduled instant <= `now`: daily at local `at`, or weekly on `weekday`."""
    zone = _zone(tz)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    day = now.astimezone(zone).date()
    for _ in range(15):  # at most a week back, plus a day for "today's time has not come yet"
        if weekday is None or day.weekday() == weekday:
            instant = local_instant(day, at, zone)
            if instant <= now:
                return instant
        day -= timedelta(days=1)
    raise AssertionError("unreachable: a schedule always has an instant within 15 days")


def due_periods(
    now: datetime,
    *,
    at: time,
    tz: tzinfo | str,
    weekly_day: str | int | None = None,
    catch_up: timedelta,
) -> list[PeriodKey]:
    """The periods whose scheduled instant is the most recent one <= `now`, and no older than the
    catch-up window (never less than `ON_TIME_SLACK`).

    Daily: due at local `at` every day, covering the day before. With `weekly_day` ("mon" or 0), also
    weekly: due at `at` on that day, covering the 7 days before it. On a Monday both can be due, so
    this returns a list, daily first. Filter on `kind` if you need only one.

    The result is a pure function of `now`, so running it every minute returns the same periods
    until the window closes. Exactly-once comes from the caller's Notice key, not from here.
    """
    zone = _zone(tz)
    window = max(catch_up, ON_TIME_SLACK)
    due: list[PeriodKey] = []
    daily = latest_instant(now, at=at, tz=zone)
    if now - daily <= window:
        covered = daily.astimezone(zone).date() - timedelta(days=1)
        due.append(PeriodKey("daily", covered.isoformat(), covered, covered, daily))
    if weekly_day is not None:
        weekly = latest_instant(now, at=at, tz=zone, weekday=_weekday_index(weekly_day))
        if now - weekly <= window:
            sent_on = weekly.astimezone(zone).date()
            first, last = sent_on - timedelta(days=7), sent_on - timedelta(days=1)
            year, week, _ = first.isocalendar()
            # The ISO week of the first day names a Monday-to-Sunday week. For other weekly days it
            # is still unique per period, because periods are 7 days apart.
            due.append(PeriodKey("weekly", f"{year}-W{week:02d}", first, last, weekly))
    return due


def period_job(
    job_id: str,
    send_if_due: Callable[[datetime], object],
    clock: Clock,
    *,
    every_seconds: int = PERIOD_TICK_SECONDS,
) -> Job:
    """A period job for `Runtime.jobs`: `send_if_due(now)` every minute, on the leader only.

    `send_if_due` must be idempotent (Notice keys). A coalesced or overlapping run, a retry, or a
    failover to another replica then costs one cheap lookup and sends nothing twice. The misfire
    grace equals the interval: if a tick is too late, skip it, because the next one does the same
    work.
    """
    return Job(
        job_id,
        lambda: send_if_due(clock.now()),
        every_seconds=every_seconds,
        misfire_grace_seconds=every_seconds,
        leader_only=True,
    )
