"""The nightly export: the day's new Mastodon case numbers, posted once to the duty channel.

An event observer notes each case opened on Mastodon; the job runs every hour and, from
`SOCIALDESK_MASTODON_EXPORT_HOUR` (UTC) on, posts the day's list through `JobRun.notify` under the key
`export:<day>`, which socialdesk sends at most once however often the job runs, on however many replicas.
The observer and the job both run on the leader; the list lives in its memory, so a restart starts the
day's list afresh (a real export would read from its own store).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import date, timedelta

from socialdesk.plugins import CaseEvent, EventObserver, Job, JobRun


class OpenedCases(EventObserver):
    name = "opened-cases"
    kinds = frozenset({"opened"})

    def __init__(self) -> None:
        self._by_day: dict[date, set[int]] = defaultdict(set)
        self._lock = threading.Lock()

    def on_event(self, event: CaseEvent) -> None:
        if event.detail.get("platform") == "mastodon":
            with self._lock:
                self._by_day[event.at.date()].add(event.case)

    def on(self, day: date) -> list[int]:
        with self._lock:
            return sorted(self._by_day.get(day, set()))


class DailyExport(Job):
    id = "daily-export"
    every = timedelta(hours=1)
    leader_only = True

    def __init__(self, opened: OpenedCases, *, hour: int) -> None:
        self._opened = opened
        self._hour = hour

    def run(self, run: JobRun) -> None:
        if run.now.hour < self._hour:
            return
        day = run.now.date()
        numbers = self._opened.on(day)
        listed = ", ".join(f"#{n}" for n in numbers) if numbers else "none"
        run.notify(f"export:{day.isoformat()}", f"Mastodon cases opened on {day:%Y-%m-%d}: {listed}")
