"""The contract between services and the scheduler: each service offers its scheduled work as `Job`s
(added to `Runtime.jobs` in the composition root); `bot/scheduler.py` turns them into APScheduler
jobs with explicit ids, coalesce and max_instances=1, on the leader when `leader_only`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Job:
    id: str  # explicit and stable: "sla-scan", "digest-daily", ...
    func: Callable[[], object]
    every_seconds: int | None = None  # an interval job...
    cron: dict[str, str] | None = None  # ...or a cron job, e.g. {"hour": "8", "minute": "0"}, local time
    misfire_grace_seconds: int = 60
    leader_only: bool = True  # scheduled sends must run on one replica; local housekeeping may not

    def __post_init__(self) -> None:
        if (self.every_seconds is None) == (self.cron is None):
            raise ValueError(f"job {self.id}: give exactly one of every_seconds or cron")
