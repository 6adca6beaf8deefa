"""SLA clocks. The clock starts at the customer's post time, not when we happened to receive it.

Targets count working time when the case's team has business hours (nights, weekends and holidays do
not count; days are local days in the team's time zone, so DST moves the window with the local clock),
and wall-clock time otherwise. Each clock (first response, resolution) climbs through levels that
never go back: ok -> at_risk (at `at_risk_fraction` of the target) -> breached (the due time) -> paged
(at `page_after_fraction`, only for the priorities that page: `Config.page_priorities`). The
resolution clock stops while the case waits on the customer.

No clock runs for spam, for a case that needs no reply, or for one opened from history
(`no_clock_reason`): nobody is nudged, alerted or paged about those, whatever a row still says.

Pure: everything here is a function of its arguments (`now` included).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from socialdesk.domain.enums import CaseStatus, Category, Platform, Priority
from socialdesk.domain.models import Case
from socialdesk.domain.utc import as_utc

if TYPE_CHECKING:  # the config's schema, for annotations only: the domain imports nothing of the project
    from socialdesk.config import BusinessHours, Config, SlaTargets

# A calendar whose working days are all holidays would never end a target; ten years is "never".
_MAX_DAYS = 3660
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class SlaEventKind(StrEnum):
    """case_event kinds written by the SLA side."""

    SNOOZED = "snoozed"  # a lead silenced SLA alerts (detail until=None: turned them back on)
    LEVEL = "sla_level"  # a clock reached a new level (the audit trail; no thread line of its own)


class SlaLevel(StrEnum):
    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    PAGED = "paged"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {SlaLevel.OK: 0, SlaLevel.AT_RISK: 1, SlaLevel.BREACHED: 2, SlaLevel.PAGED: 3}


def level_of(value: str | None) -> SlaLevel:
    """A stored level; anything unknown reads as ok rather than failing a scan."""
    try:
        return SlaLevel(value or "ok")
    except ValueError:
        return SlaLevel.OK


def higher(a: SlaLevel, b: SlaLevel) -> SlaLevel:
    return a if a.rank >= b.rank else b


class SlaClock(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


def no_clock_reason(case: Case) -> str | None:
    """Why no SLA clock runs for this case (words for the card), or None when one does."""
    if case.status is CaseStatus.SPAM or case.category is Category.SPAM:
        return "spam"
    if case.historical:
        return "history"
    if not case.needs_reply:
        return "no reply needed"
    return None


def has_sla_clock(case: Case) -> bool:
    return no_clock_reason(case) is None


# --- working time ---------------------------------------------------------------------------------


def zone_of(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _windows(start: datetime, hours: BusinessHours, tz: str | tzinfo) -> Iterator[tuple[datetime, datetime]]:
    """Working intervals in UTC, from the local day that contains `start` on."""
    zone = zone_of(hours.timezone or tz)
    day = start.astimezone(zone).date()
    holidays = set(hours.holidays)
    for _ in range(_MAX_DAYS):
        if _WEEKDAYS[day.weekday()] in hours.days and day not in holidays:
            # Local wall times: 09:00 stays 09:00 across a DST change. A start inside the spring-forward
            # gap resolves to the pre-transition offset (fold=0), so the window simply starts at the jump.
            opens = datetime.combine(day, hours.start, tzinfo=zone).astimezone(UTC)
            closes = datetime.combine(day, hours.end, tzinfo=zone).astimezone(UTC)
            if closes > opens:
                yield opens, closes
        day += timedelta(days=1)
    raise ValueError("business hours: no working time within ten years (every working day a holiday?)")


def add_working_time(
    start: datetime, minutes: float, hours: BusinessHours | None, tz: str | tzinfo
) -> datetime:
    """`start` plus `minutes` of working time (wall-clock time when `hours` is None).

    Starting outside hours, the count begins when work next starts: Friday 16:50 plus 60 minutes with
    09:00-17:00 Monday to Friday is Monday 09:50. A target that ends exactly at closing time ends then."""
    start = as_utc(start)
    remaining = timedelta(minutes=minutes)
    if hours is None:
        return start + remaining
    if remaining <= timedelta(0):
        return start
    for opens, closes in _windows(start, hours, tz):
        if closes <= start:
            continue
        begin = max(opens, start)
        span = closes - begin
        if remaining <= span:
            return begin + remaining
        remaining -= span
    raise AssertionError("unreachable: _windows raises when it runs out")  # pragma: no cover


def working_time_between(
    a: datetime, b: datetime, hours: BusinessHours | None, tz: str | tzinfo
) -> timedelta:
    """Working time from `a` to `b` (zero when `b` is not after `a`)."""
    a, b = as_utc(a), as_utc(b)
    if b <= a:
        return timedelta(0)
    if hours is None:
        return b - a
    total = timedelta(0)
    for opens, closes in _windows(a, hours, tz):
        if opens >= b:
            break
        overlap = min(closes, b) - max(opens, a)
        if overlap > timedelta(0):
            total += overlap
    return total


# --- targets --------------------------------------------------------------------------------------


def first_response_due(
    sla: SlaTargets,
    *,
    platform: Platform,
    priority: Priority,
    posted_at: datetime,
    hours: BusinessHours | None = None,
    tz: str | tzinfo = "UTC",
) -> datetime:
    return add_working_time(posted_at, sla.first_response_minutes(platform, priority), hours, tz)


def resolution_minutes(sla: SlaTargets, platform: Platform, priority: Priority) -> int | None:
    """The resolution target in minutes, or None when the config sets none for this platform."""
    table = sla.resolution.get(platform) or {}
    return table.get(priority.value, table.get("default"))


def resolution_due(
    sla: SlaTargets,
    *,
    platform: Platform,
    priority: Priority,
    opened_at: datetime,
    hours: BusinessHours | None = None,
    tz: str | tzinfo = "UTC",
) -> datetime | None:
    minutes = resolution_minutes(sla, platform, priority)
    return None if minutes is None else add_working_time(opened_at, minutes, hours, tz)


# --- reading a clock ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClockReading:
    clock: SlaClock
    level: SlaLevel  # never below the stored level
    due: datetime
    next_at: datetime | None  # when the next level is reached; None at the top or while paused
    paused: bool = False


@dataclass(frozen=True, slots=True)
class CaseSla:
    first_response: ClockReading | None  # None once answered (or closed)
    resolution: ClockReading | None  # None without a resolution target (or closed)

    @property
    def readings(self) -> list[ClockReading]:
        return [r for r in (self.first_response, self.resolution) if r is not None]

    @property
    def next_check_at(self) -> datetime | None:
        times = [r.next_at for r in self.readings if r.next_at is not None]
        return min(times) if times else None


@dataclass(frozen=True, slots=True)
class Dues:
    first_response: datetime
    resolution: datetime | None
    check_at: datetime  # when the SLA scan first needs to look at the case


class SlaPolicy:
    """The config's SLA rules applied to cases: due times, levels, pauses. One per config."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._sla = config.sla

    def pages(self, case: Case) -> bool:
        """Whether this case pages the duty leads once it is well past its target (its priority is
        one its team's `page_priorities` lists)."""
        return case.priority in self._config.page_priorities(case.team)

    def calendar(self, team: str) -> tuple[BusinessHours | None, str]:
        """The team's business hours (None: around the clock) and the zone they are read in."""
        try:
            hours = self._config.team(team).business_hours
        except KeyError:  # a team removed from the config after its cases were opened
            hours = None
        zone = (hours.timezone if hours is not None else None) or self._config.timezone
        return hours, zone

    def dues(self, *, team: str, platform: Platform, priority: Priority, posted_at: datetime) -> Dues:
        hours, zone = self.calendar(team)
        first = first_response_due(
            self._sla, platform=platform, priority=priority, posted_at=posted_at, hours=hours, tz=zone
        )
        resolution = resolution_due(
            self._sla, platform=platform, priority=priority, opened_at=posted_at, hours=hours, tz=zone
        )
        thresholds = [self._at(posted_at, first, self._sla.at_risk_fraction, 0, hours, zone)]
        if resolution is not None:
            thresholds.append(self._at(posted_at, resolution, self._sla.at_risk_fraction, 0, hours, zone))
        return Dues(first_response=first, resolution=resolution, check_at=min(thresholds))

    def read(self, case: Case, now: datetime) -> CaseSla:
        if not case.status.is_open:
            return CaseSla(None, None)
        hours, zone = self.calendar(case.team)
        pages = self.pages(case)
        first = None
        if case.first_response_at is None:
            first = self._read(
                SlaClock.FIRST_RESPONSE,
                case.opened_at,
                case.first_response_due,
                now,
                stored=level_of(case.sla_level),
                paused_seconds=0,
                paused_since=None,
                hours=hours,
                zone=zone,
                pages=pages,
            )
        resolution = None
        if case.resolution_due is not None:
            resolution = self._read(
                SlaClock.RESOLUTION,
                case.opened_at,
                case.resolution_due,
                now,
                stored=level_of(case.resolution_level),
                paused_seconds=case.paused_seconds,
                paused_since=self.paused_since(case),
                hours=hours,
                zone=zone,
                pages=pages,
            )
        return CaseSla(first, resolution)

    def paused_since(self, case: Case) -> datetime | None:
        """When the resolution clock stopped, if it is stopped now (waiting on the customer)."""
        if not self._sla.pause_while_waiting or case.status is not CaseStatus.WAITING_CUSTOMER:
            return None
        return as_utc(case.waiting_since) if case.waiting_since is not None else None

    def end_pause(self, case: Case, now: datetime) -> timedelta:
        """The customer wrote back: the waited working time is added to `paused_seconds` and the
        resolution due time moves later by it. Returns the time added (zero when nothing was paused)."""
        since = self.paused_since(case)
        case.waiting_since = None
        if since is None:
            return timedelta(0)
        hours, zone = self.calendar(case.team)
        waited = working_time_between(since, now, hours, zone)
        seconds = int(waited.total_seconds())
        if seconds <= 0:
            return timedelta(0)
        case.paused_seconds += seconds
        if case.resolution_due is not None:
            case.resolution_due = add_working_time(case.resolution_due, seconds / 60, hours, zone)
        return timedelta(seconds=seconds)

    def _at(
        self,
        start: datetime,
        due: datetime,
        fraction: float,
        paused_seconds: int,
        hours: BusinessHours | None,
        zone: str,
    ) -> datetime:
        """When `fraction` of the target has been used: the target is the working time from start to
        due (as set when the case opened, so a later config change does not move promises made)."""
        target = working_time_between(start, due, hours, zone) - timedelta(seconds=paused_seconds)
        if target <= timedelta(0):
            return as_utc(due)
        minutes = (target.total_seconds() * fraction + paused_seconds) / 60
        return add_working_time(start, minutes, hours, zone)

    def _read(
        self,
        clock: SlaClock,
        start: datetime,
        due: datetime,
        now: datetime,
        *,
        stored: SlaLevel,
        paused_seconds: int,
        paused_since: datetime | None,
        hours: BusinessHours | None,
        zone: str,
        pages: bool = True,
    ) -> ClockReading:
        start, due, now = as_utc(start), as_utc(due), as_utc(now)
        thresholds = [
            (SlaLevel.AT_RISK, self._at(start, due, self._sla.at_risk_fraction, paused_seconds, hours, zone)),
            (SlaLevel.BREACHED, due),
        ]
        if pages:  # a priority that does not page stops at breached: nothing is due after it
            paged = self._at(start, due, self._sla.page_after_fraction, paused_seconds, hours, zone)
            thresholds.append((SlaLevel.PAGED, paged))
        # While paused the clock reads as it did when the pause began, and nothing is due until it resumes.
        at = min(now, paused_since) if paused_since is not None else now
        reached = SlaLevel.OK
        for level, when in thresholds:
            if at >= when:
                reached = level
        level = higher(stored, reached)
        next_at = None
        if paused_since is None:
            next_at = next((when for lvl, when in thresholds if lvl.rank > level.rank), None)
        return ClockReading(clock, level, due, next_at, paused=paused_since is not None)
