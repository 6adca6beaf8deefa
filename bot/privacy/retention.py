"""The retention policy, applied by the nightly `privacy-purge` job: personal data older than its
data class allows (config `retention:`) is cleared, while the rows, times and figures stay.

Per data class, what happens to rows older than the limit:

* raw payloads (`raw_payloads_days`): the inbox body becomes "" and the row stays, with its status,
  hash and times. Rows are not deleted because mentions point at them (`mention.inbox_id`), and the
  hash keeps deduplicating a platform's late redelivery. Only finished rows (processed, ignored,
  rejected) are cleared: pending and failed ones still have to be processed.
* message text (`message_text_days`): mention texts become "[expired]" (platform, sentiment, category,
  times and the case link stay, so metrics still work), except the latest mention of an open case,
  which the agent may still be answering; sent or failed reply texts likewise (one still pending or
  sending keeps its text: it has to go out); survey comments are dropped; and note, reply and
  comment texts in case timelines become "[expired]".
* audit events (`audit_events_days`): every free-text field of case and crisis timeline rows
  (reasons, errors, links, summaries; bot/privacy/scrub.py) becomes "[expired]".
* outbox (`outbox_days`): Slack calls sent or given up on are deleted, except one a pending call is
  still waiting for (`payload["after"]`, e.g. a digest chart after its post).

Every step works in batches of `batch` rows, one transaction each, so a first purge of a large
database never holds a long lock; running it again changes nothing (cleared rows no longer match).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, update
from sqlmodel import Session, col, select

from socialdesk.clock import Clock
from socialdesk.config import Config
from socialdesk.domain.crisis_models import CrisisEvent
from socialdesk.domain.enums import OPEN_STATUSES, InboxStatus, OutboxStatus, ReplyStatus
from socialdesk.domain.models import (
    Case,
    CaseEvent,
    InboxItem,
    Mention,
    OutboxMessage,
    PlatformReply,
    SurveyResponse,
)
from socialdesk.privacy.scrub import AUDIT_TEXT_KEYS, EXPIRED, MARKERS, MESSAGE_TEXT_KEYS, scrub
from socialdesk.store.db import session_scope, writer

log = logging.getLogger(__name__)

BATCH = 1000
FINISHED_INBOX = (InboxStatus.PROCESSED, InboxStatus.IGNORED, InboxStatus.REJECTED)
FINISHED_REPLIES = (ReplyStatus.SENT, ReplyStatus.FAILED)
DONE_OUTBOX = (OutboxStatus.SENT, OutboxStatus.DEAD)


@dataclass
class PurgeReport:
    inbox_bodies: int = 0
    mention_texts: int = 0
    reply_texts: int = 0
    survey_comments: int = 0
    case_events: int = 0
    crisis_events: int = 0
    outbox_deleted: int = 0
    batches: int = 0  # transactions that changed something


class RetentionPurge:
    def __init__(self, engine: Engine, config: Config, clock: Clock, *, batch: int = BATCH) -> None:
        self._engine = writer(engine)
        self._retention = config.retention
        self._clock = clock
        self._batch = batch

    def run(self) -> PurgeReport:
        now = self._clock.now()
        days = self._retention
        raw, text = now - timedelta(days=days.raw_payloads_days), now - timedelta(days=days.message_text_days)
        audit, outbox = now - timedelta(days=days.audit_events_days), now - timedelta(days=days.outbox_days)
        report = PurgeReport()
        report.inbox_bodies = self._batches(report, lambda s: _inbox(s, raw, self._batch))
        report.mention_texts = self._batches(report, lambda s: _mentions(s, text, self._batch))
        report.reply_texts = self._batches(report, lambda s: _replies(s, text, self._batch))
        report.survey_comments = self._batches(report, lambda s: _surveys(s, text, self._batch))
        report.case_events = self._events(report, CaseEvent, text, MESSAGE_TEXT_KEYS)
        report.case_events += self._events(report, CaseEvent, audit, AUDIT_TEXT_KEYS)
        report.crisis_events = self._events(report, CrisisEvent, audit, AUDIT_TEXT_KEYS)
        report.outbox_deleted = self._batches(report, lambda s: _outbox(s, outbox, self._batch))
        log.info("privacy purge: %s", report)
        return report

    def _batches(self, report: PurgeReport, step: Callable[[Session], int]) -> int:
        """Run `step` in its own transaction until it changes fewer rows than a batch."""
        total = 0
        while True:
            with session_scope(self._engine) as session:
                changed = step(session)
            total += changed
            report.batches += 1 if changed else 0
            if changed < self._batch:
                return total

    def _events(self, report: PurgeReport, model: Any, before: datetime, keys: tuple[str, ...]) -> int:
        """Timeline rows older than `before`: JSON cannot be filtered alike on SQLite and PostgreSQL,
        so rows are read by id in pages and only those with text left to clear are written."""
        total, after = 0, 0
        while True:
            with session_scope(self._engine) as session:
                rows = session.exec(
                    select(model)
                    .where(col(model.at) < before, col(model.id) > after)
                    .order_by(col(model.id))
                    .limit(self._batch)
                ).all()
                changed = 0
                for row in rows:
                    cleared = scrub(row.detail, keys, EXPIRED)
                    if cleared is not None:
                        row.detail = cleared
                        session.add(row)
                        changed += 1
            total += changed
            report.batches += 1 if changed else 0
            if len(rows) < self._batch:
                return total
            after = rows[-1].id


def _ids_update(session: Session, model: Any, ids: list[int], **values: Any) -> int:
    if ids:
        session.connection().execute(update(model).where(col(model.id).in_(ids)).values(**values))
    return len(ids)


def _inbox(session: Session, before: datetime, limit: int) -> int:
    ids = session.exec(
        select(InboxItem.id)
        .where(
            col(InboxItem.received_at) < before,
            col(InboxItem.status).in_(FINISHED_INBOX),
            col(InboxItem.body) != "",
        )
        .limit(limit)
    ).all()
    return _ids_update(session, InboxItem, [i for i in ids if i is not None], body="")


def _mentions(session: Session, before: datetime, limit: int) -> int:
    # The latest mention of each open case: the one an agent may be answering right now.
    latest_open = (
        select(func.max(Mention.id))
        .join(Case, col(Case.id) == Mention.case_id)
        .where(col(Case.status).in_(OPEN_STATUSES))
        .group_by(col(Mention.case_id))
    )
    ids = session.exec(
        select(Mention.id)
        .where(
            col(Mention.received_at) < before,
            col(Mention.text_raw).not_in(MARKERS),
            col(Mention.id).not_in(latest_open),
        )
        .limit(limit)
    ).all()
    return _ids_update(
        session, Mention, [i for i in ids if i is not None], text_raw=EXPIRED, text_masked=EXPIRED
    )


def _replies(session: Session, before: datetime, limit: int) -> int:
    ids = session.exec(
        select(PlatformReply.id)
        .where(
            col(PlatformReply.created_at) < before,
            col(PlatformReply.status).in_(FINISHED_REPLIES),
            col(PlatformReply.text).not_in(MARKERS),
        )
        .limit(limit)
    ).all()
    return _ids_update(session, PlatformReply, [i for i in ids if i is not None], text=EXPIRED)


def _surveys(session: Session, before: datetime, limit: int) -> int:
    ids = session.exec(
        select(SurveyResponse.id)
        .where(col(SurveyResponse.received_at) < before, col(SurveyResponse.comment).is_not(None))
        .limit(limit)
    ).all()
    return _ids_update(session, SurveyResponse, [i for i in ids if i is not None], comment=None)


def _outbox(session: Session, before: datetime, limit: int) -> int:
    payloads = session.exec(select(OutboxMessage.payload).where(OutboxMessage.status == OutboxStatus.PENDING))
    awaited = sorted({str(p["after"]) for p in payloads if p.get("after")})
    ids = session.exec(
        select(OutboxMessage.id)
        .where(
            col(OutboxMessage.created_at) < before,
            col(OutboxMessage.status).in_(DONE_OUTBOX),
            col(OutboxMessage.dedupe_key).not_in(awaited),
        )
        .limit(limit)
    ).all()
    found = [i for i in ids if i is not None]
    if found:
        session.connection().execute(delete(OutboxMessage).where(col(OutboxMessage.id).in_(found)))
    return len(found)
