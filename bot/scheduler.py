"""Scheduled work (APScheduler 3.x): explicit ids, coalesce, one instance at a time per job."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

JOB_DEFAULTS: dict[str, Any] = {"coalesce": True, "max_instances": 1}


def build_scheduler(
    jobs: dict[str, tuple[Callable[[], object], int, int]], timezone: str
) -> BackgroundScheduler:
    """`jobs`: id -> (function, every N seconds, misfire grace seconds)."""
    scheduler = BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone=timezone)
    for job_id, (func, seconds, grace) in jobs.items():
        scheduler.add_job(
            func,
            IntervalTrigger(seconds=seconds),
            id=job_id,
            name=job_id,
            misfire_grace_time=grace,
            replace_existing=True,
        )
    return scheduler
