"""`socialdesk ingest FILE`: JSON Lines of generic mentions into the inbox, then through the pipeline.

`historical=True` (`--historical`) stores the lines under the inbox source `history`: their cases open
without an SLA clock and never alert, whichever process drains them (bot/ingest/history.py). Posts
older than `ingest.historical_after_minutes` are history either way.

The lines are read by the `generic` source of `plugins`, the registry the caller started the way a
runtime starts it (`socialdesk.app_plugins.start_runtime_plugins`): there is no normalizer table to
fall back on. Without an active generic source nothing is stored (`SourceUnavailable` says why)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from socialdesk.clock import Clock, SystemClock
from socialdesk.config import Config
from socialdesk.ingest import inbox
from socialdesk.ingest.by_source import InboxReader, SourceRegistry
from socialdesk.ingest.history import HISTORY_SOURCE
from socialdesk.ingest.pipeline import IngestPipeline
from socialdesk.metrics import Metrics
from socialdesk.plugins.mentions import MalformedPayload
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.settings import Settings
from socialdesk.slack.transport.notifier import OutboxNotifier
from socialdesk.store.db import make_engine
from socialdesk.store.migrate import upgrade


@dataclass
class ImportReport:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    cases_opened: int = 0
    followups: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "cases_opened": self.cases_opened,
            "followups": self.followups,
            "errors": self.errors[:20],
        }


def import_lines(
    settings: Settings,
    config: Config,
    lines: Iterable[str],
    *,
    on_line: Callable[[], None] = lambda: None,
    plugins: SourceRegistry,
    historical: bool = False,
    clock: Clock | None = None,
) -> ImportReport:
    clock = clock or SystemClock()
    source = HISTORY_SOURCE if historical else "generic"
    engine = make_engine(settings.database_url)
    upgrade(engine)
    brand = BrandAccounts.from_config(config.ingest)
    reader = InboxReader(plugins)
    reader.resolve(source)  # SourceUnavailable before any line is stored, when no source reads them
    report = ImportReport()
    for number, line in enumerate(lines, start=1):
        on_line()
        if not line.strip():
            continue
        body = line.strip().encode("utf-8")
        try:
            reader.normalize(source, body, brand)
        except MalformedPayload as exc:
            inbox.reject(
                engine,
                source=source,
                body=body,
                content_type="application/json",
                reason=str(exc),
                now=clock.now(),
            )
            report.rejected += 1
            report.errors.append(f"line {number}: {exc}")
            continue
        result = inbox.accept(
            engine, source=source, body=body, content_type="application/json", now=clock.now()
        )
        if result.duplicate:
            report.duplicates += 1
        else:
            report.accepted += 1
    pipeline = IngestPipeline(
        engine=engine,
        config=config,
        notifier=OutboxNotifier(config),
        clock=clock,
        metrics=Metrics(),
        triage_model=settings.socialdesk_triage_model,
    )
    pipeline.sources = reader
    drained = pipeline.drain()
    report.cases_opened, report.followups = drained.cases_opened, drained.followups
    return report
