"""What privacy adds to a running socialdesk, built in one call from the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from socialdesk.clock import Clock
from socialdesk.config import Config
from socialdesk.jobs import Job
from socialdesk.privacy.retention import RetentionPurge

JOB_ID = "privacy-purge"
# Nightly at 03:17 local time: quiet hours, and off the hour when other housekeeping tends to run.
PURGE_CRON = {"hour": "3", "minute": "17"}


@dataclass(frozen=True, slots=True)
class PrivacyWiring:
    purge: RetentionPurge
    # Leader-only: two replicas purging at once would only repeat work, but one is enough, and the
    # batches are sized for one writer at a time.
    jobs: list[Job]


def build_privacy(*, engine: Engine, config: Config, clock: Clock) -> PrivacyWiring:
    purge = RetentionPurge(engine, config, clock)
    job = Job(JOB_ID, purge.run, cron=dict(PURGE_CRON), misfire_grace_seconds=3600, leader_only=True)
    return PrivacyWiring(purge=purge, jobs=[job])
