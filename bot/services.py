"""Background machinery of a running service: ingest/outbox workers and the scheduler."""

from __future__ import annotations

import logging

import httpx
from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import Runtime
from bot.connectors.x_poller import XMentionsPoller
from bot.domain.enums import Platform
from bot.ingest import inbox
from bot.scheduler import build_scheduler

log = logging.getLogger(__name__)


def x_poller(runtime: Runtime) -> XMentionsPoller | None:
    """Polls X mentions when a bearer token and our X account id are configured."""
    settings, config = runtime.settings, runtime.config
    ids = config.ingest.brand_ids.get(Platform.X) or []
    if settings.x_access_token is None or not ids:
        return None

    def sink(body: bytes) -> None:
        inbox.accept(
            runtime.engine,
            source="x_poll",
            body=body,
            content_type="application/json",
            now=runtime.clock.now(),
        )
        runtime.wake_ingest()

    return XMentionsPoller(
        httpx.Client(base_url=settings.x_api_url, timeout=15),
        user_id=ids[0],
        bearer_token=settings.x_access_token.get_secret_value(),
        engine=runtime.engine,
        sink=sink,
        clock=runtime.clock,
    )


def start_background(runtime: Runtime) -> BackgroundScheduler:
    runtime.start_workers()
    jobs: dict[str, tuple[object, int, int]] = {
        # Safety nets: the workers are woken on new work; these catch retries that fall due later.
        "outbox-retry": (runtime.outbox.drain, 15, 30),
        "inbox-retry": (runtime.pipeline.drain, 60, 120),
    }
    for job in runtime.jobs.values():  # TODO(scheduler): cron jobs and leader-only jobs
        if job.every_seconds is not None:
            jobs[job.id] = (job.func, job.every_seconds, job.misfire_grace_seconds)
    poller = x_poller(runtime)
    if poller is not None:
        jobs["x-mentions-poll"] = (poller.poll_once, 60, 60)
    scheduler = build_scheduler(jobs, runtime.config.timezone)  # type: ignore[arg-type]
    scheduler.start()
    log.info("scheduler started with jobs %s", sorted(jobs))
    return scheduler


def stop_background(runtime: Runtime, scheduler: BackgroundScheduler) -> None:
    scheduler.shutdown(wait=False)
    runtime.close()
