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
from socialdesk.domain.models import Mention
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
    _running: list[Crisis] | None = None

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
        """The transaction's shared state: the batch's mentions already stored, read in one statement."""
        keys = {(nm.platform, nm.external_id) for p in prepared for nm, _, _ in p.mentions}
        known = (
            {(m.platform, m.external_id): m for m in cases_repo.mentions_by_external_ids(session, keys)}
            if keys
            else {}
        )
        return WriteTxn(session, known=known)

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

    def _write_openings(self, txn: WriteTxn, report: DrainReport) -> None:
        """Write the cases opened so far (before anything that must see them, and at the end)."""
        report.case_ids.extend(txn.openings.write(txn.session, self._notifier))
