"""The work of one write transaction on its inbox rows, already prepared (bot/ingest/prepare.py): each
mention deduplicated, then stored as an edit, a survey answer, a follow-up or a new case
(bot/ingest/cases.py), and each row's outcome for the inbox. The caller (bot/ingest/pipeline.py) takes
and locks the rows, commits, and on an error works them again one per transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from socialdesk.config import Config
from socialdesk.domain.crisis_models import Crisis
from socialdesk.domain.enums import InboxStatus, Platform
from socialdesk.domain.models import Case, Mention
from socialdesk.domain.notify import CaseNotifier
from socialdesk.ingest import delivery
from socialdesk.ingest.cases import MentionCases
from socialdesk.ingest.edits import unchanged
from socialdesk.ingest.inbox_rows import InboxRow, Outcome
from socialdesk.ingest.openings import Openings
from socialdesk.ingest.prepare import Prepared
from socialdesk.ingest.report import DrainReport
from socialdesk.plugins.mentions import NormalizedMention
from socialdesk.store import cases_repo, crisis_repo
from socialdesk.store.joinable import JoinableLookup, Wanted, joinable_lookup
from socialdesk.surveys.answers import SurveyAnswers
from socialdesk.triage.path import Assessment


@dataclass
class WriteTxn:
    """What the rows of one write transaction share."""

    session: Session
    # Mentions already stored under the batch's (platform, external id)s, read in one statement, and
    # those the batch itself stores: a redelivery inside the batch is a duplicate like any other.
    known: dict[tuple[Platform, str], Mention]
    # Cases opened and not written yet: one INSERT per table for a run of them (bot/ingest/openings.py).
    openings: Openings = field(default_factory=Openings)
    # The case each new mention continues and its author's count, read for the whole batch at once
    # (bot/store/joinable.py); None once a row changed cases in a way it cannot follow.
    joinable: JoinableLookup | None = None
    # Threads, authors and posts (by platform) a row of the batch changed: a mention that meets one
    # asks the database itself.
    touched: set[tuple[str, Platform, str]] = field(default_factory=set)
    _running: list[Crisis] | None = None

    def touch(self, platform: Platform, *, thread: str, author: str, post: str | None = None) -> None:
        self.touched.update({("thread", platform, thread), ("author", platform, author)})
        if post is not None:
            self.touched.add(("post", platform, post))

    def meets_changes(self, nm: NormalizedMention) -> bool:
        platform = nm.platform
        return bool(
            {("thread", platform, nm.conversation_key), ("author", platform, nm.author.id)} & self.touched
        )

    def running_crises(self) -> list[Crisis]:
        """The running crises, read once per transaction (no row of a batch declares or ends one; on
        SQLite no other writer can while the batch holds the write lock)."""
        if self._running is None:
            self._running = crisis_repo.active(self.session)
        return self._running


class BatchWork:
    def __init__(
        self, *, config: Config, notifier: CaseNotifier, cases: MentionCases, survey_answers: SurveyAnswers
    ) -> None:
        self._config = config
        self._notifier = notifier
        self._cases = cases
        self._survey_answers = survey_answers

    def begin(self, session: Session, prepared: list[Prepared]) -> WriteTxn:
        """The transaction's shared state: the batch's mentions already stored, and the cases its new
        mentions could continue, each read in one statement."""
        mentions = [nm for p in prepared for nm, _, _ in p.mentions]
        keys = {(nm.platform, nm.external_id) for nm in mentions}
        known = (
            {(m.platform, m.external_id): m for m in cases_repo.mentions_by_external_ids(session, keys)}
            if keys
            else {}
        )
        fresh = {
            Wanted(nm.platform, nm.conversation_key, nm.author.id)
            for nm in mentions
            if (nm.platform, nm.external_id) not in known and not nm.parent_external_id
        }
        joinable = joinable_lookup(session, fresh) if len(fresh) > 1 else None  # one: ask as it goes
        return WriteTxn(session, known=known, joinable=joinable)

    def finish(self, txn: WriteTxn, report: DrainReport) -> None:
        """Before the inbox rows are marked done: write the cases still waiting."""
        self._write_openings(txn, report)

    def apply(self, txn: WriteTxn, row: InboxRow, prepared: Prepared, report: DrainReport) -> Outcome:
        """Work one prepared row in the transaction; its outcome, for the inbox row."""
        now = prepared.now
        reason: str | None
        if prepared.malformed is not None:
            status, reason = InboxStatus.REJECTED, prepared.malformed
        else:
            if prepared.failures:
                self._write_openings(txn, report)  # the failures' writes come after the rows before
                txn.joinable = None  # they change cases: the mentions after them ask the database
                delivery.record_failures(txn.session, prepared.failures, notifier=self._notifier, now=now)
            for normalized, mention, triaged in prepared.mentions:
                self.ingest_mention(txn, row, normalized, mention, triaged, now, report)
            if prepared.mentions:
                status, reason = InboxStatus.PROCESSED, "; ".join(prepared.skipped) or None
            else:
                status = InboxStatus.IGNORED
                reason = "; ".join(sorted(set(prepared.skipped))) or "no customer mention"
                report.ignored += 1
        report.items += 1
        report.inbox_statuses[status.value] += 1
        return Outcome(inbox_id=row.id, status=status, reason=reason, processed_at=now)

    def ingest_mention(
        self,
        txn: WriteTxn,
        row: InboxRow,
        nm: NormalizedMention,
        mention: Mention,
        triaged: Assessment,
        now: datetime,
        report: DrainReport,
    ) -> None:
        """One mention of the row: a duplicate, an edit, a survey answer, a follow-up or a new case."""
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
                txn.joinable = None  # an edit may re-triage its case: the mentions after it ask the database
            if edited and self._cases.edit(session, held, mention, triaged, now):
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
        case, repeat = self._joinable(txn, nm, now)
        # A score answering our satisfaction survey is stored on the surveyed (resolved) case. A bare
        # score opens nothing; one with something to act on carries on below like any mention.
        if self._survey_answers.may_answer(mention):
            self._write_openings(txn, report)  # the answer's writes come after the rows before
            txn.joinable = None  # it may reopen its case: the mentions after it ask the database
        if self._survey_answers.take(session, mention, joinable=case, now=now):
            report.survey_answers += 1
            report.counted(nm.platform, "survey_answer")
            return
        txn.touch(nm.platform, thread=nm.conversation_key, author=nm.author.id, post=nm.external_id)
        if case is not None:
            self._write_openings(txn, report)  # the follow-up's writes come after the rows before
            # A post joins the case: its thread and its author (who may not be this one) now have a
            # newer post there.
            txn.touch(case.platform, thread=case.conversation_key, author=case.author_id)
            self._cases.join(session, row, case, mention, now)
            report.followups += 1
            report.counted(nm.platform, "followup")
            assert case.id is not None
            report.case_ids.append(case.id)
        else:
            opening = self._cases.open(
                session,
                row,
                mention,
                triaged,
                now,
                repeat=repeat,
                waiting=txn.openings,
                running=txn.running_crises,
            )
            txn.openings.add(opening)
            report.cases_opened += 1  # its id joins `case_ids` when it is written
            report.counted(nm.platform, "case")

    def _joinable(self, txn: WriteTxn, nm: NormalizedMention, now: datetime) -> tuple[Case | None, int]:
        """The open case `nm` continues and its author's cases: from the batch's read where nothing the
        batch did since could change the answer, else from the database, as each mention used to."""
        # From the post's own time: an import of old posts must join a follow-up to the post it
        # followed, not to whatever the same author wrote in the minutes before the import ran.
        window_start = cases_repo.window_start(
            min(nm.posted_at, now), self._config.ingest.same_author_window_minutes
        )
        if txn.joinable is None or nm.parent_external_id or txn.meets_changes(nm):
            return cases_repo.joinable_and_earlier(
                txn.session,
                platform=nm.platform,
                conversation_key=nm.conversation_key,
                parent_external_id=nm.parent_external_id,
                author_id=nm.author.id,
                window_start=window_start,
            )
        case_id, repeat = txn.joinable.answer(
            platform=nm.platform,
            conversation_key=nm.conversation_key,
            author_id=nm.author.id,
            window_start=window_start,
        )
        return (txn.session.get(Case, case_id) if case_id is not None else None), repeat

    def _write_openings(self, txn: WriteTxn, report: DrainReport) -> None:
        """Write the cases opened so far (before anything that must see them, and at the end)."""
        report.case_ids.extend(txn.openings.write(txn.session, self._notifier))
