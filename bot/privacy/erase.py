"""Erasure on request ("forget me"): the author's personal data goes, the anonymous figures stay.

What changes, per author (`x:2200000001`):

* mentions and cases: author id -> a stable pseudonym (bot/privacy/subject.py), handle, name, profile
  link, follower count and post link blanked, texts -> "[erased]", platform extras dropped, and the id
  inside DM conversation keys replaced (so a new message opens a new case, not the forgotten one);
* the raw inbox bodies their posts came in (all of the body: one request can hold several posts);
* on their cases: reply texts -> "[erased]" (a reply not sent yet is given up: it would post the
  marker), survey comments dropped, free text in the timeline cleared, and the prepared text of
  Slack calls already sent dropped;
* their cards in Slack are redrawn (a card update per case, through the outbox).

What stays: case times, priorities, sentiment, categories, outcomes, reply and survey counts and
scores, so digests and metrics count the same. The erasure itself is recorded as a Notice of kind
"erasure" holding who asked, when, the pseudonym and the counts: no personal data.

Work is done in batches of BATCH rows, one transaction each, so a prolific author never holds a long
lock; a run cut short is finished by running it again (the rows left still carry the real id).
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from socialdesk.config import Config
from socialdesk.domain.enums import OutboxStatus, ReplyStatus
from socialdesk.domain.models import (
    Case,
    CaseEvent,
    InboxItem,
    Mention,
    OutboxMessage,
    PlatformReply,
    SurveyResponse,
)
from socialdesk.privacy.scrub import AUDIT_TEXT_KEYS, ERASED, scrub
from socialdesk.privacy.subject import (
    AuthorRef,
    Subject,
    UnknownAuthor,
    has_data,
    install_salt,
    parse_author,
    pseudonym,
    resolve,
)
from socialdesk.slack.transport.notifier import OutboxNotifier
from socialdesk.store.db import session_scope, writer
from socialdesk.store.notices_repo import claim_notice, mark_sent

BATCH = 1000
NOTICE_KIND = "erasure"


@dataclass
class ErasureReport:
    author: str  # the pseudonym: the report may be shown in Slack and logged
    already_erased: bool = False
    mentions: int = 0
    cases: int = 0
    replies: int = 0
    survey_comments: int = 0
    events: int = 0
    inbox_bodies: int = 0
    outbox_payloads: int = 0
    cards_updated: int = 0
    _cards: set[int] = field(default_factory=set, repr=False)

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if isinstance(v, int) and not isinstance(v, bool)}


def erase(
    engine: Engine, author: AuthorRef | str, *, actor: str, now: datetime, config: Config
) -> ErasureReport:
    """Erase one author (see the module doc). Raises UnknownAuthor when nothing is stored under that
    author; erasing again by id is harmless (`already_erased`, nothing changes)."""
    ref = parse_author(author) if isinstance(author, str) else author
    with Session(engine) as session:
        subject = resolve(session, ref)
        live = has_data(session, subject.platform, subject.author_id)
    alias = pseudonym(subject.platform, subject.author_id, install_salt(engine, now))
    report = ErasureReport(author=alias)
    if not live:
        with Session(engine) as session:
            if not has_data(session, subject.platform, alias):
                raise UnknownAuthor(f"No data for {ref}.")
        report.already_erased = True
    else:
        _erase_mentions(engine, subject, alias, report)
        _erase_cases(engine, subject, alias, report)
        _redraw_other_cards(engine, report, config, now)
    _record(engine, subject, report, actor=actor, now=now)
    return report


def _swap_id(key: str, author_id: str, alias: str) -> str:
    """A conversation key with the author id as one of its `:` parts ("x_dm:2200000001")."""
    return ":".join(alias if part == author_id else part for part in key.split(":"))


def _erase_mentions(engine: Engine, subject: Subject, alias: str, report: ErasureReport) -> None:
    while True:
        with session_scope(writer(engine)) as session:
            mentions = session.exec(
                select(Mention)
                .where(Mention.platform == subject.platform, Mention.author_id == subject.author_id)
                .order_by(col(Mention.id))
                .limit(BATCH)
            ).all()
            inbox_ids = {m.inbox_id for m in mentions if m.inbox_id is not None}
            for mention in mentions:
                mention.author_id = alias
                mention.author_handle = mention.author_name = ""
                mention.author_url = mention.url = None
                mention.author_followers = None
                mention.text_raw = mention.text_masked = ERASED
                mention.extra = {}
                mention.conversation_key = _swap_id(mention.conversation_key, subject.author_id, alias)
                session.add(mention)
                if mention.case_id is not None:
                    report._cards.add(mention.case_id)
            if inbox_ids:
                result = session.connection().execute(
                    update(InboxItem)
                    .where(col(InboxItem.id).in_(sorted(inbox_ids)), col(InboxItem.body) != "")
                    .values(body="")
                )
                report.inbox_bodies += int(getattr(result, "rowcount", 0) or 0)
            report.mentions += len(mentions)
        if len(mentions) < BATCH:
            return


def _erase_cases(engine: Engine, subject: Subject, alias: str, report: ErasureReport) -> None:
    while True:
        with session_scope(writer(engine)) as session:
            cases = session.exec(
                select(Case)
                .where(Case.platform == subject.platform, Case.author_id == subject.author_id)
                .order_by(col(Case.id))
                .limit(BATCH)
            ).all()
            ids = [c.id for c in cases if c.id is not None]
            for case in cases:
                case.author_id = alias
                case.author_handle = case.author_name = ""
                case.conversation_key = _swap_id(case.conversation_key, subject.author_id, alias)
            _erase_case_children(session, ids, report)
            _bump(session, cases, report)
            report.cases += len(cases)
        if len(cases) < BATCH:
            return


def _erase_case_children(session: Session, case_ids: list[int], report: ErasureReport) -> None:
    for reply in session.exec(select(PlatformReply).where(col(PlatformReply.case_id).in_(case_ids))):
        if reply.status in (ReplyStatus.PENDING, ReplyStatus.SENDING):
            # Not sent yet: sending it now would post the marker, and the customer asked to be forgotten.
            reply.status, reply.error_kind, reply.error = ReplyStatus.FAILED, "erased", "customer erased"
        reply.text = ERASED
        session.add(reply)
        report.replies += 1
    for survey in session.exec(
        select(SurveyResponse).where(
            col(SurveyResponse.case_id).in_(case_ids), col(SurveyResponse.comment).is_not(None)
        )
    ):
        survey.comment = None
        session.add(survey)
        report.survey_comments += 1
    for event in session.exec(select(CaseEvent).where(col(CaseEvent.case_id).in_(case_ids))):
        cleared = scrub(event.detail, AUDIT_TEXT_KEYS, ERASED)
        if cleared is not None:
            event.detail = cleared
            session.add(event)
            report.events += 1
    report.outbox_payloads += _drop_sent_payloads(session, case_ids)


def _drop_sent_payloads(session: Session, case_ids: list[int]) -> int:
    """Slack calls already made whose payload was drawn in advance (not a "render" kind, which holds
    only ids): their text may quote the customer. Pending calls are left to go out as they are."""
    rows = session.exec(
        select(OutboxMessage).where(
            col(OutboxMessage.case_id).in_(case_ids),
            col(OutboxMessage.status).in_([OutboxStatus.SENT, OutboxStatus.DEAD]),
        )
    ).all()
    dropped = 0
    for row in rows:
        if "render" not in row.payload and row.payload != {"erased": True}:
            row.payload = {"erased": True}
            session.add(row)
            dropped += 1
    return dropped


def _bump(session: Session, cases: Any, report: ErasureReport) -> None:
    """A new version per case, so the card update's dedupe key is new; queued in `_redraw_*`."""
    for case in cases:
        case.version += 1
        session.add(case)
        if case.id is not None:
            report._cards.add(case.id)


def _redraw_other_cards(engine: Engine, report: ErasureReport, config: Config, now: datetime) -> None:
    """Queue a card update for every case that showed the author's words (theirs and others' threads)."""
    notifier = OutboxNotifier(config)
    ids = sorted(report._cards)
    for start in range(0, len(ids), BATCH):
        with session_scope(writer(engine)) as session:
            for case in session.exec(select(Case).where(col(Case.id).in_(ids[start : start + BATCH]))):
                if case.author_id != report.author:
                    case.version += 1  # someone else's thread that quoted the erased author
                    session.add(case)
                session.flush()
                notifier.case_changed(session, case, now=now)
                report.cards_updated += 1


def _record(engine: Engine, subject: Subject, report: ErasureReport, *, actor: str, now: datetime) -> None:
    key = f"erasure:{report.author}:{now.isoformat()}:{secrets.token_hex(4)}"
    detail: dict[str, Any] = {
        "requested_by": actor,
        "platform": subject.platform.value,
        "pseudonym": report.author,
        "at": now.isoformat(),
        "already_erased": report.already_erased,
        "counts": report.counts(),
    }
    with session_scope(writer(engine)) as session:
        claim_notice(session, key, NOTICE_KIND, now, detail=detail)
        mark_sent(session, key, now)  # nothing to send: the row is the record
