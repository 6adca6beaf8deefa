"""Periods: the stretch of the past a figure describes, ``[start, end)`` in UTC, built from local days.

Local days are built from the wall clock and then converted, so a day on which the clocks change is
23 or 25 hours long, as the people reading the figures lived it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Period:
    """``[start, end)`` in UTC; ``end`` must not be in the future (see the package docstring)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a Period needs timezone-aware datetimes")
        if self.end < self.start:
            raise ValueError(f"a Period cannot end ({self.end}) before it starts ({self.start})")

    def __contains__(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    # Built from the local wall clock, then converted: adding timedelta(days=1) to an aware datetime
    # would keep the old UTC offset and land an hour off on the day clocks change.
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def local_days(first: date, last: date, timezone: str) -> Period:
    """The local days ``first`` to ``last`` inclusive in ``timezone``: from ``first``'s midnight to the
    midnight after ``last``."""
    if last < first:
        raise ValueError(f"local_days: {last} is before {first}")
    zone = ZoneInfo(timezone)
    return Period(_local_midnight(first, zone), _local_midnight(last + timedelta(days=1), zone))


def today(now: datetime, timezone: str) -> Period:
    """From local midnight in ``timezone`` to ``now``."""
    zone = ZoneInfo(timezone)
    local_day = now.astimezone(zone).date()
    return Period(_local_midnight(local_day, zone), now.astimezone(UTC))


def week(now: datetime, timezone: str) -> Period:
    """From Monday 00:00 local time in ``timezone`` (ISO weeks start on Monday) to ``now``."""
    zone = ZoneInfo(timezone)
    local_day = now.astimezone(zone).date()
    monday = local_day - timedelta(days=local_day.weekday())
    return Period(_local_midnight(monday, zone), now.astimezone(UTC))
