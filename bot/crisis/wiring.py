"""Builds the crisis side of a runtime from the installed playbooks: the desk, the intake hook on
ingest, and the scheduled jobs (reminders, early warning). Playbooks are loaded once at start; an
invalid one stops the start with file, line and reason, like an invalid config."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine

from socialdesk.casework.roles import RoleDirectory
from socialdesk.clock import Clock
from socialdesk.config import Config
from socialdesk.crisis.early_warning import EarlyWarning
from socialdesk.crisis.intake import CrisisIntake
from socialdesk.crisis.reminders import CrisisReminders
from socialdesk.crisis.roles import PlaybookRoles
from socialdesk.crisis.service import CrisisDesk
from socialdesk.domain.notify import CaseNotifier
from socialdesk.domain.playbooks.loader import load_playbooks
from socialdesk.domain.playbooks.schema import Playbook
from socialdesk.jobs import Job
from socialdesk.settings import Settings
from socialdesk.slack.transport.crisis_messages import CrisisMessages
from socialdesk.sources.posts import BrandPosters, build_brand_posters

log = logging.getLogger(__name__)


@dataclass
class CrisisParts:
    playbooks: dict[str, Playbook]
    desk: CrisisDesk | None
    intake: CrisisIntake | None
    posters: BrandPosters | None
    jobs: list[Job] = field(default_factory=list)


def build_crisis(
    *,
    settings: Settings,
    engine: Engine,
    config: Config,
    clock: Clock,
    directory: RoleDirectory,
    cards: CaseNotifier | None = None,
) -> CrisisParts:
    """``cards`` moves the cards of the cases a crisis takes in (from its early warning) to its war room."""
    playbooks = load_playbooks(settings.playbooks_path())
    if not playbooks:
        log.info("no crisis playbooks in %s: /crisis is off", settings.playbooks_path())
        return CrisisParts(playbooks={}, desk=None, intake=None, posters=None)

    def library() -> dict[str, Playbook]:
        return playbooks

    posters = build_brand_posters(settings)
    common = {
        "engine": engine,
        "config": config,
        "clock": clock,
        "playbooks": library,
        "roles": PlaybookRoles(config, directory),
        "notifier": CrisisMessages(),
        "poster": posters,
    }
    desk = CrisisDesk(**common, cards=cards)  # type: ignore[arg-type]
    reminders = CrisisReminders(**common)  # type: ignore[arg-type]
    warning = EarlyWarning(engine=engine, config=config, playbooks=library, clock=clock)
    return CrisisParts(
        playbooks=playbooks,
        desk=desk,
        intake=CrisisIntake(library, at_risk_fraction=config.sla.at_risk_fraction),
        posters=posters,
        jobs=[
            Job("crisis-reminders", reminders.scan, every_seconds=60, misfire_grace_seconds=30),
            Job("crisis-early-warning", warning.scan, every_seconds=60, misfire_grace_seconds=30),
        ],
    )
