"""Simulated time for `socialdesk demo`: `wait 12m`, `wait until 08:00 tomorrow`, `sla scan`, `digest`.

The demo runs no scheduler thread (everything happens at the prompt, in simulated time), so `wait` does
the scheduler's part: it moves the manual clock on one minute at a time and, at each tick, runs the jobs
the leader would run then. They are found in `Runtime.jobs` by their ids, exactly as `bot/scheduler.py`
finds them, so the demo runs the production job functions, not a copy. Then the outbox settles.

Ticking every minute (rather than jumping straight to the end) matters: the SLA scan alerts a case for
the level it is at now, so a single jump past a breach would skip the at-risk nudge the way a real outage
of the scheduler would. A tick that reached Slack is shown as it happened, under its local time, so an
hour's wait tells the story in order: amber, then red, then the page.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.rule import Rule
from rich.text import Text

from socialdesk.crisis.early_warning import WarningReport
from socialdesk.crisis.reminders import ReminderReport
from socialdesk.demo import changes
from socialdesk.demo.pretend_user import DemoInputError
from socialdesk.jobs import Job
from socialdesk.sla.scanner import ScanReport

if TYPE_CHECKING:  # steps imports this module; the Stage is only a type here
    from socialdesk.demo.steps import Stage

SLA_JOB, DIGEST_JOB = "sla-scan", "digest"
WARNING_JOB, REMINDER_JOB = "crisis-early-warning", "crisis-reminders"
# The clock-driven work the demo has to show; all are minute jobs (the crisis ones exist only when
# playbooks are installed, as in the demo).
SCHEDULED = (SLA_JOB, DIGEST_JOB, WARNING_JOB, REMINDER_JOB)
TICK = timedelta(minutes=1)
# A wait is ticked through minute by minute; a week is already ~10,000 ticks (a few seconds).
LONGEST_WAIT = timedelta(days=7)

_DURATION = re.compile(r"(\d+)\s*(d|h|m)")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

USAGE = "Try `wait 12m`, `wait 1h30m` or `wait until 08:00 tomorrow`."


def wait_target(words: list[str], now: datetime, tz: str) -> datetime:
    """Where `wait …` moves the clock: `wait 12m` / `1h30m` / `2d`, or `wait until 08:00 [tomorrow]`
    (a local time in the config's time zone: the next one after now, or the one on the next day)."""
    rest = [w.lower() for w in words]
    if not rest:
        raise DemoInputError(f"Wait how long? {USAGE}")
    if rest[0] == "until":
        target = _until(rest[1:], now, tz)
    else:
        spec = "".join(rest).removesuffix("in")  # `12min` reads like `12m`
        if not spec or _DURATION.sub("", spec):
            raise DemoInputError(f"`{' '.join(words)}` is not a duration. {USAGE}")
        target = now + sum((int(n) * _UNITS[u] for n, u in _DURATION.findall(spec)), timedelta())
    if target <= now:
        raise DemoInputError("Time only moves forward in the demo: pick a later time.")
    if target - now > LONGEST_WAIT:
        raise DemoInputError("The demo waits at most 7 days at a time.")
    return target


def _until(words: list[str], now: datetime, tz: str) -> datetime:
    clock = [w for w in words if _CLOCK.match(w)]
    days = [w for w in words if w in {"today", "tomorrow"}]
    if len(clock) != 1 or len(days) > 1 or len(clock) + len(days) != len(words):
        raise DemoInputError(f"`until {' '.join(words)}` is not a time of day. {USAGE}")
    hour, minute = (int(part) for part in clock[0].split(":"))
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    day = local.date() + timedelta(days=1 if days == ["tomorrow"] else 0)
    target = datetime.combine(day, time(hour, minute), tzinfo=zone)
    if not days and target <= local:
        target = datetime.combine(day + timedelta(days=1), time(hour, minute), tzinfo=zone)
    return target


def local_time(stage: Stage, when: datetime | None = None) -> str:
    """`Tue 24 Nov 14:16` in the config's time zone: the zone the digest time and business hours are set
    in. The date too, since a wait can cross days (a week looks the same as no time at all otherwise)."""
    when = when or stage.clock.now()
    return f"{when.astimezone(ZoneInfo(stage.runtime.config.timezone)):%a %d %b %H:%M}"


def scheduled_jobs(stage: Stage, ids: tuple[str, ...] = SCHEDULED) -> list[Job]:
    return [stage.runtime.jobs[i] for i in ids if i in stage.runtime.jobs]


def wait(stage: Stage, words: list[str]) -> None:
    """Tick through to the target time, showing each tick that changed something in Slack."""
    target = wait_target(words, stage.clock.now(), stage.runtime.config.timezone)
    jobs = scheduled_jobs(stage)
    zone = stage.runtime.config.timezone
    stage.console.print(
        Text(
            f"⏩ {local_time(stage)} → {local_time(stage, target)} ({zone}): every simulated minute runs "
            f"the scheduler's {', '.join(j.id for j in jobs) or 'jobs'} as the leader would.",
            style="dim",
        )
    )
    before, calls, happened = stage.snapshot(), len(stage.standin.calls), False
    tick = _next_tick(stage.clock.now())
    while tick <= target:
        stage.clock.set(max(tick, stage.clock.now()))
        said, busy = run_jobs(stage, jobs)
        if busy:  # most minutes of a night queue nothing: skip settling the (already empty) outbox
            stage.runtime.run_until_idle(stage.clock)
        seen = len(stage.standin.calls)
        if seen != calls or said:
            happened = True
            stage.console.print(Rule(f"[bold]{local_time(stage, tick)}[/bold]", align="left", style="yellow"))
            for line in said:
                stage.console.print(Text(line, style="yellow"))
            show_changes(stage, before)
            before, calls = stage.snapshot(), seen
        tick += TICK
    stage.clock.set(max(target, stage.clock.now()))
    quiet = "" if happened else " Nothing was due on the way."
    stage.console.print(Text(f"It is now {local_time(stage)} ({zone}).{quiet}", style="dim"))


def run_now(stage: Stage, job_id: str) -> None:
    """`sla scan` / `digest`: one run of that job at the current simulated time, and what it changed."""
    jobs = scheduled_jobs(stage, (job_id,))
    if not jobs:
        raise DemoInputError(f"This build has no `{job_id}` job.")
    before = stage.snapshot()
    said, _ = run_jobs(stage, jobs)
    stage.runtime.run_until_idle(stage.clock)
    if job_id == DIGEST_JOB and not said:
        digest = stage.runtime.config.digest
        said = [
            f"{local_time(stage)}: no digest due. Yesterday's goes out from {digest.time:%H:%M} "
            f"({stage.runtime.config.timezone}), once: try `wait until {digest.time:%H:%M} tomorrow`."
        ]
    for line in said or [f"{local_time(stage)}: {job_id} ran; nothing was due."]:
        stage.console.print(Text(line, style="yellow"))
    show_changes(stage, before)


def run_jobs(stage: Stage, jobs: list[Job]) -> tuple[list[str], bool]:
    """Run each job once, as the scheduler would: a failure is reported and the others still run.
    Returns what to tell the reader, and whether any job may have queued something for Slack."""
    said: list[str] = []
    busy = False
    for job in jobs:
        try:
            result = job.func()
        except Exception as exc:  # the scheduler logs and carries on; the demo says so and counts it
            stage.stats.job_failures.append(f"{job.id}: {exc!r}")
            said.append(f"✖ the {job.id} job failed: {exc!r}")
            busy = True
            continue
        said.extend(_describe(job.id, result))
        busy = busy or _maybe_queued(result)
    return said, busy


def _maybe_queued(result: object) -> bool:
    # A scan that looked at no case, a digest run that answered False, a crisis scan that warned and
    # reminded nobody queued nothing; anything else (another job's result) is assumed to have.
    if isinstance(result, ScanReport):
        return result.looked_at > 0 or result.more
    if isinstance(result, WarningReport):
        return bool(result.warnings or result.reach_warnings or result.episodes_closed)
    if isinstance(result, ReminderReport):
        return bool(result.reminders or result.stale_drafts)
    return result is not False


def show_changes(stage: Stage, before: changes.Snapshot) -> None:
    watched = stage.watched()
    changes.show_slack(stage.console, before, stage.standin, watched, stage.names, gist=True)
    changes.show_files(stage.console, stage.standin, stage.saved_files, stage.files_dir)
    changes.show_customers(stage.console, before, stage.platforms)


def _describe(job_id: str, result: object) -> list[str]:
    # One line per run that did something, so the reader knows which job moved which card.
    if isinstance(result, ScanReport):
        parts = [
            (result.nudges, "at risk (nudged in the card's thread)"),
            (result.breaches, "breached (one grouped alert per team)"),
            (result.pages, "still waiting well past the target (duty lead paged)"),
        ]
        said = [f"{n} case{'s' if n != 1 else ''} {what}" for n, what in parts if n]
        return [f"SLA scan: {'; '.join(said)}."] if said else []
    if job_id == DIGEST_JOB and result is True:
        return ["Digest: yesterday's figures queued for the managers' channel, the chart for its thread."]
    if isinstance(result, WarningReport) and (result.warnings or result.reach_warnings):
        spiking = ", ".join(result.spiking) or "a playbook's topic"
        return [
            f"Early warning: negative posts are spiking ({spiking}); "
            f"{result.warnings + result.reach_warnings} warning(s) queued for the duty channel."
        ]
    if isinstance(result, ReminderReport) and result.reminders:
        return [f"Crisis reminders: {result.reminders} update reminder(s) posted in the war room."]
    return []


def _next_tick(now: datetime) -> datetime:
    # The scheduler's minute jobs fire on whole minutes; so do the demo's.
    return now.replace(second=0, microsecond=0) + TICK
