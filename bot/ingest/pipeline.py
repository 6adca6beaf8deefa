"""Inbox -> normalize -> enrich -> open or join a case -> notify.

Several inbox rows per transaction (`rows_per_transaction`): each row is read and prepared (parsed,
completed by its source, masked, triaged: the CPU-heavy part) before the write transaction begins, then
the batch's rows are locked, worked and each marked done in one transaction, so a batch costs one commit
and a few shared reads; the cases it opens are written together, one INSERT per table
(bot/ingest/openings.py). A row whose work raises fails only itself: the batch is rolled back and its rows
worked one per transaction, the failing one marked failed with its body kept. A crash anywhere before
the commit leaves every row of the batch pending, and the next pass works them again from scratch:
their case, card and counters come from the one commit that makes them."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from socialdesk.casework.routing import RouteInput, route
from socialdesk.clock import Clock
from socialdesk.config import Config
from socialdesk.crisis.intake import CrisisIntake
from socialdesk.domain.crisis_models import Crisis
from socialdesk.domain.enums import CaseStatus, Category, InboxStatus, Platform, Priority
from socialdesk.domain.models import Case, Mention
from socialdesk.domain.notify import CaseNotifier
from socialdesk.domain.ratings import valid_rating
from socialdesk.domain.redact import mask
from socialdesk.domain.sla import SlaPolicy, has_sla_clock
from socialdesk.failpoints import failpoint
from socialdesk.ingest import delivery, inbox, inbox_rows
from socialdesk.ingest.by_source import InboxReader, SourceUnavailable
from socialdesk.ingest.edits import apply_edit, unchanged
from socialdesk.ingest.enrich import MentionEnricher, merge_enrichment
from socialdesk.ingest.history import is_history
from socialdesk.ingest.inbox_rows import InboxRow, Outcome
from socialdesk.ingest.openings import Opening, Openings
from socialdesk.metrics import Metrics
from socialdesk.plugins.kinds import MentionFacts
from socialdesk.plugins.mentions import DeliveryFailure, MalformedPayload, NormalizedMention
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.store import cases_repo, crisis_repo, events_repo
from socialdesk.store.db import writer
from socialdesk.surveys.answers import SurveyAnswers
from socialdesk.triage.path import Assessment, Author, Triage
from socialdesk.triage.priority import PolicyDecision

log = logging.getLogger(__name__)

# Incident cases on the same platform within this span count as "reported by several customers".
INCIDENT_WINDOW = timedelta(hours=1)
# A review's details as stored: a few (label, value) pairs, cut to size (the card cuts again to fit).
MAX_DETAILS = 6
MAX_DETAIL_LABEL = 40
MAX_DETAIL_VALUE = 300
# Inbox rows per write transaction. On SQLite the transaction holds the database's one write lock, which
# webhook acceptance waits for (a few milliseconds of work per row): a small batch keeps that wait short.
# PostgreSQL locks rows, not the database, and each commit is a WAL flush: larger batches pay there.
ROWS_PER_TRANSACTION_SQLITE = 8
ROWS_PER_TRANSACTION_POSTGRES = 32


@dataclass(frozen=True, slots=True)
class _Prepared:
    now: datetime
    mentions: list[tuple[NormalizedMention, Mention, Assessment]]
    skipped: list[str]
    malformed: str | None = None
    failures: list[DeliveryFailure] = field(default_factory=list)  # replies the platform did not deliver


@dataclass
class _Txn:
    """What the rows of one write transaction share."""

    session: Session
    # Mentions already stored under the batch's (platform, external id)s, read in one statement, and
    # those the batch itself stores: a redelivery inside the batch is a duplicate like any other.
    known: dict[tuple[Platform, str], Mention]
    # Cases opened and not written yet: one INSERT per table for a run of them (bot/ingest/openings.py).
    openings: Openings = field(default_factory=Openings)
    _running: list[Crisis] | None = None

    def running_crises(self) -> list[Crisis]:
        """The running crises, read once per transaction (no row of a batch declares or ends one; on
        SQLite no other writer can while the batch holds the write lock)."""
        if self._running is None:
            self._running = crisis_repo.active(self.session)
        return self._running


@dataclass
class DrainReport:
    items: int = 0
    mentions: int = 0
    cases_opened: int = 0
    followups: int = 0
    duplicates: int = 0
    edits: int = 0  # edited reviews that updated the case they opened (bot/ingest/edits.py)
    ignored: int = 0
    failed: int = 0
    survey_answers: int = 0  # bare scores stored on a surveyed case, opening nothing
    case_ids: list[int] = field(default_factory=list)
    # Counter increments of work not committed yet: applied to the metrics once it is (a batch rolled
    # back and worked again one by one must not count its rows twice).
    mention_results: Counter[tuple[str, str]] = field(default_factory=Counter)  # (platform, result)
    inbox_statuses: Counter[str] = field(default_factory=Counter)

    def counted(self, platform: Platform, result: str) -> None:
        self.mention_results[(platform.value, result)] += 1

    def add(self, other: DrainReport) -> None:
        """`other`'s committed work, added to this report."""
        for name in (
            "items",
            "mentions",
            "cases_opened",
            "followups",
            "duplicates",
            "edits",
            "ignored",
            "failed",
            "survey_answers",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.case_ids.extend(other.case_ids)


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
    ) -> None:
        self._engine = engine
        self._config = config
        self._notifier = notifier
        self._clock = clock
        self._metrics = metrics
        self._brand = BrandAccounts.from_config(config.ingest)
        self._survey_answers = SurveyAnswers(config=config, notifier=notifier)
        self._sla = SlaPolicy(config)
        # The one triage path (bot/triage/): the team's rules, then the learned models.
        self._triage = triage or Triage(
            category_rules=config.category_rules,
            priority_rules=config.priority_rules,
            model_path=triage_model,  # None: the shipped model (SOCIALDESK_TRIAGE_MODEL names a team's)
        )
        self._writer = writer(engine)
        # Set by the composition root when playbooks are installed (bot/crisis/intake.py).
        self.crisis_intake: CrisisIntake | None = None
        # Set by the composition root when plugins contribute enrichers (bot/plugin_host/enrichers.py).
        self.enrichers: MentionEnricher | None = None
        # Set by the composition root: inbox rows are read by their source's plugin (bot/ingest/by_source.py),
        # the built-in sources like any other. Unset, no row can be read: each keeps its body and fails.
        self.sources: InboxReader | None = None
        self._for_update = not engine.url.get_backend_name().startswith("sqlite")

    @property
    def brand(self) -> BrandAccounts:
        return self._brand

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
        work: list[tuple[InboxRow, _Prepared]] = []
        for row in inbox_rows.read_workable(self._engine, ids):  # gone or done already: not read
            try:
                work.append((row, self._prepare(row)))
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
                work = [(row, self._fresh(row, prepared)) for row, prepared in work]
        for one in work:
            try:
                self._commit([one], report)
            except Exception as exc:
                self._failed(one[0].id, exc, report)

    def _commit(self, work: list[tuple[InboxRow, _Prepared]], report: DrainReport) -> None:
        """Work the rows in one transaction; `report` and the metrics learn of them once it committed."""
        done = DrainReport()
        with Session(self._writer, expire_on_commit=False) as session:
            # Rows another worker or replica took meanwhile are not ours any more.
            ours = inbox_rows.lock_workable(session, [row.id for row, _ in work], for_update=self._for_update)
            work = [(row, prepared) for row, prepared in work if row.id in ours]
            txn = _Txn(session, known=self._known_mentions(session, [p for _, p in work]))
            outcomes: list[Outcome] = []
            for n, (row, prepared) in enumerate(work):
                if n:
                    failpoint("ingest.mid_batch")
                outcomes.append(self._apply(txn, row, prepared, done))
            self._write_openings(txn, done)
            inbox_rows.finish(session, outcomes)
            failpoint("ingest.before_commit")
            session.commit()
        failpoint("ingest.after_commit")
        self._publish(done, report)

    def _write_openings(self, txn: _Txn, report: DrainReport) -> None:
        """Write the cases opened so far (before anything that must see them, and at the end)."""
        report.case_ids.extend(txn.openings.write(txn.session, self._notifier))

    def _publish(self, done: DrainReport, report: DrainReport) -> None:
        report.add(done)
        for (platform, result), n in done.mention_results.items():
            self._metrics.mentions.labels(platform=platform, result=result).inc(n)
        for status, n in done.inbox_statuses.items():
            self._metrics.inbox_processed.labels(status=status).inc(n)

    def _known_mentions(
        self, session: Session, prepared: list[_Prepared]
    ) -> dict[tuple[Platform, str], Mention]:
        keys = {(nm.platform, nm.external_id) for p in prepared for nm, _, _ in p.mentions}
        if not keys:
            return {}
        return {(m.platform, m.external_id): m for m in cases_repo.mentions_by_external_ids(session, keys)}

    def _failed(self, inbox_id: int, exc: Exception, report: DrainReport) -> None:
        log.error("inbox item %s failed", inbox_id, exc_info=exc)
        report.failed += 1
        with self._writer.begin() as conn:
            inbox_rows.mark_failed(conn, inbox_id, f"{type(exc).__name__}: {exc}")
        self._metrics.inbox_processed.labels(status="failed").inc()

    def _prepare(self, row: InboxRow) -> _Prepared:
        """The CPU-heavy part (parse, complete, mask, sentiment, category), done before any lock is taken."""
        now = self._clock.now()
        try:
            if self.sources is None:
                raise SourceUnavailable(f"no plugin registry reads rows of {row.source!r}; the body is kept")
            result = self.sources.ingest(row.source, row.body.encode("utf-8"), self._brand, now=now)
        except MalformedPayload as exc:
            return _Prepared(now=now, mentions=[], skipped=[], malformed=str(exc))
        return _Prepared(
            now=now,
            mentions=[self._enriched(nm, row.id, now) for nm in result.mentions],
            skipped=[s.reason for s in result.skipped],
            failures=list(result.failures),
        )

    def _fresh(self, row: InboxRow, prepared: _Prepared) -> _Prepared:
        """`prepared` with new Mention objects: those of a rolled-back transaction keep the ids and cases
        it gave them. The source is not asked again (its `complete` may have called the platform)."""
        mentions = [(nm, self._mention(nm, row.id, prepared.now, t), t) for nm, _, t in prepared.mentions]
        return _Prepared(
            now=prepared.now,
            mentions=mentions,
            skipped=prepared.skipped,
            malformed=prepared.malformed,
            failures=prepared.failures,
        )

    def _apply(self, txn: _Txn, row: InboxRow, prepared: _Prepared, report: DrainReport) -> Outcome:
        now = prepared.now
        reason: str | None
        if prepared.malformed is not None:
            status, reason = InboxStatus.REJECTED, prepared.malformed
        else:
            if prepared.failures:
                self._write_openings(txn, report)  # the failures' writes come after the rows before
                delivery.record_failures(txn.session, prepared.failures, notifier=self._notifier, now=now)
            for normalized, mention, triaged in prepared.mentions:
                self._ingest_mention(txn, row, normalized, mention, triaged, now, report)
            if prepared.mentions:
                status, reason = InboxStatus.PROCESSED, "; ".join(prepared.skipped) or None
            else:
                status = InboxStatus.IGNORED
                reason = "; ".join(sorted(set(prepared.skipped))) or "no customer mention"
                report.ignored += 1
        report.items += 1
        report.inbox_statuses[status.value] += 1
        return Outcome(inbox_id=row.id, status=status, reason=reason, processed_at=now)

    def _ingest_mention(
        self,
        txn: _Txn,
        row: InboxRow,
        nm: NormalizedMention,
        mention: Mention,
        triaged: Assessment,
        now: datetime,
        report: DrainReport,
    ) -> None:
        session = txn.session
        report.mentions += 1
        key = (nm.platform, nm.external_id)
        held = txn.known.get(key)
        if held is not None:
            # A new version of an item we hold (an edited review) updates its case; the same version
            # again, or an unedited redelivery, is a duplicate.
            edited = nm.edited and not unchanged(held, mention)
            if edited:
                self._write_openings(txn, report)  # `held` may be one of them; the edit reads cases
            if edited and self._edit(session, held, mention, triaged, now):
                report.edits += 1
                assert held.case_id is not None
                report.case_ids.append(held.case_id)
                report.counted(nm.platform, "edited")
                return
            report.duplicates += 1
            report.counted(nm.platform, "duplicate")
            return
        txn.known[key] = mention  # from here on it is stored, one way or another
        if txn.openings.touches(nm):
            self._write_openings(txn, report)  # the reads below could find one of them
        case, repeat = cases_repo.joinable_and_earlier(
            session,
            platform=nm.platform,
            conversation_key=nm.conversation_key,
            parent_external_id=nm.parent_external_id,
            author_id=nm.author.id,
            # From the post's own time: an import of old posts must join a follow-up to the post it
            # followed, not to whatever the same author wrote in the minutes before the import ran.
            window_start=cases_repo.window_start(
                min(nm.posted_at, now), self._config.ingest.same_author_window_minutes
            ),
        )
        # A score answering our satisfaction survey is stored on the surveyed (resolved) case. A bare
        # score opens nothing; one with something to act on carries on below like any mention.
        if self._survey_answers.may_answer(mention):
            self._write_openings(txn, report)  # the answer's writes come after the rows before
        if self._survey_answers.take(session, mention, joinable=case, now=now):
            report.survey_answers += 1
            report.counted(nm.platform, "survey_answer")
            return
        if case is not None:
            self._write_openings(txn, report)  # the follow-up's writes come after the rows before
            self._join(session, row, case, mention, now)
            report.followups += 1
            report.counted(nm.platform, "followup")
            assert case.id is not None
            report.case_ids.append(case.id)
        else:
            txn.openings.add(self._open(txn, row, mention, triaged, now, repeat=repeat))
            report.cases_opened += 1  # its id joins `case_ids` when it is written
            report.counted(nm.platform, "case")

    def _enriched(
        self, nm: NormalizedMention, inbox_id: int, now: datetime
    ) -> tuple[NormalizedMention, Mention, Assessment]:
        # The CPU-heavy part; priority waits for the database. A review's stars count (bot/triage/ratings.py).
        triaged = self._triage.assess(nm.text, rating=nm.rating)
        return nm, self._mention(nm, inbox_id, now, triaged), triaged

    def _mention(self, nm: NormalizedMention, inbox_id: int, now: datetime, triaged: Assessment) -> Mention:
        return Mention(
            platform=nm.platform,
            external_id=nm.external_id,
            kind=nm.kind,
            is_private=nm.is_private,
            conversation_key=nm.conversation_key,
            parent_external_id=nm.parent_external_id,
            inbox_id=inbox_id,
            author_id=nm.author.id,
            author_handle=nm.author.handle,
            author_name=nm.author.name,
            author_followers=nm.author.followers,
            author_verified=nm.author.verified,
            author_url=nm.author.url,
            text_raw=nm.text,
            text_masked=mask(nm.text, self._config.masking).text,
            url=nm.url,
            extra=dict(nm.extra),
            rating=valid_rating(nm.rating),
            # Plain text the card shows beside the post (a review's title may hold personal data too).
            details=[
                [
                    str(label)[:MAX_DETAIL_LABEL],
                    mask(str(value), self._config.masking).text[:MAX_DETAIL_VALUE],
                ]
                for label, value in nm.details[:MAX_DETAILS]
            ],
            posted_at=nm.posted_at,
            received_at=now,
            sentiment_score=triaged.sentiment_score,
            sentiment=triaged.sentiment,
            category=triaged.category,
        )

    def _edit(
        self, session: Session, held: Mention, new: Mention, triaged: Assessment, now: datetime
    ) -> bool:
        return (
            apply_edit(
                session,
                held=held,
                new=new,
                triaged=triaged,
                now=now,
                sla=self._sla,
                notifier=self._notifier,
                prioritize=lambda s, m, t: self._prioritize(s, m, t, earlier_than=m.case_id),
            )
            is not None
        )

    def _prioritize(
        self,
        session: Session,
        mention: Mention,
        triaged: Assessment,
        *,
        earlier_than: int | None = None,
        repeat: int | None = None,
        waiting: Openings | None = None,
    ) -> PolicyDecision:
        """The priority of a case's opening mention: the text's triage plus what the database knows
        (`repeat`: the author's cases on the platform, when the caller counted them already; `waiting`:
        cases the transaction opened and has not written yet, which the count of incidents includes)."""
        if repeat is None:
            repeat = cases_repo.count_earlier_cases(
                session, platform=mention.platform, author_id=mention.author_id, before_case=earlier_than
            )
        incidents = 0
        if triaged.category is Category.INCIDENT:
            since = mention.posted_at - INCIDENT_WINDOW
            incidents = 1 + cases_repo.count_recent_incidents(session, since=since)
            if waiting is not None:
                incidents += waiting.incidents_since(since)
        return self._triage.prioritize(
            mention.text_raw,
            triaged,
            Author(
                followers=mention.author_followers, verified=mention.author_verified, repeat_contacts=repeat
            ),
            incident_reports=incidents,
        )

    def _open(
        self, txn: _Txn, row: InboxRow, mention: Mention, triaged: Assessment, now: datetime, *, repeat: int
    ) -> Opening:
        """The case `mention` opens, with its event, to be written with the transaction's other openings."""
        session = txn.session
        decision = self._prioritize(session, mention, triaged, repeat=repeat, waiting=txn.openings)
        priority, reason = decision.priority, decision.reason
        enrichment: dict[str, Any] = {}
        if self.enrichers is not None:
            applied = self.enrichers.run(self._facts(row, mention, priority, reason, opens_case=True))
            priority, reason = Priority(applied.priority), applied.priority_reason
            enrichment = applied.by_plugin
        routed = route(
            self._config.routing,
            RouteInput(
                platform=mention.platform,
                text=mention.text_raw,
                category=mention.category,
                priority=priority,
                is_private=mention.is_private,
            ),
        )
        dues = self._sla.dues(
            team=routed.team,
            platform=mention.platform,
            priority=priority,
            posted_at=mention.posted_at,
        )
        case = Case(
            platform=mention.platform,
            conversation_key=mention.conversation_key,
            status=CaseStatus.NEW,
            priority=priority,
            priority_reason=reason[:512],
            enrichment=enrichment,
            category=mention.category,
            sentiment=mention.sentiment,
            needs_reply=triaged.needs_reply,
            is_private=mention.is_private,
            team=routed.team,
            route=routed.rule,
            author_id=mention.author_id,
            author_handle=mention.author_handle,
            author_name=mention.author_name,
            opened_at=mention.posted_at,
            first_response_due=dues.first_response,
            resolution_due=dues.resolution,
            sla_check_at=dues.check_at,
            last_activity_at=now,
            historical=self._is_history(row, mention),
        )
        matched = None
        if self.crisis_intake is not None and not case.historical:  # history is not part of a crisis
            matched = self.crisis_intake.tag(session, case, mention, running=txn.running_crises())
        if not has_sla_clock(case):
            case.sla_check_at = None  # spam, no reply needed, history: nothing to nudge, alert or page
        event: dict[str, Any] = {
            "platform": case.platform.value,
            "team": case.team,
            "route": case.route,
            "priority": case.priority.value,
            "reason": case.priority_reason,
            # The model's own answer, before the team's rules: corrections measure the model by it.
            "triage": {
                "category": triaged.model_category.value,
                "priority": decision.priority.value,
                "needs_reply": triaged.needs_reply,
                "model_version": triaged.model_version,
                "private_reply_suggested": decision.private_reply_suggested,
            },
            **({"crisis_id": case.crisis_id, "crisis_keyword": matched} if matched else {}),
        }
        return Opening(case=case, mention=mention, now=now, event=event)

    def _facts(
        self, row: InboxRow, mention: Mention, priority: Priority, reason: str, *, opens_case: bool
    ) -> MentionFacts:
        """The mention as enrichers see it: masked text, socialdesk's triage, the source it came in by."""
        return MentionFacts(
            source=row.source,
            platform=mention.platform.value,
            external_id=mention.external_id,
            kind=mention.kind.value,
            author_id=mention.author_id,
            author_handle=mention.author_handle,
            text=mention.text_masked,
            posted_at=mention.posted_at,
            category=mention.category.value,
            sentiment=mention.sentiment.value,
            priority=priority.value,
            priority_reason=reason,
            opens_case=opens_case,
        )

    def _is_history(self, row: InboxRow, mention: Mention) -> bool:
        """Imported as history (`socialdesk ingest --historical`), or already old when it reached us
        (`ingest.historical_after_minutes`, from when the inbox took it: a backlog is not history)."""
        return is_history(
            posted_at=mention.posted_at,
            received_at=row.received_at,
            after_minutes=self._config.ingest.historical_after_minutes,
            source=row.source,
        )

    def _join(self, session: Session, row: InboxRow, case: Case, mention: Mention, now: datetime) -> None:
        assert case.id is not None
        mention.case_id = case.id
        session.add(mention)
        case.mention_count += 1
        case.last_activity_at = now
        if self.enrichers is not None:  # a follow-up adds tags and fields; the case keeps its priority
            facts = self._facts(row, mention, case.priority, case.priority_reason, opens_case=False)
            case.enrichment = merge_enrichment(case.enrichment, self.enrichers.run(facts).by_plugin)
        if case.status is CaseStatus.WAITING_CUSTOMER:
            # The resolution clock restarts, later by the time the customer took; the scan re-reads it.
            self._sla.end_pause(case, now)
            case.sla_check_at = now
            case.status = CaseStatus.CLAIMED if case.assignee else CaseStatus.NEW
        case.version += 1
        session.add(case)
        session.flush()
        events_repo.append(
            session, case_id=case.id, actor=events_repo.SYSTEM, kind="followup", at=now, mention_id=mention.id
        )
        self._notifier.followup_added(session, case, mention, now=now)
