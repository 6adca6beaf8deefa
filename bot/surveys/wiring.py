"""Everything surveys add to a running socialdesk, built in one call from the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from starlette.routing import Route

from socialdesk.casework.replies import ReplyDesk
from socialdesk.clock import Clock
from socialdesk.config import Config
from socialdesk.domain.enums import Platform
from socialdesk.domain.notify import CaseNotifier
from socialdesk.jobs import Job
from socialdesk.metrics import Metrics
from socialdesk.settings import Settings
from socialdesk.surveys.service import SurveyService
from socialdesk.surveys.webhook import SurveyWebhook

JOB_ID = "surveys"
EVERY_SECONDS = 60  # with delay_minutes 0 a survey goes out within a minute of the resolve


@dataclass(frozen=True, slots=True)
class SurveyWiring:
    service: SurveyService
    # The leader-only `surveys` job (one replica sends; the notice key makes each survey go out once),
    # or none when surveys are off: a feature switched off adds nothing to the schedule.
    jobs: list[Job]
    routes: list[Route]  # POST /webhooks/survey


def build_surveys(
    *,
    settings: Settings,
    engine: Engine,
    config: Config,
    clock: Clock,
    metrics: Metrics,
    notifier: CaseNotifier,
    replies: ReplyDesk,
    reachable: Callable[[Platform], bool],  # a reply on the platform could go out now (its source's)
) -> SurveyWiring:
    service = SurveyService(engine=engine, config=config, clock=clock, replies=replies, reachable=reachable)
    webhook = SurveyWebhook(
        settings=settings, engine=engine, config=config, clock=clock, metrics=metrics, notifier=notifier
    )
    job = Job(
        JOB_ID, service.send_due, every_seconds=EVERY_SECONDS, misfire_grace_seconds=60, leader_only=True
    )
    jobs = [job] if config.surveys.enabled else []
    return SurveyWiring(service=service, jobs=jobs, routes=webhook.routes())
