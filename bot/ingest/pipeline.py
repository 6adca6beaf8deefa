"""Inbox -> normalize -> enrich -> open or join a case -> notify.

Several inbox rows per transaction (`rows_per_transaction`): each row is read and prepared (parsed,
completed by its source, masked, triaged: the CPU-heavy part, bot/ingest/prepare.py) before the write
transaction begins, then the batch's rows are locked, worked (bot/ingest/batch.py, the cases in
bot/ingest/cases.py) and each marked done in one transaction, so a batch costs one commit and a few shared
reads; the cases it opens are written together, one INSERT per table (bot/ingest/openings.py). A row
whose work raises fails only itself: the batch is rolled back and its rows worked one per transaction,
the failing one marked failed with its body kept. A crash anywhere before the commit leaves every row of
the batch pending, and the next pass works them again from scratch: their case, card and counters come
from the one commit that makes them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from socialdesk.clock import Clock
from socialdesk.config import Config
from socialdesk.crisis.intake import CrisisIntake
from socialdesk.domain.notify import CaseNotifier
from socialdesk.failpoints import failpoint
from socialdesk.ingest import inbox, inbox_rows
from socialdesk.ingest.batch import BatchWork
from socialdesk.ingest.by_source import InboxReader
from socialdesk.ingest.cases import MentionCases
from socialdesk.ingest.enrich import MentionEnricher
from socialdesk.ingest.inbox_rows import InboxRow, Outcome
from socialdesk.ingest.prepare import Prepared, RowPreparer
from socialdesk.ingest.report import DrainReport
from socialdesk.metrics import Metrics
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.store.db import writer
from socialdesk.surveys.answers import SurveyAnswers
from socialdesk.triage.path import Triage

__all__ = ["DrainReport", "IngestPipeline"]

log = logging.getLogger(__name__)

# Inbox rows per write transaction. On SQLite the transaction holds the database's one write lock, which
# webhook acceptance waits for (a few milliseconds of work per row): a small batch keeps that wait short.
# PostgreSQL locks rows, not the database, and each commit is a WAL flush: larger batches pay there.
ROWS_PER_TRANSACTION_SQLITE = 8
ROWS_PER_TRANSACTION_POSTGRES = 32


class IngestPipeline:
    def __init__(
        self,
        *,
        engine: Engine,
        config: Config,
        notifier: CaseNotifier,
        clock: Clock,
        metrics: Metrics,
        triage: Triage | None = None,
        triage_model: Path | None = None,
        lazy_triage: bool = False,
    ) -> None:
        self._engine = engine
        self._metrics = metrics
        self._brand = BrandAccounts.from_config(config.ingest)
        # The one triage path (bot/triage/): the team's rules, then the learned models.
        triage = triage or Triage(
            category_rules=config.category_rules,
            priority_rules=config.priority_rules,
            model_path=triage_model,  # None: the shipped model (SOCIALDESK_TRIAGE_MODEL names a team's)
            lazy=lazy_triage,
        )
        self._preparer = RowPreparer(config=config, clock=clock, triage=triage, brand=self._brand)
        self._cases = MentionCases(config=config, notifier=notifier, triage=triage)
        self._batch = BatchWork(
            config=config,
            notifier=notifier,
            cases=self._cases,
            survey_answers=SurveyAnswers(config=config, notifier=notifier),
        )
        self._writer = writer(engine)
        self._for_update = not engine.url.get_backend_name().startswith("sqlite")

    @property
    def brand(self) -> BrandAccounts:
        return self._brand

    # Set by the composition root: inbox rows are read by their source's plugin (bot/ingest/by_source.py),
    # the built-in sources like any other. Unset, no row can be read: each keeps its body and fails.
    @property
    def sources(self) -> InboxReader | None:
        return self._preparer.sources

    @sources.setter
    def sources(self, reader: InboxReader | None) -> None:
        self._preparer.sources = reader

    # Set by the composition root when playbooks are installed (bot/crisis/intake.py).
    @property
    def crisis_intake(self) -> CrisisIntake | None:
        return self._cases.crisis_intake

    @crisis_intake.setter
    def crisis_intake(self, intake: CrisisIntake | None) -> None:
        self._cases.crisis_intake = intake

    # Set by the composition root when plugins contribute enrichers (bot/plugin_host/enrichers.py).
    @property
    def enrichers(self) -> MentionEnricher | None:
        return self._cases.enrichers

    @enrichers.setter
    def enrichers(self, enrichers: MentionEnricher | None) -> None:
        self._cases.enrichers = enrichers

    def drain(
        self,
        *,
        batch: int = 200,
        max_items: int | None = None,
        between_items: Callable[[], None] = lambda: None,
    ) -> DrainReport:
        """Process pending inbox items until none are left (or `max_items`); safe to call from any thread.

        `between_items` runs before each item: the service uses it to give way to webhook traffic."""
        report = DrainReport()
        after = 0  # each row once per pass: one that fails is tried again by the next pass, not now
        while max_items is None or report.items < max_items:
            after = self._process_batch(batch, report, between_items, after)
            if after == 0:
                break
        if self.enrichers is not None:
            self.enrichers.flush_reports()  # an enricher switched off mid-transaction is reported now
        return report

    @property
    def rows_per_transaction(self) -> int:
        return ROWS_PER_TRANSACTION_POSTGRES if self._for_update else ROWS_PER_TRANSACTION_SQLITE

    def _process_batch(
        self, batch: int, report: DrainReport, between_items: Callable[[], None], after: int
    ) -> int:
        """Work up to `batch` rows above id `after`; returns the last id taken (0: none was left)."""
        with Session(self._engine, expire_on_commit=False) as session:
            ids = inbox.pending_ids(session, limit=batch, for_update=False, after=after)
        step = self.rows_per_transaction
        for start in range(0, len(ids), step):
            between_items()
            self._process_rows(ids[start : start + step], report)
        return ids[-1] if ids else 0

    def _process_rows(self, ids: list[int], report: DrainReport) -> None:
        """Prepare the rows of `ids`, then work them in one transaction; on an error, one by one."""
        work: list[tuple[InboxRow, Prepared]] = []
        for row in inbox_rows.read_workable(self._engine, ids):  # gone or done already: not read
            try:
                work.append((row, self._preparer.prepare(row)))
            except Exception as exc:  # keep the payload; a later drain retries it
                self._failed(row.id, exc, report)
        if len(work) > 1:
            try:
                self._commit(work, report)
                return
            except Exception:
                log.warning(
                    "a batch of %d inbox items failed; working them one by one", len(work), exc_info=True
                )
                work = [(row, self._preparer.fresh(row, prepared)) for row, prepared in work]
        for one in work:
            try:
                self._commit([one], report)
            except Exception as exc:
                self._failed(one[0].id, exc, report)

    def _commit(self, work: list[tuple[InboxRow, Prepared]], report: DrainReport) -> None:
        """Work the rows in one transaction; `report` and the metrics learn of them once it committed."""
        done = DrainReport()
        with Session(self._writer, expire_on_commit=False) as session:
            # Rows another worker or replica took meanwhile are not ours any more.
            ours = inbox_rows.lock_workable(session, [row.id for row, _ in work], for_update=self._for_update)
            work = [(row, prepared) for row, prepared in work if row.id in ours]
            txn = self._batch.begin(session, [p for _, p in work])
            outcomes: list[Outcome] = []
            for n, (row, prepared) in enumerate(work):
                if n:
                    failpoint("ingest.mid_batch")
                outcomes.append(self._batch.apply(txn, row, prepared, done))
            self._batch.finish(txn, done)
            inbox_rows.finish(session, outcomes)
            failpoint("ingest.before_commit")
            session.commit()
        failpoint("ingest.after_commit")
        self._publish(done, report)

    def _publish(self, done: DrainReport, report: DrainReport) -> None:
        report.add(done)
        for (platform, result), n in done.mention_results.items():
            self._metrics.mentions.labels(platform=platform, result=result).inc(n)
        for status, n in done.inbox_statuses.items():
            self._metrics.inbox_processed.labels(status=status).inc(n)

    def _failed(self, inbox_id: int, exc: Exception, report: DrainReport) -> None:
        log.error("inbox item %s failed", inbox_id, exc_info=exc)
        report.failed += 1
        with self._writer.begin() as conn:
            inbox_rows.mark_failed(conn, inbox_id, f"{type(exc).__name__}: {exc}")
        self._metrics.inbox_processed.labels(status="failed").inc()
